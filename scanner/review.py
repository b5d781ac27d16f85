"""The migration review as data: what was scanned, with which rules and settings, what it proves.

Built from the same :class:`~scanner.model.ScanResult` every reporter renders, plus the facts a
scan does not know (git, reviewer, date). The templates only lay this model out; every judgement
(which requirement passes, what the digests cover) is made here, so Markdown and HTML can never
disagree and ``verify`` can recompute the digests with the same functions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.config import Config
from scanner.gitinfo import NOT_A_REPOSITORY, GitFacts
from scanner.model import FileAnalysis, Finding, ScanResult, Severity
from scanner.rules import ALL_RULES, RULESET_VERSION
from scanner.rules.base import Rule
from scanner.rules.requirements import REQUIREMENTS, Requirement

PASS, FAIL, NOT_EVIDENCED = "pass", "fail", "not evidenced"
TEMPLATE_KIND = "cfn"
KIND_NAMES = {
    "cfn": "CloudFormation template",
    "cdk": "CDK source",
    "app": "application code",
    "sql": "SQL",
    "project": "project",
}


NONE_MEANS = {"fail_on": "never"}  # settings where "not set" has a name of its own


class ReviewError(ValueError):
    """A problem with the review's own inputs (an invalid SOURCE_DATE_EPOCH): exit code 2."""


@dataclass(frozen=True)
class ScannedFile:
    """One file of the scope. ``kind`` is the input kind it was analysed as, or ``skipped``."""

    path: str
    sha256: str
    kind: str
    note: str = ""


@dataclass(frozen=True)
class RuleRow:
    """A rule of the rule set as this run applied it (severity after overrides)."""

    rule: Rule
    severity: str
    enabled: bool


@dataclass(frozen=True)
class MatrixRow:
    """One requirement of the traceability matrix and the findings that decide it."""

    requirement: Requirement
    rules: tuple[str, ...]
    status: str
    explanation: str
    findings: tuple[Finding, ...] = ()

    @property
    def remediations(self) -> tuple[tuple[str, str, str], ...]:
        """(rule id, rule name, remediation) once per rule among the findings."""
        seen: dict[str, tuple[str, str, str]] = {}
        for finding in self.findings:
            seen.setdefault(finding.rule, (finding.rule, finding.name, finding.remediation))
        return tuple(seen[k] for k in sorted(seen))


@dataclass(frozen=True)
class ReviewModel:
    """Everything the review document shows and embeds."""

    repository: str
    commit: str
    dirty: bool
    root: str
    paths: tuple[str, ...]
    files: tuple[ScannedFile, ...]
    # (path, why) of what the scan did not read: directories (ending in "/") it did not enter,
    # links that leave the root, FIFOs. A scope that shrinks says so in the document.
    left_out: tuple[tuple[str, str], ...]
    rules: tuple[RuleRow, ...]
    config: tuple[tuple[str, str], ...]
    config_source: str
    options: dict[str, Any]
    matrix: tuple[MatrixRow, ...]
    other_findings: tuple[Finding, ...]
    suppressed: tuple[Finding, ...]
    findings: tuple[Finding, ...]
    fail_on: str
    verdict: str
    verdict_reason: str
    reviewer: str
    date: str
    scope_digest: str
    result_digest: str
    config_digest: str
    tool_version: str = __version__
    ruleset_version: str = RULESET_VERSION
    signing_key: str = ""

    @property
    def in_repository(self) -> bool:
        return self.repository != NOT_A_REPOSITORY

    @property
    def analysed(self) -> int:
        return sum(1 for f in self.files if f.kind != "skipped")

    @property
    def active(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.suppressed)

    @property
    def counts(self) -> dict[str, int]:
        """Matrix rows per status, in display order."""
        return {
            s: sum(1 for r in self.matrix if r.status == s) for s in (PASS, FAIL, NOT_EVIDENCED)
        }

    @property
    def signer_identity(self) -> str:
        """The principal a signature is checked against: the reviewer's e-mail, else the name."""
        return signer_identity(self.reviewer)

    def record(self) -> dict[str, Any]:
        """The machine-readable block ``verify`` reads back (without the document digest)."""
        return {
            "dsql-scan-review": 1,
            "tool": {"name": "dsql-scan", "version": self.tool_version},
            "ruleset": self.ruleset_version,
            "root": self.root,
            "paths": list(self.paths),
            "options": self.options,
            "repository": self.repository,
            "commit": self.commit,
            "dirty": self.dirty,
            "reviewer": self.reviewer,
            "date": self.date,
            "verdict": self.verdict,
            "config": dict(self.config),
            "config_digest": self.config_digest,
            "scope_digest": self.scope_digest,
            "result_digest": self.result_digest,
            "files": {f.path: f.sha256 for f in self.files},
            "findings": [finding_record(f) for f in self.findings],
        }


def signer_identity(reviewer: str) -> str:
    """``Jane Doe <jane@example.com>`` -> ``jane@example.com``: the allowed_signers principal."""
    if "<" in reviewer and reviewer.rstrip().endswith(">"):
        return reviewer[reviewer.rindex("<") + 1 : reviewer.rstrip().rindex(">")].strip()
    return reviewer.strip()


def _sha256(lines: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
    return "sha256:" + digest.hexdigest()


def scanned_files(analyses: Iterable[FileAnalysis]) -> tuple[ScannedFile, ...]:
    """Every file discovery found, analysed or skipped: the scope a review speaks for."""
    out = []
    for analysis in analyses:
        if analysis.kind == "skipped":
            kind = "skipped"
        elif analysis.facts is not None:
            kind = analysis.facts.kind
        else:
            kind = TEMPLATE_KIND if analysis.kind == "template" else analysis.kind
        out.append(ScannedFile(analysis.path, analysis.sha256, kind, analysis.note))
    return tuple(sorted(out, key=lambda f: f.path))


def scope_digest(files: dict[str, str]) -> str:
    """sha256 over ``<sha256>  <path>\\n`` lines sorted by path (``sha256sum`` output format)."""
    return _sha256(f"{sha}  {path}\n" for path, sha in sorted(files.items()))


def finding_record(finding: Finding) -> dict[str, Any]:
    """What the embedded block keeps of a finding: enough to name it when it is resolved."""
    return {
        "fingerprint": finding.fingerprint,
        "rule": finding.rule,
        "severity": finding.severity.label,
        "suppressed": finding.suppressed,
        "path": finding.location.path,
        "line": finding.location.line,
    }


def result_digest(records: Iterable[dict[str, Any]]) -> str:
    """sha256 over sorted ``fingerprint rule severity state`` lines of every finding.

    Line numbers are left out on purpose: fingerprints already survive unrelated edits, and a
    moved line is a scope change (the file digest), not a different result.
    """
    lines = sorted(
        f"{r['fingerprint']} {r['rule']} {r['severity']} "
        f"{'suppressed' if r['suppressed'] else 'active'}\n"
        for r in records
    )
    return _sha256(lines)


def _plain(value: Any) -> Any:
    """Configuration values as JSON-able, order-stable plain data."""
    if isinstance(value, Severity):
        return value.label
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _show(value: Any) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if value and all(isinstance(v, list) and len(v) == 2 for v in value):
            return ", ".join(f"{k} = {v}" for k, v in value)
        return ", ".join(str(v) for v in value) if value else "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{k} = {_show(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:g}"  # seconds as the user writes them: 30, 2.5
    return str(value)


def config_rows(config: Config) -> tuple[tuple[str, str], ...]:
    """Every setting of the effective configuration, kebab-case, as the user would write it.

    Derived from the dataclass fields, so settings added later appear without editing this.
    The root and the file it came from are shown in the scope, not here (they are local paths).
    """
    rows = []
    for item in fields(config):
        if item.name in ("root", "source"):
            continue
        value = getattr(config, item.name)
        plain = _plain(asdict(value) if hasattr(value, "__dataclass_fields__") else value)
        if isinstance(plain, dict):
            rows.extend(
                (f"{item.name}.{key}".replace("_", "-"), _show(sub)) for key, sub in plain.items()
            )
        else:
            shown = NONE_MEANS.get(item.name, "(none)") if plain is None else _show(plain)
            rows.append((item.name.replace("_", "-"), shown))
    return tuple(rows)


def config_digest(rows: tuple[tuple[str, str], ...]) -> str:
    return _sha256(json.dumps(rows, separators=(",", ":")))


def input_kinds(files: Iterable[ScannedFile]) -> frozenset[str]:
    return frozenset(f.kind for f in files if f.kind != "skipped")


def _kinds_text(kinds: Iterable[str]) -> str:
    names = [KIND_NAMES.get(k, k) for k in kinds]
    return " or ".join(names) if names else "input"


def _in_scope(rule: Rule, kinds: frozenset[str]) -> bool:
    """A file rule needs a file of one of its kinds; a project rule judges whatever is there."""
    return rule.is_project_rule or "project" in rule.kinds or bool(set(rule.kinds) & kinds)


def _judge(
    requirement: Requirement,
    rules: tuple[Rule, ...],
    kinds: frozenset[str],
    findings: tuple[Finding, ...],
    failing: tuple[Finding, ...],
) -> tuple[str, str]:
    """(status, one-line explanation) of one requirement."""
    ids = ", ".join(r.id for r in rules)
    if failing:
        by_rule = sorted({f.rule for f in failing})
        return FAIL, f"{len(failing)} finding(s) of {', '.join(by_rule)} contradict it"
    if requirement.runtime:
        checked = f"; {ids} found nothing against it" if rules else ""
        return NOT_EVIDENCED, f"not evidenced by static analysis: {requirement.runtime}{checked}"
    if not rules:
        return NOT_EVIDENCED, "not evidenced by static analysis: no enabled rule evidences it"
    needed = requirement.needs
    if (needed and not kinds & set(needed)) or not kinds:
        hint = f" ({requirement.missing})" if requirement.missing else ""
        return NOT_EVIDENCED, (
            f"not evidenced by static analysis: no {_kinds_text(needed)} in scope{hint}"
        )
    in_scope = [r.id for r in rules if _in_scope(r, kinds)]
    if not in_scope:
        wanted = sorted({k for r in rules for k in r.kinds})
        return NOT_EVIDENCED, (
            f"not evidenced by static analysis: none of {ids} had {_kinds_text(wanted)} in scope"
        )
    note = ""
    if findings:
        note = f"; {len(findings)} finding(s) below the fail-on level or suppressed"
    return PASS, f"{', '.join(in_scope)} found nothing at or above the fail-on level{note}"


def matrix(
    result: ScanResult, kinds: frozenset[str], rules: tuple[Rule, ...] = ALL_RULES
) -> tuple[MatrixRow, ...]:
    """The traceability matrix: each requirement -> enabled rules -> status."""
    enabled = set(result.rules_run)
    rows = []
    for requirement in REQUIREMENTS:
        evidencing = tuple(r for r in rules if requirement.id in r.requirements and r.id in enabled)
        findings = tuple(f for f in result.findings if requirement.id in f.requirements)
        active = tuple(f for f in findings if not f.suppressed)
        failing = tuple(
            f for f in active if result.fail_on is not None and f.severity >= result.fail_on
        )
        status, explanation = _judge(requirement, evidencing, kinds, findings, failing)
        rows.append(
            MatrixRow(requirement, tuple(r.id for r in evidencing), status, explanation, active)
        )
    return tuple(rows)


def verdict_of(result: ScanResult) -> str:
    """PASS or FAIL: the same decision as the exit code of ``dsql-scan scan``."""
    return "FAIL" if result.failed else "PASS"


def _verdict(result: ScanResult, rows: tuple[MatrixRow, ...]) -> tuple[str, str]:
    active = result.active
    threshold = result.fail_on.label if result.fail_on is not None else "never"
    open_rows = [r.requirement.id for r in rows if r.status == NOT_EVIDENCED]
    pending = f"; {', '.join(open_rows)} need evidence beyond static analysis" if open_rows else ""
    if verdict_of(result) == "FAIL":
        failing = [r.requirement.id for r in rows if r.status == FAIL]
        return "FAIL", (
            f"{len(active)} unsuppressed finding(s), at least one at or above the fail-on level "
            f"({threshold}); failing: {', '.join(failing) or 'findings outside the spec'}{pending}"
        )
    return "PASS", (f"no unsuppressed finding at or above the fail-on level ({threshold}){pending}")


def review_date(environ: dict[str, str]) -> str:
    """UTC ISO-8601 date of the review: SOURCE_DATE_EPOCH when set (reproducible builds)."""
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            moment = datetime.fromtimestamp(int(epoch), tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise ReviewError(f"SOURCE_DATE_EPOCH is not a Unix timestamp: {epoch!r}") from None
    else:
        moment = datetime.now(tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def build(
    result: ScanResult,
    config: Config,
    git: GitFacts,
    *,
    reviewer: str,
    date: str,
    paths: tuple[str, ...] = (),
    options: dict[str, Any] | None = None,
    signing_key: str = "",
) -> ReviewModel:
    """Assemble the review of one scan."""
    files = scanned_files(result.files)
    kinds = input_kinds(files)
    rows = matrix(result, kinds)
    enabled = set(result.rules_run)
    settings = config_rows(config)
    findings = tuple(sorted(result.findings, key=lambda f: f.sort_key))
    verdict, reason = _verdict(result, rows)
    source = Path(config.source)
    try:
        config_source = source.resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        config_source = source.name
    return ReviewModel(
        repository=git.repository,
        commit=git.commit,
        dirty=git.dirty,
        root=git.root,
        paths=paths,
        files=files,
        left_out=result.left_out,
        rules=tuple(
            RuleRow(r, config.severity_for(r.id, r.severity).label, r.id in enabled)
            for r in ALL_RULES
        ),
        config=settings,
        config_source=config_source if config.source else "",
        options=dict(sorted((options or {}).items())),
        matrix=rows,
        other_findings=tuple(f for f in findings if not f.requirements and not f.suppressed),
        suppressed=tuple(f for f in findings if f.suppressed),
        findings=findings,
        fail_on=result.fail_on.label if result.fail_on is not None else "never",
        verdict=verdict,
        verdict_reason=reason,
        reviewer=reviewer,
        date=date,
        scope_digest=scope_digest({f.path: f.sha256 for f in files}),
        result_digest=result_digest(finding_record(f) for f in findings),
        config_digest=config_digest(settings),
        signing_key=signing_key,
    )
