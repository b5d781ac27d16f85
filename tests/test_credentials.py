"""The RDS database's credentials after the cluster is gone: the secret, reading it, unwrapping it.

A database stack keeps the username/password secret the Aurora cluster used and exports it; an
API stack imports it into an environment variable, a plain-text dynamic reference and a
GetSecretValue statement (tests/fixtures/credentials/two-stacks, the shape ``cdk synth``
writes). Each case runs the installed ``dsql-scan`` on real files; the controls swap in what a
legitimate secret looks like (a Redshift cluster's, an OAuth client's).
"""

from __future__ import annotations

import json
import re
import shutil
import time

import pytest

from scanner.config import DEFAULT_LEGACY_ENV_PATTERNS
from scanner.rules.rds.rds006_rds_iam_action import covers
from tests import gitrepo
from tests.conftest import ROOT, run_cli, write
from tests.limits import assert_no_traceback

PAIR = ROOT / "tests" / "fixtures" / "credentials" / "two-stacks"
EXPORT = "Data:ExportsOutputRefAuroraCredentials1A2B3C4D"
REDSHIFT = {
    "Type": "AWS::Redshift::Cluster",
    "Properties": {
        "ClusterType": "single-node",
        "NodeType": "ra3.xlplus",
        "DBName": "analytics",
        "MasterUsername": "analyst",
        "MasterUserPassword": {
            "Fn::Sub": "{{resolve:secretsmanager:${AuroraCredentials1A2B3C4D}:SecretString:password}}"
        },
    },
}


def line_of(path, text: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def scan_json(root) -> list[dict]:
    run = run_cli("scan", ".", "--format", "json", "--no-cache", cwd=root)
    assert_no_traceback(run)
    return run.json()["findings"]


def rds_findings(findings: list[dict]) -> list[tuple[str, str, int]]:
    return sorted(
        (f["rule"], f["path"].rsplit("/", 1)[-1], f["line"])
        for f in findings
        if f["rule"].startswith("RDS")
    )


def test_exported_credentials_secret_is_reported_where_it_is_declared_and_used(tmp_path):
    shutil.copytree(PAIR, tmp_path / "cdk.out")
    api, data = (
        tmp_path / "cdk.out" / "Api.template.json",
        tmp_path / "cdk.out" / "Data.template.json",
    )
    findings = scan_json(tmp_path)
    assert rds_findings(findings) == sorted(
        [
            ("RDS005", "Data.template.json", line_of(data, '"AWS::SecretsManager::Secret"')),
            ("RDS008", "Data.template.json", line_of(data, '"Value": {"Ref": "AuroraCred')),
            ("RDS006", "Api.template.json", line_of(api, '"secretsmanager:DescribeSecret"')),
            ("RDS006", "Api.template.json", line_of(api, '"secretsmanager:GetSecretValue"')),
            ("RDS008", "Api.template.json", line_of(api, '"AURORA_DB_SECRET_ARN"')),
            # the DSQL endpoint under an AURORA_ name is no residue
            ("RDS008", "Api.template.json", line_of(api, '"DB_PASSWORD"')),
            ("RDS011", "Api.template.json", line_of(api, '"DB_PASSWORD"')),
        ]
    )
    imported = [f for f in findings if f["path"].endswith("Api.template.json")]
    for finding in imported:
        if finding["rule"] in ("RDS006", "RDS008", "RDS011"):
            assert f"(via cdk.out/Data.template.json's export '{EXPORT}')" in finding["message"]
    plain = next(f for f in findings if f["rule"] == "RDS011")
    assert (
        "the Aurora RDS database's credentials from 'AuroraCredentials1A2B3C4D'"
        in (plain["message"])
    )
    # located at the dynamic reference inside the Fn::Join, not at the variable's value
    text = api.read_text().splitlines()[plain["line"] - 1]
    assert plain["column"] == text.index('"{{resolve:secretsmanager:') + 1


def test_one_changed_stack_is_judged_with_the_exporting_stack_as_context(tmp_path):
    """pre-commit names only the API stack: the secret's stack is context, cached or not."""
    shutil.copytree(PAIR, tmp_path / "cdk.out")
    gitrepo.commit_all(gitrepo.init(tmp_path))
    named = "cdk.out/Api.template.json"
    runs = [run_cli("scan", named, "--format", "json", cwd=tmp_path) for _ in range(2)]
    for run in runs:
        assert_no_traceback(run)
    first, second = (run.json()["findings"] for run in runs)
    assert first == second  # the second run reads the exporting stack from the cache
    assert {f["path"] for f in first} == {named}
    assert sorted(f["rule"] for f in first if f["rule"].startswith("RDS")) == [
        "RDS006",
        "RDS006",
        "RDS008",
        "RDS008",
        "RDS011",
    ]


def test_a_secret_a_redshift_cluster_uses_is_not_rds_residue_in_either_stack(tmp_path):
    shutil.copytree(PAIR, tmp_path / "cdk.out")
    data = tmp_path / "cdk.out" / "Data.template.json"
    template = json.loads(data.read_text())
    template["Resources"]["Warehouse"] = REDSHIFT
    data.write_text(json.dumps(template, indent=1))
    findings = scan_json(tmp_path)
    api = tmp_path / "cdk.out" / "Api.template.json"
    # no RDS005/RDS006: the secret is the warehouse's; the AURORA_ name stays legacy by name,
    # and the plain-text copy stays a credential in plain configuration, not as RDS's
    assert rds_findings(findings) == [
        ("RDS008", "Api.template.json", line_of(api, '"AURORA_DB_SECRET_ARN"')),
        ("RDS011", "Api.template.json", line_of(api, '"DB_PASSWORD"')),
    ]
    messages = {f["rule"]: f["message"] for f in findings}
    assert "is a legacy Aurora RDS setting" in messages["RDS008"]
    assert "not the Aurora RDS database's credentials" in messages["RDS011"]


def test_permissions_on_other_secrets_stay_silent(tmp_path):
    write(
        tmp_path,
        {
            "api.yaml": """
            Resources:
              PartnerOAuth:
                Type: AWS::SecretsManager::Secret
                Properties:
                  GenerateSecretString:
                    SecretStringTemplate: '{"client_id": "ledger"}'
                    GenerateStringKey: client_secret
              ApiRole:
                Type: AWS::IAM::Role
                Properties:
                  Policies:
                    - PolicyName: partner
                      PolicyDocument:
                        Statement:
                          - Effect: Allow
                            Action: secretsmanager:*
                            Resource: !Ref PartnerOAuth
            """
        },
    )
    assert rds_findings(scan_json(tmp_path)) == []


@pytest.mark.parametrize(
    ("pattern", "covered"),
    [
        ("secretsmanager:GetSecretValue", True),
        ("SecretsManager:getsecretvalue", True),
        ("secretsmanager:*", True),
        ("secretsmanager:Get*", True),
        ("secretsmanager:?etSecretValue", True),
        ("*", True),
        ("secretsmanager:ListSecrets", False),
        ("secretsmanager:[G]etSecretValue", False),
        ("kms:*", False),
    ],
)
def test_action_patterns_that_read_a_secret(pattern, covered):
    assert covers(pattern, "secretsmanager:getsecretvalue") is covered


@pytest.mark.parametrize(
    ("name", "legacy"),
    [
        ("AURORA_DB_NAME", True),
        ("RDS_PORT", True),
        ("AURORA_USER", True),
        ("RDS_HOSTNAME", True),
        ("AURORA_DB_SECRET_ARN", True),
        ("MY_AURORA_ENDPOINT", True),
        ("DB_HOST", False),
        ("DATABASE_URL", False),
        ("DSQL_CLUSTER_ARN", False),
        ("PASSWORDS_HOST", False),
        ("AURORA_ENABLED", False),
    ],
)
def test_default_legacy_names(name, legacy):
    assert any(re.search(p, name) for p in DEFAULT_LEGACY_ENV_PATTERNS) is legacy


def test_default_legacy_pattern_is_linear_on_hostile_names():
    hostile = ["RDS_" + "_" * 200_000 + "X", "A_" * 100_000, "AURORA" + "_DB" * 60_000 + "X"]
    started = time.perf_counter()
    for name in hostile:
        for pattern in DEFAULT_LEGACY_ENV_PATTERNS:
            re.search(pattern, name)
    assert time.perf_counter() - started < 2


def test_cyclic_bindings_around_secrets_and_databases_end(tmp_path):
    write(
        tmp_path,
        {
            "stack.py": """
            from aws_cdk import aws_docdb as docdb
            from aws_cdk import aws_lambda as lambda_
            from aws_cdk import aws_secretsmanager as secretsmanager


            def stack(scope, code):
                a = b
                b = a
                login = a.secret_value_from_json("password")
                login = login
                docdb.DatabaseCluster(scope, "Catalog", master_user=docdb.Login(password=b))
                a.attach(b)
                lambda_.Function(scope, "Api", code=code, environment={"X": login.unsafe_unwrap()})
                secretsmanager.Secret(scope, "Plain")
            """
        },
    )
    run = run_cli("scan", str(tmp_path), "--format", "json", "--no-cache")
    assert_no_traceback(run)
    assert run.code in (0, 1)
