"""Issue 18, application code in TypeScript and JavaScript: the patterns of scope list 4.

Each case under tests/fixtures/typescript/app/ (a file, or a directory scanned as one project)
marks the lines it must be reported at (see tests/typescript_cases.py): environment reads in
every spelling, environment schemas (zod, envalid) and typed config interfaces as typed
configurations, the AWS SDK v3 Data API client and the RDS and DSQL signers, node-postgres,
postgres.js, knex, drizzle and the Aurora DSQL node connectors, SQL in query() literals and
tagged templates, and health checks logged with console or a logger.
"""

from __future__ import annotations

import pytest

from tests.typescript_cases import cases, check

CASES = cases("app")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_reports_exactly_its_marked_lines(tmp_path, case):
    check(case, tmp_path / "app")
