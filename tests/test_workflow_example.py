"""The shipped GitHub Actions workflow: checked by actionlint and GitHub's workflow schema.

Both checkers are also shown a broken copy, so a checker that silently accepts everything
cannot make these tests pass.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, run_cli, write
from tests.sarif_schema import assert_valid_sarif

WORKFLOW = ROOT / "examples" / "github-workflow" / "dsql-scan.yml"
LEGACY = """\
Resources:
  Legacy:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
"""


def tool(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    assert found, f"{name} is not installed; run `make test`"
    return found


def actionlint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("actionlint"), "-no-color", str(path)], capture_output=True, text=True, timeout=120
    )


def schema_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def broken(tmp_path) -> Path:
    text = WORKFLOW.read_text().replace("runs-on: ubuntu-latest", "runs-on: [ubuntu-latest")
    text = text.replace("${{ !cancelled()", "${{ !cancelled(")
    path = tmp_path / "broken.yml"
    path.write_text(text.replace("steps:", "stepz:"))
    return path


def test_actionlint_accepts_the_workflow(broken):
    clean = actionlint(WORKFLOW)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert actionlint(broken).returncode != 0


def test_github_workflow_schema_accepts_the_workflow(broken):
    clean = schema_check(WORKFLOW)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert schema_check(broken).returncode != 0


def test_workflow_gates_and_uploads_sarif(tmp_path):
    job = yaml.safe_load(WORKFLOW.read_text())["jobs"]["dsql-scan"]
    assert job["permissions"]["security-events"] == "write"
    steps = job["steps"]
    scan = next(s for s in steps if "dsql-scan scan" in s.get("run", ""))
    assert "continue-on-error" not in scan  # exit code 1 fails the job, hence the PR check
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload"))
    assert "!cancelled()" in upload["if"]  # uploaded even when the scan step failed

    # The step's own command, run on a legacy project: fails, annotates, writes the SARIF.
    write(tmp_path, {"infra/stack.yaml": LEGACY})
    command = scan["run"].split()
    assert command[:2] == ["dsql-scan", "scan"]
    run = run_cli(*command[1:], cwd=tmp_path)
    assert run.code == 1
    assert run.stdout.startswith("::error file=infra/stack.yaml,line=3,")
    # no DSQL cluster at all: annotated on the Aurora engine the cluster replaces, never the run
    assert "\n::error file=infra/stack.yaml,line=5,col=15" in run.stdout
    assert "title=DSQL001 dsql-cluster-missing::" in run.stdout
    sarif = json.loads((tmp_path / upload["with"]["sarif_file"]).read_text())
    assert_valid_sarif(sarif)
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"DSQL001", "RDS001", "RDS003"}
    assert (tmp_path / "dsql-scan.md").read_text().startswith("### dsql-scan: 3 finding(s)")
