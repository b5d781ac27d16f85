"""The result cache and parallel workers change speed, never results."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from scanner.config import Config, cache_directory, load
from scanner.pipeline import analyze as analyzing
from scanner.pipeline.analyze import analyze_files
from scanner.pipeline.discover import discover
from scanner.pipeline.engine import scan
from scanner.results import FileAnalysis
from scanner.run import runner
from scanner.run.cache import LAYOUT, Key, ResultCache, load_secret, read_for_key
from scanner.run.worker import Worker
from tests.conftest import EXAMPLES, run_cli, write

DB = "Resources:\n  Db{n}:\n    Type: AWS::RDS::DBCluster\n    Properties: {{Engine: aurora}}\n"


def test_warm_run_is_identical_and_served_from_cache(tmp_path):
    cache = tmp_path / "cache"
    env = {"DSQL_SCAN_CACHE_DIR": str(cache)}
    cold = run_cli("scan", str(EXAMPLES), "--format", "json", env=env)
    entries = sorted(p for p in (cache / LAYOUT).rglob("*") if p.is_file())
    assert entries, "the cold run stores one entry per analysed file"
    warm = run_cli("scan", str(EXAMPLES), "--format", "json", env=env)
    assert warm.stdout == cold.stdout and warm.code == cold.code == 1
    assert sorted(p for p in (cache / LAYOUT).rglob("*") if p.is_file()) == entries
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"


def test_warm_run_does_not_import_the_template_parser(tmp_path):
    write(tmp_path, {"db.yaml": DB.format(n=1)})
    config = Config(root=tmp_path, select=("RDS", "SCAN"))
    scan((str(tmp_path),), config, cache_dir=tmp_path / "c")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from scanner.config import Config\n"
        "from scanner.pipeline.engine import scan\n"
        f"root = Path({str(tmp_path)!r})\n"
        "result = scan((str(root),), Config(root=root, select=('RDS',)), cache_dir=root / 'c')\n"
        "assert [f.rule for f in result.findings] == ['RDS001', 'RDS003'], result.findings\n"
        "print('cfnlint' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"


def test_changed_file_or_settings_miss_the_cache(tmp_path):
    write(tmp_path, {"db.yaml": DB.format(n=1)})
    config = Config(root=tmp_path, select=("RDS", "SCAN"))
    (candidate,) = discover((str(tmp_path),), config)
    cache = ResultCache.open(tmp_path / "c", config)
    key = cache.key(candidate, read_for_key(candidate, config.max_file_size))
    analysis = FileAnalysis(path="db.yaml", input="cloudformation", sha256=key.content)
    cache.put(key, analysis)
    assert cache.get(key) == analysis
    (tmp_path / "db.yaml").write_text(DB.format(n=2))
    assert cache.key(candidate, read_for_key(candidate, config.max_file_size)) != key
    other = ResultCache.open(tmp_path / "c", Config(root=tmp_path, legacy_env_patterns=("X",)))
    assert other.key(candidate, b"same") != cache.key(candidate, b"same")


TF_CLUSTER = 'resource "aws_rds_cluster" "main" {\n  engine = var.engine\n}\n'
TF_ENGINE = 'variable "engine" {\n  default = "{engine}"\n}\n'


def test_a_terraform_file_misses_the_cache_when_its_module_or_a_called_module_changes(
    tmp_path,
):
    """A Terraform file's result depends on its module's other files and on the local modules
    the module calls: each of their edits is a miss, whichever file the cache is asked about
    first in the run (the companions are listed once per directory)."""
    write(
        tmp_path,
        {
            "db/main.tf": TF_CLUSTER,
            "db/variables.tf": TF_ENGINE.replace("{engine}", "aurora-postgresql"),
            "root/main.tf": 'module "db" {\n  source = "../db"\n}\n',
            "root/outputs.tf": 'output "x" {\n  value = 1\n}\n',
            "other/main.tf": 'output "y" {\n  value = 2\n}\n',
        },
    )
    config = Config(root=tmp_path, select=("RDS",))

    def keys() -> dict[str, Key]:
        cache = ResultCache.open(tmp_path / "c", config)
        assert cache is not None
        found = {}
        for candidate in discover((str(tmp_path),), config):
            found[candidate.rel] = cache.key(candidate, read_for_key(candidate, 1 << 20))
        return found

    def engine() -> str:
        named = (str(tmp_path / "db" / "main.tf"),)
        found = scan(named, config, cache_dir=tmp_path / "c").findings
        (message,) = [f.message for f in found if f.rule == "RDS003"]
        return message

    assert "aurora-postgresql" in engine()  # and the cache holds the module's results
    before = keys()
    (tmp_path / "db" / "variables.tf").write_text(TF_ENGINE.replace("{engine}", "aurora-mysql"))
    after = keys()
    changed = sorted(rel for rel in before if before[rel] != after[rel])
    assert changed == ["db/main.tf", "db/variables.tf", "root/main.tf", "root/outputs.tf"]
    assert "aurora-mysql" in engine()


def test_unwritable_cache_directory_is_not_an_error(tmp_path):
    write(tmp_path, {"db.yaml": DB.format(n=1)})
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache directory should be")
    result = scan(
        (str(tmp_path),), Config(root=tmp_path, select=("RDS", "SCAN")), cache_dir=blocker
    )
    assert [f.rule for f in result.findings] == ["RDS001", "RDS003"]


def test_parallel_workers_give_the_same_result_as_one(tmp_path):
    # later files larger: their chunks are handed out first, and come back in order all the same
    write(tmp_path, {f"t{n:02}.yaml": DB.format(n=n) + "#\n" * n * 50 for n in range(40)})
    write(tmp_path, {"broken.yaml": "AWSTemplateFormatVersion: x\nResources: [\n"})
    config = Config(root=tmp_path, select=("RDS", "SCAN"))
    serial = scan((str(tmp_path),), config, jobs=1)
    parallel = scan((str(tmp_path),), config, jobs=2)
    assert parallel.findings == serial.findings
    assert len(serial.findings) == 81


def test_a_pools_chunks_keep_each_directory_whole_and_the_candidates_in_order(tmp_path):
    """A Terraform file is analysed with its whole module: a module split between two
    workers would be parsed by both."""
    sizes = {"a": 5, "b": 3, "c": 9, "d": 1, "e": 4}
    write(
        tmp_path, {f"{d}/f{n}.tf": "locals {\n  x = 1\n}\n" for d in sizes for n in range(sizes[d])}
    )
    candidates = discover((str(tmp_path),), Config(root=tmp_path))
    chunks = runner._chunks(candidates, 4)
    assert [c for chunk in chunks for c in chunk] == candidates
    assert [sorted({c.path.parent.name for c in chunk}) for chunk in chunks] == [
        ["a"],
        ["b", "c"],
        ["d", "e"],
    ]


def test_a_pools_chunks_cut_a_directory_of_files_analysed_alone(tmp_path):
    """Templates are analysed one by one: a directory of many (a cdk.out) is cut like any run,
    so that no worker gets it all and sends it back as one message."""
    write(tmp_path, {f"cdk.out/S{n:02}.template.json": "{}" for n in range(10)})
    write(tmp_path, {f"tf/f{n}.tf": "locals {\n  x = 1\n}\n" for n in range(5)})
    candidates = discover((str(tmp_path),), Config(root=tmp_path))
    chunks = runner._chunks(candidates, 4)
    assert [c for chunk in chunks for c in chunk] == candidates
    assert [len(chunk) for chunk in chunks] == [4, 4, 7]  # cdk.out cut, tf/ never
    assert [c.path.parent.name for c in chunks[-1]] == ["cdk.out"] * 2 + ["tf"] * 5


def test_named_files_analysed_beside_the_context_load_give_the_same_result(tmp_path, monkeypatch):
    """With files named inside a project, the named files are analysed in a forked child while
    the context loads; the result must not depend on it (jobs=1 does everything in-process)."""
    write(
        tmp_path,
        {
            "pyproject.toml": "[tool.dsql-scan]\n",
            "db.yaml": DB.format(n=1),
            "other.yaml": DB.format(n=2),
            "app.py": "import boto3\nDATA = boto3.client('rds-data')\n",
        },
    )
    config = load(str(tmp_path / "pyproject.toml"))
    named = (str(tmp_path / "app.py"), str(tmp_path / "db.yaml"))
    started = []
    start = Worker.start
    monkeypatch.setattr(Worker, "start", lambda modules: started.append(modules) or start(modules))
    results = [scan(named, config, jobs=jobs) for jobs in (2, 1)]
    results.append(scan(named, config, jobs=2, cache_dir=tmp_path / "c"))  # context from the cache
    assert results[0] == results[1] == results[2]
    assert len(started) == 2, "the jobs=2 runs analyse the named files in a child"
    rules = sorted({f.rule for f in results[0].findings})
    assert rules == ["DSQL001", "DSQL011", "RDS001", "RDS003", "RDS009"]
    # project findings at what shows the database (never the configuration file)
    assert {f.location.path for f in results[0].findings} == {"app.py", "db.yaml"}


def test_a_failing_worker_analysis_is_redone_in_process(tmp_path):
    """When the worker does not deliver, the runner analyses the files itself: the result (and
    any error) is what it would have been without the worker."""
    write(tmp_path, {"app.py": "import boto3\nDATA = boto3.client('rds-data')\n"})
    config = Config(root=tmp_path)
    candidates = discover((str(tmp_path),), config)
    failing = Worker.start(()).submit(int, "not a number")  # the job raises in the worker
    redone = runner._waiting_for(failing, candidates, config)()
    assert redone == analyze_files(candidates, config)
    assert [a.path for a in redone] == ["app.py"] and redone[0].facts.api_calls


def test_a_named_template_is_not_analysed_again_when_it_becomes_context(tmp_path, monkeypatch):
    """Commit 1 changes a template, commit 2 a module: the template, now context, comes from
    the entry its named run stored (it parsed, so naming it changed nothing)."""
    write(
        tmp_path,
        {
            "pyproject.toml": "[tool.dsql-scan]\n",
            "db.yaml": DB.format(n=1),
            "app.py": "import boto3\nDATA = boto3.client('rds-data')\n",
        },
    )
    config = load(str(tmp_path / "pyproject.toml"))
    cache = tmp_path / "c"
    scan((str(tmp_path / "db.yaml"),), config, jobs=1, cache_dir=cache)
    (tmp_path / "app.py").write_text("import boto3\nDATA = boto3.client('rds-data')  # v2\n")
    analysed = []
    real = analyzing.analyze
    monkeypatch.setattr(analyzing, "analyze", lambda c, *a: analysed.append(c.rel) or real(c, *a))
    second = scan((str(tmp_path / "app.py"),), config, jobs=1, cache_dir=cache)
    assert analysed == ["app.py"]
    assert second == scan((str(tmp_path / "app.py"),), config, jobs=1)  # as without a cache


def test_a_file_edited_between_key_and_analysis_is_not_cached_under_the_old_key(
    tmp_path, monkeypatch
):
    """The key is read first, the analysis reads again: an edit in between (swapped in right
    after the key read here) must not store the new bytes' analysis under the old bytes' key."""
    tree, cache_dir = tmp_path / "tree", tmp_path / "cache"  # the cache is no part of the scope
    write(tree, {"db.yaml": DB.format(n=1) + DB.format(n=2).removeprefix("Resources:\n")})
    original = (tree / "db.yaml").read_bytes()
    config = Config(root=tree, select=("RDS", "SCAN"))
    expected = scan((str(tree),), config)
    assert len(expected.findings) == 4

    def read_then_edit(candidate, max_size):
        content = read_for_key(candidate, max_size)
        (tree / "db.yaml").write_text(DB.format(n=1))  # two of the four findings go
        return content

    monkeypatch.setattr(runner, "read_for_key", read_then_edit)
    during = scan((str(tree),), config, jobs=1, cache_dir=cache_dir)
    assert len(during.findings) == 2, "the run reports the bytes it analysed"
    monkeypatch.undo()
    (tree / "db.yaml").write_bytes(original)
    assert scan((str(tree),), config, jobs=1, cache_dir=cache_dir) == expected


def _opened(tmp_path: Path) -> tuple[ResultCache, Key]:
    write(tmp_path, {"db.yaml": DB.format(n=1)})
    config = Config(root=tmp_path, select=("RDS", "SCAN"))
    (candidate,) = discover((str(tmp_path),), config)
    cache = ResultCache.open(tmp_path / "c", config)
    return cache, cache.key(candidate, read_for_key(candidate, config.max_file_size))


def _entry(root: Path, key: Key) -> Path:
    """Where ``_opened``'s cache keeps ``key``'s entry."""
    return root / "c" / LAYOUT / key.name[:2] / key.name


def _sign(cache: ResultCache, root: Path, key: Key, body: bytes) -> None:
    """Store ``body`` as the entry, with a valid MAC: only the schema stands in the way."""
    path = _entry(root, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cache._mac(key, body) + body)


@pytest.mark.parametrize(
    "change",
    [
        {"path": 1},  # a str field takes only a str
        {"raw": [{"rule": "RDS001", "location": {"path": "db.yaml", "line": True}, "message": ""}]},
        {
            "suppressions": [
                {"rules": ["RDS001"], "reason": "", "location": {"path": "x"}, "lines": [1, 2, 3]}
            ]
        },  # a fixed-length tuple
        {"facts": {"kind": "cfn", "path": "db.yaml", "resources": [{"type": "X"}]}},  # no location
        {"note": None},
    ],
)
def test_an_authenticated_entry_that_does_not_fit_the_schema_is_a_miss(tmp_path, change):
    cache, key = _opened(tmp_path)
    valid = {"path": "db.yaml", "input": "cloudformation", "sha256": key.content}
    _sign(cache, tmp_path, key, json.dumps(valid).encode())
    assert cache.get(key) == FileAnalysis("db.yaml", "cloudformation", sha256=key.content)
    _sign(cache, tmp_path, key, json.dumps({**valid, **change}).encode())
    assert cache.get(key) is None


def test_entries_are_only_of_the_keys_bytes_and_under_the_users_secret(tmp_path, monkeypatch):
    cache, key = _opened(tmp_path)
    other_bytes = FileAnalysis("db.yaml", "cloudformation", sha256="0" * 64)
    cache.put(key, other_bytes)
    assert not _entry(tmp_path, key).exists(), "an analysis of other bytes is not stored"
    _sign(cache, tmp_path, key, msgspec.json.encode(other_bytes))
    assert cache.get(key) is None, "nor served"
    analysis = FileAnalysis("db.yaml", "cloudformation", sha256=key.content)
    cache.put(key, analysis)
    assert cache.get(key) == analysis
    monkeypatch.setenv("XDG_CACHE_HOME", f"{tmp_path}-another-user")
    assert (
        ResultCache.open(tmp_path / "c", Config(root=tmp_path, select=("RDS", "SCAN"))).get(key)
        is None
    )


def test_the_secret_is_private_and_never_read_through_a_link(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    secret = load_secret(tmp_path / "project")
    path = tmp_path / "xdg" / "dsql-scan" / "secret"
    assert len(secret) == 32 and path.read_bytes() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret(tmp_path / "project") == secret, "created once, then read"
    elsewhere = tmp_path / "planted"
    elsewhere.write_bytes(b"k" * 32)
    elsewhere.chmod(0o600)
    path.unlink()
    path.symlink_to(elsewhere)
    assert load_secret(tmp_path / "project") is None
    path.unlink()
    path.write_bytes(b"k" * 32)
    path.chmod(0o644)
    assert load_secret(tmp_path / "project") is None, "a secret others can read is not one"


@pytest.mark.parametrize(
    ("environment", "configured", "expected", "warned"),
    [
        ({}, "", "root/.dsql-scan-cache", False),
        ({}, "build/cache", "root/build/cache", False),
        ({}, "/abs/cache", "root/.dsql-scan-cache", True),
        ({}, "build/../../cache", "root/.dsql-scan-cache", True),
        ({"DSQL_SCAN_CACHE_DIR": "/abs/cache"}, "/x", "/abs/cache", False),
        ({"DSQL_SCAN_CACHE_DIR": "rel"}, "", "root/rel", False),
    ],
)
def test_only_the_users_environment_puts_the_cache_outside_the_root(
    environment, configured, expected, warned
):
    config = Config(root=Path("root"), cache_dir=configured, source="pyproject.toml")
    directory, warning = cache_directory(config, environment)
    assert (directory, bool(warning)) == (Path(expected), warned)
