"""Files a pull request can commit that are not ordinary files: each is reported, never a
traceback, a hang or a read outside the tree, and the ordinary files beside it are still
scanned. Every input is built here and scanned by the installed command under a time and memory
limit (``tests.limits``), with the result cache and without it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

import tests.limits
from tests.conftest import RESIDUE, dsql_scan_executable, write
from tests.limits import assert_no_traceback, run_limited

DB = """
Resources:
  {name}:
    Type: AWS::RDS::DBCluster
    Properties: {{Engine: aurora-postgresql}}
"""
GOOD = {"good.yaml": DB.format(name="Good")}
FORMATS = ("text", "json", "sarif", "junit", "markdown", "github")


def scan(tree: Path, *args: str, report: Path | None = None) -> tuple[str, list[dict]]:
    """Scan the tree twice (result cache cold, then warm) and once with --no-cache: the text
    report with --verbose (stderr) and the JSON findings, which must be the same each time
    (the text also lists the cache directory once there is one)."""
    report = report or tree.parent / "report.json"
    outcomes = []
    for extra in ((), (), ("--no-cache",)):
        run = run_limited(
            "scan", *args, "-v", *RESIDUE, "--format", "json", "-o", str(report), *extra, cwd=tree
        )
        assert_no_traceback(run)
        assert run.code == 1, run.stderr  # the good file's findings
        outcomes.append((run.stderr, json.loads(report.read_text())["findings"]))
    assert outcomes[0][1] == outcomes[1][1] == outcomes[2][1]
    return outcomes[0]


def located(findings: list[dict]) -> set[tuple[str, str]]:
    return {(f["rule"], f["path"]) for f in findings}


def test_symlink_loops_are_reported_and_the_rest_is_scanned(tmp_path):
    tree = write(tmp_path / "tree", GOOD)
    (tree / "a.yaml").symlink_to("b.yaml")
    (tree / "b.yaml").symlink_to("a.yaml")
    (tree / "sub").mkdir()
    (tree / "sub" / "up").symlink_to("..", target_is_directory=True)
    text, findings = scan(tree)
    assert located(findings) == {("RDS001", "good.yaml"), ("RDS003", "good.yaml")}
    assert "skipped a.yaml: symbolic link loop" in text
    assert "skipped b.yaml: symbolic link loop" in text
    assert "skipped sub/up/: symbolic link to a directory (not followed)" in text


def test_devices_and_fifos_named_like_templates_are_never_read(tmp_path):
    tree = write(tmp_path / "tree", GOOD)
    (tree / "zero.yaml").symlink_to("/dev/zero")
    (tree / "random.json").symlink_to("/dev/urandom")
    os.mkfifo(tree / "fifo.yaml")  # opened for reading, it would wait for a writer forever
    started = time.monotonic()
    text, findings = scan(tree)
    assert time.monotonic() - started < 60
    assert located(findings) == {("RDS001", "good.yaml"), ("RDS003", "good.yaml")}
    assert "skipped fifo.yaml: not a regular file (FIFO)" in text
    for name in ("zero.yaml", "random.json"):  # /dev is outside the tree
        assert f"skipped {name}: symbolic link leading outside the scan root" in text


def test_a_named_fifo_is_reported_not_waited_for(tmp_path):
    tree = write(tmp_path / "tree", GOOD)
    os.mkfifo(tree / "fifo.yaml")
    text, findings = scan(tree, "good.yaml", "fifo.yaml")
    assert located(findings) == {("RDS001", "good.yaml"), ("RDS003", "good.yaml")}
    assert "skipped fifo.yaml: not a regular file (FIFO)" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_name_that_is_not_utf8_is_scanned_and_printable_in_every_format(tmp_path, fmt):
    tree = write(tmp_path / "tree", GOOD)
    (tree / os.fsdecode(b"bad\xff.yaml")).write_text(DB.format(name="Bad"))
    for target in ("-", str(tmp_path / f"report.{fmt}")):
        run = run_limited("scan", ".", *RESIDUE, "--format", fmt, "-o", target, cwd=tree)
        assert_no_traceback(run)
        assert run.code == 1, run.stderr
        shown = run.stdout if target == "-" else Path(target).read_text(encoding="utf-8")
        assert "good.yaml" in shown
        assert "bad" in shown and "xff.yaml" in shown  # as \xff, however the format quotes it
        assert "\ufffd" not in shown  # the byte is named, not replaced


def test_the_escaped_name_is_the_same_in_every_report_and_distinct(tmp_path):
    tree = write(tmp_path / "tree", GOOD)
    (tree / os.fsdecode(b"bad\xff.yaml")).write_text(DB.format(name="Bad"))
    (tree / "bad\\xff.yaml").write_text(DB.format(name="Literal"))  # the escape, literally
    _, findings = scan(tree)
    by_path = {f["path"]: f.get("resource") for f in findings}
    assert by_path == {"good.yaml": "Good", "bad\\xff.yaml": "Bad", "bad\\\\xff.yaml": "Literal"}


def test_links_leaving_the_tree_are_never_read(tmp_path):
    secret = "TOKEN-7f3a9c-outside"
    outside = write(
        tmp_path / "outside",
        {
            "passwd.sql": f"CREATE TABLE {secret} (id SERIAL PRIMARY KEY);\n",
            "stack.yaml": DB.format(name="OutsideDb"),
            "infra/stack.yaml": DB.format(name="OutsideDir"),
        },
    )
    tree = write(tmp_path / "tree", GOOD)
    (tree / "passwd.sql").symlink_to(outside / "passwd.sql")
    (tree / "etc.sql").symlink_to("/etc/passwd")
    (tree / "stack.yaml").symlink_to(outside / "stack.yaml")
    (tree / "infra").symlink_to(outside / "infra", target_is_directory=True)
    text, findings = scan(tree)
    assert located(findings) == {("RDS001", "good.yaml"), ("RDS003", "good.yaml")}
    for name in ("passwd.sql", "etc.sql", "stack.yaml", "infra/"):
        assert f"skipped {name}: symbolic link leading outside the scan root" in text
    everything = text + json.dumps(findings)
    for leak in (secret, "OutsideDb", "OutsideDir", str(outside), "root:x:0:0"):
        assert leak not in everything


def test_pre_commit_does_not_follow_a_named_link_out_of_the_tree(tmp_path):
    """``--lenient-paths`` (the hook) judges named files like found ones; without it, a named
    file is the user's own choice and is read wherever it is (as ruff and semgrep do)."""
    outside = write(tmp_path / "outside", {"stack.yaml": DB.format(name="OutsideDb")})
    tree = write(tmp_path / "tree", GOOD)
    (tree / "stack.yaml").symlink_to(outside / "stack.yaml")
    text, findings = scan(tree, "--lenient-paths", "good.yaml", "stack.yaml")
    assert located(findings) == {("RDS001", "good.yaml"), ("RDS003", "good.yaml")}
    assert "skipped stack.yaml: symbolic link leading outside the scan root" in text
    assert "OutsideDb" not in text + json.dumps(findings)
    _, named = scan(tree, "good.yaml", "stack.yaml")
    assert {f.get("resource") for f in named} == {"Good", "OutsideDb"}


def test_markers_that_are_not_real_hide_nothing_and_real_ones_are_listed(tmp_path):
    tree = write(
        tmp_path / "tree",
        {
            **GOOD,
            "fake-venv/pyvenv.cfg": "",
            "fake-venv/stack.yaml": DB.format(name="InFakeVenv"),
            "fake-cache/CACHEDIR.TAG": "",
            "fake-cache/stack.yaml": DB.format(name="InFakeCache"),
            "env/pyvenv.cfg": "home = /usr/bin\nversion = 3.11.7\n",
            "env/stack.yaml": DB.format(name="InVenv"),
            "cache/CACHEDIR.TAG": "Signature: 8a477f597d28d172789f06886806bc55\n",
            "cache/stack.yaml": DB.format(name="InCache"),
        },
    )
    text, findings = scan(tree)
    assert {f.get("resource") for f in findings} == {"Good", "InFakeVenv", "InFakeCache"}
    assert "skipped env/: virtual environment (pyvenv.cfg)" in text
    assert "skipped cache/: cache directory (CACHEDIR.TAG)" in text
    review = tmp_path / "REVIEW.md"
    run = run_limited("review", ".", *RESIDUE, "-o", str(review), cwd=tree)
    assert_no_traceback(run)
    left_out = review.read_text().split("Left out of the scope", 1)[1].split("\n## ", 1)[0]
    assert "| `env/` | virtual environment (pyvenv.cfg) |" in left_out
    assert "| `cache/` | cache directory (CACHEDIR.TAG) |" in left_out
    assert "fake-venv" not in left_out and "fake-cache" not in left_out


def _without_file_permission_bypass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the command the way a CI user meets a mode-000 file: root reads anything, so as
    root drop the two capabilities that let it (setpriv, util-linux)."""
    if os.geteuid() != 0:
        return
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv is needed to run as root without CAP_DAC_OVERRIDE")
    wrapper = tmp_path / "dsql-scan-unprivileged"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'exec {setpriv} --bounding-set=-dac_override,-dac_read_search -- "{dsql_scan_executable()}" "$@"\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setattr(tests.limits, "dsql_scan_executable", lambda: str(wrapper))


def test_unreadable_directories_are_reported_and_unreadable_files_are_findings(
    tmp_path, monkeypatch
):
    _without_file_permission_bypass(tmp_path, monkeypatch)
    tree = write(
        tmp_path / "tree",
        {
            **GOOD,
            "locked/stack.yaml": DB.format(name="Locked"),
            "unreadable.yaml": "Parameters: {}\n",  # not even recognisably a template
            "unreadable.py": "x = 1\n",
            "unreadable.sql": "SELECT 1;\n",
        },
    )
    for name in ("locked", "unreadable.yaml", "unreadable.py", "unreadable.sql"):
        (tree / name).chmod(0)
    try:
        text, findings = scan(tree)
        review = tmp_path / "REVIEW.md"
        reviewed = run_limited("review", ".", *RESIDUE, "-o", str(review), cwd=tree)
        assert_no_traceback(reviewed)
        document = review.read_text()
    finally:
        for name in ("locked", "unreadable.yaml", "unreadable.py", "unreadable.sql"):
            (tree / name).chmod(0o755)
    assert "skipped locked/: cannot read directory: Permission denied" in text
    assert "| `locked/` | cannot read directory: Permission denied |" in document
    unreadable = {f["path"]: f["message"] for f in findings if f["rule"] == "SCAN001"}
    assert unreadable == {
        name: "cannot parse file: cannot read file: Permission denied"
        for name in ("unreadable.py", "unreadable.sql", "unreadable.yaml")
    }
    assert ("RDS001", "good.yaml") in located(findings)


MODULE = "import boto3\n\n" + "".join(
    f"def handler_{n}(event):\n"
    f"    client = boto3.client('rds-data')\n"
    f"    return client.execute_statement(sql='SELECT {n}')\n\n"
    for n in range(120)
)


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _group_is_gone(group: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
@pytest.mark.parametrize("to_group", [True, False], ids=["ctrl-c", "kill-int"])
def test_an_interrupted_scan_exits_130_quietly_with_its_workers(tmp_path, to_group):
    """Ctrl-C reaches the whole process group (workers too); ``kill -INT`` only the command."""
    tree = write(tmp_path / "tree", {f"pkg{n}/app.py": MODULE for n in range(48)})
    scan = subprocess.Popen(
        [dsql_scan_executable(), "scan", ".", "--no-cache", "--jobs", "2"],
        cwd=tree,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        deadline = time.monotonic() + 30
        while len(_children(scan.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert scan.poll() is None, "the scan ended before it could be interrupted"
        time.sleep(0.5)  # the workers are analysing
        if to_group:
            os.killpg(scan.pid, signal.SIGINT)
        else:
            scan.send_signal(signal.SIGINT)
        started = time.monotonic()
        stdout, stderr = scan.communicate(timeout=20)
        assert time.monotonic() - started < 10
        assert scan.returncode == 130
        assert stderr.decode() == "dsql-scan: interrupted\n"
        assert stdout == b""
        assert _group_is_gone(scan.pid, 5), "a worker outlived the interrupted scan"
    finally:
        if scan.poll() is None or not _group_is_gone(scan.pid, 0.1):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(scan.pid, signal.SIGKILL)
            scan.wait()
