"""SQL in Python code: the Python input hands execute-style literals to dsql-lint.

The SQL input's tests describe, by hand, the snippets a Python module must yield (text, place,
segments); here the Python input must yield exactly those from the same source. The end-to-end
cases run the installed command with the real dsql-lint.
"""

from __future__ import annotations

import pytest

from scanner.inputs.python import module as python
from tests.conftest import run_cli, write
from tests.test_sql_input import PY, SNIPPETS, SOURCE

LEGACY = '''\
import psycopg


def migrate(cursor):
    cursor.execute("CREATE TABLE accounts (id SERIAL PRIMARY KEY, balance BIGINT)")
    cursor.execute(
        """
        BEGIN;
        CREATE TABLE audit (id BIGINT PRIMARY KEY);
        CREATE INDEX accounts_balance ON accounts (balance);
        COMMIT;
        """
    )
    cursor.execute("TRUNCATE sessions")  # dsql-scan: ignore[SQL082] scratch table (LEDGER-9)
    cursor.execute("TRUNCATE cache")
    cursor.execute("SELECT id FROM accounts WHERE id = %s", (1,))
'''


def test_the_python_input_yields_the_snippets_the_sql_input_expects():
    facts, _ = python.extract(python.parse(SOURCE), PY, SOURCE)
    assert facts.sql == tuple(
        snippet.__class__(
            snippet.text,
            facts.sql[index].location,  # same place; the Python location also has its span
            snippet.segments,
            snippet.interpolated,
        )
        for index, snippet in enumerate(SNIPPETS.values())
    )
    assert [(s.location.line, s.location.column) for s in facts.sql] == [
        (s.location.line, s.location.column) for s in SNIPPETS.values()
    ]


@pytest.mark.parametrize(
    "source",
    [
        'client.execute("query { accounts { id } }")\n',  # not SQL (GraphQL)
        'cursor.execute(b"SELECT 1")\n',  # bytes
        'log.info("SELECT * FROM accounts")\n',  # not an execute-style call
        '"""cursor.execute("TRUNCATE t")"""\n',  # a docstring
    ],
)
def test_only_sql_passed_to_execute_style_calls_is_linted(source):
    facts, _ = python.extract(python.parse(source), PY, source)
    assert facts.sql == ()


def test_names_and_sqlalchemy_text_are_followed():
    source = (
        "from sqlalchemy import text\n\n"
        'RESET = "TRUNCATE sessions"\n\n'
        "def run(session, cursor):\n"
        '    session.execute(text("TRUNCATE cache"))\n'
        "    cursor.execute(RESET)\n"
    )
    facts, _ = python.extract(python.parse(source), PY, source)
    assert [(s.text, s.location.line) for s in facts.sql] == [
        ("TRUNCATE cache", 6),
        ("TRUNCATE sessions", 3),
    ]


def test_embedded_sql_is_reported_at_its_line_in_the_python_file(tmp_path):
    write(tmp_path, {"migrate.py": LEGACY})
    run = run_cli("scan", ".", "--format", "json", "--select", "SQL,SCAN", cwd=tmp_path)
    assert run.code == 1, run.stderr
    found = [(f["rule"], f["line"], f["column"], f["suppressed"]) for f in run.json()["findings"]]
    assert found == [
        ("SQL001", 5, 21, False),  # the literal's first character
        ("SQL074", 8, 9, False),  # lines inside the triple-quoted query
        ("SQL015", 10, 9, False),
        ("SQL082", 15, 21, False),  # line 14's TRUNCATE is suppressed with a reason
    ]


def test_without_dsql_lint_python_sql_is_one_notice_and_its_suppressions_are_not_stale(tmp_path):
    write(tmp_path, {"migrate.py": LEGACY})
    run = run_cli(
        "scan",
        ".",
        "--format",
        "json",
        "--select",
        "SQL,SCAN",
        cwd=tmp_path,
        env={"DSQL_SCAN_DSQL_LINT": "/nonexistent/dsql-lint"},
    )
    assert run.code == 0, run.stdout
    document = run.json()
    assert document["findings"] == []  # no SCAN002 for the unchecked ignore[SQL082]
    assert [n["id"] for n in document["summary"]["notices"]] == ["sql-linter-missing"]
