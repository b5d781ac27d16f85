"""The application-side DSQL checks, over the facts the Python input produces.

The checks are exercised here on facts, each case exactly as written: the infrastructure side
comes from real templates through the CloudFormation input, the application side is written as
the facts the Python input emits for the code quoted in each test (the Python input itself is
tested on source in test_python_dsql.py and by the rules' documented examples).
"""

from __future__ import annotations

import textwrap

from scanner.config import Config, DsqlSettings
from scanner.facts import (
    ConfigType,
    DsqlConnection,
    EnvRead,
    FileFacts,
    FunctionSummary,
    Setting,
    Step,
    TokenCall,
)
from scanner.inputs.cloudformation import template as cloudformation
from scanner.model import Location
from scanner.project.context import build
from scanner.rules import BY_ID

ROOT = Location(path=".")
# The checks of the application side of the DSQL target state
APPLICATION_RULES = ("DSQL011", "DSQL012", "DSQL014", "DSQL015")
CHECKS = {i: BY_ID[i].project_check or BY_ID[i].check for i in APPLICATION_RULES}


def at(line: int, path: str = "app/db.py") -> Location:
    return Location(path=path, line=line)


def template(action: str) -> FileFacts:
    text = textwrap.dedent(
        f"""
        Resources:
          Ledger:
            Type: AWS::DSQL::Cluster
          ApiRole:
            Type: AWS::IAM::Role
            Properties:
              Policies:
                - PolicyName: connect
                  PolicyDocument:
                    Statement:
                      - Effect: Allow
                        Action: {action}
                        Resource: !GetAtt Ledger.ResourceArn
          Api:
            Type: AWS::Lambda::Function
            Properties:
              Role: !GetAtt ApiRole.Arn
              Environment:
                Variables:
                  DSQL_ENDPOINT: !GetAtt Ledger.Endpoint
        """
    )
    facts, _ = cloudformation.extract(cloudformation.parse(text), "stack.yaml", text)
    return facts


def app(**facts) -> FileFacts:
    return FileFacts(kind="app", path="app/db.py", **facts)


def run(rule_id: str, *files: FileFacts, config: Config | None = None):
    project = build(files, ROOT)
    check = CHECKS[rule_id]
    config = config or Config()
    if rule_id in ("DSQL014",):
        hits = [h for f in files for h in check(f, config)]
    else:
        hits = list(check(project, config))
    return [(h.location.path, h.location.line) for h in hits]


def test_app_rules_are_in_the_catalogue_with_their_python_examples():
    assert sorted(CHECKS) == ["DSQL011", "DSQL012", "DSQL014", "DSQL015"]
    assert set(CHECKS) <= set(BY_ID)
    assert all(any(e.kind == "app" for e in BY_ID[rule].examples) for rule in CHECKS)


def test_health_check():
    connect, probe = Step("connect", 5), Step("query", 6, "SELECT 1")
    complete = FunctionSummary(
        "check",
        at(4),
        (connect, probe, Step("failure-log", 8, in_except=True), Step("success-log", 9)),
    )
    silent = FunctionSummary("ping", at(11), (connect, probe))
    assert run("DSQL011", template("dsql:DbConnect")) == []  # no application code in scope
    assert run("DSQL011", app()) == []  # an application without any database
    token = TokenCall("generate_db_connect_auth_token", at(3))
    assert run("DSQL011", app(token_calls=(token,))) == [("app/db.py", 3)]  # at the token call
    assert run("DSQL011", app(functions=(silent,), token_calls=(token,))) == [("app/db.py", 11)]
    assert run("DSQL011", app(functions=(silent, complete), token_calls=(token,))) == []


def test_config_types():
    settings = Config(dsql=DsqlSettings(required_env=("DSQL_ENDPOINT", "DSQL_DATABASE")))
    partial = ConfigType("app.config.Db", "dataclass", at(3), ("db_user", "db_password"))
    full = ConfigType(
        "app.config.Dsql", "pydantic", at(10), ("dsql_endpoint", "database"), ("DSQL_ENDPOINT",)
    )
    unrelated = ConfigType("app.config.Http", "dataclass", at(20), ("timeout", "retries"))
    reads = (EnvRead("DSQL_ENDPOINT", at(30)), EnvRead("DSQL_DATABASE", at(31)))
    facts = app(config_types=(partial, full, unrelated), env_reads=reads)
    assert run("DSQL012", facts, config=settings) == [("app/db.py", 3), ("app/db.py", 31)]


def test_tls():
    insecure = DsqlConnection("psycopg.connect", at(5), sslmode=Setting(at(5), "prefer"))
    secure = DsqlConnection("psycopg.connect", at(8), sslmode=Setting(at(8), "verify-full"))
    assert run("DSQL014", app(connections=(insecure, secure))) == [("app/db.py", 5)]


def test_token_kind_must_match_the_granted_permission():
    admin_call = TokenCall("generate_db_connect_admin_auth_token", at(12))
    custom_call = TokenCall("generate_db_connect_auth_token", at(14))
    connector_default = DsqlConnection(
        "aurora_dsql_psycopg.connect", at(20), user=Setting(at(20), "admin", defaulted=True)
    )
    only_custom = template("dsql:DbConnect")
    only_admin = template("dsql:DbConnectAdmin")
    assert run("DSQL015", only_custom, app(token_calls=(admin_call, custom_call))) == [
        ("app/db.py", 12)
    ]
    assert run("DSQL015", only_custom, app(connections=(connector_default,))) == [("app/db.py", 20)]
    assert run("DSQL015", only_admin, app(token_calls=(admin_call, custom_call))) == [
        ("app/db.py", 14)
    ]
    assert run("DSQL015", template("dsql:DbConnect*"), app(token_calls=(admin_call,))) == []
    assert run("DSQL015", app(token_calls=(admin_call,))) == []  # no infrastructure in scope


def test_registered_rules_judge_application_connections():
    secret = DsqlConnection("psycopg.connect", at(7), password="secret", password_location=at(6))
    named = DsqlConnection("psycopg.connect", at(9), database=Setting(at(9), "ledger"))
    right = DsqlConnection("psycopg.connect", at(11), database=Setting(at(11), "postgres"))
    project = build((app(connections=(secret, named, right)),), ROOT)
    secret_hits = list(BY_ID["DSQL008"].project_check(project, Config()))
    assert [h.location.line for h in secret_hits] == [6]
    database_hits = list(BY_ID["DSQL013"].project_check(project, Config()))
    assert [h.location.line for h in database_hits] == [9]
    assert "CREATE SCHEMA ledger" in database_hits[0].message
