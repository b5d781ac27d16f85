"""Text: ``path:line:col: RULE severity message``, the source line with a caret, a fix hint.

Modelled on ruff's and rustc's output. Colour only when asked (the CLI asks on a TTY without
NO_COLOR), so piped output and files stay plain. This report is what every CI log shows, so each
value taken from a scanned file goes through :mod:`scanner.reporters.escaping`: it stays on its
line, carries no terminal control, and a line never starts with one (a path that could start a
workflow command is written ``./path``).
"""

from __future__ import annotations

from typing import Any

from scanner.gate.mask import excerpt_column
from scanner.model import Finding, Severity
from scanner.reporters.escaping import escape_line, leading
from scanner.reporters.summary import not_read_phrase, summarize
from scanner.results import UNREAD, ScanResult

COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.NOTE: "36"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def _caret(finding: Finding) -> list[str]:
    """The source line and a caret under the finding's columns, both measured after escaping
    (an escaped control character is several columns wide)."""
    loc = finding.location
    if not finding.context:
        return []
    source = finding.context.replace("\t", " ")
    gutter = f"{loc.line:>5} | "
    width = loc.end_column - loc.column if loc.end_line == loc.line else 0
    column = excerpt_column(finding.context, loc.column)
    width = max(1, min(width, len(source) - column + 1))
    start = column - 1
    offset = len(escape_line(source[:start]))
    width = max(1, len(escape_line(source[start : start + width])))
    marker = " " * (len(gutter) - 2) + "| " + " " * offset + "^" * width
    return [gutter + escape_line(source), marker]


def _details(finding: Finding) -> list[str]:
    loc = finding.location
    where = []
    if loc.stack:
        where.append(f"stack {loc.stack}")
    if loc.resource:
        where.append(f"resource {loc.resource}")
    if loc.construct_path:
        where.append(f"construct {loc.construct_path}")
    if loc.qualified_name:
        where.append(loc.qualified_name)
    lines = []
    if where:
        lines.append("      = " + ", ".join(where))
    if finding.source_path:
        lines.append(f"      = defined at {finding.source_path}:{finding.source_line}")
    if finding.suppressed:
        lines.append(f"      = suppressed: {finding.suppression_reason}")
    if finding.remediation:
        lines.append(f"      = fix: {finding.remediation}")
    return [escape_line(line) for line in lines]


def format_finding(finding: Finding, color: bool = False) -> list[str]:
    loc = finding.location
    label = _paint(finding.severity.label, COLORS[finding.severity], color)
    rule = _paint(finding.rule, "1", color)
    message = escape_line(finding.message)
    head = f"{leading(loc.path)}:{loc.line}:{loc.column}: {rule} {label} {message}"
    if finding.suppressed:
        head += " [suppressed]"
    return [head, *_caret(finding), *_details(finding), ""]


def summary_lines(result: ScanResult, color: bool = False) -> list[str]:
    summary = summarize(result)
    counts = ", ".join(f"{n} {label}" for label, n in summary["by_severity"].items() if n)
    lines = []
    if summary["findings"]:
        lines.append(f"Found {summary['findings']} finding(s) ({counts}).")
        lines.extend(f"  {rule:<8} {n}" for rule, n in summary["by_rule"].items())
    else:
        lines.append("No findings.")
    extra = f", {summary['suppressed']} suppressed" if summary["suppressed"] else ""
    lines.append(f"{summary['files_scanned']} file(s) scanned{extra}{not_read_phrase(summary)}.")
    if result.diff_base:
        lines.append(f"Diff mode: only findings on lines changed since {result.diff_base}.")
    if result.compared is not None:
        base = result.compared
        lines.append(
            f"DynamoDB layer compared with {base.label}: "
            f"{base.tables} table(s) there, {base.added} new here."
        )
    lines = [escape_line(line) for line in lines]
    label = _paint("note", COLORS[Severity.NOTE], color)
    for notice in result.notices:
        lines.append(f"{label}: {escape_line(notice.message)} ({notice.files} file(s))")
        lines.extend([f"      = {escape_line(notice.hint)}"] if notice.hint else [])
    for open_question in result.undecided:
        where = f"{open_question.location.path}:{open_question.location.line}"
        lines.append(
            f"{label}: {open_question.rule} could not decide at {escape_line(where)}: "
            f"{escape_line(open_question.message)}"
        )
    return lines


def baseline_lines(result: ScanResult) -> list[str]:
    """Baseline entries that hide nothing any more: the baseline can shrink."""
    stale = result.baseline_unmatched
    if not stale:
        return []
    entries = "entry matches" if len(stale) == 1 else "entries match"
    lines = [
        f"{len(stale)} baseline {entries} no finding in {escape_line(result.baseline_file)} "
        "(fixed or changed); shrink it with --write-baseline:"
    ]
    # the entries come from the baseline file, which a pull request can edit
    lines.extend(
        f"  {leading(e.path)}: {escape_line(f'{e.rule} {e.fingerprint} {e.message}')}"
        for e in stale
    )
    return [*lines, ""]


def render(
    result: ScanResult,
    color: bool = False,
    show_suppressed: bool = False,
    verbose: bool = False,
    **_: Any,
) -> str:
    lines: list[str] = []
    for finding in result.findings:
        if finding.suppressed and not show_suppressed:
            continue
        lines.extend(format_finding(finding, color))
    if verbose:
        lines.extend(escape_line(f"skipped {path}: {note}") for path, note in result.skipped)
        unread = (f for f in result.files if f.input == UNREAD)
        lines.extend(escape_line(f"not read {f.path}: {f.note}") for f in unread)
    lines.extend(baseline_lines(result))
    lines.extend(summary_lines(result, color))
    return "\n".join(lines) + "\n"
