"""Issue 18, application code in TypeScript and JavaScript: the patterns of scope list 4.

Each case under tests/fixtures/typescript/app/ (a file, or a directory scanned as one project)
marks the lines it must be reported at (see tests/typescript_cases.py): environment reads in
every spelling, environment schemas (zod, envalid) and typed config interfaces as typed
configurations, the AWS SDK v3 Data API client and the RDS and DSQL signers, node-postgres,
postgres.js, knex, drizzle and the Aurora DSQL node connectors, SQL in query() literals and
tagged templates, and health checks logged with console or a logger.
"""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import run_cli
from tests.typescript_cases import FIXTURES, cases, check

CASES = cases("app")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_reports_exactly_its_marked_lines(tmp_path, case):
    check(case, tmp_path / "app")


def test_sql_in_literals_and_tagged_templates_is_reported_at_its_line_and_column(tmp_path):
    """The SQL that query() literals, a node-postgres query config and postgres.js tagged
    templates send is linted by dsql-lint and each finding is placed where its SQL is in the
    TypeScript file: inside a multi-line template, after a substitution, after the backtick."""
    shutil.copy2(FIXTURES / "sql" / "migrate.ts", tmp_path / "migrate.ts")
    run = run_cli(
        "scan", ".", "--preview", "--format", "json", "--select", "SQL,SCAN", cwd=tmp_path
    )
    assert run.code == 1, run.stderr
    found = [(f["rule"], f["line"], f["column"]) for f in run.json()["findings"]]
    assert found == [
        ("SQL001", 9, 21),  # SERIAL: the literal's first character
        ("SQL074", 11, 5),  # two DDL statements in one transaction: BEGIN, line 2 of the template
        ("SQL015", 13, 5),  # CREATE INDEX without ASYNC, line 4 of the template
        ("SQL082", 17, 13),  # TRUNCATE just after the backtick (line 16's is suppressed)
        ("SQL082", 19, 29),  # the text of a node-postgres query config
        ("SQL082", 22, 5),  # after a substitution, on the template's next line
    ]


def test_a_health_check_bound_to_a_const_is_named_and_located_by_its_variable(tmp_path):
    """``export const healthCheck = async () => {...}`` is the function ``health_check``: a
    finding about it names it and points at ``healthCheck``."""
    shutil.copytree(FIXTURES / "app" / "health-arrow", tmp_path / "app")
    health = tmp_path / "app" / "health.ts"
    text = health.read_text(encoding="utf-8")
    health.write_text(
        text.replace(
            "    logger.info({ rows: result.rowCount }, 'DSQL health check succeeded');\n", ""
        ),
        encoding="utf-8",
    )
    run = run_cli(
        "scan", ".", "--preview", "--format", "json", "--select", "DSQL011", cwd=tmp_path / "app"
    )
    (finding,) = run.json()["findings"]
    assert (finding["line"], finding["column"]) == (10, 14)
    assert finding["message"].startswith("health_check() at health.ts:10 runs SELECT 1")
    assert "never logs success" in finding["message"]
