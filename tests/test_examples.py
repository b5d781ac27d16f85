"""The bundled example: every RDS rule fires on the legacy template at its exact node; the
migrated template is clean. Run through the installed command, as a user would."""

from __future__ import annotations

from tests.conftest import EXAMPLES, run_cli

LEGACY = EXAMPLES / "legacy" / "cloudformation" / "ledger.yaml"
MIGRATED = EXAMPLES / "migrated" / "cloudformation" / "ledger.yaml"

EXPECTED_LEGACY = {
    ("RDS004", 12, "/Resources/LedgerSubnets/Type"),
    ("RDS004", 18, "/Resources/LedgerParameters/Type"),
    ("RDS007", 31, "/Resources/LedgerDbSecurityGroup/Properties/SecurityGroupIngress/0"),
    ("RDS005", 43, "/Resources/LedgerDbSecret/Type"),
    ("RDS001", 52, "/Resources/LedgerCluster/Type"),
    ("RDS003", 55, "/Resources/LedgerCluster/Properties/Engine"),
    ("RDS002", 67, "/Resources/LedgerWriter/Type"),
    ("RDS003", 71, "/Resources/LedgerWriter/Properties/Engine"),
    ("RDS005", 74, "/Resources/LedgerSecretAttachment/Type"),
    ("RDS005", 81, "/Resources/LedgerSecretRotation/Type"),
    (
        "RDS006",
        108,
        "/Resources/LedgerApiRole/Properties/Policies/0/PolicyDocument/Statement/0/Action/0",
    ),
    (
        "RDS006",
        109,
        "/Resources/LedgerApiRole/Properties/Policies/0/PolicyDocument/Statement/0/Action/1",
    ),
    (
        "RDS006",
        112,
        "/Resources/LedgerApiRole/Properties/Policies/0/PolicyDocument/Statement/1/Action",
    ),
    ("RDS008", 129, "/Resources/LedgerApi/Properties/Environment/Variables/DB_CLUSTER_ARN"),
    ("RDS008", 130, "/Resources/LedgerApi/Properties/Environment/Variables/DB_SECRET_ARN"),
    ("RDS008", 131, "/Resources/LedgerApi/Properties/Environment/Variables/AURORA_ENDPOINT"),
    ("RDS008", 136, "/Outputs/LedgerClusterEndpoint/Value"),
}


def _rds(findings):
    return {(f["rule"], f["line"], f["pointer"]) for f in findings if f["rule"].startswith("RDS")}


def test_legacy_template_reports_every_rds_rule_at_its_node():
    run = run_cli("scan", str(LEGACY), "--format", "json")
    assert run.code == 1
    findings = run.json()["findings"]
    assert _rds(findings) == EXPECTED_LEGACY
    assert {f["rule"] for f in findings} >= {f"RDS00{i}" for i in range(1, 9)}
    cluster = next(f for f in findings if f["rule"] == "RDS001")
    assert cluster["resource"] == "LedgerCluster"
    assert (cluster["column"], cluster["end_column"]) == (11, 30)
    assert cluster["requirements"] == ["FR-001", "SC-001", "SC-004"]


def test_one_finding_per_node():
    findings = run_cli("scan", str(LEGACY), "--format", "json").json()["findings"]
    nodes = [(f["rule"], f["path"], f["line"], f["column"], f["pointer"]) for f in findings]
    assert len(nodes) == len(set(nodes))


def test_migrated_template_is_clean():
    run = run_cli("scan", str(MIGRATED), "--format", "json", "--select", "RDS,SCAN")
    assert run.code == 0, run.stdout
    assert run.json()["findings"] == []
