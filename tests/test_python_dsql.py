"""The DSQL requirement rules on Python: CDK apps and application code feed the project model.

Expected places are found by searching the sources for the offending text (independent of the
parser under test).
"""

from __future__ import annotations

import shutil

import pytest

from scanner.config import DsqlSettings
from tests.conftest import EXAMPLES, ROOT, run_cli, scan_tree, write

FIXTURES = ROOT / "tests" / "fixtures" / "dsql"
REQUIRED = ("DSQL_ENDPOINT", "DSQL_CLUSTER_ARN", "DSQL_DATABASE")


def place(path, text: str) -> tuple[int, int]:
    source = path.read_text(encoding="utf-8")
    assert source.count(text) == 1, f"{text!r} must occur once in {path}"
    offset = source.index(text)
    return source.count("\n", 0, offset) + 1, offset - source.rfind("\n", 0, offset)


def findings(root, **config) -> list[tuple[str, str, int]]:
    result = scan_tree(root, **config)
    return sorted((f.rule, f.location.path, f.location.line) for f in result.findings)


def test_half_migrated_cdk_app_reports_each_gap_once_at_its_place():
    app = FIXTURES / "half-migrated-cdk"
    stack = app / "ledger_stack.py"
    result = scan_tree(app, dsql=DsqlSettings(required_env=REQUIRED))
    found = sorted((f.rule, f.location.line, f.location.column) for f in result.findings)
    expected = {
        "DSQL003": "{\n",  # the environment that lacks DSQL_DATABASE
        "DSQL005": '"dsql:*"',
        "DSQL006": '"dsql:DbConnectAdmin"',
        "DSQL007": "False)",
        "DSQL008": "secret.secret_arn",
        # the username/password secret no other database uses: the RDS credentials, left over
        "RDS005": "secretsmanager.Secret(",
        "RDS007": "database.add_ingress_rule(",
        "RDS008": "secret.secret_arn",
    }
    env_line, _ = place(stack, "environment={")
    positions = {
        rule: (env_line, len("            environment=") + 1)
        if rule == "DSQL003"
        else place(stack, text)
        for rule, text in expected.items()
    }
    assert found == sorted((rule, *where) for rule, where in positions.items())


def migrated_project(tmp_path, required: bool = True):
    for part in ("cdk", "app"):
        shutil.copytree(EXAMPLES / "migrated" / part, tmp_path / part)
    if required:
        names = ", ".join(f'"{n}"' for n in REQUIRED)
        write(tmp_path, {"pyproject.toml": f"[tool.dsql-scan.dsql]\nrequired-env = [{names}]\n"})
    return tmp_path


def test_migrated_cdk_app_with_health_check_and_config_type_is_clean(tmp_path):
    root = migrated_project(tmp_path)
    run = run_cli("scan", ".", "--format", "json", cwd=root)
    assert run.code == 0, run.stdout
    assert run.json()["findings"] == []


def test_source_cluster_and_its_synthesized_resource_are_one_cluster(tmp_path):
    root = migrated_project(tmp_path, required=False)
    cdk_app = root / "cdk" / "ledger_stack.py"
    text = cdk_app.read_text(encoding="utf-8")
    second = 'dsql.CfnCluster(self, "Reports", deletion_protection_enabled=True)\n'
    cdk_app.write_text(
        text.replace("        settings = {", f"        {second}        settings = {{")
    )
    hits = [f for f in findings(root) if f[0] == "DSQL002"]
    # source LedgerDsql + its template resource are one; the new source-only cluster is two
    assert hits == [("DSQL002", "cdk/ledger_stack.py", place(cdk_app, second)[0])]


def test_two_cdk_apps_in_one_repository_do_not_mix_their_names(tmp_path):
    stack = """
    from aws_cdk import aws_dsql as dsql
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_secretsmanager as secretsmanager


    def build(scope, code, dsql_app):
        if dsql_app:
            ledger = dsql.CfnCluster(scope, "Ledger", deletion_protection_enabled=True)
            env = {"DSQL_ENDPOINT": ledger.attr_endpoint}
        else:
            secret = secretsmanager.Secret.from_secret_name_v2(scope, "Db", "rds!cluster-1")
            env = {"DB_SECRET_ARN": secret.secret_arn}
        lambda_.Function(scope, "Api", code=code, environment=env)
    """
    write(
        tmp_path,
        {
            "payments/cdk.json": "{}",
            "payments/stack.py": stack.replace("dsql_app):", "dsql_app=True):"),
            "reports/cdk.json": "{}",
            "reports/stack.py": stack.replace("dsql_app):", "dsql_app=False):"),
        },
    )
    # Without the app boundary, reports' Api would inherit payments' DSQL environment and its
    # secret would be reported as DSQL008.
    assert [f for f in findings(tmp_path, select=("DSQL",)) if f[0] == "DSQL008"] == []


APP_CASES = [
    (  # a libpq conninfo literal that turns TLS off
        'import boto3, psycopg\nt = boto3.client("dsql").generate_db_connect_auth_token("h", "r")\n'
        'psycopg.connect("host=abc.dsql.us-east-1.on.aws dbname=postgres sslmode=disable")\n',
        [("DSQL014", 3)],
    ),
    (  # asyncpg with ssl=False, and a database other than postgres
        "import asyncpg\n\nasync def run(token):\n"
        '    return await asyncpg.connect(host="abc.dsql.us-east-1.on.aws", database="ledger",\n'
        "                                 password=token, ssl=False)\n",
        [("DSQL013", 4), ("DSQL014", 5)],
    ),
    (  # a password read from Secrets Manager, through names
        "import json\nimport boto3\nimport psycopg\n\n"
        'raw = boto3.client("secretsmanager").get_secret_value(SecretId="db")["SecretString"]\n'
        "secret = json.loads(raw)\n"
        'psycopg.connect(host="abc.dsql.us-east-1.on.aws", password=secret["password"])\n',
        [("DSQL008", 7)],
    ),
    (  # a plain local PostgreSQL connection is not a DSQL connection
        'import psycopg\npsycopg.connect("host=localhost dbname=test sslmode=disable")\n',
        [],
    ),
]


@pytest.mark.parametrize(("source", "expected"), APP_CASES)
def test_dsql_connection_settings(tmp_path, source, expected):
    write(tmp_path, {"db.py": source})
    found = [(rule, line) for rule, _, line in findings(tmp_path) if rule != "DSQL011"]
    assert found == expected


def test_connector_defaults_to_the_admin_role(tmp_path):
    write(
        tmp_path,
        {
            "db.py": "import aurora_dsql_psycopg as dsql\n\n"
            'def connect():\n    return dsql.connect("abc.dsql.us-east-1.on.aws")\n',
            "stack.yaml": """
            Resources:
              Ledger:
                Type: AWS::DSQL::Cluster
                Properties:
                  DeletionProtectionEnabled: true
              Role:
                Type: AWS::IAM::Role
                Properties:
                  Policies:
                    - PolicyName: connect
                      PolicyDocument:
                        Statement:
                          - Effect: Allow
                            Action: dsql:DbConnect
                            Resource: !GetAtt Ledger.ResourceArn
              Api:
                Type: AWS::Lambda::Function
                Properties:
                  Role: !GetAtt Role.Arn
                  Environment:
                    Variables:
                      DSQL_ENDPOINT: !GetAtt Ledger.Endpoint
            """,
        },
    )
    assert [(r, p, line) for r, p, line in findings(tmp_path) if r == "DSQL015"] == [
        ("DSQL015", "db.py", 4)
    ]


HEALTH = """
import logging

import boto3
import psycopg

log = logging.getLogger(__name__)


class Database:
    def connect(self):
        token = boto3.client("dsql").generate_db_connect_auth_token("h", "us-east-1")
        return psycopg.connect(host="h", password=token, sslmode="require")

    def ping(self):
        with self.connect() as connection:
            connection.execute("SELECT 1")
        log.info("ok")
"""


def test_health_check_must_log_the_failure(tmp_path):
    write(tmp_path, {"db.py": HEALTH})
    result = scan_tree(tmp_path)
    hits = [f for f in result.findings if f.rule == "DSQL011"]
    assert [(f.location.line, f.message.split(" but ")[1][:22]) for f in hits] == [
        (14, "never logs a failure (")
    ]


def test_health_check_found_through_a_method(tmp_path):
    complete = HEALTH.replace(
        '        with self.connect() as connection:\n            connection.execute("SELECT 1")\n',
        "        try:\n            with self.connect() as connection:\n"
        '                connection.execute("SELECT 1")\n'
        "        except psycopg.Error:\n            log.exception('down')\n            raise\n",
    )
    write(tmp_path, {"db.py": complete})
    assert [f for f in findings(tmp_path) if f[0] == "DSQL011"] == []


def test_no_health_check_at_all_is_reported_at_the_database_connection(tmp_path):
    write(tmp_path, {"service.py": "def handler(event, context):\n    return {}\n"})
    assert [f for f in findings(tmp_path) if f[0] == "DSQL011"] == []  # no database: not judged
    token = (
        "import boto3\n\n\ndef handler(event, context):\n"
        '    client = boto3.client("dsql")\n'
        '    return client.generate_db_connect_auth_token(event["host"], "us-east-1")\n'
    )
    write(tmp_path, {"service.py": token})
    assert [f for f in findings(tmp_path) if f[0] == "DSQL011"] == [("DSQL011", "service.py", 5)]


def test_pydantic_settings_declare_prefixed_environment_names(tmp_path):
    source = """
    import os

    from pydantic_settings import BaseSettings, SettingsConfigDict


    class Dsql(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="DSQL_")
        endpoint: str
        cluster_arn: str
        database: str = "postgres"


    REGION = os.environ["AWS_REGION"]
    ENDPOINT = os.environ["DSQL_ENDPOINT"]
    """
    write(tmp_path, {"settings.py": source})
    required = DsqlSettings(required_env=(*REQUIRED, "AWS_REGION"))
    hits = [f for f in findings(tmp_path, dsql=required) if f[0] == "DSQL012"]
    assert hits == [("DSQL012", "settings.py", 13)]  # AWS_REGION is declared nowhere


def test_alpha_cluster_protection_and_grants(tmp_path):
    source = """
    from aws_cdk import RemovalPolicy
    from aws_cdk import aws_dsql_alpha as dsql
    from aws_cdk import aws_lambda as lambda_


    def build(scope, code):
        kept = dsql.Cluster(scope, "Kept")
        api = lambda_.Function(scope, "Api", code=code, environment={"DSQL_ENDPOINT": kept.cluster_endpoint})
        kept.grant_connect(api)
        dsql.Cluster(scope, "Scratch", removal_policy=RemovalPolicy.DESTROY)
    """
    write(tmp_path, {"stack.py": source})
    hits = findings(tmp_path, dsql=DsqlSettings(expected_clusters=2))
    # the default RETAIN policy turns protection on; DESTROY without it leaves it off;
    # grant_connect gives the function dsql:DbConnect on the cluster (no DSQL004)
    assert hits == [("DSQL007", "stack.py", 10)]
