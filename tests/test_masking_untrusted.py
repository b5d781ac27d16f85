"""Masking on untrusted input, through the installed command: linear time, bounded, no leaks.

Every hostile input is built here, run by ``dsql-scan`` under a time and memory limit
(tests/limits.py), and judged on everything the command prints in each format.
"""

from __future__ import annotations

import json
import time

import pytest

from scanner.gate.mask import ELLIPSIS, MASK, WIDTH, excerpt, excerpt_column, mask
from tests.limits import assert_no_traceback, run_limited

MIB = 1 << 20
FAST = 30  # seconds: each hostile input took minutes to hours before
CORE = "Kx7Qp"  # in every planted secret, so that no fragment of one can pass unnoticed
SELECT = ("--select", "RDS,SCAN,SQL")  # residue and SQL rules: no "no DSQL cluster" findings
DATA_API = 'c = boto3.client("rds-data"); '  # RDS009 on the line, which is then quoted


def _scan(root, fmt: str, *extra: str):
    run = run_limited("scan", ".", *SELECT, "--format", fmt, *extra, cwd=root, seconds=FAST * 2)
    assert_no_traceback(run)
    return run


def _outputs(root) -> dict[str, str]:
    """Everything the scan prints, per format (the text report is also written to stderr by
    machine formats, so each run's two streams are kept)."""
    return {
        fmt: run.stdout + run.stderr
        for fmt in ("text", "sarif", "junit")
        for run in [_scan(root, fmt)]
    }


def _aws_secret() -> str:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + CORE + "Ae3z/"
    assert len(secret) == 40  # the shape of an AWS secret access key
    return secret


# (file name, its text, the planted secret, the rule whose finding quotes the secret's line)
LEAKS = {
    "url password with / and @": (
        "app.py",
        DATA_API + f'url = "postgresql://ledger:pa/ss@{CORE}w0rd@db.example.com/ledger"',
        f"pa/ss@{CORE}w0rd",
        "RDS009",
    ),
    "user/pass@host": (
        "app.py",
        DATA_API + f'dsn = "scott/T1ger{CORE}@orclpdb"',
        f"T1ger{CORE}",
        "RDS009",
    ),
    "redis with an empty user": (
        "app.py",
        DATA_API + f'cache = "redis://:R3dis{CORE}@cache:6379/0"',
        f"R3dis{CORE}",
        "RDS009",
    ),
    "quote inside a url password": (
        "app.py",
        DATA_API + f"url = 'postgresql://ledger:pa\"ss{CORE}@db/ledger'",
        f'pa"ss{CORE}',
        "RDS009",
    ),
    "quote inside a keyword password": (
        "app.py",
        DATA_API + f'password = "pa\\"ss{CORE}"',
        f"ss{CORE}",
        "RDS009",
    ),
    "mysql -pPASSWORD": (
        "app.py",
        DATA_API + f'cmd = "mysql -u root -pMy5ql{CORE} -h db"',
        f"My5ql{CORE}",
        "RDS009",
    ),
    "gitlab token": (
        "app.py",
        DATA_API + f'gitlab = "glpat-abcdefghij{CORE}klmno"',
        f"abcdefghij{CORE}klmno",
        "RDS009",
    ),
    "stripe key": (
        "app.py",
        DATA_API + f'stripe = "sk_live_abcdefghijklmnopq{CORE}AB"',
        f"abcdefghijklmnopq{CORE}AB",
        "RDS009",
    ),
    "aws secret key passed positionally": (
        "app.py",
        'c = boto3.client("rds-data", "us-east-1", None, True, None, None,'
        f' "AKIAIOSFODNN7EXAMPLE", "{_aws_secret()}")',
        _aws_secret(),
        "RDS009",
    ),
    "fallback after os.environ.get": (
        "app.py",
        DATA_API + f'password = os.environ.get("DB_PASSWORD") or "Fallback{CORE}"',
        f"Fallback{CORE}",
        "RDS009",
    ),
    "default of os.environ.get": (
        "app.py",
        DATA_API + f'password = os.environ.get("DB_PASSWORD", "Default{CORE}")',
        f"Default{CORE}",
        "RDS009",
    ),
    "triple-quoted password": (
        "app.py",
        DATA_API + f'password = """Tr1ple{CORE}"""',
        f"Tr1ple{CORE}",
        "RDS009",
    ),
    "sql alter user with password": (
        "schema.sql",
        f"ALTER USER ledger WITH PASSWORD 'Alter{CORE}';",
        f"Alter{CORE}",
        "SQL060",
    ),
    "yaml password with a doubled quote": (
        "template.yaml",
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
        "  Cluster:\n    Type: AWS::RDS::DBCluster\n    Properties:\n"
        "      Engine: aurora-postgresql\n"
        "  Api:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        "      Environment:\n        Variables:\n"
        f"          RDS_MASTER_SECRET: 'it''s{CORE}'\n",
        f"s{CORE}",
        "RDS008",
    ),
    # A credential's value kept for its shape (a tag, an intrinsic, a call): the literal in it
    "yaml !Sub literal in a flow mapping": (
        "template.yaml",
        "Resources:\n"
        "  Cluster: {Type: AWS::RDS::DBCluster, Properties: {Engine: aurora-postgresql,"
        f' MasterUsername: admin, MasterUserPassword: !Sub "Sub{CORE}"}}}}\n',
        f"Sub{CORE}",
        "RDS001",
    ),
    "yaml tag with an unquoted literal": (
        "template.yaml",
        "Resources:\n"
        f"  Cluster: {{Type: AWS::RDS::DBCluster, Properties: {{MasterUserPassword: !Sub Tag{CORE}}}}}\n",
        f"Tag{CORE}",
        "RDS001",
    ),
    "json Fn::Join literal on a one-line template": (
        "template.json",
        '{"Resources": {"C": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine":'
        f' "aurora-mysql", "MasterUserPassword": {{"Fn::Join": ["", ["Join{CORE}"]]}}}}}}}}}}',
        f"Join{CORE}",
        "RDS001",
    ),
    "python literal inside a call": (
        "app.py",
        DATA_API + f'conn = psycopg.connect(host="db", password=str("Str{CORE}"))',
        f"Str{CORE}",
        "RDS009",
    ),
    "python adjacent literals": (
        "app.py",
        DATA_API + f'conn = psycopg.connect(host="db", password="Adj" "acent{CORE}")',
        f"acent{CORE}",
        "RDS009",
    ),
}


@pytest.mark.parametrize("case", list(LEAKS), ids=list(LEAKS))
def test_no_secret_format_leaks_through_any_output(tmp_path, case):
    name, text, secret, rule = LEAKS[case]
    body = text if name != "app.py" else "import boto3\nimport os\n\n" + text + "\n"
    (tmp_path / name).write_text(body, encoding="utf-8")
    for fmt, out in _outputs(tmp_path).items():
        assert rule in out, (fmt, out[-2000:])  # the finding on the secret's line is reported...
        assert secret not in out, fmt  # ...and neither the secret...
        assert CORE not in out, fmt  # ...nor any part of it is shown
    text_run = _scan(tmp_path, "text")
    assert MASK in text_run.stdout  # the line is quoted, masked


@pytest.mark.parametrize("case", list(LEAKS), ids=list(LEAKS))
def test_the_masking_function_covers_the_format(case):
    _, text, secret, _ = LEAKS[case]
    shown = mask(text)
    assert secret not in shown and CORE not in shown
    assert mask(shown) == shown  # idempotent


# Shapes that made a backtracking pattern rescan the rest of a line from every start.
HOSTILE_LINES = {
    "url-credential comment": 'c = boto3.client("rds-data")  # ' + "a" * (MIB - 64),
    "repeated key=": 'c = boto3.client("rds-data")  # ' + "password=" * ((MIB - 64) // 9),
    "repeated scheme": 'c = boto3.client("rds-data")  # ' + "a://" * ((MIB - 64) // 4),
    "unterminated references": 'c = boto3.client("rds-data")  # '
    + "{{resolve:secretsmanager:${" * ((MIB - 64) // 27),
    "spaces after a keyword": 'c = boto3.client("rds-data")  # password' + " " * (MIB - 64),
    "repeated keyword words": 'c = boto3.client("rds-data")  # '
    + "secretpassword" * ((MIB - 64) // 14)
    + '"',
    "nested kept values": 'c = boto3.client("rds-data")  # ' + 'password: {"' * ((MIB - 64) // 12),
    "nested calls": 'c = boto3.client("rds-data")  # ' + "password=str(" * ((MIB - 64) // 13),
}


@pytest.mark.parametrize("shape", list(HOSTILE_LINES), ids=list(HOSTILE_LINES))
def test_a_megabyte_line_of_each_hostile_shape_is_masked_in_seconds(tmp_path, shape):
    (tmp_path / "app.py").write_text(
        "import boto3\n" + HOSTILE_LINES[shape] + "\n", encoding="utf-8"
    )
    started = time.monotonic()
    run = _scan(tmp_path, "text", "--no-cache")
    elapsed = time.monotonic() - started
    assert "RDS009" in run.stdout, run.stdout[-2000:]
    assert elapsed < FAST, elapsed
    assert len(run.stdout) < 10_000  # the line is quoted by an excerpt, not whole


def test_a_megabyte_env_value_of_repeated_dynamic_references_is_judged_in_seconds(tmp_path):
    value = "{{resolve:secretsmanager:" * (MIB // 25)
    template = {
        "Resources": {
            "Db": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-postgresql"}},
            "Api": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Environment": {"Variables": {"DB_SECRET": value}}},
            },
        }
    }
    (tmp_path / "template.json").write_text(json.dumps(template), encoding="utf-8")
    started = time.monotonic()
    run = _scan(tmp_path, "text", "--no-cache")
    assert time.monotonic() - started < FAST
    assert "RDS001" in run.stdout, run.stdout[-2000:]
    assert len(run.stdout) < 50_000


def _minified_template(instances: int, padding: int) -> str:
    resources = {
        f"Db{i:04d}": {
            "Type": "AWS::RDS::DBInstance",
            "Properties": {
                "Engine": "aurora-postgresql",
                "DBInstanceClass": "db.r6g.large",
                "Tags": [{"Key": "pad", "Value": "x" * padding}],
            },
        }
        for i in range(instances)
    }
    return json.dumps({"Resources": resources}, separators=(",", ":"))


def test_a_minified_template_with_many_findings_reports_each_with_a_bounded_excerpt(tmp_path):
    """1.19 MB on one line, 200 RDS instances: every finding, each quoting a window of the line
    (before: 27 s, 320 MB and a 71 MB report for a tenth of this size)."""
    text = _minified_template(200, 5_800)
    assert len(text) > 1_150_000 and text.count("\n") == 0
    (tmp_path / "template.json").write_text(text, encoding="utf-8")
    started = time.monotonic()
    run = _scan(tmp_path, "text", "--no-cache")
    elapsed = time.monotonic() - started
    assert elapsed < FAST, elapsed
    lines = run.stdout.splitlines()
    reported = [
        line for line in lines if line.startswith("template.json:1:") and " RDS002 " in line
    ]
    assert len(reported) == 200  # every instance is still reported
    quoted = [line for line in lines if line.lstrip().startswith("1 | ")]
    assert quoted and all(len(line) <= WIDTH + 20 for line in quoted)
    assert len(run.stdout) < 200 * 2_000  # bounded per finding, not per byte of the line
    cached = _scan(tmp_path, "text")
    again = _scan(tmp_path, "text")
    assert cached.stdout == again.stdout == run.stdout  # the cache serves what was computed


def test_an_excerpt_is_a_bounded_window_with_the_caret_on_the_finding():
    line = "x" * 5_000 + "TARGET" + "y" * 5_000
    column = 5_001
    shown = excerpt(line, column)
    assert shown.startswith(ELLIPSIS) and shown.endswith(ELLIPSIS)
    assert len(shown) <= WIDTH + 2 * len(ELLIPSIS)
    at = excerpt_column(shown, column)
    assert shown[at - 1 : at - 1 + len("TARGET")] == "TARGET"
    assert excerpt("short line", 3) == "short line"
    assert excerpt_column("short line", 3) == 3


@pytest.mark.parametrize("offset", range(-260, 260, 13))
def test_a_secret_straddling_the_window_edge_is_masked_whole(offset):
    """The cut never shows part of a secret: it is found on the whole line, then cut."""
    secrets = (f'password: "{CORE}' + "s" * 150 + '"', f'"glpat-abcdefghij{CORE}klmno"')
    for planted in secrets:
        line = "a " * 600 + planted + " b" * 600
        column = line.index(planted) + offset + 1
        shown = excerpt(line, max(1, column))
        assert CORE not in shown and "ssssssssss" not in shown and "klmno" not in shown
