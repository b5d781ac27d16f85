"""The run memo: an unchanged scan prints the last identical scan's output without running, and
anything that could change the output makes it run again.

Through the installed command. A run that really ran recreates the result cache's directory
(kept outside the tree here), so deleting that directory before a run tells a replay (it stays
gone) from a scan. Memos are
not written for what changed within ``RACY_NS`` of a run, so each test lets its fresh tree age
that long first.
"""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
import shutil
import time
from pathlib import Path

import pytest

from scanner.run import memo
from tests.conftest import Run, run_cli, write

TEMPLATE = (
    "Resources:\n"
    "  Db:\n"
    "    Type: AWS::RDS::DBCluster\n"
    "    Properties: {Engine: aurora-postgresql}\n"
)
MODULE = "import boto3\n\nDATA = boto3.client('rds-data')\n"


def _age() -> None:
    """Let what a test just wrote be older than the racy window."""
    time.sleep(memo.RACY_NS / 1e9 + 0.2)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = write(tmp_path / "work" / "project", {"db.yaml": TEMPLATE, "app/main.py": MODULE})
    _age()
    return root


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def _scan(project: Path, home: Path, *extra: str, env: dict | None = None) -> Run:
    return run_cli(
        "scan",
        ".",
        "--format",
        "json",
        *extra,
        cwd=project,
        env={
            "XDG_CACHE_HOME": str(home),
            "DSQL_SCAN_CACHE_DIR": str(_cache(project)),
            **(env or {}),
        },
    )


def _cache(project: Path) -> Path:
    """The result cache, outside the tree: deleting it does not change the tree."""
    return project.parent.parent / "cache"


def _memos(home: Path) -> list[Path]:
    directory = home / "dsql-scan" / memo.MEMO_DIRECTORY
    return sorted(directory.iterdir()) if directory.exists() else []


def _replayed(project: Path, home: Path, *extra: str, env: dict | None = None) -> tuple[Run, bool]:
    """A run, and whether it was a replay (it did not recreate the deleted cache)."""
    shutil.rmtree(_cache(project), ignore_errors=True)
    run = _scan(project, home, *extra, env=env)
    return run, not _cache(project).exists()


def _findings(run: Run) -> list[str]:
    return sorted(f"{f['rule']}:{f['path']}:{f['line']}" for f in run.json()["findings"])


def test_an_unchanged_scan_prints_the_last_runs_output_without_running(project, home):
    first = _scan(project, home)
    assert first.code == 1 and _findings(first), "the tree has findings"
    assert not _memos(home), "the run that created the cache said so: no memo"
    second = _scan(project, home)
    assert len(_memos(home)) == 1
    third, replayed = _replayed(project, home)
    assert replayed
    assert (third.code, third.stdout, third.stderr) == (second.code, second.stdout, second.stderr)
    assert third.stdout == _scan(project, home, "--no-cache").stdout


def test_a_file_rewritten_with_its_size_and_times_kept_is_scanned_again(project, home):
    _scan(project, home)
    before = _scan(project, home)
    module = project / "app" / "main.py"
    status = module.stat()
    module.write_text(MODULE.replace("rds-data", "sqs-data"), encoding="utf-8")
    os.utime(module, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert module.stat().st_size == status.st_size
    after, replayed = _replayed(project, home)
    assert not replayed
    assert _findings(after) != _findings(before)
    assert after.stdout == _scan(project, home, "--no-cache").stdout


def test_a_new_file_in_the_tree_is_found(project, home):
    _scan(project, home)
    before = _scan(project, home)
    write(project, {"infra/more.yaml": TEMPLATE})
    after, replayed = _replayed(project, home)
    assert not replayed
    assert len(_findings(after)) > len(_findings(before))


def test_a_configuration_put_above_the_project_is_read(project, home):
    _scan(project, home)
    before = _scan(project, home)
    rules = sorted({f.partition(":")[0] for f in _findings(before)})
    write(project.parent, {".dsql-scan.yaml": f"ignore: [{rules[0]}]\n"})
    after, replayed = _replayed(project, home)
    assert not replayed
    assert rules[0] not in {f.partition(":")[0] for f in _findings(after)}


def test_another_environment_or_command_line_is_another_memo(project, home):
    _scan(project, home)
    _scan(project, home)
    assert _replayed(project, home)[1]
    _scan(project, home)  # recreates the cache deleted above
    assert not _replayed(project, home, env={"DSQL_SCAN_EXAMPLE": "1"})[1]
    assert not _replayed(project, home, "--select", "RDS")[1]


def test_an_altered_or_forged_memo_is_never_served(project, home):
    _scan(project, home)
    honest = _scan(project, home)
    [path] = _memos(home)
    mac, body = path.read_bytes()[: memo.MAC_BYTES], path.read_bytes()[memo.MAC_BYTES :]
    stdout, stderr, status, inputs, reports = marshal.loads(body)
    assert (stdout, status) == (honest.stdout.encode(), honest.code), "what the memo holds"
    claim = marshal.dumps((b'{"findings": []}', stderr, 0, inputs, reports))
    guessed = hmac.new(b"x" * 32, b"memo|" + path.name.encode() + b"|" + claim, hashlib.sha256)
    for forged in (guessed.digest() + claim, claim, mac + claim):
        path.write_bytes(forged)  # a guessed secret; no MAC; a MAC of another body
        run, replayed = _replayed(project, home)
        assert not replayed
        assert (run.code, run.stdout) == (1, honest.stdout)


def test_a_replay_writes_the_report_files_again(project, home):
    report = project.parent / "report.sarif"
    extra = (
        "-o",
        "-",
        "--format",
        "sarif",
        "-o",
        str(report),
        "--format",
        "json",
        "-o",
        os.devnull,
    )
    _scan(project, home, *extra)
    _scan(project, home, *extra)
    written = report.read_bytes()
    report.unlink()
    run, replayed = _replayed(project, home, *extra)
    assert replayed
    assert report.read_bytes() == written and run.code == 1 and run.json()["findings"]
    assert b'"runs"' in written


@pytest.mark.parametrize(
    "extra",
    [
        ("--write-baseline", "baseline.json"),
        ("--no-cache",),
        ("--select", "NO-SUCH-RULE"),  # a usage error: exit 2
    ],
    ids=["baseline-file", "no-cache", "usage-error"],
)
def test_runs_with_side_effects_or_errors_leave_no_memo(project, home, extra):
    _scan(project, home, *extra)
    _scan(project, home, *extra)
    assert not _memos(home)


def test_a_tree_changed_just_before_the_run_leaves_no_memo(project, home):
    _scan(project, home)
    write(project, {"db.yaml": TEMPLATE + "# edited\n"})
    _scan(project, home)
    assert not _memos(home), "an edit within the racy window: statuses cannot stand for it"


@pytest.mark.parametrize(
    ("arguments", "found"),
    [
        (["scan"], ([], [])),
        (["scan", ".", "--format", "json"], (["."], [])),
        (["a.py", "b.yaml"], (["a.py", "b.yaml"], [])),
        (["scan", "--format=sarif", "-o", "-", "--jobs", "2", "x"], (["x"], [])),
        (["scan", "--", "-odd-name.py"], (["-odd-name.py"], [])),
        (["scan", "-o", "report.json", "--output=r.sarif"], ([], ["report.json", "r.sarif"])),
        (["scan", "-o"], None),
        (["scan", "--diff-base", "main"], None),
        (["scan", "--write-baseline", "b.json"], None),
        (["scan", "--no-cache"], None),
        (["scan", "--format"], None),
        (["scan", "--verbose=yes"], None),
        (["--version"], None),
        ([], None),
    ],
)
def test_which_command_lines_a_memo_may_stand_for(arguments, found):
    assert memo.command(arguments) == found
