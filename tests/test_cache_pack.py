"""A run's pack: the entries of a whole run in one file, read once, trusted no more than one entry.

A run whose files are unchanged reads its pack instead of one entry per file; a run after an edit
reads the pack and the edited file's entry, and replaces the pack. The pack sits in the scanned
tree like every entry, so a committed one is hostile input: forged, swapped for an entry, or
linked elsewhere, it is ignored and the run is the ``--no-cache`` run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.pipeline import analyze as analyzing
from scanner.pipeline.discover import discover
from scanner.pipeline.engine import scan
from scanner.run.cache import (
    CACHE_DIR_NAME,
    LAYOUT,
    MAC_BYTES,
    PACK_MIN_ENTRIES,
    PACK_SLACK,
    PACKS,
)
from scanner.run.runner import start_all
from tests.conftest import Run, write
from tests.limits import assert_no_traceback, run_limited

DB = "Resources:\n  Db{n}:\n    Type: AWS::RDS::DBCluster\n    Properties: {{Engine: aurora}}\n"
MODULE = "import boto3\n\nDATA{n} = boto3.client('rds-data')\n"
FILES = PACK_MIN_ENTRIES + 4


def _tree(root: Path) -> Path:
    """Enough templates and modules with findings that a run keeps a pack."""
    files = {f"t{n:02}.yaml": DB.format(n=n) for n in range(FILES // 2)}
    files.update({f"m{n:02}.py": MODULE.format(n=n) for n in range(FILES - FILES // 2)})
    return write(root, files)


def _packs(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / PACKS).iterdir() if not p.name.startswith(".tmp-"))


def _entries(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / LAYOUT).rglob("*") if p.is_file())


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    analysed: list[str] = []
    real = analyzing.analyze
    monkeypatch.setattr(analyzing, "analyze", lambda c, *a: analysed.append(c.rel) or real(c, *a))
    return analysed


def test_a_warm_run_is_served_from_its_pack_and_an_edit_replaces_it(tmp_path, monkeypatch):
    tree, cache = _tree(tmp_path / "tree"), tmp_path / "cache"
    config = Config(root=tree, select=("RDS", "SCAN", "DSQL"))
    cold = scan((str(tree),), config, jobs=1)
    assert scan((str(tree),), config, jobs=1, cache_dir=cache) == cold
    (pack,) = _packs(cache)
    written = pack.stat().st_mtime_ns
    for entry in _entries(cache):
        entry.unlink()  # only the pack can serve the next run
    analysed = _counting(monkeypatch)
    assert scan((str(tree),), config, jobs=1, cache_dir=cache) == cold
    assert analysed == [], "every file came from the pack"
    assert pack.stat().st_mtime_ns == written, "an unchanged run leaves its pack alone"
    (tree / "m00.py").write_text(MODULE.format(n=0) + "# edited\n")
    edited = scan((str(tree),), config, jobs=1)
    analysed.clear()
    assert scan((str(tree),), config, jobs=1, cache_dir=cache) == edited
    assert analysed == ["m00.py"]
    assert pack.stat().st_mtime_ns == written, "one edit: the pack stays, the entry is read alone"
    assert scan((str(tree),), config, jobs=1, cache_dir=cache) == edited
    assert analysed == ["m00.py"], "the edited file's own entry serves it"
    slack = max(PACK_SLACK, FILES // 16) // 2 + 1  # each edit adds an entry and leaves one
    for n in range(1, 1 + slack):
        (tree / f"m{n:02}.py").write_text(MODULE.format(n=n) + "# edited\n")
    edited = scan((str(tree),), config, jobs=1)
    analysed.clear()
    assert scan((str(tree),), config, jobs=1, cache_dir=cache) == edited
    assert len(analysed) == slack
    assert _packs(cache) == [pack] and pack.stat().st_mtime_ns != written, "replaced, not added"
    for entry in _entries(cache):
        entry.unlink()
    assert scan((str(tree),), config, jobs=1, cache_dir=cache) == edited
    assert len(analysed) == slack, "the replaced pack serves every edited file"


def test_named_files_and_a_whole_scan_keep_packs_of_their_own(tmp_path, monkeypatch):
    """A pre-commit run's context views and a whole scan's analyses are different entries: each
    kind of run keeps its own pack, so alternating them does not replace either."""
    tree, cache = _tree(tmp_path / "tree"), tmp_path / "cache"
    write(tree, {"pyproject.toml": "[tool.dsql-scan]\n"})
    config = Config(root=tree, source=str(tree / "pyproject.toml"), select=("RDS", "SCAN"))
    named = (str(tree / "m00.py"),)
    whole = scan((str(tree),), config, jobs=1, cache_dir=cache)
    one = scan(named, config, jobs=1, cache_dir=cache)
    packs = {p: p.stat().st_mtime_ns for p in _packs(cache)}
    assert len(packs) == 2
    analysed = _counting(monkeypatch)
    assert scan((str(tree),), config, jobs=1, cache_dir=cache) == whole
    assert scan(named, config, jobs=1, cache_dir=cache) == one
    assert analysed == [] and {p: p.stat().st_mtime_ns for p in _packs(cache)} == packs


TABLE = (
    "Resources:\n  Orders{n}:\n    Type: AWS::DynamoDB::Table\n    Properties:\n"
    "      TableName: orders{n}\n      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]\n"
    "      AttributeDefinitions: [{{AttributeName: pk, AttributeType: S}}]\n"
)


def test_context_views_keep_the_tables_only_for_a_comparison_and_apart(tmp_path, monkeypatch):
    """Without a git base nothing reads the DynamoDB tables of the files that are context, so
    their views leave them out; such a view never serves a run that compares with a base."""
    tree, cache = _tree(tmp_path / "tree"), tmp_path / "cache"
    write(tree, {f"d{n}.yaml": TABLE.format(n=n) for n in range(3)})
    config = Config(root=tree, select=("RDS", "SCAN", "DDB"))
    candidates = discover((str(tree),), config)
    named = [c for c in candidates if c.rel == "m00.py"]
    context = [c for c in candidates if c.rel != "m00.py"]

    def tables(comparing: bool) -> dict[str, int]:
        started = start_all(named, config, 1, cache, context, comparing=comparing)
        started.wait()
        started.close(started.masked)
        return {a.path: len(a.facts.tables) for a in started.context if a.facts and a.facts.tables}

    compared = {f"d{n}.yaml": 1 for n in range(3)}
    assert tables(False) == {}
    assert tables(True) == compared
    analysed = _counting(monkeypatch)
    for entry in _entries(cache):
        entry.unlink()  # the packs alone serve what follows
    assert tables(False) == {}
    assert tables(True) == compared
    assert tables(False) == {}
    assert analysed == [], "each kind of run is served from its own pack"


# --- a hostile tree, through the installed command ---------------------------------------------


def _scan(project: Path, home: Path) -> Run:
    run = run_limited(
        "scan", ".", "--format", "json", cwd=project, env={"XDG_CACHE_HOME": str(home)}
    )
    assert_no_traceback(run)
    return run


def _reference(project: Path, home: Path) -> Run:
    run = run_limited(
        "scan",
        ".",
        "--format",
        "json",
        "--no-cache",
        cwd=project,
        env={"XDG_CACHE_HOME": str(home)},
    )
    assert run.code == 1 and run.json()["findings"], "the input must have findings to hide"
    return run


def _same(run: Run, reference: Run) -> None:
    assert (run.code, run.stdout) == (reference.code, reference.stdout)


def _clean(pack: Path, secret: bytes) -> bytes:
    """``pack`` rewritten to say that every file is clean, with a MAC under ``secret``."""
    claimed = json.loads(pack.read_bytes()[MAC_BYTES:])
    clean = {
        name: {k: entry[k] for k in ("path", "input", "sha256")}
        for name, entry in claimed["entries"].items()
    }
    body = json.dumps({"entries": clean, "masked": claimed["masked"]}).encode()
    label = b"pack\n" + pack.name.encode() + b"\n"
    return hmac.new(secret, label + body, hashlib.sha256).digest() + body


def test_a_committed_pack_claiming_no_findings_is_ignored(tmp_path):
    """The attacker's own run writes a pack; rewritten to say every file is clean (with a MAC
    under the attacker's secret, and the entries removed), it fools only the attacker."""
    project = _tree(tmp_path / "pr")
    cache = project / CACHE_DIR_NAME
    reference = _reference(project, tmp_path / "victim")
    attacker = tmp_path / "attacker"
    _scan(project, attacker)
    secret = (attacker / "dsql-scan" / "secret").read_bytes()
    (pack,) = _packs(cache)
    pack.write_bytes(_clean(pack, secret))
    for entry in _entries(cache):
        entry.unlink()
    fooled = _scan(project, attacker)
    assert fooled.code == 0 and not fooled.json()["findings"], "the forgery is well formed"
    _same(_scan(project, tmp_path / "victim"), reference)
    _same(_scan(project, tmp_path / "victim"), reference)


def test_an_entry_and_a_pack_never_pass_for_each_other(tmp_path):
    """Both carry a MAC under the user's secret, with different labels: the user's own entry
    copied where the pack is (or the pack where an entry is) is no pack (no entry)."""
    project = _tree(tmp_path / "pr")
    cache = project / CACHE_DIR_NAME
    home = tmp_path / "home"
    reference = _reference(project, home)
    _scan(project, home)
    (pack,) = _packs(cache)
    entries = _entries(cache)
    data = pack.read_bytes()
    pack.write_bytes(entries[0].read_bytes())
    for entry in entries:
        entry.write_bytes(data)
    _same(_scan(project, home), reference)
    _same(_scan(project, home), reference)


def test_a_linked_pack_directory_is_not_followed(tmp_path):
    project = _tree(tmp_path / "pr")
    home = tmp_path / "home"
    reference = _reference(project, home)
    cache = project / CACHE_DIR_NAME
    _scan(project, home)
    outside = tmp_path / "outside"
    outside.mkdir()
    (pack,) = _packs(cache)
    # a pack saying every file is clean, under the user's own secret: it would fool the run
    (outside / pack.name).write_bytes(_clean(pack, (home / "dsql-scan" / "secret").read_bytes()))
    pack.unlink()
    (cache / PACKS).rmdir()
    (cache / PACKS).symlink_to(outside)
    for entry in _entries(cache):
        entry.unlink()
    for _ in range(2):
        run = _scan(project, home)
        _same(run, reference)
        assert f"{PACKS} is a symbolic link: it is not used" in run.stderr
    assert [p.name for p in outside.iterdir()] == [pack.name], "nothing written through the link"
    assert _entries(cache), "the entries still work"


def test_a_run_with_unchanged_findings_does_not_import_detect_secrets(tmp_path):
    """What the findings show was masked by the run that wrote the pack: a warm run takes it
    from there instead of importing detect-secrets (and shows the same)."""
    tree, cache = _tree(tmp_path / "tree"), tmp_path / "cache"
    write(
        tree,
        {
            "secret.yaml": "Resources:\n  Db:\n    Type: AWS::RDS::DBCluster\n"
            '    Properties: {Engine: aurora, MasterUserPassword: "Hunter2-Pa55word!"}\n'
        },
    )
    config = Config(root=tree, select=("RDS", "SCAN"))
    cold = scan((str(tree),), config, jobs=1)
    assert "Hunter2" not in repr(cold.findings) and "********" in repr(cold.findings)
    assert scan((str(tree),), config, jobs=1, cache_dir=cache) == cold
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from scanner.config import Config\n"
        "from scanner.pipeline.engine import scan\n"
        f"root = Path({str(tree)!r})\n"
        "config = Config(root=root, select=('RDS', 'SCAN'))\n"
        f"result = scan((str(root),), config, jobs=1, cache_dir=Path({str(cache)!r}))\n"
        "print(repr(result.findings))\n"
        "print('detect_secrets' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    shown, imported = proc.stdout.splitlines()
    assert shown == repr(cold.findings)
    assert imported == "False"
