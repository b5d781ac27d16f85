"""The migration review as data: what was scanned, with which rules and settings, what it proves.

Built from the same :class:`~scanner.results.ScanResult` every reporter renders, plus the facts a
scan does not know (git, reviewer, date). The templates only lay this model out; every judgement
(which requirement passes, what the digests cover) is made here, so Markdown and HTML can never
disagree and ``verify`` can recompute the digests with the same functions.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from scanner import __version__, inputs
from scanner.config import Config
from scanner.model import Finding, Kind, RawFinding, Severity
from scanner.pipeline.discover import IAC_LANGUAGES, UNSUPPORTED, language_of
from scanner.results import NOT_ANALYSED, SKIPPED, UNREAD, Compared, FileAnalysis, ScanResult
from scanner.review import evidence as testresults
from scanner.review.catalogue import Catalogue, default, kinds_text, rule_span
from scanner.review.gitinfo import GitFacts
from scanner.review.provenance import describe
from scanner.rules import ALL_RULES, RULESET_VERSION, matching, selected
from scanner.rules.base import Rule
from scanner.rules.requirements import INFRA, Requirement

# A requirement's states. Only PASS means "every rule that evidences it ran and found nothing".
PASS, ACCEPTED, FAIL, NOT_EVIDENCED = "pass", "accepted with exceptions", "fail", "not evidenced"
STATUSES = (PASS, ACCEPTED, FAIL, NOT_EVIDENCED)
# The review's verdicts; ``review`` exits 0 only for the passing ones.
VERDICT_PASS, VERDICT_EXCEPTIONS = "PASS", "PASS WITH EXCEPTIONS"
VERDICT_NOT_EVIDENCED, VERDICT_FAIL = "NOT EVIDENCED", "FAIL"
PASSING = (VERDICT_PASS, VERDICT_EXCEPTIONS)
NOT_STATIC = "not evidenced by static analysis: "
NOTHING_ANALYSED = "nothing in scope was analysed"
NO_REASON = "no reason given"
SQL_LINTER_MISSING = "sql-linter-missing"  # the notice of scanner.inputs.sql.lint
STATES = {SKIPPED: "skipped", UNREAD: "not read"}
STATE_ORDER = ("analysed", "not read", "skipped")


NONE_MEANS = {"fail_on": "never"}  # settings where "not set" has a name of its own
# Config fields that are no setting of the judgement: local paths (shown in the scope), what
# ``verify`` demands of the document itself, and ``preview`` (a review never reads preview input).
NOT_RECORDED = frozenset({"root", "source", "require_signature", "preview"})


class ReviewError(ValueError):
    """A problem with the review's own inputs (an invalid SOURCE_DATE_EPOCH): exit code 2."""


@dataclass(frozen=True)
class ScannedFile:
    """One file of the scope. ``kind`` is the input kind it was analysed as, or ``skipped``
    (read, not an input) or ``unread`` (not read at all: ``note`` says why)."""

    path: str
    sha256: str
    kind: str
    note: str = ""

    @property
    def state(self) -> str:
        """What happened to it: ``analysed``, ``not read`` or ``skipped``."""
        return STATES.get(self.kind, "analysed")

    @property
    def language(self) -> str:
        return language_of(self.path)

    @property
    def unsupported(self) -> bool:
        """Not read because dsql-scan reads no file of its language."""
        return self.kind == UNREAD and self.note.startswith(UNSUPPORTED)


@dataclass(frozen=True)
class Unchecked:
    """Input in scope that no rule judged, so a clean result says nothing about it.

    ``languages`` counts the source files of languages dsql-scan does not read; ``sql`` the
    files whose SQL dsql-lint could not check, and ``sql_reason`` why.
    """

    languages: tuple[tuple[str, int], ...] = ()
    sql: int = 0
    sql_reason: str = ""

    def of(self, wanted: frozenset[str] | None = None) -> tuple[tuple[str, int], ...]:
        """The unread languages (all, or those in ``wanted``) with their counts."""
        return tuple((lang, n) for lang, n in self.languages if wanted is None or lang in wanted)


def unchecked(files: Iterable[ScannedFile], notices: Iterable[Any] = ()) -> Unchecked:
    """What a scan could not read, from its scope (unsupported languages, ``.sql`` files not
    read) and its notices (SQL in application code that dsql-lint could not check)."""
    files = tuple(files)
    counts = Counter(f.language for f in files if f.unsupported)
    sql_files = [f for f in files if f.kind == UNREAD and not f.unsupported]
    missing = next((n for n in notices if n.id == SQL_LINTER_MISSING), None)
    reason = f"{missing.message}; {missing.hint}" if missing is not None else ""
    return Unchecked(
        languages=tuple(sorted(counts.items())),
        sql=len(sql_files) + (missing.files if missing is not None else 0),
        sql_reason=reason or (f"SQL was not checked: {sql_files[0].note}" if sql_files else ""),
    )


def _counted(languages: tuple[tuple[str, int], ...]) -> str:
    return ", ".join(f"{n} {lang}" for lang, n in languages)


def unread_gap(
    requirement: Requirement,
    rules: Iterable[Rule],
    gaps: Unchecked,
    compared: Compared | None = None,
) -> str:
    """Why input that was not read keeps ``requirement`` from being evidenced, or "".

    A requirement about the whole code or the application ("no Aurora RDS reference remains",
    the health check) could be contradicted by any unread source file; one about the
    infrastructure by unread files of a language IaC is written in (CDK in TypeScript,
    Terraform, ...); one that SQL rules evidence by SQL that dsql-lint could not check.
    """
    if not static(requirement, compared):  # not evidenced statically whatever was read
        return ""
    needs = set(requirement.needs)
    # application code can be in any language; infrastructure only in the languages IaC is in
    anything = not needs or Kind.APP in needs
    wanted = None if anything else IAC_LANGUAGES if needs & set(INFRA) else frozenset()
    unread = gaps.of(wanted)
    if unread:
        return (
            f"not evidenced: {sum(n for _, n in unread)} file(s) in scope were not read "
            f"({_counted(unread)}: {UNSUPPORTED}); review them by hand"
        )
    if gaps.sql and any(Kind.SQL in rule.kinds for rule in rules):
        return f"not evidenced: {gaps.sql_reason} ({gaps.sql} file(s))"
    return ""


@dataclass(frozen=True)
class RuleRow:
    """A rule of the rule set as this run applied it (severity after overrides)."""

    rule: Rule
    severity: str
    enabled: bool
    requirements: tuple[str, ...] = ()  # the catalogue's requirements it evidences


@dataclass(frozen=True)
class Disabled:
    """Rules of the rule set this run did not apply, who turned them off, and why.

    ``selector`` is the ``ignore`` entry (``DSQL011``, ``RDS``), or ``not selected`` for the
    rules a ``select`` leaves out; ``by`` names the setting and where it was made; ``reason`` is
    the one the configuration gives ("" when none was given: the review flags it).
    """

    selector: str
    rules: tuple[str, ...]
    by: str
    reason: str = ""

    @property
    def span(self) -> str:
        """The rules as ranges (``RDS001-RDS011``): a ``select`` can leave out a hundred."""
        return rule_span(self.rules)


def counted(number: int, noun: str) -> str:
    """``1 rule``, ``3 rules``: the short evidence summaries of the matrix and the scope."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def remediations(findings: Iterable[Finding]) -> tuple[tuple[str, str, str], ...]:
    """(rule id, rule name, remediation) once per rule among the findings, by rule id.

    A rule that fired forty times needs its fix explained once, not forty times.
    """
    seen: dict[str, tuple[str, str, str]] = {}
    for finding in findings:
        seen.setdefault(finding.rule, (finding.rule, finding.name, finding.remediation))
    return tuple(seen[k] for k in sorted(seen))


@dataclass(frozen=True)
class MatrixRow:
    """One requirement of the traceability matrix and the findings that decide it.

    ``findings`` are its unsuppressed findings; ``exceptions`` the suppressed ones that would
    have failed it, each with the reason given where it was suppressed.
    """

    requirement: Requirement
    rules: tuple[str, ...]
    status: str
    explanation: str
    findings: tuple[Finding, ...] = ()
    exceptions: tuple[Finding, ...] = ()
    disabled: tuple[str, ...] = ()
    unread: bool = False  # not evidenced because input in scope was not read or checked
    results: tuple[str, ...] = ()  # the JUnit files that judged it (review --evidence)

    @property
    def evidence(self) -> str:
        """How much evidence stands behind the status, as counts: the ids are in the appendix,
        a cell of seventy rule ids is not something a reviewer reads."""
        counts = f"{counted(len(self.rules), 'rule')}, {counted(len(self.findings), 'finding')}"
        return counts + (f", {counted(len(self.results), 'JUnit file')}" if self.results else "")


@dataclass(frozen=True)
class FileFindings:
    """The unsuppressed findings of one file: the review lists each finding once, by file."""

    path: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class ReviewModel:
    """Everything the review document shows and embeds."""

    repository: str
    commit: str
    dirty: bool | None  # None: git could not tell (git_error says why)
    root: str
    paths: tuple[str, ...]
    # what was actually scanned: the recorded paths, else the configured include, else the root
    # ("."). Shown in the scope; the record keeps ``paths`` (verify re-reads the configuration).
    scanned: tuple[str, ...]
    files: tuple[ScannedFile, ...]
    # (path, why) of what the scan did not read: directories (ending in "/") it did not enter,
    # links that leave the root, FIFOs. A scope that shrinks says so in the document.
    left_out: tuple[tuple[str, str], ...]
    rules: tuple[RuleRow, ...]
    config: tuple[tuple[str, str], ...]
    config_source: str
    options: dict[str, Any]
    matrix: tuple[MatrixRow, ...]
    disabled: tuple[Disabled, ...]
    catalogue: str
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
    git_error: str = ""
    in_repository: bool = False
    # tool -> version (None: not installed), as scanner.review.provenance.versions() reports them
    tools: dict[str, str | None] = field(default_factory=dict)
    compared: Compared | None = None  # the git base what must not change was compared with
    evidence: tuple[testresults.Results, ...] = ()  # the test results given with --evidence

    @property
    def judged_by_results(self) -> tuple[MatrixRow, ...]:
        """The matrix rows the runtime evidence judged, in matrix order."""
        return tuple(row for row in self.matrix if row.results)

    @property
    def tools_text(self) -> str:
        """Every tool that judged this review, with its version, as one line."""
        return describe(self.tools)

    @property
    def analysed(self) -> int:
        return sum(1 for f in self.files if f.kind not in NOT_ANALYSED)

    @property
    def languages(self) -> tuple[tuple[str, str], ...]:
        """(language, "3 analysed, 2 skipped") per language of the scope, most files first."""
        by_language: dict[str, Counter[str]] = {}
        for file in self.files:
            by_language.setdefault(file.language, Counter())[file.state] += 1
        ordered = sorted(by_language.items(), key=lambda item: (-item[1].total(), item[0]))
        return tuple(
            (lang, ", ".join(f"{counts[s]} {s}" for s in STATE_ORDER if counts[s]))
            for lang, counts in ordered
        )

    @property
    def active(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.suppressed)

    @property
    def by_file(self) -> tuple[FileFindings, ...]:
        """Unsuppressed findings grouped by file, files and findings in report order."""
        groups: dict[str, list[Finding]] = {}
        for finding in self.active:
            groups.setdefault(finding.location.path, []).append(finding)
        return tuple(FileFindings(path, tuple(found)) for path, found in sorted(groups.items()))

    @property
    def remediations(self) -> tuple[tuple[str, str, str], ...]:
        return remediations(self.active)

    @property
    def counts(self) -> dict[str, int]:
        """Matrix rows per status, in display order; a status not named here follows the
        known ones (in matrix order) rather than vanish from the summary."""
        order = list(STATUSES) + [r.status for r in self.matrix if r.status not in STATUSES]
        return {s: sum(1 for r in self.matrix if r.status == s) for s in dict.fromkeys(order)}

    @property
    def passed(self) -> bool:
        return self.verdict in PASSING

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
            "tools": self.tools,
            "root": self.root,
            "paths": list(self.paths),
            "options": self.options,
            "repository": self.repository,
            "commit": self.commit,
            "dirty": self.dirty,
            "git_error": self.git_error,
            "reviewer": self.reviewer,
            "date": self.date,
            "verdict": self.verdict,
            "requirements": {r.requirement.id: r.status for r in self.matrix},
            "config": dict(self.config),
            "config_digest": self.config_digest,
            "scope_digest": self.scope_digest,
            "result_digest": self.result_digest,
            "files": {f.path: f.sha256 for f in self.files},
            "findings": [finding_record(f) for f in self.findings],
            "evidence": [r.record() for r in self.evidence],
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
        if analysis.input in NOT_ANALYSED:
            kind = analysis.input
        elif analysis.facts is not None:
            kind = analysis.facts.kind
        else:
            kind = _unparsed_kind(analysis.input)
        out.append(ScannedFile(analysis.path, analysis.sha256, kind, analysis.note))
    return tuple(sorted(out, key=lambda f: f.path))


def _unparsed_kind(name: str) -> str:
    """What a file its input could not parse counts as: the one kind of facts its input
    produces (a template is ``cfn``), else the input's name (a Python module that does not
    parse is neither CDK nor application code)."""
    kinds = inputs.named(name).kinds
    return str(kinds[0]) if len(kinds) == 1 else name


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


def config_rows(config: Config, catalogue: Catalogue | None = None) -> tuple[tuple[str, str], ...]:
    """Every setting of the effective configuration, kebab-case, as the user would write it.

    Derived from the dataclass fields, so settings added later appear without editing this.
    The root and the file it came from are shown in the scope, not here (they are local paths).
    ``requirements`` names the catalogue with the digest of its file, so that the configuration
    digest (and ``verify``) changes when the catalogue does.
    """
    rows = []
    for item in fields(config):
        if item.name in NOT_RECORDED:
            continue
        value = getattr(config, item.name)
        plain = _plain(asdict(value) if hasattr(value, "__dataclass_fields__") else value)
        if isinstance(plain, dict):
            rows.extend(
                (f"{item.name}.{key}".replace("_", "-"), _show(sub)) for key, sub in plain.items()
            )
        elif item.name == "requirements":
            rows.append(("requirements", (catalogue or default()).name))
        else:
            shown = NONE_MEANS.get(item.name, "(none)") if plain is None else _show(plain)
            rows.append((item.name.replace("_", "-"), shown))
    return tuple(rows)


def config_digest(rows: tuple[tuple[str, str], ...]) -> str:
    return _sha256(json.dumps(rows, separators=(",", ":")))


def input_kinds(files: Iterable[ScannedFile]) -> frozenset[str]:
    return frozenset(f.kind for f in files if f.kind not in NOT_ANALYSED)


NAMED_RULES = 3  # more rule ids than this in one sentence are counted, not listed


def _named(ids: Iterable[str], listed: str = "in the appendix") -> str:
    """A few rule ids by name; many as a count, with where the document lists them."""
    ids = list(ids)
    if len(ids) <= NAMED_RULES:
        return ", ".join(ids)
    return f"{len(ids)} rules (listed {listed})"


def _in_scope(rule: Rule, kinds: frozenset[str]) -> bool:
    """A file rule needs a file of one of its kinds; a project rule judges whatever is there."""
    return rule.is_project_rule or "project" in rule.kinds or bool(set(rule.kinds) & kinds)


@dataclass(frozen=True)
class Evidence:
    """What the judgement of one requirement reads."""

    rules: tuple[Rule, ...]  # the rules that evidence it and ran
    disabled: tuple[str, ...]  # the rules that evidence it, would read the scope, and did not run
    kinds: frozenset[str]  # the input kinds analysed
    findings: tuple[Finding, ...]  # every finding of its rules
    failing: tuple[Finding, ...]  # unsuppressed, at or above the fail-on level
    excepted: tuple[Finding, ...]  # suppressed, at or above the fail-on level
    unread: str = ""  # why input in scope that was not read or checked withholds evidence
    undecided: tuple[RawFinding, ...] = ()  # what its rules could not decide (unknown values)
    compared: Compared | None = None  # the git base the tree was compared with, if any


def static(requirement: Requirement, compared: Compared | None) -> bool:
    """Can static analysis judge ``requirement`` in this run: always, unless it is a runtime
    requirement (then only one its rules judge against a git base, when there is one)."""
    return not requirement.runtime or (bool(requirement.by_base) and compared is not None)


def _by_base(requirement: Requirement, evidence: Evidence) -> tuple[str, str] | None:
    """The judgement of a requirement judged against the git base, where it differs from the
    others': nothing compared is no evidence, and a clean comparison names what it covers."""
    compared = evidence.compared
    if compared is None or not requirement.by_base or evidence.failing:
        return None
    since = compared.label
    if not compared.tables:
        return NOT_EVIDENCED, f"{NOT_STATIC}no {requirement.by_base} in scope at {since}"
    if evidence.disabled or evidence.unread or evidence.undecided or evidence.excepted:
        return None
    changes = len(evidence.findings)
    if changes:
        return PASS, (
            f"{compared.tables} {requirement.by_base} compared with {since}: {changes} "
            "change(s) below the fail-on level, listed with the findings"
        )
    return PASS, f"{compared.tables} {requirement.by_base} unchanged since {since}"


def _judge(requirement: Requirement, evidence: Evidence) -> tuple[str, str]:
    """(status, one-line explanation) of one requirement.

    The order is the order of harm: a contradiction fails it whatever else is true; then every
    reason the evidence is incomplete makes it not evidenced (a check that adds one is one more
    ``if``); only complete evidence passes, and suppressed contradictions are named as such.
    """
    ids = ", ".join(r.id for r in evidence.rules)
    kinds, needed = evidence.kinds, requirement.needs
    if evidence.failing:
        by_rule = _named(sorted({f.rule for f in evidence.failing}), "with the findings")
        return FAIL, f"{len(evidence.failing)} finding(s) of {by_rule} contradict it"
    if not static(requirement, evidence.compared):
        named = _named(r.id for r in evidence.rules)
        checked = f"; {named} found nothing against it" if ids else ""
        if requirement.by_base:  # its rules judged nothing: they compare with a base
            checked = f"; {named} compare the {requirement.by_base} with a git base: --base REF"
        return NOT_EVIDENCED, f"{NOT_STATIC}{requirement.runtime}{checked}"
    judged = _by_base(requirement, evidence)
    if judged is not None:
        return judged
    if not requirement.rules:
        return NOT_EVIDENCED, f"{NOT_STATIC}no rule evidences it"
    if evidence.disabled:
        return NOT_EVIDENCED, (
            f"{NOT_STATIC}{_named(evidence.disabled, 'under Disabled rules')} disabled by the "
            "configuration or the command line"
        )
    if evidence.unread:
        return NOT_EVIDENCED, evidence.unread
    if evidence.undecided:
        first = evidence.undecided[0]
        more = len(evidence.undecided) - 1
        also = f" (and {more} more place(s))" if more else ""
        return NOT_EVIDENCED, (
            f"{NOT_STATIC}{first.rule} could not decide at {first.location.path}:"
            f"{first.location.line}{also}: {first.message}"
        )
    if not kinds:
        return NOT_EVIDENCED, f"{NOT_STATIC}{NOTHING_ANALYSED}"
    if needed and not kinds & set(needed):
        hint = f" ({requirement.missing})" if requirement.missing else ""
        return NOT_EVIDENCED, f"{NOT_STATIC}no {kinds_text(needed)} in scope{hint}"
    in_scope = [r.id for r in evidence.rules if _in_scope(r, kinds)]
    if not in_scope:
        wanted = sorted({k for r in evidence.rules for k in r.kinds})
        if not ids:
            return NOT_EVIDENCED, f"{NOT_STATIC}none of its rules ran on what is in scope"
        return NOT_EVIDENCED, f"{NOT_STATIC}none of {ids} had {kinds_text(wanted)} in scope"
    checked = _named(in_scope)
    if evidence.excepted:
        by_rule = sorted({f.rule for f in evidence.excepted})
        return ACCEPTED, (
            f"{len(evidence.excepted)} finding(s) of {', '.join(by_rule)} contradict it and are "
            f"suppressed (accepted as exceptions, with the reasons listed); {checked} found "
            "nothing else at or above the fail-on level"
        )
    below = len(evidence.findings)
    note = f"; {below} finding(s) below the fail-on level" if below else ""
    who = _named(in_scope)
    if len(in_scope) > NAMED_RULES and len(in_scope) < len(evidence.rules):
        # the matrix counts every evidencing rule: say why fewer of them judged this scope
        who = (
            f"{len(in_scope)} of its {len(evidence.rules)} rules (the others had no input in scope)"
        )
    return PASS, f"{who} found nothing at or above the fail-on level{note}"


def _at_or_above(finding: Finding, result: ScanResult) -> bool:
    return result.fail_on is not None and finding.severity >= result.fail_on


def matrix(
    result: ScanResult,
    kinds: frozenset[str],
    catalogue: Catalogue | None = None,
    rules: tuple[Rule, ...] = ALL_RULES,
    gaps: Unchecked = Unchecked(),
    results: tuple[testresults.Results, ...] = (),
) -> tuple[MatrixRow, ...]:
    """The traceability matrix: each requirement -> the rules evidencing it -> status."""
    enabled = set(result.rules_run)
    by_id = {r.id: r for r in rules}
    requirements = (catalogue or default(rules)).requirements
    judged = testresults.judge(requirements, results)
    rows = []
    for requirement in requirements:
        findings = tuple(f for f in result.findings if f.rule in requirement.rules)
        active = tuple(f for f in findings if not f.suppressed)
        ran = tuple(by_id[i] for i in requirement.rules if i in enabled and i in by_id)
        evidence = Evidence(
            rules=ran,
            # a disabled rule withholds evidence only if it could have read something in scope
            disabled=tuple(
                i
                for i in requirement.rules
                if i not in enabled and (i not in by_id or _in_scope(by_id[i], kinds))
            ),
            kinds=kinds,
            findings=findings,
            failing=tuple(f for f in active if _at_or_above(f, result)),
            excepted=tuple(f for f in findings if f.suppressed and _at_or_above(f, result)),
            unread=unread_gap(requirement, ran, gaps, result.compared),
            undecided=tuple(u for u in result.undecided if u.rule in requirement.rules),
            compared=result.compared,
        )
        status, explanation = _judge(requirement, evidence)
        found = judged.get(requirement.id)
        status, explanation = _with_results(requirement, status, explanation, found, evidence)
        rows.append(
            MatrixRow(
                requirement,
                tuple(r.id for r in evidence.rules),
                status,
                explanation,
                active,
                evidence.excepted,
                evidence.disabled,
                status == NOT_EVIDENCED and bool(evidence.unread),
                found.files if found else (),
            )
        )
    return tuple(rows)


def _with_results(
    requirement: Requirement,
    status: str,
    explanation: str,
    judged: testresults.Judged | None,
    evidence: Evidence,
) -> tuple[str, str]:
    """The status once the test results given for ``requirement`` are read: they never
    override a failing rule; results that do not hold fail it, results that cannot decide leave
    it not evidenced, and results that hold pass a run-time requirement (with its suppressed
    findings as exceptions). A requirement a scan evidences keeps the status the scan gave it."""
    if judged is None:
        if status == NOT_EVIDENCED and requirement.evidence and requirement.runtime:
            usage = testresults.method(requirement.evidence).usage(requirement.id)
            return status, f"{explanation} (give its test results: --evidence {usage})"
        return status, explanation
    if status == FAIL:
        if judged.holds:
            return status, (
                f"{explanation}; runtime evidence that holds never overrides a finding "
                f"({judged.explanation})"
            )
        return status, f"{explanation}; runtime evidence: {judged.explanation}"
    if judged.holds is False:
        return FAIL, judged.explanation
    if judged.holds is None:
        return NOT_EVIDENCED, f"not evidenced: {judged.explanation}"
    if not requirement.runtime or status in (PASS, ACCEPTED):  # judged statically too
        return status, f"{explanation}; {judged.explanation}"
    if evidence.excepted:
        by_rule = ", ".join(sorted({f.rule for f in evidence.excepted}))
        return ACCEPTED, (
            f"{judged.explanation}; {len(evidence.excepted)} finding(s) of {by_rule} contradict "
            "it and are suppressed (accepted as exceptions, with the reasons listed)"
        )
    return PASS, judged.explanation


def disabled_rules(config: Config, options: dict[str, Any]) -> tuple[Disabled, ...]:
    """Every rule the configuration or the command line turned off, by the setting that did.

    A rule both left out by ``select`` and ignored is listed once, as not selected.
    """
    where = Path(config.source).name if config.source else "the configuration"

    def by(key: str) -> str:
        return f"--{key} on the command line" if key in options else f"{key} in {where}"

    chosen = selected(config.select, (), config.extend_select)
    out = []
    if config.select:
        left = tuple(r.id for r in ALL_RULES if r.id not in chosen)
        if left:
            out.append(
                Disabled("not selected", left, f"{by('select')}: {', '.join(config.select)}")
            )
    reasons = dict(config.ignore_reasons)
    for selector in config.ignore:
        ids = tuple(r.id for r in matching(selector) if r.id in chosen)
        if ids:
            out.append(
                Disabled(selector.strip().upper(), ids, by("ignore"), reasons.get(selector, ""))
            )
    return tuple(out)


def verdict_of(result: ScanResult) -> str:
    """PASS or FAIL of the findings alone: the same decision as the exit code of ``scan``."""
    return VERDICT_FAIL if result.failed else VERDICT_PASS


def _unread_verdict(rows: tuple[MatrixRow, ...], gaps: Unchecked) -> str:
    """What input was not read or checked, when that keeps a requirement unevidenced ("" else)."""
    if not any(row.status == NOT_EVIDENCED and row.unread for row in rows):
        return ""
    parts = []
    if gaps.languages:
        total = sum(n for _, n in gaps.languages)
        parts.append(f"{total} file(s) in scope were not read ({_counted(gaps.languages)})")
    if gaps.sql:
        parts.append(f"SQL in {gaps.sql} file(s) was not checked (dsql-lint could not run)")
    return "; ".join(parts)


def _verdict(
    result: ScanResult, rows: tuple[MatrixRow, ...], analysed: int, gaps: Unchecked = Unchecked()
) -> tuple[str, str]:
    """The overall verdict and why: PASS only on complete evidence that nothing contradicts."""
    active = result.active
    threshold = result.fail_on.label if result.fail_on is not None else "never"
    runtime = [
        r.requirement.id for r in rows if r.status == NOT_EVIDENCED and r.requirement.runtime
    ]
    pending = f"; {', '.join(runtime)} need evidence beyond static analysis" if runtime else ""
    if verdict_of(result) == VERDICT_FAIL:
        failing = [r.requirement.id for r in rows if r.status == FAIL]
        return VERDICT_FAIL, (
            f"{len(active)} unsuppressed finding(s), at least one at or above the fail-on level "
            f"({threshold}); failing: {', '.join(failing) or 'findings outside the requirements'}"
            f"{pending}"
        )
    refuted = [r for r in rows if r.status == FAIL]
    if refuted:
        return VERDICT_FAIL, (
            f"no unsuppressed finding at or above the fail-on level ({threshold}), but the "
            "runtime evidence contradicts "
            + "; ".join(f"{r.requirement.id} ({r.explanation})" for r in refuted)
            + pending
        )
    if not analysed:
        unread = _unread_verdict(rows, gaps)
        return VERDICT_NOT_EVIDENCED, NOTHING_ANALYSED + (f"; {unread}" if unread else "")
    missing = [r for r in rows if r.status == NOT_EVIDENCED and not r.requirement.runtime]
    if missing:
        named = "; ".join(
            f"{r.requirement.id} ({r.explanation.removeprefix(NOT_STATIC)})"
            for r in missing
            if not r.unread
        )
        unread = _unread_verdict(rows, gaps)
        if unread:
            blocked = ", ".join(r.requirement.id for r in missing if r.unread)
            named = "; ".join(x for x in (named, f"{blocked}: {unread}") if x)
        return VERDICT_NOT_EVIDENCED, (
            f"nothing failed at the fail-on level ({threshold}), but {len(missing)} "
            f"requirement(s) a static review must evidence are not evidenced: {named}{pending}"
        )
    excepted = [f for f in result.findings if f.suppressed and _at_or_above(f, result)]
    if excepted:
        accepted = [r.requirement.id for r in rows if r.status == ACCEPTED]
        which = f" ({', '.join(accepted)})" if accepted else ""
        return VERDICT_EXCEPTIONS, (
            f"no unsuppressed finding at or above the fail-on level ({threshold}); "
            f"{len(excepted)} suppressed finding(s) accepted as exceptions{which}, each listed "
            f"with its reason{pending}"
        )
    return VERDICT_PASS, (
        f"no unsuppressed finding at or above the fail-on level ({threshold}) and every "
        f"requirement a static review can evidence passes{pending}"
    )


@dataclass(frozen=True)
class Judgement:
    """The requirement matrix, the disabled rules and the verdict of one scan."""

    matrix: tuple[MatrixRow, ...]
    disabled: tuple[Disabled, ...]
    verdict: str
    reason: str


def judge(
    result: ScanResult,
    config: Config,
    catalogue: Catalogue,
    options: dict[str, Any] | None = None,
    results: tuple[testresults.Results, ...] = (),
) -> Judgement:
    """Everything a review decides: ``review`` writes it, ``verify`` recomputes it (with the
    test results given with ``--evidence``, read again)."""
    files = scanned_files(result.files)
    gaps = unchecked(files, result.notices)
    rows = matrix(result, input_kinds(files), catalogue, gaps=gaps, results=results)
    analysed = sum(1 for f in files if f.kind not in NOT_ANALYSED)
    verdict, reason = _verdict(result, rows, analysed, gaps)
    return Judgement(rows, disabled_rules(config, options or {}), verdict, reason)


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
    tools: dict[str, str | None] | None = None,
    catalogue: Catalogue | None = None,
    results: tuple[testresults.Results, ...] = (),
) -> ReviewModel:
    """Assemble the review of one scan; its findings are tagged with the catalogue's ids."""
    catalogue = catalogue or default()
    files = scanned_files(result.files)
    tagged = tuple(replace(f, requirements=catalogue.of_rule(f.rule)) for f in result.findings)
    result = replace(result, findings=tagged)
    judgement = judge(result, config, catalogue, options, results)
    enabled = set(result.rules_run)
    settings = config_rows(config, catalogue)
    findings = tuple(sorted(result.findings, key=lambda f: f.sort_key))
    source = Path(config.source)
    try:
        config_source = source.resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        config_source = source.name
    return ReviewModel(
        repository=git.repository,
        commit=git.commit,
        dirty=git.dirty,
        git_error=git.error,
        in_repository=git.in_repository,
        root=git.root,
        paths=paths,
        scanned=paths or tuple(Path(p).as_posix() for p in config.include) or (".",),
        files=files,
        left_out=result.left_out,
        rules=tuple(
            RuleRow(
                r,
                config.severity_for(r.id, r.severity).label,
                r.id in enabled,
                catalogue.of_rule(r.id),
            )
            for r in ALL_RULES
        ),
        config=settings,
        config_source=config_source if config.source else "",
        options=dict(sorted((options or {}).items())),
        matrix=judgement.matrix,
        disabled=judgement.disabled,
        catalogue=catalogue.name,
        other_findings=tuple(f for f in findings if not f.requirements and not f.suppressed),
        suppressed=tuple(f for f in findings if f.suppressed),
        findings=findings,
        fail_on=result.fail_on.label if result.fail_on is not None else "never",
        verdict=judgement.verdict,
        verdict_reason=judgement.reason,
        reviewer=reviewer,
        date=date,
        scope_digest=scope_digest({f.path: f.sha256 for f in files}),
        result_digest=result_digest(finding_record(f) for f in findings),
        config_digest=config_digest(settings),
        signing_key=signing_key,
        tools=dict(tools or {}),
        compared=result.compared,
        evidence=results,
    )
