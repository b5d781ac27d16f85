"""The review's verdict follows the evidence: suppressed, disabled and absent evidence are named.

Each test writes a tree, runs the installed ``dsql-scan review`` and reads the document back, as
a reviewer would.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import run_cli, write
from tests.test_review import LEGACY, REVIEWER

EPOCH = {"SOURCE_DATE_EPOCH": "1718000000"}

SUPPRESSED_LEGACY = """
AWSTemplateFormatVersion: "2010-09-09"
Metadata:
  dsql-scan:
    ignore:
      - id: RDS
        reason: the ledger cluster stays until the data copy is verified (LEDGER-42)
""" + LEGACY.split('AWSTemplateFormatVersion: "2010-09-09"\n', 1)[1]


def review(root: Path, *args: str):
    return run_cli("review", *args, "--reviewer", REVIEWER, cwd=root, env=EPOCH)


def verdict(text: str) -> str:
    return re.search(r"\*\*Verdict: ([A-Z ]+)\*\*", text).group(1)


def matrix(text: str) -> dict[str, tuple[str, str]]:
    """(status, explanation) of each requirement row of the traceability table."""
    table = text.split("Requirement traceability", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 5 and cells[3].startswith("**"):
            rows[cells[0]] = (cells[3].strip("*").lower(), cells[4])
    return rows


def test_metadata_ignore_of_rds_with_config_ignores_is_never_a_pass(tmp_path):
    write(
        tmp_path,
        {
            "infra/ledger.yaml": SUPPRESSED_LEGACY,
            ".dsql-scan.yaml": "ignore: [DSQL001, DSQL011]\n",
        },
    )
    run = review(tmp_path, "infra", "-o", "REVIEW.md")
    text = (tmp_path / "REVIEW.md").read_text()
    assert verdict(text) != "PASS", text
    assert run.code == 1, run.stderr
    rows = matrix(text)
    assert rows["FR-001"][0] != "pass"
    assert rows["SC-004"][0] != "pass"
