"""Inline suppression comments in Python: reasons, staleness, placement, and what is not one."""

from __future__ import annotations

from tests.conftest import run_cli, write

SOURCE = """\
import boto3

client = boto3.client("rds-data")  # dsql-scan: ignore[RDS009] Data API until LEDGER-7
# dsql-scan: ignore[RDS009,RDS010] -- batch job, removed in LEDGER-8

batch = boto3.client("rds-data")
other = boto3.client("rds-data")  # dsql-scan: ignore[RDS009]
stale = boto3.client("dsql")  # dsql-scan: ignore[RDS009] nothing to hide here
text = "# dsql-scan: ignore[RDS009] not a comment"; boto3.client("rds-data")
"""


def scan(tmp_path) -> list[dict]:
    write(tmp_path, {"service.py": SOURCE})
    run = run_cli("scan", str(tmp_path), "--format", "json", "--show-suppressed", cwd=tmp_path)
    assert run.code == 1, run.stderr
    return run.json()["findings"]


def test_suppression_with_reason_hides_its_line(tmp_path):
    hidden = {(f["line"], f["suppression"]["reason"]) for f in scan(tmp_path) if f["suppressed"]}
    assert hidden == {
        (3, "Data API until LEDGER-7"),
        (6, "batch job, removed in LEDGER-8"),  # own-line comment: next line of code
    }


def test_suppression_without_reason_is_scan003_and_hides_nothing(tmp_path):
    active = {(f["rule"], f["line"]) for f in scan(tmp_path) if not f["suppressed"]}
    assert ("SCAN003", 7) in active
    assert ("RDS009", 7) in active


def test_stale_suppressions_are_scan002(tmp_path):
    stale = sorted((f["line"], f["message"]) for f in scan(tmp_path) if f["rule"] == "SCAN002")
    # line 8 hides nothing; on line 4 the RDS010 half of the list matched nothing either
    assert [line for line, _ in stale] == [4, 8]


def test_comment_text_inside_a_string_is_not_a_suppression(tmp_path):
    line9 = [f for f in scan(tmp_path) if f["line"] == 9]
    assert [(f["rule"], f["suppressed"]) for f in line9] == [("RDS009", False)]


def test_suppressed_findings_do_not_fail_the_run(tmp_path):
    write(
        tmp_path,
        {
            "service.py": "import boto3\n\n# dsql-scan: ignore[RDS] kept until LEDGER-7\n"
            'client = boto3.client("rds-data")\n'
        },
    )
    run = run_cli("scan", str(tmp_path), "--select", "RDS,SCAN", cwd=tmp_path)
    assert run.code == 0, run.stdout
    assert "1 suppressed" in run.stdout
