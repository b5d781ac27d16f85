"""The SQL input: finding and running the real dsql-lint, reading its JSON, locating what it
reports (in .sql files and in SQL snippets of Python files), and failing safely."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.facts import FileFacts, SqlSegment, SqlSnippet
from scanner.inputs.sql import lint as sql
from scanner.model import Location
from scanner.pipeline.analyze import run_file_rules

PY = "service.py"

# A Python module as the Python input will see it. The snippets below are built by hand from it
# (the SQL each literal evaluates to, and where each run of that text sits in this source).
SOURCE = '''import psycopg


def migrate(cursor, table):
    cursor.execute("CREATE TABLE a (id SERIAL PRIMARY KEY)")
    cursor.execute(
        """
        CREATE TABLE b (
            -- dsql-scan: ignore[SQL001] replaced by b2 in the next release
            id SERIAL PRIMARY KEY
        );
        CREATE INDEX b_idx ON b (id);
        """
    )
    cursor.execute("CREATE TABLE c (\\n"
                   "    id SERIAL PRIMARY KEY)")
    cursor.execute(f"DELETE FROM {table}; TRUNCATE {table}")
    cursor.execute("SELECT * FROM t WHERE id = %s AND k = %(key)s; TRUNCATE t", (1,))
'''
LINES = SOURCE.splitlines()


def at(line: int, column: int) -> Location:
    return Location(PY, line, column)


SNIPPETS = {
    "plain": SqlSnippet(
        "CREATE TABLE a (id SERIAL PRIMARY KEY)", at(5, 20), (SqlSegment(0, 5, 21),)
    ),
    "triple": SqlSnippet(
        "\n        CREATE TABLE b (\n"
        "            -- dsql-scan: ignore[SQL001] replaced by b2 in the next release\n"
        "            id SERIAL PRIMARY KEY\n        );\n"
        "        CREATE INDEX b_idx ON b (id);\n        ",
        at(7, 9),
        (SqlSegment(0, 7, 12),),
    ),
    # "...(\n" "    id ...": the escaped newline is one text character but no line break in the
    # file, so the text after it starts a new segment (the second literal, line 16).
    "concatenated": SqlSnippet(
        "CREATE TABLE c (\n    id SERIAL PRIMARY KEY)",
        at(15, 20),
        (SqlSegment(0, 15, 21), SqlSegment(17, 16, 21)),
    ),
    # f"DELETE FROM {table}; TRUNCATE {table}": each replacement field becomes an identifier.
    "fstring": SqlSnippet(
        "DELETE FROM __expr__; TRUNCATE __expr__",
        at(17, 20),
        (
            SqlSegment(0, 17, 22),
            SqlSegment(12, 17, 34),
            SqlSegment(20, 17, 41),
            SqlSegment(31, 17, 52),
        ),
        interpolated=True,
    ),
    "placeholders": SqlSnippet(
        "SELECT * FROM t WHERE id = %s AND k = %(key)s; TRUNCATE t",
        at(18, 20),
        (SqlSegment(0, 18, 21),),
    ),
}


def source_at(location: Location) -> str:
    return LINES[location.line - 1][location.column - 1 :]


@pytest.fixture(scope="module")
def results() -> dict[str, sql.SnippetResult]:
    names = list(SNIPPETS)
    return dict(zip(names, sql.lint_snippets([SNIPPETS[n] for n in names]), strict=True))


def found(result: sql.SnippetResult) -> list[tuple[str, int, int]]:
    return [(d.rule, d.location.line, d.location.column) for d in result.diagnostics]


def test_single_line_literal_adds_the_column_offset(results):
    (diagnostic,) = results["plain"].diagnostics
    assert (diagnostic.rule, diagnostic.location.line, diagnostic.location.column) == (
        "serial_type",
        5,
        21,
    )
    assert source_at(diagnostic.location).startswith("CREATE TABLE a (id SERIAL")
    assert diagnostic.location.end_column == 21 + len("CREATE TABLE a (id SERIAL PRIMARY KEY)")


def test_triple_quoted_literal_maps_snippet_lines_to_file_lines(results):
    assert found(results["triple"]) == [("serial_type", 10, 13), ("index_async", 12, 9)]
    for diagnostic in results["triple"].diagnostics:
        assert source_at(diagnostic.location).startswith(("id SERIAL", "CREATE INDEX b_idx"))
    (suppression,) = results["triple"].suppressions
    assert suppression.rules == ("SQL001",) and suppression.lines == (9, 10)
    assert suppression.reason == "replaced by b2 in the next release"


def test_concatenated_literals_map_through_segments(results):
    (diagnostic,) = results["concatenated"].diagnostics
    assert (diagnostic.rule, diagnostic.location.line, diagnostic.location.column) == (
        "serial_type",
        16,
        25,
    )
    assert source_at(diagnostic.location).startswith("id SERIAL PRIMARY KEY)")


def test_fstring_parts_map_through_segments(results):
    (diagnostic,) = results["fstring"].diagnostics
    assert (diagnostic.rule, diagnostic.location.line) == ("truncate", 17)
    assert source_at(diagnostic.location).startswith("TRUNCATE {table}")


def test_interpolated_snippets_do_not_report_parse_errors_of_their_stand_ins():
    # f"CREATE {kind} INDEX i ON t (x); TRUNCATE t": the stand-in breaks the statement's syntax.
    text = "CREATE __expr__ INDEX i ON t (x); TRUNCATE t"
    plain = SqlSnippet(text, at(17, 20), (SqlSegment(0, 17, 22),))
    interpolated = SqlSnippet(text, at(17, 20), (SqlSegment(0, 17, 22),), interpolated=True)
    as_plain, as_interpolated = sql.lint_snippets([plain, interpolated])
    assert [d.rule for d in as_plain.diagnostics] == ["parse_error", "truncate"]
    assert [d.rule for d in as_interpolated.diagnostics] == ["truncate"]


def test_driver_placeholders_do_not_become_parse_errors(results):
    assert found(results["placeholders"]) == [("truncate", 18, 68)]
    assert source_at(results["placeholders"].diagnostics[0].location).startswith("TRUNCATE t")
    assert sql.normalize_placeholders("a = %s, b = %(key)s, c LIKE 'x%%'") == (
        "a = $1, b = $1     , c LIKE 'x% '"
    )


def test_embedded_sql_becomes_findings_of_the_python_file():
    facts = FileFacts(kind="app", path=PY, sql=tuple(SNIPPETS.values()))
    embedded = sql.lint_embedded(facts)
    assert embedded.notices == () and embedded.raw == ()
    raw = run_file_rules(embedded.facts, Config())
    got = sorted((r.rule, r.location.line) for r in raw)
    assert got == [
        ("SQL001", 5),
        ("SQL001", 10),
        ("SQL001", 16),
        ("SQL015", 12),
        ("SQL082", 17),
        ("SQL082", 18),
    ]
    assert [s.lines for s in embedded.suppressions] == [(9, 10)]


def test_embedded_sql_without_linter_is_one_notice_and_no_findings(monkeypatch):
    monkeypatch.setenv(sql.ENV_VAR, "/nonexistent/dsql-lint")
    facts = FileFacts(kind="app", path=PY, sql=(SNIPPETS["plain"],))
    embedded = sql.lint_embedded(facts)
    assert embedded.facts.sql_diagnostics == ()
    (notice,) = embedded.notices
    assert notice.id == sql.MISSING_NOTICE and "/nonexistent/dsql-lint" in notice.message
    assert "pip install 'dsql-scan[sql]'" in notice.hint


def test_unlinted_sql_suppressions_are_dropped_not_reported_as_unused():
    suppressions = sql.lint_snippets([SNIPPETS["triple"]])[0].suppressions
    assert sql.checkable(suppressions, linted=True) == suppressions
    assert sql.checkable(suppressions, linted=False) == ()


# --- .sql files: locations --------------------------------------------------------------------


def located(text: str) -> list[tuple[str, int, int, int, int]]:
    (report,) = sql.lint([text])
    facts, _ = sql.extract(text, "m.sql", report)
    return [
        (d.rule, d.location.line, d.location.column, d.location.end_line, d.location.end_column)
        for d in facts.sql_diagnostics
    ]


def test_statement_columns_on_shared_lines_and_multi_line_statements():
    text = (
        "SELECT 1; TRUNCATE a; /* x */ TRUNCATE b;\n"
        "CREATE    INDEX\n"
        "   i ON t (x);\n"
        "CREATE TABLE t (\n"
        "    id SERIAL); TRUNCATE c;\n"
    )
    assert located(text) == [
        ("truncate", 1, 11, 1, 22),
        ("truncate", 1, 31, 1, 42),
        ("index_async", 2, 1, 3, 15),
        ("serial_type", 5, 5, 5, 16),  # the column line, up to the end of its statement
        ("truncate", 5, 17, 5, 28),
    ]


def test_parse_errors_point_at_the_token_dsql_lint_stopped_at():
    text = "SELECT 1;\n  CREATE TABLE t (\n    id BIGINT PRIMARY KEY,\n    x INT NOT NULL NOT VALID\n  );\n"
    assert located(text) == [("parse_error", 4, 20, 4, 23)]


def test_crlf_and_form_feed_keep_dsql_lint_line_numbers():
    text = "SELECT 1;\r\n\x0c\r\nTRUNCATE t;\r\n"
    assert located(text) == [("truncate", 3, 1, 3, 12)]
    assert sql.context_lines(text)[2] == "TRUNCATE t;"


def test_suppression_comments_cover_their_line_or_the_next():
    text = (
        "-- dsql-scan: ignore[SQL082] sessions are disposable\n"
        "TRUNCATE sessions;\n"
        "TRUNCATE cache; -- dsql-scan: ignore[sql082, SQL015]   rebuilt nightly  \n"
        "SELECT '-- dsql-scan: ignore[SQL082] inside a string';\n"
        "-- dsql-scan: ignore[] nothing\n"
    )
    (report,) = sql.lint([text])
    _, suppressions = sql.extract(text, "m.sql", report)
    assert [(s.rules, s.reason, s.lines) for s in suppressions] == [
        (("SQL082",), "sessions are disposable", (1, 2)),
        (("SQL082", "SQL015"), "rebuilt nightly", (3, 3)),
    ]
    assert suppressions[1].location.column == 17


# --- reading dsql-lint's output ---------------------------------------------------------------


def test_unknown_and_partial_entries_are_kept_not_dropped():
    document = {
        "schema_version": 1,
        "files": [
            {
                "file": "a.sql",
                "diagnostics": [{"rule": "shiny_new_rule", "line": 3, "message": "New."}],
                "error": None,
            },
            {"file": "b.sql", "diagnostics": [], "error": "Error reading 'b.sql'"},
        ],
    }
    reports = sql.parse_output(json.dumps(document))
    assert reports["a.sql"].diagnostics == (sql.Diagnostic("shiny_new_rule", 3, "New."),)
    assert reports["b.sql"].error == "Error reading 'b.sql'"


@pytest.mark.parametrize(
    "stdout",
    ["", "not json", '{"schema_version": 2, "files": []}', '{"schema_version": 1, "files": [{}]}'],
)
def test_unexpected_output_is_a_failure_with_a_reason(stdout):
    with pytest.raises(sql.LintFailure):
        sql.parse_output(stdout)


def test_levels_map_to_severities():
    assert {k: v.label for k, v in sql.LEVELS.items()} == {
        "fixed": "note",
        "fixed_with_warning": "warning",
        "unfixable": "error",
    }


# --- finding and running dsql-lint ------------------------------------------------------------


def test_linter_is_found_next_to_the_interpreter(monkeypatch):
    monkeypatch.delenv(sql.ENV_VAR, raising=False)
    assert sql.find_linter() == str(Path(sys.executable).parent / "dsql-lint")


def test_override_must_be_an_executable_file(monkeypatch, tmp_path):
    plain = tmp_path / "dsql-lint"
    plain.write_text("not executable")
    for value, reason in (
        ("/nonexistent", "DSQL_SCAN_DSQL_LINT=/nonexistent is not an executable file"),
        (str(plain), f"DSQL_SCAN_DSQL_LINT={plain} is not an executable file"),
        (str(tmp_path), f"DSQL_SCAN_DSQL_LINT={tmp_path} is not an executable file"),
    ):
        monkeypatch.setenv(sql.ENV_VAR, value)
        with pytest.raises(sql.LinterMissing) as missing:
            sql.lint(["SELECT 1;"])
        assert missing.value.reason == reason
    real = str(Path(sys.executable).parent / "dsql-lint")
    monkeypatch.setenv(sql.ENV_VAR, real)
    assert sql.find_linter() == real


def test_a_text_that_hangs_dsql_lint_costs_only_itself():
    # dsql-lint needs about 30 s on 100,000 nested parentheses; the batch is retried per text.
    hang = "SELECT " + "(" * 100_000 + "1" + ")" * 100_000 + ";\n"
    good, bad = sql.lint(["TRUNCATE t;\n", hang], timeout=1.5)
    assert [d.rule for d in good.diagnostics] == ["truncate"] and good.error == ""
    assert bad.error == "dsql-lint did not finish within 1.5 s" and bad.diagnostics == ()


def test_many_texts_share_one_process(monkeypatch, tmp_path):
    log = tmp_path / "calls.log"
    shim = tmp_path / "dsql-lint"
    real = Path(sys.executable).parent / "dsql-lint"
    shim.write_text(f'#!/bin/sh\necho "$#" >> "{log}"\nexec "{real}" "$@"\n')
    shim.chmod(0o755)
    monkeypatch.setenv(sql.ENV_VAR, str(shim))
    texts = [f"TRUNCATE t{i};\n" for i in range(sql.CHUNK + 3)]
    reports = sql.lint(texts)
    assert [r.diagnostics[0].preview for r in reports] == [t.strip() for t in texts]
    assert log.read_text().split() == [str(sql.CHUNK + 2), "5"]  # + "--format json"


def test_nothing_to_lint_needs_no_linter(monkeypatch):
    monkeypatch.setenv(sql.ENV_VAR, os.devnull)  # not an executable file
    with pytest.raises(sql.LinterMissing):
        sql.lint(["SELECT 1;"])
    assert sql.lint([]) == []
    facts = FileFacts(kind="app", path=PY)
    assert sql.lint_embedded(facts) == sql.EmbeddedSql(facts)


def test_lone_surrogates_from_python_escapes_do_not_break_linting():
    (report,) = sql.lint(["SELECT '\ud800';\nTRUNCATE t;\n"])
    assert report.error == "" and [(d.rule, d.line) for d in report.diagnostics] == [
        ("truncate", 2)
    ]
