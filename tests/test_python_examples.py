"""Acceptance on the bundled examples: every legacy RDS artefact once, at its exact place;
nothing on the migrated code; decoys, docstrings and comments silent; templates linked back.

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

LEGACY = EXAMPLES / "legacy"
MIGRATED = EXAMPLES / "migrated"

STACK = "legacy/cdk/ledger_stack.py"
EXPECTED: dict[str, list[tuple[str, str, str]]] = {
    STACK: [
        ("RDS007", "", "db_security_group.add_ingress_rule("),
        ("RDS004", "", "rds.SubnetGroup("),
        ("RDS001", "", "rds.DatabaseCluster("),
        ("RDS003", "", "rds.DatabaseClusterEngine.aurora_postgres("),
        ("DSQL001", "", "rds.DatabaseClusterEngine.aurora_postgres("),  # what DSQL replaces
        ("RDS005", "", "rds.Credentials.from_generated_secret("),
        ("RDS002", "", "rds.ClusterInstance.provisioned("),
        ("RDS002", "", "rds.ClusterInstance.serverless_v2("),
        ("RDS005", "", "cluster.add_rotation_single_user()"),
        ("RDS004", "", "cluster.add_proxy("),
        ("RDS008", '"DB_HOST": ', "cluster.cluster_endpoint.hostname"),
        ("RDS008", '"DB_SECRET_ARN": ', "cluster.secret.secret_arn"),
        ("RDS008", '"AURORA_CLUSTER_ARN": ', "cluster.cluster_arn"),
        ("RDS008", '"RDS_PROXY_ENDPOINT": ', "proxy.endpoint"),
        ("RDS006", "", "cluster.grant_data_api_access("),
        ("RDS006", "", "proxy.grant_connect("),
        ("RDS006", "", '"rds-data:ExecuteStatement"'),
        ("RDS006", "", '"rds-data:BatchExecuteStatement"'),
        ("RDS007", "", "cluster.connections.allow_default_port_from("),
        ("RDS008", "", '"RDS_HOSTNAME"'),
        ("RDS008", '"DB_PASSWORD": ', "ecs.Secret.from_secrets_manager("),
        ("RDS008", '"LedgerDatabaseEndpoint", value=', "cluster.cluster_endpoint.hostname"),
    ],
    "legacy/app/repository.py": [
        ("RDS008", "os.environ[", '"AURORA_CLUSTER_ARN"'),
        ("RDS009", "", 'boto3.client("rds-data")'),
        ("RDS009", "", "data_api.execute_statement("),
        ("RDS009", "", "data_api.begin_transaction("),
        ("RDS009", "", "data_api.batch_execute_statement("),
        ("RDS009", "", "data_api.commit_transaction("),
        ("RDS009", "", "data_api.rollback_transaction("),
    ],
    "legacy/app/reporting.py": [
        ("RDS008", "os.getenv(", '"RDS_HOSTNAME"'),
        ("RDS010", "", '"orbit-aurora.cluster-c1x2y3z4.us-east-1.rds.amazonaws.com"'),
        ("RDS003", '"engine": ', '"aurora-postgresql"'),
        # no health check: at the application's most direct sign of its database
        ("DSQL011", '"engine": ', '"aurora-postgresql"'),
        ("RDS010", "", "self.rds.generate_db_auth_token("),
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


def expected_places(relative: str) -> Counter:
    path = EXAMPLES / relative
    return Counter(
        (rule, *place_of(path, before, target)) for rule, before, target in EXPECTED[relative]
    )


@pytest.fixture(scope="module")
def legacy_findings() -> list[dict]:
    # the Python flavour of the legacy service (its TypeScript twin is tests/test_typescript_*)
    python = ("examples/legacy/cdk", "examples/legacy/app", "examples/legacy/cloudformation")
    run = run_cli("scan", *python, "--format", "json", cwd=ROOT)
    assert run.code == 1, run.stderr
    return run.json()["findings"]


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_each_legacy_artefact_is_reported_once_at_its_place(legacy_findings, relative):
    path = f"examples/{relative}"
    found = Counter(
        (f["rule"], f["line"], f["column"]) for f in legacy_findings if f["path"] == path
    )
    assert found == expected_places(relative)


def test_python_findings_carry_qualified_names_and_spans(legacy_findings):
    by_rule = {
        f["rule"]: f
        for f in legacy_findings
        if f["path"] == f"examples/{STACK}" and f["rule"] in ("RDS001", "RDS002")
    }
    cluster = by_rule["RDS001"]
    assert cluster["qualified_name"] == "aws_cdk.aws_rds.DatabaseCluster"
    source = (EXAMPLES / STACK).read_text(encoding="utf-8").splitlines()
    # The span is the whole call: it ends on the line of its closing parenthesis.
    assert source[cluster["end_line"] - 1][: cluster["end_column"] - 1].strip() == ")"
    assert by_rule["RDS002"]["qualified_name"].startswith("aws_cdk.aws_rds.ClusterInstance.")


def test_docstring_mentions_in_application_code_are_silent(legacy_findings):
    path = EXAMPLES / "legacy/app/reporting.py"
    docstring_end = path.read_text(encoding="utf-8").index('"""', 3)
    last = path.read_text(encoding="utf-8").count("\n", 0, docstring_end) + 1
    hits = [f for f in legacy_findings if f["path"].endswith("reporting.py") and f["line"] <= last]
    assert last >= 3 and hits == []


def test_decoy_class_docstrings_and_comments_are_silent(legacy_findings):
    source = (EXAMPLES / STACK).read_text(encoding="utf-8").splitlines()
    silent = {
        number
        for number, line in enumerate(source, 1)
        if 'DatabaseCluster("ledger")' in line
        or line.lstrip().startswith(("#", "class DatabaseCluster"))
        or number <= 5  # the module docstring names rds.DatabaseCluster, rds-data, 5432
    }
    assert silent, "the example must keep its decoys"
    hits = [f for f in legacy_findings if f["path"] == f"examples/{STACK}" and f["line"] in silent]
    assert hits == []


def test_migrated_example_has_no_findings(tmp_path):
    """The migrated CDK app, its cdk.out and its application code, as a project of their own
    (examples/migrated also holds the CloudFormation flavour of the same service)."""
    for part in ("cdk", "app"):
        shutil.copytree(MIGRATED / part, tmp_path / part)
    run = run_cli("scan", ".", "--format", "json", cwd=tmp_path)
    assert run.code == 0, run.stdout
    document = run.json()
    assert document["findings"] == []
    assert document["summary"]["files_scanned"] == 6


def test_shipped_templates_link_back_to_the_source(legacy_findings):
    """Every RDS construct of the CDK source is also a template finding linked to its line."""
    stack = f"examples/{STACK}"
    constructs = {
        (f["rule"], f["line"])
        for f in legacy_findings
        if f["path"] == stack and f["rule"] in ("RDS001", "RDS002", "RDS004")
    }
    linked = {
        (f["rule"], f["source_line"])
        for f in legacy_findings
        if f["path"].endswith(".template.json") and f.get("source_path") == stack
    }
    assert len(constructs) == 5
    assert constructs <= linked
