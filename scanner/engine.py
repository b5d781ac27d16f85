"""The engine: discover -> analyse each file -> project rules -> findings -> ScanResult.

It knows nothing about output formats. Configuration that only filters (select, ignore,
severity, fail-on) is applied here, after analysis, so cached analyses stay valid across runs
that differ only in those settings.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

from scanner import link, suppress
from scanner.analyze import analyze
from scanner.config import Config
from scanner.discover import discover
from scanner.model import FileAnalysis, Finding, RawFinding, ScanResult, Suppression
from scanner.rules import BY_ID, selected


def fingerprint(raw: RawFinding) -> str:
    """Stable identity of a finding: never the line number, so edits above it do not matter."""
    loc = raw.location
    subject = loc.resource or loc.qualified_name
    material = "\x1f".join((raw.rule, loc.path, subject, loc.pointer, loc.snippet))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:20]


def _finding(raw: RawFinding, config: Config, suppression: Suppression | None) -> Finding:
    rule = BY_ID[raw.rule]
    return Finding(
        rule=rule.id,
        name=rule.name,
        severity=config.severity_for(rule.id, rule.severity),
        message=raw.message,
        location=raw.location,
        fingerprint=fingerprint(raw),
        requirements=rule.requirements,
        remediation=rule.remediation,
        suppressed=suppression is not None,
        suppression_kind="inSource" if suppression is not None else "",
        suppression_reason=suppression.reason if suppression is not None else "",
        context=raw.context,
    )


def _disambiguate(findings: list[Finding]) -> list[Finding]:
    """Identical fingerprints (the same text twice in one file) get a stable ordinal suffix."""
    seen: Counter[str] = Counter()
    out = []
    for finding in sorted(findings, key=lambda f: f.sort_key):
        seen[finding.fingerprint] += 1
        if seen[finding.fingerprint] > 1:
            fp = f"{finding.fingerprint}:{seen[finding.fingerprint]}"
            finding = Finding(**{**finding.__dict__, "fingerprint": fp})
        out.append(finding)
    return out


def findings_of(analyses: Iterable[FileAnalysis], config: Config) -> list[Finding]:
    """Turn every file's raw findings into findings, applying suppressions and selection."""
    enabled = selected(config.select, config.ignore)
    out: list[Finding] = []
    for analysis in analyses:
        outcomes, problems = suppress.apply(
            analysis.raw, analysis.suppressions, config.require_reason
        )
        pairs = [(o.finding, o.suppression) for o in outcomes] + [(p, None) for p in problems]
        out.extend(_finding(raw, config, sup) for raw, sup in pairs if raw.rule in enabled)
    return _disambiguate(out)


def scan(paths: tuple[str, ...], config: Config) -> ScanResult:
    """Run a whole scan. Raises ConfigError for usage problems (missing path, unknown rule)."""
    enabled = selected(config.select, config.ignore)
    candidates = discover(paths, config)
    analyses = tuple(analyze(candidate, config) for candidate in candidates)
    findings = link.link(findings_of(analyses, config), analyses)
    skipped = tuple((a.path, a.note) for a in analyses if a.kind == "skipped")
    return ScanResult(
        findings=tuple(findings),
        files=analyses,
        root=str(config.root),
        fail_on=config.fail_on,
        rules_run=tuple(sorted(enabled)),
        skipped=skipped,
    )
