"""Baselines: accept the findings a project has today, so that a gate can be strict on new ones.

A baseline is a JSON file with one entry per finding fingerprint. Fingerprints never contain line
numbers (rule, path, logical id or qualified name, JSON pointer, normalised node text), so edits
elsewhere in a file keep its findings baselined, while changing the offending value makes a new
fingerprint and the finding comes back. Matched findings stay in the result, suppressed with kind
``external`` (SARIF's word for a suppression kept outside the source). Entries that match nothing
are reported, so the baseline shrinks as the migration proceeds instead of hiding future findings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scanner.config import ConfigError
from scanner.model import BaselineEntry, Finding
from scanner.results import ScanResult

VERSION = 1
MESSAGE_LIMIT = 120


class BaselineError(ConfigError):
    """An unreadable or malformed baseline file: a usage error (exit 2), named in one line."""


@dataclass(frozen=True)
class Baseline:
    """The accepted findings, as loaded from (or written to) ``path``."""

    path: str
    entries: tuple[BaselineEntry, ...]


def short(message: str) -> str:
    """The human hint stored beside a fingerprint: one line, bounded."""
    text = " ".join(message.split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def entry_of(finding: Finding) -> BaselineEntry:
    loc = finding.location
    return BaselineEntry(finding.fingerprint, finding.rule, loc.path, short(finding.message))


def entries_of(result: ScanResult) -> tuple[BaselineEntry, ...]:
    """What a new baseline records: every finding not suppressed in the source itself."""
    found = {
        f.fingerprint: entry_of(f)
        for f in result.findings
        if not f.suppressed or f.suppression_kind == "external"
    }
    return tuple(sorted(found.values(), key=lambda e: (e.path, e.rule, e.fingerprint)))


def dumps(entries: tuple[BaselineEntry, ...]) -> str:
    """Sorted, no line numbers: regenerating an unchanged baseline changes no byte."""
    document = {
        "version": VERSION,
        "tool": "dsql-scan",
        "findings": [
            {"fingerprint": e.fingerprint, "rule": e.rule, "path": e.path, "message": e.message}
            for e in entries
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write(path: str, result: ScanResult) -> Baseline:
    entries = entries_of(result)
    try:
        Path(path).write_text(dumps(entries), encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"--write-baseline {path}: {exc.strerror or exc}") from None
    return Baseline(path, entries)


def _entry(item: Any, index: int, where: str) -> BaselineEntry:
    if not isinstance(item, dict):
        raise BaselineError(f"{where}: findings[{index}] must be an object")
    values = {}
    for key in ("fingerprint", "rule", "path"):
        value = item.get(key)
        if not isinstance(value, str) or not value:
            raise BaselineError(f"{where}: findings[{index}] needs a string '{key}'")
        values[key] = value
    message = item.get("message", "")
    return BaselineEntry(message=message if isinstance(message, str) else "", **values)


def parse(text: str, where: str) -> tuple[BaselineEntry, ...]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{where}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        raise BaselineError(f"{where}: not a dsql-scan baseline (no 'findings' list)")
    if document.get("version") != VERSION:
        raise BaselineError(f"{where}: unsupported baseline version {document.get('version')!r}")
    return tuple(_entry(item, i, where) for i, item in enumerate(document["findings"]))


def load(path: str) -> Baseline:
    where = f"--baseline {path}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"{where}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise BaselineError(f"{where}: cannot read: {reason}") from None
    return Baseline(path, parse(text, where))


def _stale(entry: BaselineEntry, result: ScanResult, scanned: set[str]) -> bool:
    """An unmatched entry is stale only if this run could have matched it.

    A run over a few files (pre-commit) or with ``--select`` must not call the rest of the
    baseline stale; an entry whose file is gone is stale whatever was scanned.
    """
    if entry.rule not in result.rules_run:
        return False
    return entry.path in scanned or not (Path(result.root) / entry.path).exists()


def apply(result: ScanResult, baseline: Baseline) -> ScanResult:
    """Suppress (kind ``external``) the findings the baseline accepts; list entries left over."""
    accepted = {e.fingerprint for e in baseline.entries}
    matched: set[str] = set()
    findings = []
    for finding in result.findings:
        if not finding.suppressed and finding.fingerprint in accepted:
            matched.add(finding.fingerprint)
            finding = replace(
                finding,
                suppressed=True,
                suppression_kind="external",
                suppression_reason=f"accepted in baseline {baseline.path}",
            )
        findings.append(finding)
    scanned = {analysis.path for analysis in result.files}
    unmatched = tuple(
        e for e in baseline.entries if e.fingerprint not in matched and _stale(e, result, scanned)
    )
    return replace(
        result,
        findings=tuple(findings),
        baseline_file=baseline.path,
        baseline_unmatched=unmatched,
    )
