"""Counts every format reports the same way (by severity, by rule, files, verdict)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from scanner.model import ScanResult, Severity


def summarize(result: ScanResult) -> dict[str, Any]:
    active = result.active
    by_severity = Counter(f.severity.label for f in active)
    return {
        "files_scanned": sum(1 for f in result.files if f.kind != "skipped"),
        "files_skipped": len(result.skipped),
        "findings": len(active),
        "suppressed": len(result.findings) - len(active),
        "by_severity": {s.label: by_severity.get(s.label, 0) for s in reversed(Severity)},
        "by_rule": dict(sorted(Counter(f.rule for f in active).items())),
        "failed": result.failed,
        "notices": [
            {"id": n.id, "message": n.message, "hint": n.hint, "files": n.files}
            for n in result.notices
        ],
    }
