"""The result cache against a hostile pull request, through the installed command.

A pull request controls the scanned tree, so it controls whatever the tree holds where the cache
would be: committed entries (a pickle that runs a command, JSON that claims a clean file), a
``.dsql-scan-cache`` that is a symlink, a ``cache-dir`` of its own choosing. Each test builds
the hostile tree itself, runs ``dsql-scan`` under a time and memory limit and checks that no
code ran, nothing outside the tree was touched and the output is the ``--no-cache`` output.

Entry names do not depend on the secret, so the tests learn them the way an attacker would:
by scanning the same tree with a secret of their own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import resource
import signal
import time
from pathlib import Path

import pytest

from scanner.run.cache import CACHE_DIR_NAME, LAYOUT, MAC_BYTES, SECRET_ENV, TEMP_PREFIX
from tests import limits
from tests.conftest import Run, write
from tests.limits import assert_no_traceback, run_limited

# Two Aurora clusters: RDS001 and RDS003 twice. Big enough that its entry exceeds FILE_LIMIT.
TEMPLATE = "Resources:\n" + "".join(
    f"  Db{n}:\n    Type: AWS::RDS::DBCluster\n    Properties: {{Engine: aurora-postgresql}}\n"
    for n in range(2)
)
MODULE = "import boto3\n\nDATA = boto3.client('rds-data')\n"
FILE_LIMIT = 2048  # bytes any file the full-disk run writes may have


def _project(root: Path) -> Path:
    return write(root, {"db.yaml": TEMPLATE, "app.py": MODULE})


def _scan(project: Path, home: Path, *extra: str, env: dict[str, str] | None = None) -> Run:
    """``dsql-scan scan . --format json`` in ``project``, as a user whose cache home is ``home``."""
    run = run_limited(
        "scan",
        ".",
        "--format",
        "json",
        *extra,
        cwd=project,
        env={"XDG_CACHE_HOME": str(home), **(env or {})},
    )
    assert_no_traceback(run)
    return run


def _without_cache(project: Path, home: Path) -> Run:
    run = _scan(project, home, "--no-cache")
    assert run.code == 1 and run.json()["findings"], "the input must have findings to hide"
    return run


def _assert_same(run: Run, reference: Run) -> None:
    assert (run.code, run.stdout) == (reference.code, reference.stdout)


def _entries(project: Path) -> list[Path]:
    files = (project / CACHE_DIR_NAME / LAYOUT).rglob("*")
    return sorted(p for p in files if p.is_file() and not p.name.startswith(TEMP_PREFIX))


def _attackers_entries(project: Path, tmp_path: Path) -> tuple[list[Path], bytes]:
    """Scan the tree with an attacker's own secret: the entries it leaves, and that secret."""
    home = tmp_path / "attacker"
    _scan(project, home)
    entries = _entries(project)
    assert entries, "the attacker's run stores entries"
    return entries, (home / "dsql-scan" / "secret").read_bytes()


def _pickle_running(command: str) -> bytes:
    """A protocol-4 pickle whose global is ``scanner.run.cache`` + ``os.system``: loading it runs
    ``command`` (the attack on the old unpickler, which allowed any module under scanner.)."""

    def text(value: str) -> bytes:
        return b"\x8c" + bytes([len(value)]) + value.encode()  # SHORT_BINUNICODE

    # PROTO 4, module, name, STACK_GLOBAL, argument, TUPLE1, REDUCE, STOP
    return (
        b"\x80\x04"
        + text("scanner.run.cache")
        + text("os.system")
        + b"\x93"
        + text(command)
        + b"\x85R."
    )


def test_a_committed_pickle_entry_runs_nothing_and_hides_nothing(tmp_path):
    project = _project(tmp_path / "pr")
    victim = tmp_path / "victim"
    reference = _without_cache(project, victim)
    entries, _ = _attackers_entries(project, tmp_path)
    marker = tmp_path / "MARKER"
    payload = _pickle_running(f"touch {marker}")
    for entry in entries:
        entry.write_bytes(payload)
        old = entry.parents[2] / "v1" / entry.parent.name / entry.name  # the pickle layout
        old.parent.mkdir(parents=True, exist_ok=True)
        old.write_bytes(payload)
    _assert_same(_scan(project, victim), reference)
    _assert_same(_scan(project, victim), reference)  # and from the entries the victim wrote
    assert not marker.exists()


def test_a_committed_entry_claiming_no_findings_is_recomputed(tmp_path):
    """Well-formed JSON entries saying "nothing here", authenticated with the attacker's own
    secret: the attacker's machine would serve them, the victim's does not."""
    project = _project(tmp_path / "pr")
    victim = tmp_path / "victim"
    reference = _without_cache(project, victim)
    entries, secret = _attackers_entries(project, tmp_path)
    for entry in entries:
        claimed = json.loads(entry.read_bytes()[MAC_BYTES:])
        body = json.dumps({k: claimed[k] for k in ("path", "input", "sha256")}).encode()
        mac = hmac.new(secret, entry.name.encode() + b"\n" + body, hashlib.sha256).digest()
        entry.write_bytes(mac + body)
    fooled = _scan(project, tmp_path / "attacker")
    assert fooled.code == 0 and not fooled.json()["findings"], "the forgery is well formed"
    _assert_same(_scan(project, victim), reference)
    _assert_same(_scan(project, victim), reference)


def test_a_secret_from_the_environment_shares_entries_and_rejects_others(tmp_path):
    """CI restores its cache between runs on fresh machines: the same DSQL_SCAN_CACHE_SECRET
    serves the entries, another one does not (and neither does a forged entry)."""
    project = _project(tmp_path / "pr")
    reference = _without_cache(project, tmp_path / "a")
    first = {SECRET_ENV: "s" * 40}
    _assert_same(_scan(project, tmp_path / "a", env=first), reference)
    entries = _entries(project)
    stamps = [e.stat().st_mtime_ns for e in entries]
    _assert_same(_scan(project, tmp_path / "b", env=first), reference)
    assert [e.stat().st_mtime_ns for e in entries] == stamps, "served, not rewritten"
    _assert_same(_scan(project, tmp_path / "b", env={SECRET_ENV: "t" * 40}), reference)
    assert [e.stat().st_mtime_ns for e in entries] != stamps, "another secret recomputes"
    assert not (tmp_path / "a" / "dsql-scan").exists(), "no secret file when one is given"


def _tree_files(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


@pytest.mark.parametrize(
    "link", [CACHE_DIR_NAME, f"{CACHE_DIR_NAME}/{LAYOUT}", f"{CACHE_DIR_NAME}/CACHEDIR.TAG"]
)
def test_a_symlinked_cache_directory_moves_nothing_outside(tmp_path, link):
    project = _project(tmp_path / "pr")
    home = tmp_path / "home"
    reference = _without_cache(project, home)
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / link).parent.mkdir(parents=True, exist_ok=True)
    (project / link).symlink_to(outside / "target" if link.endswith(".TAG") else outside)
    for _ in range(2):
        run = _scan(project, home)
        _assert_same(run, reference)
        assert _tree_files(outside) == []
    if not link.endswith(".TAG"):
        assert "symbolic link: the cache is off for this run" in run.stderr
    else:  # a link to a file is not followed, the rest of the cache works
        assert _entries(project)


def test_a_symlinked_fan_out_directory_or_entry_is_not_followed(tmp_path):
    project = _project(tmp_path / "pr")
    home = tmp_path / "home"
    reference = _without_cache(project, home)
    _scan(project, home)
    entries = _entries(project)
    outside = tmp_path / "outside"
    outside.mkdir()
    fan_out = entries[0].parent
    for entry in fan_out.iterdir():
        entry.unlink()
    fan_out.rmdir()
    fan_out.symlink_to(outside)
    for entry in entries[1:]:
        if entry.parent != fan_out:
            (outside / entry.name).write_bytes(entry.read_bytes())  # a copy of a real entry
            entry.unlink()
            entry.symlink_to(outside / entry.name)
    _assert_same(_scan(project, home), reference)
    assert sorted(p.name for p in outside.iterdir()) == sorted(
        e.name for e in entries[1:] if e.parent != fan_out
    ), "nothing written or removed outside"


@pytest.mark.parametrize("where", ["absolute", "parent", "through a link"])
def test_a_cache_dir_leaving_the_project_is_ignored(tmp_path, where):
    project = _project(tmp_path / "pr")
    home = tmp_path / "home"
    outside = tmp_path / "outside"
    outside.mkdir()
    value = {
        "absolute": str(outside / "cache"),
        "parent": "../outside/cache",
        "through a link": "build/cache",
    }[where]
    if where == "through a link":
        (project / "build").symlink_to(outside)
    write(project, {"pyproject.toml": f"[tool.dsql-scan]\ncache-dir = {json.dumps(value)}\n"})
    reference = _without_cache(project, home)
    run = _scan(project, home)
    _assert_same(run, reference)
    assert _tree_files(outside) == []
    if where == "through a link":
        assert "symbolic link: the cache is off" in run.stderr
    else:
        assert f"cache-dir {value!r} is ignored" in run.stderr
        assert _entries(project), "the default cache inside the project is used instead"


def test_the_users_cache_dir_may_be_anywhere(tmp_path):
    project = _project(tmp_path / "pr")
    home = tmp_path / "home"
    reference = _without_cache(project, home)
    elsewhere = tmp_path / "elsewhere"
    (tmp_path / "link").symlink_to(elsewhere, target_is_directory=True)
    elsewhere.mkdir()
    env = {"DSQL_SCAN_CACHE_DIR": str(tmp_path / "link" / "cache")}
    _assert_same(_scan(project, home, env=env), reference)
    assert list((elsewhere / "cache" / LAYOUT).rglob("*.*")) == []  # no temp file left
    assert [p for p in (elsewhere / "cache" / LAYOUT).rglob("*") if p.is_file()]
    assert not (project / CACHE_DIR_NAME).exists()


def test_a_secret_inside_the_scanned_tree_turns_the_cache_off(tmp_path):
    """A checkout at $HOME: the tree could hold ~/.cache/dsql-scan/secret and matching entries."""
    project = _project(tmp_path / "pr")
    reference = _without_cache(project, tmp_path / "home")
    run = _scan(project, project / ".cache")
    _assert_same(run, reference)
    assert "secret would be inside the scanned tree" in run.stderr
    assert not (project / ".cache").exists() and not (project / CACHE_DIR_NAME).exists()


def _full_disk(original=limits._limit_memory):
    """The run's memory limit, plus a file size limit that makes larger writes fail (EFBIG)
    instead of killing the process (SIGXFSZ ignored): a disk that fills during the scan."""
    original()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))


def test_a_full_disk_leaves_no_temporary_files(tmp_path, monkeypatch):
    project = _project(tmp_path / "pr")
    home = tmp_path / "home"
    reference = _without_cache(project, home)
    _scan(project, home)  # the secret exists: only entries fail
    complete = {e.name: len(e.read_bytes()) for e in _entries(project)}
    assert any(size > FILE_LIMIT for size in complete.values()), "some entry must not fit"
    for entry in _entries(project):
        entry.unlink()
    monkeypatch.setattr(limits, "_limit_memory", _full_disk)
    _assert_same(_scan(project, home), reference)
    cache = project / CACHE_DIR_NAME
    assert [p for p in cache.rglob(f"{TEMP_PREFIX}*")] == []
    written = {e.name for e in _entries(project)}
    assert written == {name for name, size in complete.items() if size <= FILE_LIMIT}


def test_stale_temporary_files_are_swept_when_the_cache_writes_there(tmp_path):
    """kill -9 during a write leaves a temporary file: the next write to its directory removes
    it once it is old enough that no running writer can own it, and leaves a fresh one alone."""
    project = _project(tmp_path / "pr")
    home = tmp_path / "home"
    _scan(project, home)
    entries = _entries(project)
    hour_ago = time.time() - 3600
    stale, fresh = [], []
    for directory in {e.parent for e in entries} | {project / CACHE_DIR_NAME}:
        old = directory / f"{TEMP_PREFIX}killed"
        old.write_bytes(b"{half an entr")
        os.utime(old, (hour_ago, hour_ago))
        stale.append(old)
        fresh.append(directory / f"{TEMP_PREFIX}writing")
        fresh[-1].write_bytes(b"{being writ")
    for entry in entries:
        entry.unlink()
    _scan(project, home)
    assert [p for p in stale if p.exists()] == []
    assert [p for p in fresh if p.exists()] == fresh
    assert _entries(project) == entries


def test_a_cache_dir_naming_a_source_directory_never_tags_it(tmp_path):
    """``cache-dir = "src"`` must not make the cache tag ``src`` and take it out of the scope of
    every later run: a directory that holds other files and no tag is no cache."""
    project = write(tmp_path / "pr", {"src/db.yaml": TEMPLATE, "src/app.py": MODULE})
    write(project, {"pyproject.toml": '[tool.dsql-scan]\ncache-dir = "src"\n'})
    home = tmp_path / "home"
    reference = _without_cache(project, home)
    for _ in range(2):
        run = _scan(project, home)
        _assert_same(run, reference)
        assert "holds other files and is no dsql-scan cache: the cache is off" in run.stderr
    assert sorted(p.name for p in (project / "src").iterdir()) == ["app.py", "db.yaml"]
    _assert_same(_without_cache(project, home), reference)


def test_a_string_the_cache_cannot_encode_is_analysed_every_run(tmp_path):
    """A lone surrogate (``"\\ud800"`` in a Python literal) has no UTF-8 form: that file is not
    cached, and the run is the ``--no-cache`` run, not a traceback."""
    escape = "\\ud800"
    module = f'def f(cur):\n    cur.execute("SELECT 1 -- {escape}")\n'
    project = write(tmp_path / "pr", {"app.py": module, "db.yaml": TEMPLATE})
    home = tmp_path / "home"
    reference = _without_cache(project, home)
    for _ in range(2):
        _assert_same(_scan(project, home), reference)


def test_python_results_follow_the_sql_linter_that_judged_them(tmp_path):
    """Python modules' SQL literals are linted by dsql-lint: a result cached while it was
    missing is not served once it is there (and the other way round)."""
    module = 'def create(cur):\n    cur.execute("CREATE TABLE t (id SERIAL PRIMARY KEY)")\n'
    project = write(tmp_path / "pr", {"app.py": module})
    home = tmp_path / "home"
    reference = _scan(project, home, "--no-cache", "--select", "SQL")
    if "SQL001" not in reference.stdout:
        pytest.skip("dsql-lint is not installed (the 'sql' extra)")
    missing = {"DSQL_SCAN_DSQL_LINT": str(tmp_path / "no-such-linter")}
    without_linter = _scan(project, home, "--no-cache", "--select", "SQL", env=missing)
    assert "SQL001" not in without_linter.stdout
    _assert_same(_scan(project, home, "--select", "SQL", env=missing), without_linter)
    _assert_same(_scan(project, home, "--select", "SQL"), reference)
    _assert_same(_scan(project, home, "--select", "SQL", env=missing), without_linter)
