"""Issue acceptance for the DSQL requirement rules on CloudFormation templates.

Half-migrated and fully migrated templates live in tests/fixtures/dsql; the partial-scan and
region cases run the installed command on real files, as pre-commit and CI would.
"""

from __future__ import annotations

import pytest

from scanner.config import DsqlSettings
from tests.conftest import ROOT, run_cli, scan_tree, write

FIXTURES = ROOT / "tests" / "fixtures" / "dsql"
REQUIRED = ("DSQL_ENDPOINT", "DSQL_CLUSTER_ARN", "DSQL_DATABASE")
STATEMENT = "/PolicyDocument/Statement/0/Action"
# The half-migrated template's leftover database-credentials secret (RDS005 until deleted).
SECRET_BLOCK = """  LedgerDbSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Description: Credentials the API used for Aurora PostgreSQL
      GenerateSecretString:
        SecretStringTemplate: '{"username": "ledger_app"}'
        GenerateStringKey: password
"""


def line_of(path, text: str) -> int:
    """The 1-based line of the first occurrence of ``text`` in a fixture."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def region_without_dsql() -> str:
    """A region that cfn-lint's own data says has no AWS::DSQL::Cluster."""
    from cfnlint.helpers import REGIONS
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    for region in sorted(REGIONS):
        try:
            PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, "AWS::DSQL::Cluster")
        except Exception:  # cfn-lint's ResourceNotFoundError
            return region
    pytest.skip("cfn-lint's region data has AWS::DSQL::Cluster everywhere")


def test_half_migrated_template_reports_each_gap_once_at_its_place():
    template = FIXTURES / "half-migrated" / "ledger.yaml"
    result = scan_tree(template.parent, dsql=DsqlSettings(required_env=REQUIRED))
    found = sorted(
        (f.rule, f.location.line, f.location.resource, f.location.pointer) for f in result.findings
    )
    assert found == [
        (
            "DSQL003",
            line_of(template, "DSQL_ENDPOINT: !GetAtt"),
            "LedgerApi",
            "/Resources/LedgerApi/Properties/Environment/Variables",
        ),
        (
            "DSQL005",
            line_of(template, "Action: dsql:*"),
            "LedgerApiRole",
            "/Resources/LedgerApiRole/Properties/Policies/0" + STATEMENT,
        ),
        (
            "DSQL006",
            line_of(template, "Action: dsql:DbConnectAdmin"),
            "LedgerAdminConnect",
            "/Resources/LedgerAdminConnect/Properties" + STATEMENT,
        ),
        (
            "DSQL007",
            line_of(template, "DeletionProtectionEnabled: false"),
            "LedgerDsqlCluster",
            "/Resources/LedgerDsqlCluster/Properties/DeletionProtectionEnabled",
        ),
        (
            "DSQL008",
            line_of(template, "DB_SECRET_ARN: !Ref"),
            "LedgerApi",
            "/Resources/LedgerApi/Properties/Environment/Variables/DB_SECRET_ARN",
        ),
        (
            "RDS005",
            line_of(template, "Type: AWS::SecretsManager::Secret"),
            "LedgerDbSecret",
            "/Resources/LedgerDbSecret/Type",
        ),
        (
            "RDS007",
            line_of(template, "- IpProtocol: tcp"),
            "LedgerDbSecurityGroup",
            "/Resources/LedgerDbSecurityGroup/Properties/SecurityGroupIngress/0",
        ),
        (
            "RDS008",
            line_of(template, "DB_SECRET_ARN: !Ref"),
            "LedgerApi",
            "/Resources/LedgerApi/Properties/Environment/Variables/DB_SECRET_ARN",
        ),
    ]
    messages = {f.rule: f.message for f in result.findings}
    assert "DSQL_DATABASE" in messages["DSQL003"]
    assert "AWS IAM GRANT" in messages["DSQL006"]
    assert "IAM tokens" in messages["DSQL008"]


def test_fully_migrated_template_has_no_findings():
    result = scan_tree(
        FIXTURES / "migrated", dsql=DsqlSettings(required_env=REQUIRED), regions=("us-east-1",)
    )
    assert [(f.rule, f.location.line, f.message) for f in result.findings] == []


def test_each_half_migrated_gap_fixed_silences_its_rule(tmp_path):
    """The findings above come from the gaps, not from the template's shape."""
    text = (FIXTURES / "half-migrated" / "ledger.yaml").read_text()
    fixed = (
        text.replace("DeletionProtectionEnabled: false", "DeletionProtectionEnabled: true")
        .replace("Action: dsql:*", "Action: dsql:DbConnect")
        .replace('Resource: "*"', "Resource: !GetAtt LedgerDsqlCluster.ResourceArn")
        .replace("Action: dsql:DbConnectAdmin", "Action: dsql:GetCluster")
        .replace("DB_SECRET_ARN: !Ref LedgerDbSecret", "DSQL_DATABASE: postgres")
        .replace(SECRET_BLOCK, "")
        .replace("FromPort: 5432\n          ToPort: 5432", "FromPort: 443\n          ToPort: 443")
    )
    assert SECRET_BLOCK not in fixed
    write(tmp_path, {"ledger.yaml": fixed})
    result = scan_tree(tmp_path, dsql=DsqlSettings(required_env=REQUIRED))
    assert [(f.rule, f.location.line) for f in result.findings] == []


def test_cluster_count_and_absence(tmp_path):
    cluster = (
        "Resources:\n  {name}:\n    Type: AWS::DSQL::Cluster\n"
        "    Properties:\n      DeletionProtectionEnabled: true\n"
    )
    queue = {"app.yaml": "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n"}
    write(tmp_path / "queue", queue)
    write(tmp_path / "none", {**queue, "migrations/V1__init.sql": "CREATE TABLE t (id BIGINT);\n"})
    write(
        tmp_path / "two",
        {"a.yaml": cluster.format(name="Ledger"), "b.yaml": cluster.format(name="LedgerCopy")},
    )
    none = scan_tree(tmp_path / "none")
    # at the sign that the project has a database, here its migration
    assert [(f.rule, f.location.path) for f in none.findings] == [
        ("DSQL001", "migrations/V1__init.sql")
    ]
    assert scan_tree(tmp_path / "queue").findings == ()  # no database, nothing to migrate
    two = scan_tree(tmp_path / "two")
    assert [(f.rule, f.location.path, f.location.resource) for f in two.findings] == [
        ("DSQL002", "b.yaml", "LedgerCopy")
    ]
    assert "expected-clusters" in two.findings[0].message


def test_invalid_dsql_values_are_reported_with_cfn_lint_positions(tmp_path):
    write(
        tmp_path,
        {
            "stack.yaml": """
            Resources:
              Ledger:
                Type: AWS::DSQL::Cluster
                Properties:
                  DeletionProtectionEnabled: [true]
                  ClusterName: ledger
              Api:
                Type: AWS::Lambda::Function
                Properties:
                  Role: arn:aws:iam::111122223333:role/api
                  Runtime: python3.12
                  Handler: app.handler
                  Code: {ZipFile: "def handler(e, c): pass"}
                  Environment:
                    Variables:
                      DSQL_ENDPOINT: !GetAtt Ledger.Address
                      QUEUE: !GetAtt Missing.Arn
            """
        },
    )
    run = run_cli("stack.yaml", "--format", "json", "--select", "DSQL010", cwd=tmp_path)
    assert run.code == 1, run.stderr
    found = [(f["line"], f["column"], f["pointer"]) for f in run.json()["findings"]]
    assert found == [
        (5, 7, "/Resources/Ledger/Properties/DeletionProtectionEnabled"),
        (6, 7, "/Resources/Ledger/Properties/ClusterName"),
        (16, 11, "/Resources/Api/Properties/Environment/Variables/DSQL_ENDPOINT/Fn::GetAtt/1"),
    ]
    messages = [f["message"] for f in run.json()["findings"]]
    assert messages[0].startswith("cfn-lint E3012")
    assert "'ClusterName' was unexpected" in messages[1]
    assert "'Address' is not one of" in messages[2]


def test_region_without_dsql_is_reported_only_when_regions_are_given():
    region = region_without_dsql()
    migrated = FIXTURES / "migrated"
    run = run_cli(
        "--format", "json", "--region", "us-east-1", "--region", region, ".", cwd=migrated
    )
    findings = run.json()["findings"]
    assert [(f["rule"], f["line"], f["resource"]) for f in findings] == [
        (
            "DSQL009",
            line_of(migrated / "ledger.yaml", "Type: AWS::DSQL::Cluster"),
            "LedgerDsqlCluster",
        )
    ]
    assert region in findings[0]["message"] and "us-east-1" not in findings[0]["message"]
    assert run.code == 1
    unconfigured = run_cli("--format", "json", ".", cwd=migrated)
    assert unconfigured.code == 0 and unconfigured.json()["findings"] == []


def test_unknown_region_is_a_usage_error():
    run = run_cli("--region", "mars-north-1", ".", cwd=FIXTURES / "migrated")
    assert run.code == 2
    assert "mars-north-1" in run.stderr and "Traceback" not in run.stderr
