"""Baselines through the installed command: record, survive edits, resurface, shrink."""

from __future__ import annotations

import json

import pytest

from tests.conftest import RESIDUE, run_cli, write
from tests.sarif_schema import assert_valid_sarif

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Legacy:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
  Ledger:
    Type: AWS::DSQL::Cluster
"""


@pytest.fixture
def project(tmp_path):
    root = write(tmp_path / "project", {"infra/stack.yaml": TEMPLATE})
    run = run_cli("scan", ".", *RESIDUE, "--write-baseline", "baseline.json", cwd=root)
    assert run.code == 0, run.stderr
    assert "wrote 2 baseline entries to baseline.json" in run.stderr
    return root


def baseline_scan(root, *args):
    scope = () if "--select" in args else RESIDUE
    return run_cli("scan", ".", *scope, "--baseline", "baseline.json", *args, cwd=root)


def test_written_baseline_is_sorted_and_line_free(project):
    text = (project / "baseline.json").read_text()
    document = json.loads(text)
    assert document["version"] == 1
    entries = document["findings"]
    assert [(e["rule"], e["path"]) for e in entries] == [
        ("RDS001", "infra/stack.yaml"),
        ("RDS003", "infra/stack.yaml"),
    ]
    assert all(set(e) == {"fingerprint", "rule", "path", "message"} for e in entries)
    assert "aurora-postgresql" in entries[1]["message"]
    assert '"line"' not in text
    again = run_cli("scan", ".", *RESIDUE, "--write-baseline", "baseline.json", cwd=project)
    assert again.code == 0 and (project / "baseline.json").read_text() == text


def test_baselined_findings_are_suppressed_externally(project):
    run = baseline_scan(project, "--format", "json", "--show-suppressed")
    assert run.code == 0
    document = run.json()
    assert {f["suppression"]["kind"] for f in document["findings"]} == {"external"}
    assert document["summary"]["baseline"] == {
        "file": "baseline.json",
        "matched": 2,
        "unmatched": [],
    }
    sarif = json.loads(baseline_scan(project, "--format", "sarif", "--show-suppressed").stdout)
    assert_valid_sarif(sarif)
    kinds = {s["kind"] for r in sarif["runs"][0]["results"] for s in r["suppressions"]}
    assert kinds == {"external"}


def test_inserted_lines_keep_findings_baselined(project):
    stack = project / "infra" / "stack.yaml"
    lines = stack.read_text().splitlines(keepends=True)
    padding = ["Description: moved down\n", "Parameters:\n", "  Env:\n", "    Type: String\n"]
    stack.write_text("".join(lines[:1] + padding + lines[1:]))
    run = baseline_scan(project, "--format", "json")
    assert run.code == 0, run.stdout
    assert run.json()["findings"] == []


def test_changed_value_resurfaces(project):
    stack = project / "infra" / "stack.yaml"
    stack.write_text(stack.read_text().replace("aurora-postgresql", "aurora-mysql"))
    run = baseline_scan(project, "--format", "json")
    assert run.code == 1
    document = run.json()
    assert [(f["rule"], f["line"]) for f in document["findings"]] == [("RDS003", 6)]
    (stale,) = document["summary"]["baseline"]["unmatched"]
    assert stale["rule"] == "RDS003" and "aurora-postgresql" in stale["message"]


def test_fixed_findings_are_listed_so_the_baseline_can_shrink(project):
    stack = project / "infra" / "stack.yaml"
    stack.write_text(stack.read_text().replace("      Engine: aurora-postgresql\n", ""))
    run = baseline_scan(project)
    assert run.code == 0
    assert "1 baseline entry matches no finding in baseline.json" in run.stdout
    assert "infra/stack.yaml: RDS003" in run.stdout


def test_partial_scans_do_not_call_other_entries_stale(project):
    write(project, {"other/clean.yaml": "Resources:\n  L:\n    Type: AWS::DSQL::Cluster\n"})
    run = run_cli(
        "scan", "other/clean.yaml", *RESIDUE, "--baseline", "baseline.json", "--format", "json",
        cwd=project,
    )  # fmt: skip
    assert run.code == 0
    assert run.json()["summary"]["baseline"]["unmatched"] == []
    selected = baseline_scan(project, "--select", "RDS001", "--format", "json")
    assert selected.json()["summary"]["baseline"]["unmatched"] == []
    (project / "infra" / "stack.yaml").unlink()
    gone = baseline_scan(project, "--format", "json")
    assert len(gone.json()["summary"]["baseline"]["unmatched"]) == 2


def test_in_source_suppressed_findings_are_not_recorded(tmp_path):
    suppressed = TEMPLATE.replace(
        "    Type: AWS::RDS::DBCluster\n",
        "    Type: AWS::RDS::DBCluster\n    Metadata:\n      dsql-scan:\n        ignore:\n"
        "          - id: RDS001\n            reason: decommissioned in LEDGER-9\n",
    )
    write(tmp_path, {"stack.yaml": suppressed})
    assert run_cli("scan", ".", *RESIDUE, "--write-baseline", "b.json", cwd=tmp_path).code == 0
    entries = json.loads((tmp_path / "b.json").read_text())["findings"]
    assert [e["rule"] for e in entries] == ["RDS003"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "invalid JSON at line 1"),
        ('{"version": 1}', "no 'findings' list"),
        ('{"version": 7, "findings": []}', "unsupported baseline version 7"),
        ('{"version": 1, "findings": [{"rule": "RDS001"}]}', "findings[0] needs a string"),
    ],
)
def test_broken_baseline_is_a_usage_error(tmp_path, content, message):
    write(tmp_path, {"stack.yaml": TEMPLATE})
    if content is not None:
        (tmp_path / "baseline.json").write_text(content)
    run = baseline_scan(tmp_path)
    assert run.code == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "baseline.json" in lines[0]
