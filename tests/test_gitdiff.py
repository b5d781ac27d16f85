"""Diff mode (``--diff-base``) on real temporary git repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.gate.gitdiff import ChangedLines, parse_diff, restrict, unquote
from scanner.model import Finding, Location, Severity
from scanner.results import ScanResult
from scanner.rules import BY_ID
from scanner.rules.base import rule
from tests.conftest import RESIDUE, run_cli, write
from tests.gitrepo import commit_all, git, init

LEGACY = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Legacy:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
  Replica:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: aurora-postgresql
"""


def findings(root: Path, *args: str) -> tuple[int, list[tuple[str, str, int]]]:
    run = run_cli("scan", ".", *RESIDUE, "--format", "json", *args, cwd=root)
    assert run.code in (0, 1), run.stderr
    return run.code, [(f["rule"], f["path"], f["line"]) for f in run.json()["findings"]]


@pytest.fixture
def repo(tmp_path):
    root = init(tmp_path / "repo")
    write(root, {"infra/stack.yaml": LEGACY, "infra/untouched.yaml": LEGACY})
    commit_all(root, "legacy")
    return root


def test_only_findings_on_changed_lines_are_reported(repo):
    stack = repo / "infra" / "stack.yaml"
    lines = stack.read_text().splitlines(keepends=True)
    lines[9] = "      Engine: aurora-mysql\n"  # the Replica's engine: a modified line
    lines.insert(1, "Description: shifts everything below\n")  # an added line, no finding
    stack.write_text("".join(lines))
    code, everything = findings(repo)
    assert len(everything) == 8
    code, changed = findings(repo, "--diff-base", "HEAD")
    assert code == 1
    assert changed == [("RDS003", "infra/stack.yaml", 11)]
    text = run_cli("scan", ".", *RESIDUE, "--diff-base", "HEAD", cwd=repo).stdout
    assert "Diff mode: only findings on lines changed since HEAD." in text


def test_nothing_changed_means_nothing_reported(repo):
    code, changed = findings(repo, "--diff-base", "HEAD")
    assert (code, changed) == (0, [])


def test_untracked_files_are_entirely_new(repo):
    write(repo, {"infra/new stack é.yaml": LEGACY})
    _, changed = findings(repo, "--diff-base", "HEAD")
    assert {path for _, path, _ in changed} == {"infra/new stack é.yaml"}
    assert len(changed) == 4


def test_commits_since_the_ref_count_and_renames_do_not(repo):
    base = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "mv", "infra/untouched.yaml", "infra/moved.yaml")
    write(repo, {"infra/added.yaml": "Resources:\n  Db:\n    Type: AWS::RDS::DBCluster\n"})
    commit_all(repo, "move one file, add another")
    _, changed = findings(repo, "--diff-base", base)
    assert changed == [("RDS001", "infra/added.yaml", 3)]


def test_project_in_a_subdirectory_maps_paths_to_the_repository(repo):
    write(repo, {"app/pyproject.toml": "[tool.dsql-scan]\n", "app/infra/t.yaml": LEGACY})
    commit_all(repo, "app")
    target = repo / "app" / "infra" / "t.yaml"
    target.write_text(target.read_text().replace("DBCluster", "GlobalCluster"))
    _, changed = findings(repo / "app", "--diff-base", "HEAD")
    assert changed == [("RDS001", "infra/t.yaml", 4)]


def test_outside_a_repository_is_a_usage_error(tmp_path):
    write(tmp_path, {"t.yaml": LEGACY})
    run = run_cli(
        "scan",
        ".",
        "--diff-base",
        "main",
        cwd=tmp_path,
        env={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)},
    )
    assert run.code == 2
    assert "not inside a git repository" in run.stderr and len(run.stderr.splitlines()) == 1


@pytest.mark.parametrize("ref", ["no-such-branch", "--output=x", "HEAD~5"])
def test_unknown_ref_is_a_usage_error(repo, ref):
    run = run_cli("scan", ".", *RESIDUE, f"--diff-base={ref}", cwd=repo)
    assert run.code == 2
    assert "unknown git ref" in run.stderr and "Traceback" not in run.stderr
    assert not (repo / "x").exists()


def test_parse_diff_reads_only_headers_as_file_names():
    diff = (
        b"diff --git a/t.yaml b/t.yaml\n"
        b"--- a/t.yaml\n"
        b"+++ b/t.yaml\n"
        b"@@ -3 +3 @@\n"
        b"-old\n"
        b"+++ b/evil.yaml\n"  # an added line whose text is '++ b/evil.yaml'
        b"@@ -10,2 +10,0 @@\n"  # a pure deletion adds no line
        b"-gone\n"
        b"-gone\n"
        b"@@ -20,0 +21,3 @@\n"
        b"+a\n+b\n+c\n"
        b'diff --git "a/tab\\there" "b/tab\\there"\n'
        b'--- "a/tab\\there"\n'
        b'+++ "b/tab\\there"\n'
        b"@@ -1 +1,2 @@\n"
    )
    assert parse_diff(diff) == {
        "t.yaml": frozenset({3, 21, 22, 23}),
        "tab\there": frozenset({1, 2}),
    }


def test_unquote_decodes_octal_utf8():
    assert unquote('"t\\303\\253st \\"q\\".yaml"') == 'tëst "q".yaml'
    assert unquote("plain.yaml") == "plain.yaml"


def test_project_rules_survive_diff_mode(monkeypatch, tmp_path):
    project_rule = rule(
        id="ZZTEST001", name="whole-project", title="t", severity=Severity.ERROR,
        kinds=("project",), requirements=(), rationale="r", remediation="m",
        project_check=lambda project, config: (),
    )  # fmt: skip
    monkeypatch.setitem(BY_ID, project_rule.id, project_rule)

    def finding(rule_id: str, line: int) -> Finding:
        location = Location(path="infra/stack.yaml", line=line)
        return Finding(rule_id, "n", Severity.ERROR, "m", location, f"{rule_id}{line}")

    result = ScanResult(
        findings=(finding("RDS001", 4), finding("ZZTEST001", 4), finding("RDS003", 6)),
        files=(),
        root=str(tmp_path),
        fail_on=Severity.WARNING,
    )
    changed = ChangedLines("HEAD", tmp_path.resolve(), {"infra/stack.yaml": frozenset({6})})
    kept = restrict(result, changed)
    assert [(f.rule, f.location.line) for f in kept.findings] == [("ZZTEST001", 4), ("RDS003", 6)]
    assert kept.diff_base == "HEAD"
