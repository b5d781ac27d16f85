"""The SQL lexer finds comments and statement spans, and is never fooled by quoted text."""

from __future__ import annotations

from scanner.inputs.sql.lexer import lex


def statements(text: str) -> list[str]:
    return [text[s.start : s.end] for s in lex(text).statements]


def comments(text: str) -> list[tuple[str, bool]]:
    return [(c.text, c.own_line) for c in lex(text).comments]


def test_statements_end_at_semicolons_outside_quotes_and_comments():
    text = (
        "SELECT 1; TRUNCATE t; /* x; */ TRUNCATE u;\n"
        "SELECT 'a;b -- no', \"odd;--name\" FROM t -- c ;\n"
        ";\n"
        "SELECT $$ a; $$, $body$ $$; $body$;\n"
    )
    assert statements(text) == [
        "SELECT 1;",
        "TRUNCATE t;",
        "TRUNCATE u;",
        "SELECT 'a;b -- no', \"odd;--name\" FROM t -- c ;\n;",
        "SELECT $$ a; $$, $body$ $$; $body$;",
    ]
    assert comments(text) == [("-- c ;", False)]


def test_doubled_quotes_and_escape_strings():
    text = "SELECT 'it''s; -- fine'; SELECT E'\\'; -- still string'; SELECT e'x\\\\'; TRUNCATE t;"
    assert statements(text) == [
        "SELECT 'it''s; -- fine';",
        "SELECT E'\\'; -- still string';",
        "SELECT e'x\\\\';",
        "TRUNCATE t;",
    ]
    assert comments(text) == []


def test_backslash_is_plain_in_standard_strings():
    # In a standard string a backslash is an ordinary character: the literal ends at the quote.
    assert statements("SELECT 'a\\'; TRUNCATE t;") == ["SELECT 'a\\';", "TRUNCATE t;"]
    # ...but an identifier ending in e is not an E'' prefix.
    assert statements("SELECT name'x\\'; TRUNCATE t;") == ["SELECT name'x\\';", "TRUNCATE t;"]


def test_nested_block_comments_and_parameters_are_not_dollar_quotes():
    text = "/* a /* b; */ c; */ SELECT $1, a$b$c FROM t; SELECT 2;"
    assert statements(text) == ["SELECT $1, a$b$c FROM t;", "SELECT 2;"]


def test_line_comments_know_whether_code_precedes_them():
    text = (
        "-- header\n"
        "CREATE TABLE t (\n"
        "    -- dsql-scan: ignore[SQL001] own line\n"
        "    id SERIAL -- trailing\n"
        ");\n"
        "  /* block */ -- after a block comment only\n"
    )
    assert comments(text) == [
        ("-- header", True),
        ("-- dsql-scan: ignore[SQL001] own line", True),
        ("-- trailing", False),
        ("-- after a block comment only", True),
    ]
    assert statements(text) == [
        "CREATE TABLE t (\n    -- dsql-scan: ignore[SQL001] own line\n    id SERIAL -- trailing\n);"
    ]


def test_unterminated_quotes_and_comments_run_to_the_end_without_error():
    for text in ("SELECT 'open; TRUNCATE t;", "SELECT $$ open; ", 'SELECT "open', "/* open; "):
        lexed = lex(text)
        assert len(lexed.statements) <= 1 and lexed.comments == ()
    assert statements("SELECT 1") == ["SELECT 1"]  # no terminator: ends at the last code
    assert statements("  \n -- only a comment\n") == []


def test_statements_starting_in_a_range_and_containing_an_offset():
    text = "SELECT 1; SELECT\n  2;\n\nTRUNCATE t;"
    lexed = lex(text)
    first, second, third = lexed.statements
    assert lexed.starting(0, 16) == (first, second)
    assert lexed.starting(17, 22) == ()
    assert lexed.containing(17) == second  # the second line of a two-line statement
    assert lexed.containing(second.start) is None  # a statement does not contain its start
    assert lexed.containing(22) is None  # between statements
    assert lexed.starting(23, len(text)) == (third,)


def test_offsets_are_positions_in_the_text():
    text = "SELECT 1;\n  TRUNCATE t ;  -- x\n"
    (first, second) = lex(text).statements
    assert (first.start, first.end) == (0, 9)
    assert text[second.start] == "T" and text[second.end - 1] == ";"
    (comment,) = lex(text).comments
    assert text[comment.start : comment.end] == "-- x"
