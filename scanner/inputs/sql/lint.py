"""SQL input: lint SQL with AWS's dsql-lint and locate what it reports in the scanned file.

This is the only module that runs dsql-lint. dsql-lint is a Rust program shipped in a wheel
(the ``sql`` extra); it is found next to the running interpreter or on ``PATH``, or wherever
``DSQL_SCAN_DSQL_LINT`` points, and never downloaded. Without it, SQL inputs are not checked and
the scan says so once (a :class:`~scanner.model.Notice`), without failing.

Texts are handed to dsql-lint as files in a private temporary directory, many per process: one
process costs about 1.5 ms, so a project's migrations are linted by a single run (see
:func:`lint_candidates`) and each Python file's snippets by another. dsql-lint reports a line per
diagnostic; :mod:`scanner.inputs.sql.lexer` turns that into the span of the statement (or of the
reported line inside it) and reads the ``-- dsql-scan: ignore[...]`` comments.
"""

from __future__ import annotations

import json
import os
import re
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.facts import FileFacts, SqlDiagnostic, SqlSegment, SqlSnippet
from scanner.inputs.guards import ParseFailure, read_text
from scanner.inputs.sql.lexer import Lexed, Statement, lex
from scanner.model import Location, Notice, RawFinding, Severity, Suppression

if TYPE_CHECKING:
    from scanner.pipeline.discover import Candidate

ENV_VAR = "DSQL_SCAN_DSQL_LINT"
EXECUTABLE = "dsql-lint"
INSTALL_HINT = "pip install 'dsql-scan[sql]'"
MISSING_NOTICE = "sql-linter-missing"
SCHEMA_VERSION = 1
CHUNK = 256  # files per dsql-lint process: bounded argv and memory, one process in practice
TIMEOUT_BASE, TIMEOUT_PER_MB = 60.0, 30.0  # dsql-lint is superlinear on some large inputs
SNIPPET_LENGTH = 240

# dsql-lint derives its level (INFO / WARNING / ERROR) from the fix status.
LEVELS = {
    "fixed": Severity.NOTE,
    "fixed_with_warning": Severity.WARNING,
    "unfixable": Severity.ERROR,
}

_SUPPRESSION = re.compile(r"--\s*dsql-scan:\s*ignore\[([^\]]*)\](.*)$")
_PARSE_POSITION = re.compile(r"at Line: (\d+), Column: (\d+)")
_PLACEHOLDER = re.compile(r"%\([^()\n]*\)s|%s|%%")
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
_NEWLINE = re.compile("\n")


class LinterMissing(Exception):
    """dsql-lint cannot be run here; ``reason`` says why, for the scan's notice."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Diagnostic:
    """One entry of dsql-lint's JSON output, as reported (``line`` is 1-based in the text)."""

    rule: str
    line: int
    message: str
    suggestion: str = ""
    status: str = ""
    preview: str = ""


@dataclass(frozen=True)
class Report:
    """What dsql-lint said about one text; ``error`` when it could not lint it at all."""

    diagnostics: tuple[Diagnostic, ...] = ()
    error: str = ""


# --- finding and running dsql-lint -------------------------------------------------------------


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


@cache
def linter_identity() -> str:
    """Which dsql-lint judges SQL here (path, size, time), or that none is installed: a result
    cache keys on it, since another dsql-lint may judge the same bytes differently."""
    try:
        path = Path(find_linter())
        stat_ = path.stat()
    except (LinterMissing, OSError) as missing:
        return f"missing:{missing}"
    return f"{path}|{stat_.st_size}|{stat_.st_mtime_ns}"


def find_linter() -> str:
    """The dsql-lint to run: ``$DSQL_SCAN_DSQL_LINT``, else next to Python, else on ``PATH``."""
    override = os.environ.get(ENV_VAR, "").strip()
    if override:
        if _executable(Path(override)):
            return override
        raise LinterMissing(f"{ENV_VAR}={override} is not an executable file")
    import shutil

    names = (f"{EXECUTABLE}.exe", EXECUTABLE) if os.name == "nt" else (EXECUTABLE,)
    for name in names:
        beside = Path(sys.executable).parent / name
        if _executable(beside):
            return str(beside)
    found = shutil.which(EXECUTABLE)
    if found:
        return found
    raise LinterMissing("dsql-lint is not installed")


def missing_notice(reason: str) -> Notice:
    return Notice(
        MISSING_NOTICE,
        f"SQL was not checked for Aurora DSQL compatibility: {reason}",
        f"enable the SQL rules with: {INSTALL_HINT}",
    )


class LintFailure(Exception):
    """One dsql-lint run produced no usable answer (crash, timeout, unreadable output)."""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _diagnostic(entry: Any) -> Diagnostic:
    if not isinstance(entry, dict) or not isinstance(entry.get("rule"), str):
        raise LintFailure("dsql-lint output not understood: a diagnostic has no rule")
    line = entry.get("line")
    fix = entry.get("fix_result")
    return Diagnostic(
        rule=entry["rule"],
        line=line if isinstance(line, int) and line > 0 else 1,
        message=_text(entry.get("message")).strip(),
        suggestion=_text(entry.get("suggestion")).strip(),
        status=_text(fix.get("status")) if isinstance(fix, dict) else "",
        preview=_text(entry.get("statement_preview")),
    )


def parse_output(stdout: str) -> dict[str, Report]:
    """dsql-lint's ``--format json`` document -> one Report per file name it lists."""
    try:
        document = json.loads(stdout)
    except ValueError:
        raise LintFailure("dsql-lint printed no JSON") from None
    if not isinstance(document, dict) or document.get("schema_version") != SCHEMA_VERSION:
        version = document.get("schema_version") if isinstance(document, dict) else None
        raise LintFailure(f"dsql-lint output schema {version!r} is not {SCHEMA_VERSION}")
    reports: dict[str, Report] = {}
    for entry in document.get("files") or ():
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            raise LintFailure("dsql-lint output not understood: a file entry has no name")
        diagnostics = tuple(_diagnostic(d) for d in entry.get("diagnostics") or ())
        reports[entry["file"]] = Report(diagnostics, _text(entry.get("error")))
    return reports


def _timeout(directory: Path, names: Sequence[str]) -> float:
    size = sum((directory / name).stat().st_size for name in names)
    return TIMEOUT_BASE + TIMEOUT_PER_MB * size / 1_000_000


def _run(linter: str, directory: Path, names: Sequence[str], timeout: float | None) -> list[Report]:
    import subprocess

    limit = timeout if timeout is not None else _timeout(directory, names)
    try:
        proc = subprocess.run(
            [linter, "--format", "json", *names],
            cwd=directory,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=limit,
        )
    except subprocess.TimeoutExpired:
        raise LintFailure(f"dsql-lint did not finish within {limit:.1f} s") from None
    except OSError as exc:
        raise LinterMissing(f"cannot run {linter}: {exc.strerror or exc}") from None
    if proc.returncode not in (0, 1):
        detail = (proc.stderr.strip().splitlines() or [""])[0][:200]
        raise LintFailure(f"dsql-lint exited with status {proc.returncode}: {detail}".strip())
    reports = parse_output(proc.stdout)
    missing = [name for name in names if name not in reports]
    if missing:
        raise LintFailure(f"dsql-lint did not report on {len(missing)} input(s)")
    return [reports[name] for name in names]


def _run_isolating(
    linter: str, directory: Path, names: Sequence[str], timeout: float | None
) -> list[Report]:
    """Run a chunk; if the run fails, run each text alone so one bad text costs only itself."""
    try:
        return _run(linter, directory, names, timeout)
    except LintFailure as failure:
        if len(names) == 1:
            return [Report(error=str(failure))]
    return [_run_isolating(linter, directory, [name], timeout)[0] for name in names]


def lint(sources: Sequence[str], timeout: float | None = None) -> list[Report]:
    """Lint each text; one dsql-lint process per ``CHUNK`` texts. Raises LinterMissing."""
    import tempfile

    if not sources:
        return []
    linter = find_linter()
    reports: list[Report] = []
    with tempfile.TemporaryDirectory(prefix="dsql-scan-") as tmp:
        directory = Path(tmp)
        names = [f"{index:06d}.sql" for index in range(len(sources))]
        for name, source in zip(names, sources, strict=True):
            # A lone surrogate (from a Python escape) becomes "?": same length, still lintable.
            (directory / name).write_text(source, encoding="utf-8", errors="replace", newline="")
        for first in range(0, len(names), CHUNK):
            reports += _run_isolating(linter, directory, names[first : first + CHUNK], timeout)
    return reports


def lint_candidates(candidates: Iterable[Candidate], max_file_size: int) -> dict[str, Report]:
    """Lint these ``.sql`` candidates in one go, keyed by the SHA-256 of their bytes.

    The per-file analysis looks its report up by the digest of what it read itself, so a file
    that changed in between is simply linted again: the batch is only ever a shortcut.
    """
    texts: dict[str, str] = {}
    for candidate in candidates:
        try:
            text, digest = read_text(candidate.path, max_file_size)
        except ParseFailure:
            continue  # the analysis reports it
        texts.setdefault(digest, text)
    if not texts:
        return {}
    try:
        reports = lint(list(texts.values()))
    except LinterMissing:
        return {}
    return dict(zip(texts, reports, strict=True))


# --- positions ---------------------------------------------------------------------------------


class Positions:
    """Text offsets -> file (line, column), through a snippet's segments.

    A ``.sql`` file is the one-segment case (offset 0 at line 1, column 1). Newline offsets are
    indexed once, so locating many diagnostics in a large file stays cheap.
    """

    def __init__(self, text: str, segments: Sequence[SqlSegment]) -> None:
        self.text = text
        self.segments = tuple(segments) or (SqlSegment(0, 1, 1),)
        self.starts = [s.offset for s in self.segments]
        self.newlines = [match.start() for match in _NEWLINE.finditer(text)]

    def at(self, offset: int) -> tuple[int, int]:
        segment = self.segments[max(0, bisect_right(self.starts, offset) - 1)]
        first = bisect_left(self.newlines, segment.offset)
        upto = bisect_left(self.newlines, offset)
        if upto == first:
            return segment.line, segment.column + offset - segment.offset
        return segment.line + upto - first, offset - self.newlines[upto - 1]

    def line_span(self, line: int) -> tuple[int, int]:
        """Offsets of the start and end (before ``\\n``) of 1-based text line ``line``."""
        line = min(max(1, line), len(self.newlines) + 1)
        start = self.newlines[line - 2] + 1 if line > 1 else 0
        end = self.newlines[line - 1] if line <= len(self.newlines) else len(self.text)
        return start, end

    def location(self, path: str, start: int, end: int) -> Location:
        line, column = self.at(start)
        end_line, end_column = self.at(max(start, end - 1))
        if end > start:
            end_column += 1
        snippet = _collapse(self.text[start:end])[:SNIPPET_LENGTH]
        return Location(path, line, column, end_line, end_column, snippet=snippet)


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _matches(text: str, statement: Statement, preview: str) -> bool:
    wanted = _collapse(preview.rstrip("\u2026")).casefold()
    return bool(wanted) and _collapse(text[statement.start : statement.end]).casefold().startswith(
        wanted
    )


def _parse_error_span(text: str, statement: Statement, message: str) -> tuple[int, int] | None:
    """dsql-lint's parser position (relative to the statement) as offsets in the text."""
    found = _PARSE_POSITION.search(message)
    if found is None:
        return None
    line, column = int(found.group(1)), int(found.group(2))
    start = statement.start
    for _ in range(line - 1):
        start = text.find("\n", start, statement.end) + 1
        if start == 0:
            return None
    offset = start + column - 1
    if not statement.start <= offset < statement.end:
        return None
    word = _WORD.match(text, offset)
    return offset, word.end() if word else offset + 1


def region(
    text: str, lexed: Lexed, positions: Positions, diagnostic: Diagnostic
) -> tuple[int, int]:
    """The text span a diagnostic speaks about, from its line and statement preview.

    A statement starting on the reported line is the subject; a diagnostic on a later line of
    a statement (a column definition) covers that line's code. Without a matching statement the
    line's own text is used, so a location is always on the reported line.
    """
    line_start, line_end = positions.line_span(diagnostic.line)
    starting = lexed.starting(line_start, line_end)
    for statement in starting:
        if _matches(text, statement, diagnostic.preview):
            if diagnostic.rule == "parse_error":
                return _parse_error_span(text, statement, diagnostic.message) or (
                    statement.start,
                    statement.end,
                )
            return statement.start, statement.end
    covering = lexed.containing(line_start)
    low, high = line_start, line_end
    if covering is not None and _matches(text, covering, diagnostic.preview):
        high = min(line_end, covering.end)
    elif starting:
        return starting[0].start, starting[0].end
    code = text[low:high]
    stripped = code.strip()
    if not stripped:
        return low, low
    begin = low + len(code) - len(code.lstrip())
    return begin, begin + len(stripped)


# --- suppressions ------------------------------------------------------------------------------


def suppressions(lexed: Lexed, positions: Positions, path: str) -> tuple[Suppression, ...]:
    """``-- dsql-scan: ignore[SQL001,SQL004] reason``: its own line, or the next if alone."""
    found = []
    for comment in lexed.comments:
        match = _SUPPRESSION.match(comment.text)
        if match is None:
            continue
        rules = tuple(r.strip().upper() for r in match.group(1).split(",") if r.strip())
        if not rules:
            continue
        location = positions.location(path, comment.start, comment.end)
        last = location.line + 1 if comment.own_line else location.line
        found.append(
            Suppression(rules, match.group(2).strip(), location, lines=(location.line, last))
        )
    return tuple(found)


# --- from reports to facts ---------------------------------------------------------------------


def diagnostics(
    text: str, lexed: Lexed, positions: Positions, path: str, report: Report
) -> tuple[SqlDiagnostic, ...]:
    located = []
    for diagnostic in report.diagnostics:
        start, end = region(text, lexed, positions, diagnostic)
        located.append(
            SqlDiagnostic(
                rule=diagnostic.rule,
                message=diagnostic.message,
                location=positions.location(path, start, end),
                suggestion=diagnostic.suggestion,
                status=diagnostic.status,
            )
        )
    return tuple(sorted(located, key=lambda d: (d.location, d.rule, d.message)))


def context_lines(text: str) -> list[str]:
    """Source lines as dsql-lint counts them: split on ``\\n`` only (a form feed is no line)."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def extract(text: str, path: str, report: Report) -> tuple[FileFacts, tuple[Suppression, ...]]:
    """Facts and suppressions of one linted ``.sql`` file. ``report.error`` is the caller's."""
    lexed = lex(text)
    positions = Positions(text, ())
    facts = FileFacts(
        kind="sql",
        path=path,
        sql_diagnostics=diagnostics(text, lexed, positions, path, report),
    )
    return facts, suppressions(lexed, positions, path)


def failure(report: Report) -> ParseFailure | None:
    """A file dsql-lint could not lint at all is SCAN001, like any unparseable input."""
    return ParseFailure(f"dsql-lint could not check it: {report.error}") if report.error else None


# --- SQL embedded in Python --------------------------------------------------------------------


def normalize_placeholders(text: str) -> str:
    """Driver parameters dsql-lint cannot parse -> ``$1``, keeping every offset and line.

    psycopg and pg8000 write ``%s`` and ``%(name)s`` (and ``%%`` for a literal ``%``);
    asyncpg's ``$1`` and SQLAlchemy's ``:name`` already parse.
    """

    def same_length(match: re.Match[str]) -> str:
        token = match.group()
        return "% " if token == "%%" else "$1".ljust(len(token))

    return _PLACEHOLDER.sub(same_length, text)


@dataclass(frozen=True)
class SnippetResult:
    """One snippet's diagnostics and in-SQL suppressions, located in the file; or why not."""

    diagnostics: tuple[SqlDiagnostic, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    error: str = ""


def _snippet_result(snippet: SqlSnippet, text: str, report: Report) -> SnippetResult:
    if report.error:
        return SnippetResult(error=report.error)
    segments = snippet.segments or (SqlSegment(0, snippet.location.line, snippet.location.column),)
    positions = Positions(text, segments)
    lexed = lex(text)
    path = snippet.location.path
    found = diagnostics(text, lexed, positions, path, report)
    if snippet.interpolated:  # the stand-ins, not the program, may be what failed to parse
        found = tuple(d for d in found if d.rule != "parse_error")
    return SnippetResult(found, suppressions(lexed, positions, path))


def lint_snippets(snippets: Sequence[SqlSnippet]) -> tuple[SnippetResult, ...]:
    """Lint many snippets in one dsql-lint run, each located back in its file.

    Each snippet is linted on its own (a ``BEGIN`` in one ``execute`` call does not open a
    transaction for the next). Raises LinterMissing.
    """
    texts = [normalize_placeholders(snippet.text) for snippet in snippets]
    reports = lint(texts)
    return tuple(
        _snippet_result(snippet, text, report)
        for snippet, text, report in zip(snippets, texts, reports, strict=True)
    )


@dataclass(frozen=True)
class EmbeddedSql:
    """What linting a Python file's SQL adds to its analysis."""

    facts: FileFacts
    raw: tuple[RawFinding, ...] = ()  # SCAN001 for a snippet dsql-lint could not lint
    suppressions: tuple[Suppression, ...] = ()
    notices: tuple[Notice, ...] = field(default=())


def lint_embedded(facts: FileFacts) -> EmbeddedSql:
    """Lint ``facts.sql`` and return the facts with their ``sql_diagnostics`` filled in."""
    if not facts.sql:
        return EmbeddedSql(facts)
    try:
        results = lint_snippets(facts.sql)
    except LinterMissing as missing:
        return EmbeddedSql(facts, notices=(missing_notice(missing.reason),))
    found = tuple(d for result in results for d in result.diagnostics)
    raw = tuple(
        RawFinding("SCAN001", snippet.location, f"cannot lint this SQL: {result.error}")
        for snippet, result in zip(facts.sql, results, strict=True)
        if result.error
    )
    return EmbeddedSql(
        replace(facts, sql_diagnostics=facts.sql_diagnostics + found),
        raw,
        tuple(s for result in results for s in result.suppressions),
    )


def is_sql_rule(rule_id: str) -> bool:
    return rule_id.upper().startswith("SQL")


def checkable(suppressions: Iterable[Suppression], linted: bool) -> tuple[Suppression, ...]:
    """Without dsql-lint, a suppression of SQL rules cannot match: keep it out of SCAN002."""
    if linted:
        return tuple(suppressions)
    return tuple(s for s in suppressions if not all(is_sql_rule(r) for r in s.rules))
