"""The console script's quick exit keeps everything a normal exit promises: the status, every
byte of output, the exit handlers, and no noise when the reader stops early."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import EXAMPLES, dsql_scan_executable, run_cli

DB = (
    "Resources:\n  Db:\n    Type: AWS::RDS::DBCluster\n"
    "    Properties: {Engine: aurora-postgresql, Port: 5432}\n"
)


def exit_with(code: str) -> subprocess.CompletedProcess:
    program = (
        "import atexit\n"
        "atexit.register(lambda: print('handler ran'))\n"
        "from scanner.console import _exit\n"
        "print('x' * 200_000, end='')\n"  # more than any buffer: must still arrive whole
        f"_exit({code})\n"
    )
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)


@pytest.mark.parametrize(
    ("code", "status", "stderr"),
    [("None", 0, ""), ("0", 0, ""), ("1", 1, ""), ("2", 2, ""), ("'bad usage'", 1, "bad usage\n")],
)
def test_the_status_output_and_exit_handlers_are_those_of_sys_exit(code, status, stderr):
    done = exit_with(code)
    assert done.returncode == status
    assert done.stdout == "x" * 200_000 + "handler ran\n"
    assert done.stderr == stderr


def test_a_whole_report_arrives_and_the_status_says_findings():
    run = run_cli("scan", str(EXAMPLES / "legacy"), "--format", "json")
    assert run.code == 1
    assert len(json.loads(run.stdout)["findings"]) > 50


def test_usage_errors_keep_their_status():
    assert run_cli("scan", "--fail-on", "sometimes").code == 2
    assert run_cli("--version").code == 0


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    """``dsql-scan ... | head -1``: the rest of the report has nowhere to go, quietly."""
    for n in range(120):  # a report larger than the pipe's buffer
        (tmp_path / f"db{n}.yaml").write_text(DB)
    scan = subprocess.Popen(
        [dsql_scan_executable(), "scan", str(tmp_path), "--no-cache"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert scan.stdout is not None and scan.stderr is not None
    first = scan.stdout.readline()
    scan.stdout.close()
    errors = scan.stderr.read().decode()
    assert scan.wait(timeout=60) == 1
    assert b"db0.yaml:3:11: RDS001" in first
    assert "Traceback" not in errors and "Exception ignored" not in errors


SPARED_AFTER_A_SCAN = """
import sys
from pathlib import Path
from scanner import fastpaths
from scanner.pipeline import engine
from scanner.config import Config
from scanner.project.context import Project
if sys.argv[1] == "console":
    fastpaths.exit_without_freeing()
engine.scan((sys.argv[2],), Config(root=Path(sys.argv[2])))
spared = fastpaths._spared
print("none" if spared is None else sum(isinstance(kept, Project) for kept in spared))
"""


@pytest.mark.parametrize(("process", "projects_kept"), [("console", "1"), ("library", "none")])
def test_the_scan_keeps_its_project_model_only_for_a_process_that_exits_without_freeing(
    process, projects_kept
):
    program = [sys.executable, "-c", SPARED_AFTER_A_SCAN, process, str(EXAMPLES / "legacy")]
    done = subprocess.run(program, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == projects_kept
