"""Counts every format reports the same way (by severity, by rule, files, verdict)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from scanner.model import Finding, Severity
from scanner.pipeline.discover import language_of
from scanner.results import NOT_ANALYSED, SKIPPED, UNREAD, ScanResult


def summarize(result: ScanResult) -> dict[str, Any]:
    active = result.active
    by_severity = Counter(f.severity.label for f in active)
    return {
        "files_scanned": sum(1 for f in result.files if f.input not in NOT_ANALYSED),
        "files_skipped": sum(1 for f in result.files if f.input == SKIPPED)
        + sum(1 for path, _ in result.left_out if not path.endswith("/")),
        "files_not_read": not_read(result),
        "findings": len(active),
        "suppressed": len(result.findings) - len(active),
        "by_severity": {s.label: by_severity.get(s.label, 0) for s in reversed(Severity)},
        "by_rule": dict(sorted(Counter(f.rule for f in active).items())),
        "failed": result.failed,
        **_gate(result),
        "notices": [
            {"id": n.id, "message": n.message, "hint": n.hint, "files": n.files}
            for n in result.notices
        ],
        "undecided": [
            {
                "rule": u.rule,
                "path": u.location.path,
                "line": u.location.line,
                "column": u.location.column,
                "message": u.message,
            }
            for u in result.undecided
        ],
    }


def not_read(result: ScanResult) -> dict[str, int]:
    """Files in scope that were not read at all, by language (sorted): no finding can come from
    them, so every report says how many there are."""
    counts = Counter(language_of(f.path) for f in result.files if f.input == UNREAD)
    return dict(sorted(counts.items()))


def not_read_phrase(summary: dict[str, Any]) -> str:
    """ "; 4 not read (TypeScript 3, Go 1; see --verbose)", or "" when every file was read."""
    counts = summary["files_not_read"]
    if not counts:
        return ""
    languages = ", ".join(f"{language} {n}" for language, n in counts.items())
    return f"; {sum(counts.values())} not read ({languages}; see --verbose)"


def shown(result: ScanResult, show_suppressed: bool = False) -> tuple[Finding, ...]:
    """The findings a report lists: active ones, plus suppressed ones when asked for."""
    return tuple(f for f in result.findings if show_suppressed or not f.suppressed)


def _gate(result: ScanResult) -> dict[str, Any]:
    """Baseline and diff-mode facts, present only when those modes were used."""
    extra: dict[str, Any] = {}
    if result.baseline_file:
        extra["baseline"] = {
            "file": result.baseline_file,
            "matched": sum(1 for f in result.findings if f.suppression_kind == "external"),
            "unmatched": [
                {"fingerprint": e.fingerprint, "rule": e.rule, "path": e.path, "message": e.message}
                for e in result.baseline_unmatched
            ],
        }
    if result.diff_base:
        extra["diff_base"] = result.diff_base
    return extra
