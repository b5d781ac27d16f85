"""The review's verdict follows the evidence: suppressed, disabled and absent evidence are named.

Each test writes a tree, runs the installed ``dsql-scan review`` and reads the document back, as
a reviewer would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import run_cli, write
from tests.test_review import LEGACY, MIGRATED, REVIEWER, migrated_app, migrated_system

EPOCH = {"SOURCE_DATE_EPOCH": "1718000000"}

SUPPRESSED_LEGACY = """
AWSTemplateFormatVersion: "2010-09-09"
Metadata:
  dsql-scan:
    ignore:
      - id: RDS
        reason: the ledger cluster stays until the data copy is verified (LEDGER-42)
""" + LEGACY.split('AWSTemplateFormatVersion: "2010-09-09"\n', 1)[1]

# The migrated stack that still keeps the old cluster, every RDS finding suppressed with a reason
MIGRATED_KEEPING_RDS = (
    MIGRATED.replace(
        'AWSTemplateFormatVersion: "2010-09-09"\n',
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        + SUPPRESSED_LEGACY.split("\n", 2)[2].split("Resources:", 1)[0],
    )
    + """  LegacyCluster:
    Type: AWS::RDS::DBCluster
    DeletionPolicy: Retain
    Properties:
      Engine: aurora-postgresql
"""
)


def review(root: Path, *args: str):
    return run_cli("review", *args, "--reviewer", REVIEWER, cwd=root, env=EPOCH)


def verdict(text: str) -> str:
    return re.search(r"\*\*Verdict: ([A-Z ]+)\*\*", text).group(1)


def matrix(text: str) -> dict[str, tuple[str, str]]:
    """(status, explanation) of each requirement row of the requirement matrix."""
    table = text.split("## 1. Requirements", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 5 and cells[1].startswith("**"):
            rows[cells[0]] = (cells[1].strip("*").lower(), cells[4])
    return rows


def test_metadata_ignore_of_rds_with_config_ignores_is_never_a_pass(tmp_path):
    write(
        tmp_path,
        {
            "infra/ledger.yaml": SUPPRESSED_LEGACY,
            ".dsql-scan.yaml": "ignore: [DSQL001, DSQL011]\n",
        },
    )
    run = review(tmp_path, "infra", "-o", "REVIEW.md")
    text = (tmp_path / "REVIEW.md").read_text()
    assert verdict(text) != "PASS", text
    assert run.code == 1, run.stderr
    rows = matrix(text)
    assert rows["FR-001"][0] != "pass"
    assert rows["SC-004"][0] != "pass"


def test_tree_whose_rds_findings_are_all_suppressed_passes_with_exceptions(tmp_path):
    write(tmp_path, {"infra/ledger.yaml": MIGRATED_KEEPING_RDS, **migrated_app()})
    run = review(tmp_path, "infra", "app", "-o", "REVIEW.md")
    text = (tmp_path / "REVIEW.md").read_text()
    assert run.code == 0, run.stderr
    assert verdict(text) == "PASS WITH EXCEPTIONS"
    assert "wrote REVIEW.md: PASS WITH EXCEPTIONS" in run.stderr
    rows = matrix(text)
    # the cluster is still declared: FR-001 is accepted with exceptions, never a plain pass
    assert rows["FR-001"][0] == "accepted with exceptions"
    assert "RDS001" in rows["FR-001"][1] and "suppressed" in rows["FR-001"][1]
    assert rows["SC-004"][0] == "accepted with exceptions"
    assert "pass" not in {status for status, _ in (rows["FR-001"], rows["SC-004"])}
    # each exception is listed with the requirements it bears on and the reason it was accepted
    suppressions = text.split("### Suppressions", 1)[1].split("\n### ", 1)[0]
    assert "accepted with exceptions" in suppressions
    cluster = next(line for line in suppressions.splitlines() if line.startswith("| RDS001 |"))
    assert "LegacyCluster" in cluster and "FR-001" in cluster
    assert "until the data copy is verified (LEDGER-42)" in cluster
    # a requirement no suppressed finding touches still passes on its own evidence
    assert rows["FR-004"][0] == "pass"
    assert run_cli("verify", "REVIEW.md", cwd=tmp_path).code == 0


def test_rules_disabled_by_configuration_leave_their_requirements_not_evidenced(tmp_path):
    write(
        tmp_path,
        {
            **migrated_system(),
            "pyproject.toml": """
            [tool.dsql-scan]
            ignore = ["DSQL007", { id = "DSQL011", reason = "the health check lives in the gateway (OPS-9)" }]
            """,
        },
    )
    run = review(tmp_path, "infra", "app", "-o", "REVIEW.md")
    text = (tmp_path / "REVIEW.md").read_text()
    assert run.code == 1, run.stderr
    assert verdict(text) == "NOT EVIDENCED"
    reason = text.split("**Verdict: NOT EVIDENCED**:", 1)[1].split("\n", 1)[0]
    assert "FR-004 (DSQL011 disabled" in reason and "FR-001 (DSQL007 disabled" in reason
    rows = matrix(text)
    assert rows["FR-004"][0] == "not evidenced"
    assert rows["FR-001"][0] == "not evidenced"
    assert rows["FR-002"][0] == "pass"  # none of its rules was disabled
    disabled = text.split("### Disabled rules", 1)[1].split("\n## ", 1)[0]
    assert (
        "| `DSQL011` | DSQL011 | ignore in pyproject.toml | the health check lives in" in disabled
    )
    assert "| `DSQL007` | DSQL007 | ignore in pyproject.toml | **no reason given** |" in disabled
    # the reasons are part of the configuration the review vouches for
    config = tmp_path / "pyproject.toml"
    config.write_text(config.read_text().replace("(OPS-9)", "(OPS-10)"))
    drift = run_cli("verify", "REVIEW.md", cwd=tmp_path)
    assert drift.code == 1
    assert "setting ignore-reasons:" in drift.stdout and "OPS-10" in drift.stdout


def test_rules_disabled_on_the_command_line_are_listed_without_a_reason(tmp_path):
    write(tmp_path, migrated_system())
    run = review(tmp_path, "infra", "app", "-o", "r.md", "--ignore", "RDS", "--select", "RDS,DSQL")
    text = (tmp_path / "r.md").read_text()
    assert run.code == 1
    assert verdict(text) == "NOT EVIDENCED"
    disabled = text.split("### Disabled rules", 1)[1].split("\n## ", 1)[0]
    assert "| `RDS` | RDS001-RDS011 |" in disabled
    assert "--ignore on the command line | **no reason given** |" in disabled
    assert "| `not selected` |" in disabled and "--select on the command line" in disabled
    assert matrix(text)["SC-004"][0] == "not evidenced"
    assert run_cli("verify", "r.md", cwd=tmp_path).code == 0


def test_a_bare_ignore_still_works_for_scan(tmp_path):
    write(tmp_path, {"infra/ledger.yaml": LEGACY, ".dsql-scan.yaml": "ignore: [RDS, DSQL]\n"})
    run = run_cli("scan", "infra", "--format", "json", cwd=tmp_path)
    assert run.code == 0, run.stdout
    write(
        tmp_path,
        {".dsql-scan.yaml": "ignore:\n  - RDS\n  - id: DSQL\n    reason: not migrated yet\n"},
    )
    assert run_cli("scan", "infra", "--format", "json", cwd=tmp_path).code == 0


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('ignore = [{ id = "DSQL011" }]', "'ignore[0]': 'reason' must be a non-empty string"),
        ('ignore = [{ id = "DSQL011", reason = "  " }]', "'reason' must be a non-empty string"),
        ('ignore = [{ id = "DSQL011", reason = "x", why = "y" }]', "unknown key 'why'"),
        ('ignore = [{ id = 11, reason = "x" }]', "'id' must be a non-empty string"),
        ("ignore = [3]", "'ignore[0]' must be a rule id or a table"),
        ('ignore = [{ id = "NOPE", reason = "x" }]', "unknown rule id or prefix: 'NOPE'"),
        ('requirements = "../spec.yaml"', "must be a relative path inside the project"),
        ('requirements = "missing.yaml"', "requirements: no such file: missing.yaml"),
    ],
)
def test_invalid_ignore_entries_and_catalogue_paths_are_exit_2(tmp_path, config, message):
    write(tmp_path, {"pyproject.toml": f"[tool.dsql-scan]\n{config}\n", **migrated_system()})
    for command in (("review", "-o", "r.md"), ("verify", "r.md")):
        if command[0] == "verify" and not (tmp_path / "r.md").exists():
            continue
        run = run_cli(*command, cwd=tmp_path)
        assert run.code == 2, run.stderr
        assert message in run.stderr
        assert "pyproject.toml" in run.stderr or "requirements" in run.stderr
        assert "Traceback" not in run.stderr
    if "requirements" not in config:
        assert run_cli("scan", ".", cwd=tmp_path).code == 2


def test_empty_tree_and_tree_with_nothing_analysed_are_not_evidenced(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    run = review(empty, "-o", "r.md")
    text = (empty / "r.md").read_text()
    assert run.code == 1, run.stderr
    assert "**Verdict: NOT EVIDENCED**: nothing in scope was analysed." in text
    assert set(status for status, _ in matrix(text).values()) == {"not evidenced"}
    assert run_cli("verify", "r.md", cwd=empty).code == 0  # still true: still nothing
    notes = tmp_path / "notes"
    write(notes, {"README.txt": "nothing to scan\n", "data.json": "[1, 2]\n"})
    run = review(notes, "-o", "r.md")
    assert run.code == 1, run.stderr
    assert "nothing in scope was analysed" in (notes / "r.md").read_text()


def test_infrastructure_requirements_without_templates_or_cdk_are_not_evidenced(tmp_path):
    write(tmp_path, {**migrated_app(), "db/001.sql": "CREATE TABLE t (id UUID PRIMARY KEY);\n"})
    run = review(tmp_path, "app", "db", "-o", "r.md")
    text = (tmp_path / "r.md").read_text()
    assert run.code == 1
    assert verdict(text) == "NOT EVIDENCED"
    rows = matrix(text)
    for requirement in ("FR-001", "FR-002", "FR-003", "FR-005", "FR-007", "SC-001"):
        assert rows[requirement][0] == "not evidenced", requirement
        # FR-005 needs a template itself: CDK source would have to be synthesized first
        wanted = "template" if requirement == "FR-005" else "template or CDK source"
        assert f"no CloudFormation {wanted} in scope" in rows[requirement][1]
    sql_only = review(tmp_path, "db", "-o", "sql.md")
    assert sql_only.code == 1
    sql_rows = matrix((tmp_path / "sql.md").read_text())
    assert "pass" not in {status for status, _ in sql_rows.values()}, sql_rows


CATALOGUE = """
requirements:
  - id: MIG-1
    text: No Aurora RDS cluster remains | not even one.
    rules: [RDS001, RDS002]
    needs: [cfn, cdk]
  - id: MIG-2
    text: The IAM policies grant no RDS action.
    rules: [RDS006]
  - id: OPS-1
    text: The service answers 99% of health checks.
    rules: [DSQL011]
    runtime: measured on the deployed service
"""


def test_a_project_catalogue_replaces_the_spec_in_the_matrix_and_the_tags(tmp_path):
    write(
        tmp_path,
        {
            "infra/ledger.yaml": LEGACY,
            "review/requirements.yaml": CATALOGUE,
            "pyproject.toml": '[tool.dsql-scan]\nrequirements = "review/requirements.yaml"\n',
        },
    )
    run = review(tmp_path, "infra", "-o", "REVIEW.md")
    text = (tmp_path / "REVIEW.md").read_text()
    assert run.code == 1
    rows = matrix(text)
    assert list(rows) == ["MIG-1", "MIG-2", "OPS-1"]
    assert "FR-001" not in text.split("## 1. Requirements", 1)[1]
    assert rows["MIG-1"][0] == "fail" and "RDS001" in rows["MIG-1"][1]
    assert rows["MIG-2"][0] == "fail" and "RDS006" in rows["MIG-2"][1]
    assert rows["OPS-1"][0] == "not evidenced"
    assert "measured on the deployed service" in rows["OPS-1"][1]
    assert "No Aurora RDS cluster remains \\| not even one." in text  # escaped in the table
    assert "Requirements: review/requirements.yaml (sha256:" in text
    # a finding of a rule the catalogue does not map is outside the requirements
    findings = text.split("## 2. Findings", 1)[1].split("\n## ", 1)[0]
    tags = {
        cells[1]: cells[-1]
        for line in findings.splitlines()
        if (cells := [c.strip() for c in line.split("|")[1:-1]]) and len(cells) == 5
    }
    assert tags["RDS008"] == "none" and tags["RDS001"] == "MIG-1"
    # the rule set appendix tags each rule with the catalogue's requirements
    assert re.search(r"^\| RDS006 \| .* \| MIG-2 \| yes \|$", text, flags=re.M)
    listing = run_cli("rules", "--requirements", cwd=tmp_path)
    assert listing.code == 0
    assert "MIG-1  No Aurora RDS cluster remains | not even one." in listing.stdout
    assert "runtime:  measured on the deployed service" in listing.stdout
    page = run_cli("rules", "RDS006", cwd=tmp_path).stdout
    assert "Requirements: MIG-2  The IAM policies grant no RDS action." in page


def test_verify_reports_a_changed_catalogue(tmp_path):
    write(
        tmp_path,
        {
            **migrated_system(),
            "review/requirements.toml": """
            [[requirements]]
            id = "MIG-1"
            text = "No Aurora RDS cluster remains."
            rules = ["RDS"]
            """,
            "pyproject.toml": '[tool.dsql-scan]\nrequirements = "review/requirements.toml"\n',
        },
    )
    run = review(tmp_path, "infra", "app", "-o", "REVIEW.md")
    assert run.code == 0, run.stderr
    assert verdict((tmp_path / "REVIEW.md").read_text()) == "PASS"
    assert run_cli("verify", "REVIEW.md", cwd=tmp_path).code == 0
    catalogue = tmp_path / "review" / "requirements.toml"
    catalogue.write_text(catalogue.read_text().replace('["RDS"]', '["RDS", "DSQL011"]'))
    drift = run_cli("verify", "REVIEW.md", cwd=tmp_path)
    assert drift.code == 1, drift.stdout
    assert "setting requirements: review/requirements.toml (sha256:" in drift.stdout


@pytest.mark.parametrize(
    ("catalogue", "message"),
    [
        ("requirements: []\n", "'requirements' must be a non-empty list"),
        ("title: x\nrequirements: [{id: A, text: t}]\n", "expected exactly one key"),
        ("requirements: [{id: A, text: t, rule: [RDS]}]\n", "requirements[0]: unknown key 'rule'"),
        ("requirements: [{id: A, text: t, rules: [RDS999]}]\n", "requirements[0].rules: unknown"),
        ("requirements: [{id: A, text: t}, {id: A, text: u}]\n", "duplicate id 'A'"),
        ("requirements: [{id: 'A B', text: t}]\n", "requirements[0].id: 'A B' is no requirement"),
        ("requirements: [{id: A, text: ''}]\n", "requirements[0].text: must be a non-empty"),
        ("requirements: [{id: A, text: t, needs: [js]}]\n", "unknown input kind 'js'"),
        ("requirements: [{id: A, text: t, rules: RDS}]\n", "rules: must be a list of strings"),
        (
            "requirements: [{id: A, text: t, evidence: success-rate 101/100}]\n",
            "requirements[0].evidence: unknown evidence 'success-rate 101/100'",
        ),
        ("requirements: [{id: A\n", "invalid YAML"),
    ],
)
def test_invalid_catalogue_is_exit_2_naming_file_and_key(tmp_path, catalogue, message):
    write(
        tmp_path,
        {
            **migrated_system(),
            "spec.yaml": catalogue,
            ".dsql-scan.yaml": "requirements: spec.yaml\n",
        },
    )
    for command in (("review", "-o", "r.md"), ("rules", "--requirements")):
        run = run_cli(*command, cwd=tmp_path)
        assert run.code == 2, run.stderr
        assert "spec.yaml" in run.stderr and message in run.stderr, run.stderr
        assert "Traceback" not in run.stderr and len(run.stderr.splitlines()) == 1


def test_rules_explain_the_spec_requirements_and_review_help_the_exit_codes(tmp_path):
    from scanner.rules.requirements import REQUIREMENTS

    listing = run_cli("rules", "--requirements", cwd=tmp_path)
    assert listing.code == 0
    assert "the Aurora DSQL migration spec (built in)" in listing.stdout
    for requirement in REQUIREMENTS:
        assert f"{requirement.id}  {requirement.text}" in listing.stdout
    assert "runtime:  a success rate is measured at run time" in listing.stdout
    page = run_cli("rules", "DSQL011", cwd=tmp_path).stdout
    assert "Requirements: FR-004  A health check runs a trivial query" in page
    assert "              SC-002  The health check succeeds" in page
    usage = " ".join(run_cli("review", "--help").stdout.split())
    assert "Exit 0 when the verdict is PASS or PASS WITH EXCEPTIONS" in usage
    assert "1 when it is FAIL or NOT EVIDENCED" in usage


def test_yaml_configuration_gives_ignore_reasons_as_mappings(tmp_path):
    write(
        tmp_path,
        {
            **migrated_system(),
            ".dsql-scan.yaml": "ignore:\n  - id: dsql011\n    reason: probed by the load balancer\n",
        },
    )
    run = review(tmp_path, "infra", "app", "-o", "r.html")
    assert run.code == 1
    html = (tmp_path / "r.html").read_text()
    assert "<code>DSQL011</code></td><td>DSQL011</td><td>ignore in .dsql-scan.yaml</td>" in html
    assert "<td>probed by the load balancer</td>" in html
    assert 'class="verdict not-evidenced"' in html
