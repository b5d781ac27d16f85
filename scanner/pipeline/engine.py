"""The engine: discover -> analyse each file -> project rules -> findings -> ScanResult.

It knows nothing about output formats. Configuration that only filters (select, ignore,
severity, fail-on) is applied here, after analysis, so cached analyses stay valid across runs
that differ only in those settings.

Project rules judge the project, not the command line. When files are named (pre-commit passes
only the changed ones), the project model is still built from the configured project scope: the
other files are context, and findings are reported for the named files and the project root
alone. Context files are analysed (and cached) like named ones, but only their context view
(``project.context_view``: the facts the project model reads) is kept, so with a warm cache a
one-file run parses one file and loads small cache entries for the rest. That is the price of
never reporting "no DSQL cluster" because the cluster's template was not among the changed files.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from scanner import fastpaths
from scanner.config import Config, ConfigError
from scanner.facts import FileFacts
from scanner.gate import suppress
from scanner.gate.mask import masked, remembering, shortened, source_excerpt
from scanner.inputs.guards import ParseFailure, read_text
from scanner.model import Finding, Hit, Kind, Location, Notice, RawFinding, Suppression
from scanner.pipeline.analyze import run_file_rules, unread_analysis
from scanner.pipeline.discover import Candidate, Discovery, cdk_app, discover, explore, relative
from scanner.project import cdkpaths, link, resolve
from scanner.project.context import Base, Prepared, Project, build, prepare
from scanner.results import SKIPPED, Compared, FileAnalysis, ScanResult
from scanner.rules import ALL_RULES, BY_ID, enabled_by
from scanner.run import progress
from scanner.run.runner import Started, start_all
from scanner.run.worker import Worker


def fingerprint(raw: RawFinding) -> str:
    """Stable identity of a finding: never the line number, so edits above it do not matter."""
    loc = raw.location
    subject = loc.resource or loc.qualified_name
    material = "\x1f".join((raw.rule, loc.path, subject, loc.pointer, loc.snippet))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:20]


def _finding(raw: RawFinding, config: Config, suppression: Suppression | None) -> Finding:
    rule = BY_ID[raw.rule]
    # Order matters: the identity comes from the unmasked text, so baselines and review digests
    # do not change when masking learns a new pattern; everything shown comes from the masked one.
    identity = fingerprint(raw)
    raw = masked(raw)
    return Finding(
        rule=rule.id,
        name=rule.name,
        severity=config.severity_for(rule.id, rule.severity),
        message=raw.message,
        location=raw.location,
        fingerprint=identity,
        requirements=rule.requirements,
        remediation=rule.remediation,
        suppressed=suppression is not None,
        suppression_kind="inSource" if suppression is not None else "",
        suppression_reason=shortened(suppression.reason) if suppression is not None else "",
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
            finding = replace(finding, fingerprint=fp)
        out.append(finding)
    return out


def findings_of(analyses: Iterable[FileAnalysis], config: Config) -> list[Finding]:
    """Turn every file's raw findings into findings, applying suppressions and selection."""
    enabled = enabled_by(config)
    out: list[Finding] = []
    for analysis in analyses:
        decided = tuple(raw for raw in analysis.raw if not raw.undecided)
        outcomes, problems = suppress.apply(decided, analysis.suppressions, config.require_reason)
        pairs = [(o.finding, o.suppression) for o in outcomes] + [(p, None) for p in problems]
        out.extend(_finding(raw, config, sup) for raw, sup in pairs if raw.rule in enabled)
    return _disambiguate(out)


def undecided_of(analyses: Iterable[FileAnalysis], config: Config) -> tuple[RawFinding, ...]:
    """What enabled rules could not decide (``Hit.undecided``), masked, in location order."""
    enabled = enabled_by(config)
    found = {
        (raw.location, raw.rule): masked(raw)
        for analysis in analyses
        for raw in analysis.raw
        if raw.undecided and raw.rule in enabled
    }
    return tuple(found[key] for key in sorted(found))


def notices_of(analyses: Iterable[FileAnalysis]) -> tuple[Notice, ...]:
    """One notice per kind for the whole scan, counting the files it concerns."""
    merged: dict[str, Notice] = {}
    for analysis in analyses:
        for notice in analysis.notices:
            seen = merged.get(notice.id)
            files = seen.files + 1 if seen else 1
            merged[notice.id] = replace(seen or notice, files=files)
    return tuple(merged[key] for key in sorted(merged))


def root_location(config: Config) -> Location:
    """Where project-level findings are reported: the configuration file, else the root."""
    path = relative(Path(config.source), config.root.resolve()) if config.source else "."
    return Location(path=path, snippet="project")


def project_scope(
    paths: tuple[str, ...], config: Config, named: list[Candidate]
) -> list[Candidate]:
    """Files in the configured project scope that were not named on the command line.

    Only when files (not directories) are named, as pre-commit does, and a project is
    recognisable: a configuration file was found, or the root is a git work tree, and every
    named path lies inside it. A named directory is the scope the user asked for
    (``dsql-scan scan examples/legacy`` judges that project, not the repository around it), and
    ``dsql-scan /elsewhere/stack.yaml`` judges that stack, not the directory the command runs in.
    """
    if not paths or any(Path(path).is_dir() for path in paths):
        return []
    root = config.root.resolve()
    if not config.source and not (root / ".git").exists():
        return []
    if not all(Path(path).resolve().is_relative_to(root) for path in paths):
        return []
    seen = {candidate.rel for candidate in named}
    return [candidate for candidate in discover((), config) if candidate.rel not in seen]


def run_project_rules(project: Project, config: Config) -> list[RawFinding]:
    """Every enabled project rule over the project model; deduplicated per (rule, node)."""
    enabled = enabled_by(config)
    out: dict[tuple[str, Location], RawFinding] = {}
    for rule in ALL_RULES:
        if rule.project_check is None or rule.id not in enabled:
            continue
        hits: list[Hit] = list(rule.project_check(project, config))
        for hit in hits:
            raw = RawFinding(rule.id, hit.location, hit.message, undecided=hit.undecided)
            out.setdefault((rule.id, hit.location), raw)
    return sorted(out.values(), key=lambda r: (r.location, r.rule))


def _source_lines(candidate: Candidate, config: Config) -> list[str]:
    try:
        return read_text(candidate.path, config.max_file_size)[0].splitlines()
    except ParseFailure:
        return []


def _in_context(raw: list[RawFinding], candidate: Candidate, config: Config) -> list[RawFinding]:
    """Findings made after analysis, each with the masked excerpt of its file around it."""
    lines = _source_lines(candidate, config)
    return [replace(r, context=source_excerpt(lines, r.location)) for r in raw]


def with_project_findings(
    analyses: tuple[FileAnalysis, ...],
    raw: list[RawFinding],
    candidates: list[Candidate],
    root: Location,
    config: Config,
) -> list[FileAnalysis]:
    """Hand each project finding to its file (for suppressions and context) or to the root.

    Findings located in files outside the reported ones are dropped: a partial scan reports
    what concerns the named files, and what concerns the project as a whole.
    """
    by_path: dict[str, list[RawFinding]] = defaultdict(list)
    for finding in raw:
        by_path[finding.location.path].append(finding)
    sources = {candidate.rel: candidate for candidate in candidates}
    merged = []
    for analysis in analyses:
        extra = by_path.pop(analysis.path, [])
        if extra and analysis.path in sources:
            extra = _in_context(extra, sources[analysis.path], config)
        merged.append(replace(analysis, raw=analysis.raw + tuple(extra)) if extra else analysis)
    at_root = by_path.pop(root.path, [])
    if at_root:
        merged.append(FileAnalysis(path=root.path, input=Kind.PROJECT, raw=tuple(at_root)))
    return merged


def in_app(facts: FileFacts, candidate: Candidate, config: Config) -> FileFacts:
    """CDK facts link within their CDK app (decided here, not cached: it depends on cdk.json)."""
    if facts.kind != Kind.CDK:
        return facts
    app = cdk_app(candidate.path, config.root)
    return replace(facts, namespace=f"cdk:{app}") if app else facts


def facts_in_app(
    analyses: Iterable[FileAnalysis], candidates: list[Candidate], config: Config
) -> list[FileFacts]:
    """The facts of every analysed file, each placed in its CDK app (see ``in_app``)."""
    scoped = zip(analyses, candidates, strict=True)
    return [in_app(a.facts, c, config) for a, c in scoped if a.facts is not None]


def _judged(raw: Iterable[RawFinding]) -> set[tuple[str, Location, str]]:
    return {(r.rule, r.location, r.message) for r in raw}


def rejudge(
    analysis: FileAnalysis,
    before: FileFacts,
    after: FileFacts,
    candidate: Candidate | None,
    config: Config,
) -> FileAnalysis:
    """A file's findings after the resolution stage changed its facts.

    The file rules ran on the facts as the file alone showed them (that result is cached);
    what they say of those is taken out and what they say of the resolved facts put in. The
    other findings (SCAN001, dsql-lint's) do not depend on values from other files and stay.
    """
    stale = _judged(run_file_rules(before, config))
    kept = tuple(r for r in analysis.raw if (r.rule, r.location, r.message) not in stale)
    fresh = run_file_rules(after, config)
    if fresh and candidate is not None:
        fresh = _in_context(fresh, candidate, config)
    return replace(analysis, raw=kept + tuple(fresh))


def resolved_analyses(
    analyses: tuple[FileAnalysis, ...],
    facts: list[FileFacts],
    resolved: list[FileFacts],
    candidates: list[Candidate],
    config: Config,
) -> tuple[FileAnalysis, ...]:
    """The named files' analyses, re-judged where resolution changed their facts."""
    changed = {a.path: (a, b) for a, b in zip(facts, resolved, strict=True) if a is not b}
    if not changed:
        return analyses
    sources = {candidate.rel: candidate for candidate in candidates}
    out = []
    for analysis in analyses:
        if analysis.path in changed:
            before, after = changed[analysis.path]
            analysis = rejudge(analysis, before, after, sources.get(analysis.path), config)
        out.append(analysis)
    return tuple(out)


def _incomplete(analyses: Iterable[FileAnalysis]) -> list[str]:
    """Files in scope that should have been read but could not be (their facts are missing)."""
    return [a.path for a in analyses if a.facts is None and any(r.rule == "SCAN001" for r in a.raw)]


def _check_regions(config: Config) -> None:
    if not config.regions:
        return
    from scanner.inputs.cloudformation.validate import UnknownRegionError, check_regions

    try:
        check_regions(config.regions)
    except UnknownRegionError as exc:
        raise ConfigError(str(exc)) from None


def scan(
    paths: tuple[str, ...],
    config: Config,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    worker: Worker | None = None,
    base: Base | None = None,
) -> ScanResult:
    """Run a whole scan (see ``run``): its result."""
    return run(paths, config, jobs, cache_dir, worker, base)[0]


def run(
    paths: tuple[str, ...],
    config: Config,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    worker: Worker | None = None,
    base: Base | None = None,
    packs: bool = True,
) -> tuple[ScanResult, Project]:
    """Run a whole scan: its result, and the project model it judged (the facts of the whole
    project scope, linked). Raises ConfigError for usage problems (missing path, unknown rule).

    ``jobs`` defaults to the CPU count; ``cache_dir=None`` means no result cache; ``worker`` is
    a process already importing the parsers (``headstart``), used or released by the runner.
    ``base`` is the same scope at a git base (``scanner.gate.basetree``), for the rules that
    judge what changed since (the DynamoDB layer).
    Files of the project scope that were not named are analysed like named ones (and cached
    alike), so a pre-commit run after a full scan parses only what changed; their own findings
    are dropped.
    """
    enabled_by(config)
    _check_regions(config)
    discovery = explore(paths, config)
    candidates = discovery.candidates
    context_candidates = project_scope(paths, config, candidates)
    started = start_all(
        candidates,
        config,
        jobs=jobs,
        cache_dir=cache_dir,
        context=context_candidates,
        worker=worker,
        packs=packs,
        comparing=base is not None,
    )
    context_facts = facts_in_app(started.context, context_candidates, config)
    # while the named files are analysed in another process, link the context
    prepared = prepare(resolve.resolve(context_facts)) if started.in_background else None
    analyses = started.wait()
    progress.finish()
    with remembering(started.masked) as masked:
        linked = (context_candidates, context_facts, prepared)
        result, project = _result(discovery, linked, started, analyses, config, base)
    started.close(masked)
    return result, project


def _result(
    discovery: Discovery,
    context: tuple[list[Candidate], list[FileFacts], Prepared | None],
    started: Started,
    analyses: tuple[FileAnalysis, ...],
    config: Config,
    base: Base | None = None,
) -> tuple[ScanResult, Project]:
    """The scan's result once every file is analysed: the project linked and judged, each
    finding masked (what an earlier run masked is remembered: ``mask.remembering``),
    suppressed or selected."""
    enabled = enabled_by(config)
    candidates = discovery.candidates
    context_candidates, context_facts, prepared = context
    everything = analyses + started.context
    named_facts = facts_in_app(analyses, candidates, config)
    resolved = resolve.resolve(named_facts + context_facts)
    analyses = resolved_analyses(
        analyses, named_facts, resolved[: len(named_facts)], candidates, config
    )
    root = root_location(config)
    # templates synthesized without path metadata: construct paths from the assembly or source
    finder = cdkpaths.Finder.of(config.root, candidates + context_candidates, resolved)
    linked = cdkpaths.with_paths(resolved, finder)
    project = replace(build(linked, root, _incomplete(everything), prepared), base=base)
    project_raw = run_project_rules(project, config)
    judged = with_project_findings(analyses, project_raw, candidates, root, config)
    findings = findings_of(judged, config)
    apps = {
        f.path: f.namespace[len("cdk:") :] for f in named_facts if f.namespace.startswith("cdk:")
    }
    findings = link.link(findings, everything, finder, apps)
    left_out = tuple((s.rel, s.reason) for s in discovery.skipped)
    unread = tuple(unread_analysis(u) for u in discovery.unread)
    skipped = tuple((a.path, a.note) for a in analyses if a.input == SKIPPED)
    fastpaths.spare(project, prepared, everything, context_facts)  # the process may end next
    result = ScanResult(
        findings=tuple(findings),
        files=tuple(sorted(analyses + unread, key=lambda a: a.path)),
        root=str(config.root),
        fail_on=config.fail_on,
        rules_run=tuple(sorted(enabled)),
        skipped=tuple(sorted(skipped + left_out)),  # one list, by path, for --verbose
        left_out=left_out,
        notices=notices_of(analyses),
        undecided=undecided_of(judged, config),
        compared=compared(project),
    )
    return result, project


def compared(project: Project) -> Compared | None:
    """The base the project was compared with, and how many DynamoDB tables that covers."""
    base, comparison = project.base, project.comparison
    if base is None or comparison is None:
        return None
    return Compared(base.ref, base.commit, comparison.tables, comparison.added)
