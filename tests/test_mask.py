"""Secrets never leak: the masking function, and every output format on a template with one."""

from __future__ import annotations

import pytest

from scanner.config import Config
from scanner.gate.mask import MASK, mask
from scanner.model import Location, RawFinding
from scanner.pipeline.engine import findings_of, fingerprint
from scanner.reporters import FORMATS
from scanner.results import FileAnalysis
from tests.conftest import run_cli, write

PASSWORD = "Hunter2-Pa55word!"

MASKED = [
    ('MasterUserPassword: "Hunter2-Pa55word!"', 'MasterUserPassword: "********"'),
    ("      MasterUserPassword: Hunter2 # rotate", "      MasterUserPassword: ******** # rotate"),
    ('"MasterUserPassword": "abc",', '"MasterUserPassword": "********",'),
    ("SecretString: '{\"username\": \"u\", \"password\": \"p\"}'", "SecretString: '********'"),
    ('{"user": "ledger", "password": "p4ss"}', '{"user": "ledger", "password": "********"}'),
    ('psycopg.connect(host=h, password="hunter2", user="x")',
     'psycopg.connect(host=h, password="********", user="x")'),
    ("connect(password=pw)", "connect(password=********)"),
    ('dsn = "host=x password=hunter2 sslmode=require"',
     'dsn = "host=x password=******** sslmode=require"'),
    ('url = "postgresql://ledger:S3cret@db.example.com/ledger"',
     'url = "postgresql://ledger:********@db.example.com/ledger"'),
    ("RDS_MASTER_SECRET: 'x1'", "RDS_MASTER_SECRET: '********'"),
    ("api_token=abc123&page=2", "api_token=********&page=2"),
    ("key = AKIAIOSFODNN7EXAMPLE", "key = ********"),
    ('aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
     'aws_secret_access_key = "********"'),
    ("Authorization: Bearer abcdefghijkl123", "Authorization: ********"),
    ("headers = {'X': 'Bearer abcdefghijkl123'}", "headers = {'X': 'Bearer ********'}"),
    ("-----BEGIN RSA PRIVATE KEY-----MIIEowIBAAKCAQEA", "-----BEGIN RSA PRIVATE KEY-----********"),
]  # fmt: skip

KEPT = [
    'MasterUserPassword: !Sub "{{resolve:secretsmanager:${DbSecret}:SecretString:password}}"',
    'MasterUserPassword: "{{resolve:secretsmanager:prod/ledger:SecretString:password}}"',
    '"MasterUserPassword": {"Fn::Sub": "{{resolve:secretsmanager:x:SecretString:password}}"}',
    "MasterUserPassword: !Ref DbPassword",
    'SecretStringTemplate: \'{"username": "ledger_admin"}\'',
    "PasswordLength: 32",
    "DB_SECRET_ARN: !Ref LedgerDbSecret",
    'password = os.environ["DB_PASSWORD"]',
    "token = generate_db_connect_auth_token(endpoint, region)",
    "if token == 'abc':",
    "def connect(host: str, password: str) -> None:",
    'url = f"postgresql://{user}:{password}@{host}/postgres"',
    "IAM action 'rds-data:ExecuteStatement' grants rds-data permissions",
    "secret 'LedgerDbSecret' holds Aurora RDS credentials; delete it",
    "password: ''",
    "Password: ${DB_PASSWORD}",
    'MasterUserPassword: !Sub "${DbPassword}"',
    '"MasterUserPassword": {"Ref": "DbPassword"}, "Engine": "aurora-postgresql"',
    'password = os.environ.get("DB_PASSWORD")',
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_credentials_are_masked(text, expected):
    assert mask(text) == expected
    assert mask(expected) == expected  # idempotent


@pytest.mark.parametrize("text", KEPT)
def test_references_and_ordinary_text_are_kept(text):
    assert mask(text) == text


def test_masks_every_line_of_multi_line_text():
    text = "a: 1\npassword: hunter2\ntoken = 'abc'\n"
    assert mask(text) == f"a: 1\npassword: {MASK}\ntoken = '{MASK}'\n"


LEAKY_TEMPLATE = f"""
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Cluster:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
      MasterUsername: ledger
      MasterUserPassword: "{PASSWORD}"
  Api:
    Type: AWS::Lambda::Function
    Properties:
      Environment:
        Variables:
          RDS_MASTER_SECRET: "{PASSWORD}"
"""


@pytest.fixture
def leaky(tmp_path):
    return write(tmp_path, {"template.yaml": LEAKY_TEMPLATE})


@pytest.mark.parametrize("fmt", FORMATS)
def test_password_literal_appears_in_no_scan_format(leaky, fmt):
    run = run_cli("scan", ".", "--format", fmt, "--show-suppressed", cwd=leaky)
    assert run.code == 1
    assert "RDS008" in run.stdout  # the finding on the secret's line is reported...
    assert PASSWORD not in run.stdout + run.stderr  # ...without the secret
    if fmt == "text":
        assert f'RDS_MASTER_SECRET: "{MASK}"' in run.stdout  # its source line is shown masked


@pytest.mark.parametrize("output", ["review.md", "review.html"])
def test_password_literal_appears_in_no_review(leaky, output):
    run = run_cli("review", ".", "-o", output, cwd=leaky, env={"SOURCE_DATE_EPOCH": "0"})
    assert run.code == 1
    document = (leaky / output).read_text()
    assert "RDS008" in document
    assert PASSWORD not in document + run.stdout + run.stderr


def test_fingerprints_come_from_the_unmasked_text(tmp_path):
    """Masking decides what is shown, never a finding's identity (baselines depend on it)."""
    raws = tuple(
        RawFinding(
            "RDS008",
            Location("t.yaml", line, snippet=f'password: "{secret}"', resource="Api"),
            f"value password={secret} leaks",
            context=f'      password: "{secret}"',
        )
        for line, secret in ((5, "aaa111"), (6, "bbb222"))
    )
    found = findings_of([FileAnalysis("t.yaml", "cloudformation", raw=raws)], Config(root=tmp_path))
    assert [f.fingerprint for f in found] == [fingerprint(r) for r in raws]
    assert found[0].fingerprint != found[1].fingerprint
    assert found[0].location.snippet == found[1].location.snippet == f'password: "{MASK}"'
    assert found[0].message == f"value password={MASK} leaks"
    assert found[0].context == f'      password: "{MASK}"'
    assert "aaa111" not in repr(found) and "bbb222" not in repr(found)


def test_a_run_remembers_what_it_masked_and_takes_what_it_is_given():
    """``remembering``: every window masked in the block is handed out (the result cache keeps
    it), and a window it was given is taken as it is, without detect-secrets."""
    from scanner.gate.mask import remembering

    line = 'MasterUserPassword: "Hunter2-Pa55word!"'
    with remembering({}) as first:
        assert mask(line) == 'MasterUserPassword: "********"'
    assert first == {f"0,{len(line)},{line}": 'MasterUserPassword: "********"'}
    given = {f"0,{len(line)},{line}": "as remembered"}
    with remembering(given) as second:
        assert mask(line) == "as remembered"
    assert second == given, "what was taken is kept for the next run"
    assert mask(line) == 'MasterUserPassword: "********"', "outside the block nothing is taken"
