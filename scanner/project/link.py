"""Source <-> template links: from a synthesized resource back to the line that created it.

A CDK construct path (``LedgerStack/OrbitAurora/Resource``) is made of the construct ids the
source passed to constructors (``rds.DatabaseCluster(self, "OrbitAurora", ...)``). When the CDK
source and its ``cdk.out`` are scanned together, a template finding whose construct path contains
an id that exactly one place in the source creates also reports that place, so a reviewer can go
from the synthesized template to the code to change. The deepest id of the path decides; an id
created in more than one place is ambiguous and is not guessed. Ids are looked up in the app
the template was synthesized from (the folder holding its ``cdk.out``) when its source is in
scope, so two CDK apps in one repository may both create a ``Database`` without either losing
its link; a template of no known app is looked up across every source.

A template without ``aws:cdk:path`` metadata gets its construct paths from
``scanner.project.cdkpaths`` (the cloud assembly's record, else CDK's logical-id algorithm over the
source's construct ids), so its findings link the same way and show the path they would have had.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from scanner.model import Finding, Kind
from scanner.project.cdkpaths import Finder
from scanner.results import FileAnalysis

Place = tuple[str, int]


def construct_index(
    analyses: Iterable[FileAnalysis], apps: Mapping[str, str] | None = None
) -> dict[str, dict[str, Place | None]]:
    """app -> construct id -> (path, line) where the CDK source creates it (None: ambiguous);
    the app "" is every source together (``apps`` maps a source path to its CDK app folder)."""
    index: dict[str, dict[str, Place | None]] = {}
    for analysis in analyses:
        facts = analysis.facts
        if facts is None or facts.kind != Kind.CDK:
            continue
        app = (apps or {}).get(analysis.path, "")
        for construct_id, line in facts.construct_ids:
            place = (analysis.path, line)
            for key in dict.fromkeys(("", app)):
                ids = index.setdefault(key, {})
                ids[construct_id] = None if ids.get(construct_id, place) != place else place
    return index


def template_app(path: str) -> str:
    """The CDK app folder a template was synthesized from: the one holding its ``cdk.out``."""
    parts = path.replace("\\", "/").split("/")
    if "cdk.out" not in parts[:-1]:
        return ""
    at = parts.index("cdk.out")
    return "/".join(parts[:at]) or "."


def source_of(construct_path: str, index: Mapping[str, Place | None]) -> Place | None:
    """The source place of the deepest construct id of a path (the first segment is the stack)."""
    for segment in reversed(construct_path.split("/")[1:]):
        if segment in index:
            return index[segment]
    return None


def with_construct_path(finding: Finding, finder: Finder) -> Finding:
    """A template finding whose resource has no ``aws:cdk:path``, with the one found for it."""
    location = finding.location
    if location.construct_path or not location.resource or location.path not in finder.candidates:
        return finding
    path = finder.path_of(location.path, location.stack, location.resource)
    return replace(finding, location=replace(location, construct_path=path)) if path else finding


def link(
    findings: list[Finding],
    analyses: Iterable[FileAnalysis],
    finder: Finder | None = None,
    apps: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Findings with ``source_path``/``source_line`` filled where the construct path allows."""
    if finder is not None:
        findings = [with_construct_path(finding, finder) for finding in findings]
    index = construct_index(analyses, apps)
    if not index:
        return findings
    linked = []
    for finding in findings:
        location = finding.location
        ids = index.get(template_app(location.path)) or index[""]
        place = source_of(location.construct_path, ids)
        if place is not None and location.construct_path:
            finding = replace(finding, source_path=place[0], source_line=place[1])
        linked.append(finding)
    return linked
