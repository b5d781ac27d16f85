"""The two workflows behind ``dsql-scan review`` and ``dsql-scan verify``.

``review``: scan, gather git facts, build the review model, render, write, optionally sign.
``verify``: read the embedded record back, check the document's own digest (and signature),
rescan what the review scanned with the settings it used, and say precisely what drifted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scanner.config import Config, ConfigError, apply_command_line, load
from scanner.model import Finding
from scanner.pipeline.discover import relative
from scanner.pipeline.engine import scan
from scanner.project.context import Base
from scanner.reporters.escaping import escape_line
from scanner.results import ScanResult
from scanner.review import catalogue as catalogues
from scanner.review import document as reviewdoc
from scanner.review import evidence as testresults
from scanner.review import gitinfo, provenance, signing
from scanner.review.model import (
    ReviewModel,
    build,
    config_digest,
    config_rows,
    finding_record,
    judge,
    result_digest,
    review_date,
    scanned_files,
    scope_digest,
    signer_identity,
)

# review option -> how verify applies the recorded value to the configuration
OPTION_KEYS = ("select", "ignore", "region", "fail-on", "base")
# Settings that cannot change what a review judges (where the result cache lives: a cache
# never changes a result). Every other setting of the configuration rows can, so verify fails
# when one differs from the review's, even if today's findings happen to be the same.
VERDICT_NEUTRAL = frozenset({"cache-dir"})
ABSENT = "(absent)"


class DocumentError(Exception):
    """Not a review, edited by hand, or a bad signature: verify's exit code 2."""


def recorded_options(
    select: tuple[str, ...] | None,
    ignore: tuple[str, ...] | None,
    regions: tuple[str, ...] | None,
    fail_on: str | None,
) -> dict[str, Any]:
    """The command-line settings of a review, as verify must re-apply them."""
    options: dict[str, Any] = {}
    if select:
        options["select"] = list(select)
    if ignore:
        options["ignore"] = list(ignore)
    if regions:
        options["region"] = list(regions)
    if fail_on:
        options["fail-on"] = fail_on
    return options


def apply_options(config: Config, options: Mapping[str, Any]) -> Config:
    """``config`` with a review's recorded command-line settings applied again."""
    fail_on = options.get("fail-on")
    config = apply_command_line(
        config,
        select=tuple(options["select"]) if options.get("select") else None,
        ignore=tuple(options["ignore"]) if options.get("ignore") else None,
        regions=tuple(options["region"]) if options.get("region") else None,
        fail_on=fail_on if isinstance(fail_on, str) else None,
    )
    return for_review(config)


def for_review(config: Config) -> Config:
    """A review runs the opt-in rules too (unless ignored): ``scan`` leaves cfn-lint's full
    validation to those who ask for it, but a review evidences FR-005 with it, and verify
    re-runs what the review ran. It never reads the files of inputs in preview (``preview``
    is off): a new language's findings are not yet evidence a signed verdict may rest on, so
    its files stay in the scope as not read, and say why."""
    from scanner.rules import OPT_IN, enabled_by

    missing = tuple(sorted(OPT_IN - enabled_by(replace(config, ignore=()))))
    extend_select = config.extend_select + missing
    return replace(config, extend_select=extend_select, preview=False)


def scan_paths(paths: tuple[str, ...], root: Path) -> tuple[str, ...]:
    """Paths as recorded: relative to the project root, POSIX, so the record is portable."""
    return tuple(relative(Path(p), root) for p in paths)


def write_review(
    paths: tuple[str, ...],
    config: Config,
    output: Path,
    *,
    fmt: str,
    reviewer: str | None,
    options: dict[str, Any],
    environ: Mapping[str, str],
    sign_key: Path | None = None,
    base: Base | None = None,
    evidence: tuple[str, ...] = (),
) -> ReviewModel:
    """Scan ``paths`` (compared with ``base``, the same scope at a git base, when given) and
    write the review document (and its signature) to ``output``; ``evidence`` are the
    ``--evidence`` options (``SC-003=before.xml,after.xml``)."""
    from scanner.reporters.review_format import render

    date = review_date(dict(environ))
    root = config.root.resolve()
    catalogue = catalogues.load(config)
    results = testresults.gather(evidence, catalogue.requirements, root, catalogue.name)
    result = scan(paths, config, base=base)
    recorded = scan_paths(paths, root)
    git = gitinfo.facts(root, recorded, exclude=(output, signing.signature_path(output)))
    fingerprint = signing.key_fingerprint(sign_key) if sign_key is not None else ""
    if sign_key is not None and not fingerprint:
        raise signing.SigningError(f"--sign-key: {sign_key} is not a readable SSH key")
    model = build(
        result,
        config,
        git,
        reviewer=reviewer or gitinfo.reviewer(root),
        date=date,
        paths=recorded,
        options=options,
        signing_key=fingerprint,
        tools=provenance.versions(),
        catalogue=catalogue,
        results=results,
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    # a signature of the previous document would no longer verify: never leave one behind
    signing.signature_path(output).unlink(missing_ok=True)
    output.write_text(render(model, fmt), encoding="utf-8")
    if sign_key is not None:
        signing.sign(output, sign_key)
    return model


@dataclass(frozen=True)
class Drift:
    """What changed between a review and the tree it is verified against.

    Files, findings, the verdict and the configuration decide whether the review still holds: a
    review vouches for the code judged by the settings it names (a region or a required
    environment variable dropped from the configuration would let findings disappear without a
    change to the code). Only settings that cannot change a verdict (``VERDICT_NEUTRAL``) are
    merely noted, as they legitimately differ between machines.
    """

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    new: tuple[Finding, ...] = ()
    resolved: tuple[Mapping[str, Any], ...] = ()
    altered: tuple[tuple[Mapping[str, Any], Finding], ...] = ()
    verdict: tuple[str, str] = ("", "")  # (recorded, now)
    settings: tuple[tuple[str, str, str], ...] = ()  # (setting, recorded, now) that matter
    neutral: tuple[tuple[str, str, str], ...] = ()  # the same, for VERDICT_NEUTRAL settings
    unnamed_config: bool = False  # the digest differs, the review records no settings to name
    digests: tuple[tuple[str, str, str], ...] = ()  # (name, recorded, now)
    tools: tuple[tuple[str, str, str], ...] = ()  # (tool, recorded version, now)
    root: str = ""  # where the review's paths were found, when not under the current directory
    evidence: tuple[testresults.Change, ...] = ()  # test results changed or gone since

    @property
    def clean(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.changed
            or self.new
            or self.resolved
            or self.altered
            or self.verdict[0] != self.verdict[1]
            or self.settings
            or self.unnamed_config
            or self.evidence
        )

    @property
    def code_changed(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def headline(self) -> str:
        """Why the review no longer holds, naming the cause the scope and tools show: a result
        that changed over unchanged code was changed by the tools (or the settings)."""
        tools = escape_line(
            ", ".join(f"{name} {before} -> {now}" for name, before, now in self.tools)
        )
        if self.tools and self.code_changed:
            return f"no longer matches the code, and the tools changed ({tools})"
        if self.tools:
            return f"no longer holds: the tools changed ({tools})"
        if not self.code_changed and (self.settings or self.unnamed_config):
            return "no longer holds: the configuration changed"
        if not self.code_changed and self.evidence:
            return "no longer holds: the runtime evidence changed"
        return "no longer matches the code"

    def lines(self) -> list[str]:
        """One line per difference, in a stable order; recorded values come from the document
        and paths and messages from the tree, so each line is escaped."""
        out = [f"added: {p}" for p in self.added]
        out += [f"removed: {p}" for p in self.removed]
        out += [f"changed: {p}" for p in self.changed]
        out += [change.line for change in self.evidence]
        out += [f"new finding: {_finding_line(f)}" for f in self.new]
        out += [f"resolved finding: {_record_line(r)}" for r in self.resolved]
        out += [
            f"changed finding: {_finding_line(f)} (was {_state(r)}, now "
            f"{_state(finding_record(f))})"
            for r, f in self.altered
        ]
        if self.verdict[0] != self.verdict[1]:
            out.append(f"verdict: {self.verdict[0]} -> {self.verdict[1]}")
        out += [f"setting {name}: {before} -> {now}" for name, before, now in self.settings]
        if self.unnamed_config:
            out.append(
                "configuration: differs from the review's, which records only its digest "
                "(write the review again to record each setting)"
            )
        for name, before, now in self.digests:
            change = f"{now} (unchanged)" if before == now else f"{before} -> {now}"
            out.append(f"{name} digest: {change}")
        return ["  " + escape_line(line) for line in out]

    def notes(self) -> list[str]:
        """Differences that did not make the review untrue."""
        moved = [escape_line(f"note: verified under {self.root}, where the review was written")]
        out = moved if self.root else []
        out += [
            escape_line(f"note: {name} differs from the review's ({before} -> {now}); ")
            + "it cannot change what is judged"
            for name, before, now in self.neutral
        ]
        if self.tools and self.clean:
            changed = ", ".join(f"{name} {before} -> {now}" for name, before, now in self.tools)
            out.append(escape_line(f"note: the tools changed ({changed}); the result is the same"))
        return out


def _state(record: Mapping[str, Any]) -> str:
    return f"{record['severity']}{', suppressed' if record['suppressed'] else ''}"


def _finding_line(finding: Finding) -> str:
    loc = finding.location
    return f"{loc.path}:{loc.line}: {finding.rule} {finding.severity.label} {finding.message}"


def _record_line(record: Mapping[str, Any]) -> str:
    return f"{record['path']}:{record['line']}: {record['rule']} {record['severity']}"


def _file_changes(
    before: Mapping[str, str], after: Mapping[str, str]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    added = tuple(sorted(set(after) - set(before)))
    removed = tuple(sorted(set(before) - set(after)))
    changed = tuple(sorted(p for p in set(before) & set(after) if before[p] != after[p]))
    return added, removed, changed


def _changed_findings(
    before: Mapping[str, Mapping[str, Any]], now: Mapping[str, Finding]
) -> tuple[tuple[Mapping[str, Any], Finding], ...]:
    """Findings present in both whose rule, severity or suppression state differs."""
    out = []
    for fp in sorted(set(before) & set(now)):
        old, new = before[fp], now[fp]
        if old["rule"] != new.rule or _state(old) != _state(finding_record(new)):
            out.append((old, new))
    return tuple(out)


def _record_key(record: Mapping[str, Any]) -> tuple[str, int, str, str]:
    return (record["path"], record["line"], record["rule"], record["fingerprint"])


def setting_changes(
    recorded: Mapping[str, str], now: Mapping[str, str]
) -> tuple[tuple[str, str, str], ...]:
    """(setting, recorded, now) for every setting whose value differs, sorted by name; a setting
    only one side knows (another dsql-scan version) is ``(absent)`` on the other."""
    return tuple(
        (name, recorded.get(name, ABSENT), now.get(name, ABSENT))
        for name in sorted(set(recorded) | set(now))
        if recorded.get(name, ABSENT) != now.get(name, ABSENT)
    )


def compare(
    record: Mapping[str, Any],
    result: ScanResult,
    settings: tuple[tuple[str, str], ...],
    verdict: str,
    tools: Mapping[str, str | None] | None = None,
) -> Drift:
    """The drift between a review's record and a fresh scan: its configuration rows, verdict
    and tool versions (a review without a tools block, or no versions given: not compared)."""
    files = {f.path: f.sha256 for f in scanned_files(result.files)}
    added, removed, changed = _file_changes(record.get("files", {}), files)
    before = {r["fingerprint"]: r for r in record.get("findings", [])}
    now = {f.fingerprint: f for f in result.findings}
    new = sorted((f for fp, f in now.items() if fp not in before), key=lambda f: f.sort_key)
    recorded = record.get("config")  # None in reviews written before settings were recorded
    differing = () if recorded is None else setting_changes(recorded, dict(settings))
    recorded_tools = record.get("tools")
    tool_changes = (
        provenance.changes(recorded_tools, tools) if recorded_tools and tools is not None else ()
    )
    return Drift(
        added=added,
        removed=removed,
        changed=changed,
        new=tuple(new),
        resolved=tuple(sorted((r for fp, r in before.items() if fp not in now), key=_record_key)),
        altered=_changed_findings(before, now),
        verdict=(str(record.get("verdict")), verdict),
        settings=tuple(c for c in differing if c[0] not in VERDICT_NEUTRAL),
        neutral=tuple(c for c in differing if c[0] in VERDICT_NEUTRAL),
        unnamed_config=recorded is None and record.get("config_digest") != config_digest(settings),
        digests=(
            ("scope", str(record.get("scope_digest")), scope_digest(files)),
            (
                "result",
                str(record.get("result_digest")),
                result_digest(map(finding_record, now.values())),
            ),
        ),
        tools=tool_changes,
    )


FINDING_KEYS = {
    "fingerprint": str,
    "rule": str,
    "severity": str,
    "suppressed": bool,
    "path": str,
    "line": int,
}


def _well_formed(record: Mapping[str, Any]) -> bool:
    """The parts of the record verify reads, with the types it reads them as."""
    files, findings, paths = record.get("files"), record.get("findings"), record.get("paths")
    if not isinstance(files, dict) or not isinstance(findings, list):
        return False
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        return False
    settings = record.get("config", {})  # absent from reviews written before it was recorded
    if not isinstance(settings, dict) or not all(isinstance(v, str) for v in settings.values()):
        return False
    if "tools" in record and not provenance.well_formed(record["tools"]):
        return False  # absent from reviews written before the tools were recorded
    if not testresults.well_formed(record.get("evidence", [])):
        return False  # absent from reviews written before runtime evidence was recorded
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        return False
    return all(
        isinstance(f, dict) and all(isinstance(f.get(k), t) for k, t in FINDING_KEYS.items())
        for f in findings
    )


def read_document(document: Path) -> tuple[str, dict[str, Any]]:
    """The document's text and record; DocumentError when it is no intact dsql-scan review."""
    try:
        text = document.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise DocumentError(f"cannot read {document}: {reason}") from None
    try:
        record = reviewdoc.read(text)
    except reviewdoc.NotAReview as exc:
        raise DocumentError(f"{document} is not a dsql-scan review: {exc}") from None
    if not _well_formed(record):
        raise DocumentError(
            f"{document}: the review record lacks its files or findings, or a field of it "
            "(settings, tools, evidence) is unreadable"
        )
    if not reviewdoc.intact(text, record):
        raise DocumentError(
            f"{document} was edited after it was generated: its content digest "
            f"{record.get('document_digest') or '(missing)'} no longer matches"
        )
    return text, record


NOT_SIGNED = "not signed"
NOT_CHECKED = "signature present, not checked (pass --allowed-signers FILE)"


def require_signature(document: Path, allowed_signers: Path | None, demanded_by: str) -> None:
    """DocumentError unless a signature exists and will be checked: a gate that demands one
    must never pass a review whose signature nobody looked at."""
    signature = signing.signature_path(document)
    if not signature.is_file():
        raise DocumentError(
            f"{document}: a signature is required ({demanded_by}) but {signature} does not exist"
        )
    if allowed_signers is None:
        raise DocumentError(
            f"{document}: a signature is required ({demanded_by}): "
            "pass --allowed-signers FILE to check it"
        )


def signature_status(document: Path, record: Mapping[str, Any], allowed: Path | None) -> str:
    """What verify says about the signature: ssh-keygen's confirmation when it was checked,
    else whether one is there at all (silence would read as "signed and checked")."""
    if allowed is None:
        return NOT_CHECKED if signing.signature_path(document).is_file() else NOT_SIGNED
    try:
        # ssh-keygen names the principal, which the document supplies
        checked = signing.verify(document, allowed, _identity(record))
    except signing.SigningError as exc:
        raise DocumentError(str(exc)) from None
    return "\n".join(escape_line(line) for line in checked.splitlines())


def verify_review(
    document: Path,
    paths: tuple[str, ...],
    config: Config,
    *,
    allowed_signers: Path | None = None,
    signature_required: bool = False,
    relocate: bool = False,
) -> tuple[dict[str, Any], Drift, str]:
    """Check the document, rescan, and return (record, drift, what verify says about the
    signature). A signature is required by ``signature_required`` (the command line) or by
    the configuration's ``require-signature``. With ``relocate`` (no paths, no ``--config``),
    the review's root is looked for where the document lies when the current directory is not
    it (see ``located``)."""
    _, record = read_document(document)
    moved = ""
    if relocate and not paths:
        config, moved = located(document, record, config)
    if signature_required or config.require_signature:
        where = config.source or "the configuration"
        demanded_by = (
            "--require-signature" if signature_required else f"require-signature in {where}"
        )
        require_signature(document, allowed_signers, demanded_by)
    confirmation = signature_status(document, record, allowed_signers)
    options = record.get("options") or {}
    if not isinstance(options, dict) or not all(k in OPTION_KEYS for k in options):
        raise DocumentError(f"{document}: unreadable options in the review record")
    root = config.root.resolve()
    config = apply_options(config, options)
    catalogue = catalogues.load(config)
    recorded = tuple(str(root / p) for p in record.get("paths", []))
    base = None
    if isinstance(options.get("base"), str):  # the commit the review compared with
        from scanner.gate import basetree

        base = basetree.facts_at(options["base"], config, paths or recorded, "the review's base")
    results, changes = testresults.reread(record.get("evidence", []), root)
    result = scan(paths or recorded, config, base=base)
    verdict = judge(result, config, catalogue, options, results).verdict
    drift = compare(record, result, config_rows(config, catalogue), verdict, provenance.versions())
    drift = replace(drift, root=moved, evidence=changes)
    return record, drift, confirmation


def _recorded_paths(record: Mapping[str, Any]) -> list[str]:
    return [p for p in record.get("paths", []) if isinstance(p, str)]


def _holds(root: Path, record: Mapping[str, Any], files: bool = True) -> bool:
    """Whether ``root`` is where the review was written: its scanned paths exist there and (with
    ``files``) so does one of its files, unless it recorded none."""
    if not all((root / p).exists() for p in _recorded_paths(record)):
        return False
    recorded = record.get("files") or {}
    return not files or not recorded or any((root / f).is_file() for f in recorded)


def _review_root(document: Path, record: Mapping[str, Any]) -> Path | None:
    """The root the review was written in, found from the document's place: the repository
    it lies in, plus the root the review records relative to that repository (never outside
    it: the record is as untrusted as the tree)."""
    recorded = record.get("root")
    top = gitinfo.git(document.resolve().parent, "rev-parse", "--show-toplevel")
    if top is None or not isinstance(recorded, str):
        return document.resolve().parent
    candidate = (Path(top) / recorded).resolve()
    return candidate if candidate.is_relative_to(Path(top).resolve()) else None


def located(document: Path, record: Mapping[str, Any], config: Config) -> tuple[Config, str]:
    """The configuration to verify with, and the root it moved to ("" when it did not).

    ``verify`` run from another directory than the review's root would scan the wrong tree or
    name a missing path: the review's own place tells where it was written. When neither holds,
    the usage error says what is missing and what to do.
    """
    here = config.root.resolve()
    if _holds(here, record):
        return config, ""
    root = _review_root(document, record)
    if root is not None and root != here and _holds(root, record):
        return load(None, start=root), str(root)
    if _holds(here, record, files=False):
        return config, ""  # the review's paths are here, its files are gone: that is drift
    missing = next((p for p in _recorded_paths(record) if not (here / p).exists()), "")
    raise ConfigError(
        f"the review's scanned path {missing!r} does not exist under {here}: run verify in "
        f"the directory the review was written in (its root {record.get('root', '.')!r} in "
        f"{record.get('repository', 'its repository')}), or name the paths to verify"
    )


def _identity(record: Mapping[str, Any]) -> str:
    reviewer = record.get("reviewer")
    if not isinstance(reviewer, str) or not reviewer:
        raise DocumentError("the review records no reviewer to check the signature against")
    return signer_identity(reviewer)
