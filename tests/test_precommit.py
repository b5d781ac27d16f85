"""The real pre-commit, running this repository's hooks on a temporary project.

``pre-commit try-repo`` clones a repository at a commit, so the hooks are tested from a snapshot
of the current working tree (tracked and new, not ignored, files) committed in a temporary
repository: the test checks the code as it is now, not the last commit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, write
from tests.gitrepo import commit_all, git, init

LEGACY = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Legacy:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
"""

MIGRATED = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Ledger:
    Type: AWS::DSQL::Cluster
    Properties:
      DeletionProtectionEnabled: true
"""

# The project's second template, after the migration: one DSQL cluster per project (DSQL002).
MIGRATED_QUEUE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Jobs:
    Type: AWS::SQS::Queue
"""

# Staged files that are not templates and not valid YAML/JSON: the hook must not choke on them.
HELM = 'metadata:\n  labels:\n    {{- include "chart.labels" . | nindent 4 }}\n'
JSONC = '{\n  // editor settings\n  "compilerOptions": {"strict": true},\n}\n'


def pre_commit_executable() -> str:
    candidate = Path(sys.executable).parent / "pre-commit"
    found = str(candidate) if candidate.exists() else shutil.which("pre-commit")
    assert found, "pre-commit is not installed; run `make test`"
    return found


def snapshot(destination: Path) -> Path:
    """The working tree's files (as git sees them, ignores applied) committed in a new repo."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    init(destination)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    commit_all(destination, "snapshot of the working tree")
    return destination


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory) -> Path:
    if not (ROOT / ".pre-commit-hooks.yaml").is_file():
        pytest.fail(".pre-commit-hooks.yaml is missing at the repository root")
    return snapshot(tmp_path_factory.mktemp("hooks") / "dsql-scan")


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(project: Path, hooks: Path, home: Path, hook: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [pre_commit_executable(), "try-repo", str(hooks), hook, "--all-files", "--color=never"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_hook_definitions_are_what_the_readme_promises():
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"dsql-scan", "dsql-scan-project"}
    assert hooks["dsql-scan"]["language"] == "python"
    assert hooks["dsql-scan-project"]["pass_filenames"] is False
    # both install dsql-lint, pinned as the `sql` extra pins it, so staged SQL is checked
    sql_extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["sql"]
    for hook in hooks.values():
        assert hook["additional_dependencies"] == sql_extra


def test_hook_fails_on_legacy_and_passes_on_migrated(tmp_path, hooks_repo, pre_commit_home):
    project = init(tmp_path / "project")
    write(project, {"infra/stack.yaml": LEGACY, "infra/app.template": LEGACY})
    git(project, "add", "-A")
    failed = try_repo(project, hooks_repo, pre_commit_home, "dsql-scan")
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "infra/stack.yaml:4:11: RDS001" in output
    assert "infra/app.template:4:11: RDS001" in output  # .template files are scanned too

    whole = try_repo(project, hooks_repo, pre_commit_home, "dsql-scan-project")
    assert whole.returncode == 1 and "RDS003" in whole.stdout + whole.stderr

    write(project, {"infra/stack.yaml": MIGRATED, "infra/app.template": MIGRATED_QUEUE})
    write(project, {"chart/templates/svc.yaml": HELM, "web/tsconfig.json": JSONC})
    git(project, "add", "-A")
    passed = try_repo(project, hooks_repo, pre_commit_home, "dsql-scan")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
