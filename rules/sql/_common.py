"""What every SQL rule shares: its check (dsql-lint's diagnostics of one rule name), its message,
and its examples, built from one row of the catalogue.

The rules read ``sql_diagnostics``, which the SQL input fills for ``.sql`` files and the Python
and TypeScript inputs for SQL literals passed to execute-style calls: so each rule applies to
both kinds, and each documents both, the application-code examples (a Python module and a
TypeScript one) generated from the SQL one so that they cannot disagree.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.rules.base import Example, Rule, rule

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from scanner.config import Config
    from scanner.facts import FileFacts, SqlDiagnostic

READS = ("sql_diagnostics",)
SINCE = "0.1.0"
SCHEMA = ("FR-005", "SC-001")  # migrations must deploy on DSQL without manual steps
RUNTIME = ("SC-003",)  # statements the application sends must keep working
BOTH = ("FR-005", "SC-003")
CATCH_ALL = "SQL000"

E, W, N = Severity.ERROR, Severity.WARNING, Severity.NOTE

# Where the SQL sits in ``application_code``: the lines before its first line.
APPLICATION_OFFSET = 3
# The same for ``typescript_code``, and the file its examples are written to.
TYPESCRIPT_OFFSET = 4
TYPESCRIPT_FILE = "service.ts"


def message(diagnostic: SqlDiagnostic) -> str:
    """dsql-lint's own words: what is wrong here, and its suggestion for this statement."""
    text = diagnostic.message
    if diagnostic.suggestion:
        stop = "" if text.endswith((".", "!", "?")) or not text else "."
        text = f"{text}{stop} {diagnostic.suggestion}"
    return text


def check_named(name: str) -> Callable[[FileFacts, Config], Iterator[Hit]]:
    """The check of the rule dsql-lint calls ``name``: each of its diagnostics, in its words."""

    def check(facts: FileFacts, config: Config) -> Iterator[Hit]:
        for diagnostic in facts.sql_diagnostics:
            if diagnostic.rule == name:
                yield Hit(diagnostic.location, message(diagnostic))

    return check


def application_code(sql: str) -> str:
    """A Python module that sends ``sql`` (an example's source) as one ``cursor.execute`` call:
    the same statements, linted by the same dsql-lint, ``APPLICATION_OFFSET`` lines lower."""
    body = textwrap.indent(sql.rstrip("\n"), " " * 8)
    return f'def migrate(cursor):\n    cursor.execute(\n        """\n{body}\n        """\n    )\n'


def typescript_code(sql: str) -> str:
    """A TypeScript module that sends ``sql`` with node-postgres (``pool.query`` of a template
    literal): the same statements, ``TYPESCRIPT_OFFSET`` lines lower."""
    body = textwrap.indent(sql.rstrip("\n"), " " * 4)
    return (
        "import { Pool } from 'pg';\n\n"
        "export async function migrate(pool: Pool): Promise<void> {\n"
        f"  await pool.query(`\n{body}\n  `);\n}}\n"
    )


def typescript_example(fires: Example, code: str = "", lines: tuple[int, ...] = ()) -> Example:
    """The firing SQL example sent from TypeScript; ``code`` and ``lines`` as for Python."""
    if code:
        return Example(code, fires=len(lines), kind="app", lines=lines, filename=TYPESCRIPT_FILE)
    moved = tuple(line + TYPESCRIPT_OFFSET for line in fires.lines)
    return Example(
        typescript_code(fires.source),
        fires=fires.fires,
        kind="app",
        lines=moved,
        filename=TYPESCRIPT_FILE,
    )


def application_example(fires: Example, code: str = "", lines: tuple[int, ...] = ()) -> Example:
    """The firing SQL example as application code; ``code`` and ``lines`` when the statement
    needs another setting there (say why in the code)."""
    if code:
        return Example(code, fires=len(lines), kind="app", lines=lines)
    moved = tuple(line + APPLICATION_OFFSET for line in fires.lines)
    return Example(application_code(fires.source), fires=fires.fires, kind="app", lines=moved)


def lint_rule(
    number: int,
    name: str,
    title: str,
    severity: Severity,
    requirements: tuple[str, ...],
    rationale: str,
    remediation: str,
    fires: str,
    lines: tuple[int, ...],
    clean: str,
    application: tuple[str, tuple[int, ...]] = ("", ()),
    typescript: tuple[str, tuple[int, ...]] = ("", ()),
) -> Rule:
    """One dsql-lint rule: a firing example (at ``lines``), its DSQL-correct rewrite, and the
    firing example sent from application code in Python and in TypeScript (``application``,
    ``typescript``: code and lines of their own)."""
    firing = Example(fires, fires=len(lines), kind="sql", lines=lines)
    return rule(
        id=f"SQL{number:03d}",
        name=name,
        title=title,
        severity=severity,
        reads=READS,
        since=SINCE,
        requirements=requirements,
        rationale=rationale,
        remediation=remediation,
        examples=(
            firing,
            Example(clean, fires=0, kind="sql"),
            application_example(firing, *application),
            typescript_example(firing, *typescript),
        ),
        check=check_named(name),
    )
