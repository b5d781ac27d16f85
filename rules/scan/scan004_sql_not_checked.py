"""SCAN004: a SQL file in scope that dsql-lint is not installed to check.

Raised where a ``.sql`` file is analysed and dsql-lint cannot run, not by a check over facts.
"""

from __future__ import annotations

from scanner.model import Severity
from scanner.rules.base import Example, rule

RULE = rule(
    id="SCAN004",
    name="sql-not-checked",
    title="SQL file not checked: dsql-lint cannot run",
    severity=Severity.WARNING,
    kinds=("sql",),
    reads=(),
    since="0.1.0",
    requirements=("FR-005", "SC-001", "SC-004"),
    rationale="""The SQL rules are AWS's dsql-lint. Where it is not installed (a pre-commit
        or CI environment set up with `pip install dsql-scan` alone), a migration with
        `SERIAL`, `TEXT[]` or `TRUNCATE` would otherwise pass the gate unread. Each `.sql`
        file in scope is therefore reported once, at warning level, so the default gate
        fails until the linter is there. SQL literals in Python code are not findings: a
        one-line note says they were not checked.""",
    remediation="""Install the SQL extra where the scan runs: `pip install 'dsql-scan[sql]'`
        (the shipped pre-commit hooks install it). Where SQL is knowingly out of scope,
        exclude the files (`exclude`) or ignore SCAN004 in the configuration, with a
        reason.""",
    examples=(
        Example(
            """
            -- dsql-lint is installed: the file is checked, and SQL001 reports the SERIAL
            CREATE TABLE accounts (id SERIAL PRIMARY KEY);
            """,
            fires=0,
            kind="sql",
        ),
    ),
)
