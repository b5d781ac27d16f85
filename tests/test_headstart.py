"""The console script's head start: a worker importing the parsers while the command starts up.

It may only change speed: the same command with and without it prints the same bytes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner import console
from scanner.cli import main as command_line
from scanner.config import load
from scanner.pipeline.engine import scan
from scanner.run import headstart, runner
from scanner.run.worker import Worker
from tests.conftest import run_cli, write

DATA_API = "import boto3\nDATA = boto3.client('rds-data')\n"
PLAIN = "def add(a, b):\n    return a + b\n"
DB = "Resources:\n  Db:\n    Type: AWS::RDS::DBCluster\n    Properties: {Engine: aurora}\n"
PROJECT = {
    "pyproject.toml": "[tool.dsql-scan]\n",
    "app/data.py": DATA_API,
    "app/plain.py": PLAIN,
    "app/broken.py": "def broken(:\n    pass\n",
    "infra/db.yaml": DB,
    "infra/other.yaml": DB.replace("Db:", "Other:"),
    "lib/stack.ts": "import * as rds from 'aws-cdk-lib/aws-rds';\n",
    "lib/plain.ts": "export const add = (a: number, b: number) => a + b;\n",
    "infra/logs.tf": 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n',
    "notes.txt": "import boto3  # not a module\n",
}


@pytest.fixture
def project(tmp_path):
    return write(tmp_path, PROJECT)


@pytest.fixture(autouse=True)
def no_leftover_worker():
    yield
    leftover = headstart.take()
    if leftover is not None:
        leftover.release()


def test_files_that_need_a_parser_are_recognised(project):
    kind = headstart._expensive_input  # the input a file would need a head start for
    assert kind(str(project / "app/data.py")) == "python"
    assert kind(str(project / "infra/db.yaml")) == "cloudformation"
    assert kind(str(project / "lib/stack.ts")) == "typescript"
    assert kind(str(project / "lib/plain.ts")) is None, "parsed, never lowered nor analysed"
    assert kind(str(project / "app/broken.py")) is None, "no word the analysis looks for"
    assert kind(str(project / "app/plain.py")) is None, "CPython checks it without libcst"
    assert kind(str(project / "app/missing.py")) is None
    assert kind(str(project / "notes.txt")) is None
    assert kind(str(project / "app")) is None
    assert kind("--config=" + str(project / "infra/db.yaml")) is None


def test_the_named_files_are_read_only_until_every_parser_is_known(project, monkeypatch):
    looked_at = []
    expensive = headstart._expensive_input
    monkeypatch.setattr(
        headstart, "_expensive_input", lambda a: looked_at.append(a) or expensive(a)
    )
    named = ["app/plain.py", "app/data.py", "infra/db.yaml", "lib/stack.ts", "infra/logs.tf"]
    found = headstart.named_inputs([str(project / n) for n in [*named, "infra/other.yaml"]])
    assert found == {"python", "cloudformation", "typescript", "terraform"}
    assert [Path(a).relative_to(project).as_posix() for a in looked_at] == named


def test_no_head_start_when_too_many_files_are_named_for_one_worker(project):
    data = str(project / "app/data.py")
    assert headstart.named_inputs([data] * runner.PARALLEL_MIN_FILES) == {"python"}
    assert headstart.named_inputs([data] * (runner.PARALLEL_MIN_FILES + 1)) == set()


def test_begin_starts_one_worker_only_for_files_that_need_a_parser(project, monkeypatch):
    started = []
    start = Worker.start
    meanwhile = []
    monkeypatch.setattr(
        Worker,
        "start",
        lambda modules, **kw: (
            started.append(modules) or meanwhile.append(kw) or start(modules, **kw)
        ),
    )
    headstart.begin(["scan", str(project / "app/plain.py"), "--format", "json"])
    assert headstart.take() is None and not started
    headstart.begin([str(project / "app/data.py"), str(project / "infra/db.yaml")])
    assert len(started) == 1
    assert {"libcst.metadata", "cfnlint.decode"} <= set(started[0])
    assert meanwhile == [{"meanwhile": headstart._masking}], "the masking patterns, while idle"
    worker = headstart.take()
    assert worker is not None and headstart.take() is None, "taken once"
    worker.release()


def test_the_runner_gives_the_head_start_the_named_files_or_releases_it(project, monkeypatch):
    config = load(str(project / "pyproject.toml"))
    named = (str(project / "app/data.py"),)
    submitted, released = [], []
    submit, release = Worker.submit, Worker.release
    monkeypatch.setattr(Worker, "submit", lambda w, *a: submitted.append(a[1]) or submit(w, *a))
    monkeypatch.setattr(Worker, "release", lambda w: released.append(w) or release(w))
    cache = project / ".cache"

    without = scan(named, config, jobs=1, cache_dir=cache)  # in-process; caches data.py
    headstart.begin(list(named))
    with_it = scan(named, config, jobs=2, cache_dir=None, worker=headstart.take())
    assert with_it == without
    assert [[c.rel for c in job] for job in submitted] == [["app/data.py"]]

    headstart.begin(list(named))
    cached = scan(named, config, jobs=2, cache_dir=cache, worker=headstart.take())
    assert cached == without and len(released) == 1, "nothing to analyse: the worker goes"


def _exists(path: str) -> bool:
    return Path(path).exists()


def test_a_worker_does_its_meanwhile_work_only_while_no_job_waits(tmp_path, monkeypatch):
    """The head start's worker imports the masking patterns while it would wait (a finding's
    excerpt needs them), and not when its job has come: the job goes first."""
    monkeypatch.syspath_prepend(str(tmp_path))
    write(tmp_path, {"slow_import.py": "import time\ntime.sleep(0.5)\n"})
    marks = []
    for modules, job_first in (((), False), (("slow_import",), True)):
        mark = tmp_path / f"meanwhile-{len(marks)}"
        worker = Worker.start(modules, meanwhile=lambda mark=mark: mark.write_text("done"))
        assert worker is not None
        if not job_first:
            deadline = time.monotonic() + 30
            while not mark.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        delivered, value = worker.submit(_exists, str(mark)).result()
        assert delivered
        marks.append(value)
    assert marks == [True, False]


def test_the_other_commands_are_the_command_lines_own():
    assert set(console.OTHER_COMMANDS) == set(command_line.commands) - {"scan"}


def _without_head_start(*args: str, cwd) -> subprocess.CompletedProcess:
    code = "import sys; from scanner.cli import main; sys.argv[0] = 'dsql-scan'; main()"
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("named", "reported"),
    [
        (["app/data.py"], "RDS009"),
        (["infra/db.yaml"], "RDS001"),
        (["app/data.py", "infra/db.yaml", "app/broken.py", "app/plain.py"], "SCAN001"),
        (["scan", "app/data.py", "--format", "sarif"], '"ruleId": "RDS009"'),
    ],
)
def test_the_command_prints_the_same_with_and_without_the_head_start(project, named, reported):
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    env = {"DSQL_SCAN_CACHE_DIR": str(project / ".cache")}
    run_cli("scan", cwd=project, env=env)  # the rest of the project is cached context
    (project / "app/data.py").write_text(DATA_API + "# changed\n")
    fast = run_cli(*named, cwd=project, env=env)
    plain = _without_head_start(*named, "--no-cache", cwd=project)
    assert (fast.code, fast.stdout, fast.stderr) == (plain.returncode, plain.stdout, plain.stderr)
    assert fast.code == 1 and reported in fast.stdout
