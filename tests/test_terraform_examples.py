"""Acceptance on the Terraform flavour of the bundled examples: every Aurora RDS leftover of the
legacy root module (and of the local module it calls) once, at its exact place; nothing on the
migrated root module with its application code, whose review passes; comments silent.

Expected places are found by searching the example sources for the offending code text, so the
oracle is independent of the parser under test: each entry names the rule, some text before the
node (to make the match unique) and the text the finding must start at.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, run_cli

LEGACY = EXAMPLES / "legacy" / "terraform"
MIGRATED = EXAMPLES / "migrated"

# the cluster's and the instance's engine attributes, told apart by their alignment
CLUSTER_ENGINE = "engine" + " " * 26 + "= "
INSTANCE_ENGINE = "engine" + " " * 13 + "= "
EXPECTED: dict[str, list[tuple[str, str, str]]] = {
    "database.tf": [
        ("RDS004", "", 'resource "aws_db_subnet_group"'),
        ("RDS004", "", 'resource "aws_rds_cluster_parameter_group"'),
        ("RDS005", "", 'resource "random_password"'),  # the master password
        ("RDS005", "", 'resource "aws_secretsmanager_secret" '),
        ("RDS001", "", 'resource "aws_rds_cluster" '),
        ("RDS003", CLUSTER_ENGINE, '"aurora-postgresql"'),
        # the Aurora engine is what the missing DSQL cluster replaces
        ("DSQL001", CLUSTER_ENGINE, '"aurora-postgresql"'),
        ("RDS002", "", 'resource "aws_rds_cluster_instance"'),
        ("RDS003", INSTANCE_ENGINE, '"aurora-postgresql"'),
        ("RDS005", "", 'resource "aws_secretsmanager_secret_version"'),  # it holds the password
        ("RDS005", "", 'resource "aws_secretsmanager_secret_rotation"'),
    ],
    "main.tf": [
        ("RDS008", '  type  = "String"\n  value = ', "aws_rds_cluster.ledger.endpoint"),
    ],
    "network.tf": [
        ("RDS007", "", 'resource "aws_vpc_security_group_ingress_rule"'),
    ],
    "modules/network/main.tf": [
        ("RDS007", "", "ingress {"),
    ],
    "iam.tf": [
        ("RDS006", "", '"rds-data:ExecuteStatement"'),
        ("RDS006", "", '"rds-data:BatchExecuteStatement"'),
        ("RDS006", "actions   = [", '"secretsmanager:GetSecretValue"'),
        ("RDS006", "", '"rds-db:connect"'),
        ("RDS006", "Action   = ", '"secretsmanager:GetSecretValue"'),
    ],
    "compute.tf": [
        ("RDS008", "DB_CLUSTER_ARN  = ", "aws_rds_cluster.ledger.arn"),
        ("RDS008", "DB_SECRET_ARN   = ", "aws_secretsmanager_secret.ledger_db.arn"),
        ("RDS008", "AURORA_ENDPOINT = ", "aws_rds_cluster.ledger.endpoint"),
        ("RDS008", '"RDS_HOSTNAME", value = ', "aws_rds_cluster.ledger.endpoint"),
        ("RDS008", '"DB_PASSWORD", valueFrom = ', '"${aws_secretsmanager_secret.ledger_db.arn}'),
    ],
    "outputs.tf": [
        ("RDS008", "value       = ", "aws_rds_cluster.ledger.endpoint"),
        ("RDS008", "value       = ", "aws_rds_cluster.ledger.reader_endpoint"),
    ],
}


def place_of(path: Path, before: str, target: str) -> tuple[int, int]:
    """(line, column) where ``target`` starts, found by plain text search; must be unique."""
    text = path.read_text(encoding="utf-8")
    needle = before + target
    assert text.count(needle) == 1, f"{needle!r} must occur exactly once in {path}"
    offset = text.index(needle) + len(before)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


@pytest.fixture(scope="module")
def legacy_findings() -> list[dict]:
    run = run_cli("scan", "examples/legacy/terraform", "--format", "json", cwd=ROOT)
    assert run.code == 1, run.stderr
    return run.json()["findings"]


def test_every_legacy_file_is_read(legacy_findings):
    """Every file of the root module and of the module it calls holds at least one leftover or
    is scanned clean: none is skipped and none is a parse error."""
    assert not [f for f in legacy_findings if f["rule"] == "SCAN001"]
    tf_files = sorted(p.relative_to(LEGACY).as_posix() for p in LEGACY.rglob("*.tf"))
    assert set(EXPECTED) <= set(tf_files)


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_each_legacy_leftover_is_reported_once_at_its_place(legacy_findings, relative):
    path = LEGACY / relative
    expected = Counter(
        (rule, *place_of(path, before, target)) for rule, before, target in EXPECTED[relative]
    )
    found = Counter(
        (f["rule"], f["line"], f["column"])
        for f in legacy_findings
        if f["path"] == f"examples/legacy/terraform/{relative}"
    )
    assert found == expected


def test_no_finding_outside_the_expected_files(legacy_findings):
    """variables.tf, versions.tf and the module's variables and outputs hold no leftover, and
    the comments naming aws_rds_cluster and port 5432 are never findings."""
    expected = {f"examples/legacy/terraform/{relative}" for relative in EXPECTED}
    assert {f["path"] for f in legacy_findings} == expected


def test_the_migrated_root_module_with_its_application_is_clean_and_passes_review(tmp_path):
    """The migrated Terraform flavour with the Python application code, as a project of its own
    (examples/migrated also holds the other flavours, each with its own cluster)."""
    for part in ("terraform", "app"):
        shutil.copytree(MIGRATED / part, tmp_path / part)
    scan = run_cli("scan", ".", "--format", "json", cwd=tmp_path)
    assert scan.code == 0, scan.stdout
    document = scan.json()
    assert document["findings"] == []
    files = [p for part in ("terraform", "app") for p in (MIGRATED / part).iterdir()]
    assert document["summary"]["files_scanned"] == len(files)
    review = run_cli("review", "terraform", "app", "-o", "review.md", cwd=tmp_path)
    assert review.code == 0, review.stdout + review.stderr
    assert "**Verdict: PASS**" in (tmp_path / "review.md").read_text(encoding="utf-8")
