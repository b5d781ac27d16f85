"""JSON: the documented machine format (``version: 1``). Sorted, byte-identical across runs."""

from __future__ import annotations

import json
from typing import Any

from scanner import __version__
from scanner.model import Finding
from scanner.reporters.escaping import escape_json
from scanner.reporters.summary import summarize
from scanner.results import ScanResult
from scanner.rules import RULESET_VERSION

OPTIONAL = ("resource", "pointer", "construct_path", "qualified_name", "stack")


def finding_dict(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    item: dict[str, Any] = {
        "rule": finding.rule,
        "name": finding.name,
        "severity": finding.severity.label,
        "message": finding.message,
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
        "fingerprint": finding.fingerprint,
        "requirements": list(finding.requirements),
        "suppressed": finding.suppressed,
    }
    for key in OPTIONAL:
        value = getattr(loc, key)
        if value:
            item[key] = value
    if finding.source_path:
        item["source_path"] = finding.source_path
        item["source_line"] = finding.source_line
    if finding.suppressed:
        item["suppression"] = {
            "kind": finding.suppression_kind,
            "reason": finding.suppression_reason,
        }
    return item


def render(result: ScanResult, show_suppressed: bool = False, **_: Any) -> str:
    shown = [f for f in result.findings if show_suppressed or not f.suppressed]
    document = {
        "version": 1,
        "tool": {"name": "dsql-scan", "version": __version__, "ruleset": RULESET_VERSION},
        "findings": [finding_dict(f) for f in shown],
        "summary": summarize(result),
    }
    text = json.dumps(document, indent=2, sort_keys=False, ensure_ascii=False)
    return escape_json(text) + "\n"
