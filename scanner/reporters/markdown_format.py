"""Markdown: a compact table for pull-request comments and GitHub job summaries.

Every cell is escaped by :func:`~scanner.reporters.escaping.markdown_text` (pipes would split the
row, ``<`` would start HTML, newlines would end the table, ``@name`` in a pull-request comment
would notify that person, control characters would reach the reader). The table is capped so that
a comment stays below GitHub's size limit; the full list is in the other formats.
"""

from __future__ import annotations

from typing import Any

from scanner.model import Finding
from scanner.reporters.escaping import markdown_text as escape
from scanner.reporters.summary import not_read_phrase, shown, summarize
from scanner.results import ScanResult
from scanner.rules import BY_ID

MAX_ROWS = 200


def _rule_cell(finding: Finding) -> str:
    rule = BY_ID.get(finding.rule)
    label = f"{finding.rule} {escape(finding.name)}"
    return f"[{label}]({rule.help_uri})" if rule else label


def _row(finding: Finding) -> str:
    loc = finding.location
    severity = finding.severity.label
    message = escape(finding.message)
    if finding.suppressed:
        severity = f"suppressed ({severity})"
        message += f" (suppressed: {escape(finding.suppression_reason)})"
    where = escape(f"{loc.path}:{loc.line}")
    if loc.resource:
        where += f" ({escape(loc.resource)})"
    return f"| {severity} | {_rule_cell(finding)} | {where} | {message} |"


def _headline(result: ScanResult, summary: dict[str, Any]) -> str:
    if not summary["findings"]:
        return "### dsql-scan: no findings"
    counts = ", ".join(f"{n} {label}" for label, n in summary["by_severity"].items() if n)
    verdict = "failed" if result.failed else "passed"
    return f"### dsql-scan: {summary['findings']} finding(s) ({counts}), {verdict}"


def _notes(result: ScanResult, summary: dict[str, Any]) -> list[str]:
    notes = [
        f"{summary['files_scanned']} file(s) scanned, {summary['suppressed']} suppressed"
        f"{escape(not_read_phrase(summary))}."
    ]
    if result.diff_base:
        notes.append(f"Only lines changed since {escape(result.diff_base)} are reported.")
    stale = len(result.baseline_unmatched)
    if stale:
        entries = "entry matches" if stale == 1 else "entries match"
        notes.append(
            f"{stale} baseline {entries} nothing in {escape(result.baseline_file)}: "
            "shrink it with --write-baseline."
        )
    return notes


def render(
    result: ScanResult, show_suppressed: bool = False, max_rows: int = MAX_ROWS, **_: Any
) -> str:
    summary = summarize(result)
    findings = shown(result, show_suppressed)
    lines = [_headline(result, summary), ""]
    if findings:
        lines += ["| severity | rule | location | message |", "| --- | --- | --- | --- |"]
        lines += [_row(f) for f in findings[:max_rows]]
        if len(findings) > max_rows:
            lines.append(f"| | | | … and {len(findings) - max_rows} more |")
        lines.append("")
    lines += _notes(result, summary)
    return "\n".join(lines) + "\n"
