"""SARIF 2.1.0: what GitHub code scanning and other SARIF viewers ingest.

One run, one driver that declares every rule that ran (not only those that fired), so a viewer
can tell "ran and found nothing" from "unknown rule" and close fixed alerts. Locations are
relative to ``%SRCROOT%`` (declared in ``originalUriBaseIds``), so the file is portable between
the scanning machine and the viewer. Fingerprints are the engine's line-independent ones.

Suppressed findings are included only with ``--show-suppressed``, then with SARIF
``suppressions`` (``inSource`` for template metadata and code comments, ``external`` for a
baseline): not every consumer honours ``suppressions`` (GitHub code scanning shows them as open
alerts), so by default the file holds exactly the findings that gate the run.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from scanner import __version__
from scanner.model import Finding, Severity
from scanner.reporters.escaping import escape_json
from scanner.reporters.summary import shown
from scanner.results import ScanResult
from scanner.rules import BY_ID, RULESET_VERSION, Rule
from scanner.rules.base import HELP_URI
from scanner.rules.docs import describe, markdown_help

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "dsqlScan/v1"
INFORMATION_URI = HELP_URI.split("/blob/", 1)[0]
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}


def rules_of(result: ScanResult) -> tuple[Rule, ...]:
    """Every rule that ran, plus any rule a finding names (sorted by id, stable indices)."""
    ids = set(result.rules_run) | {f.rule for f in result.findings}
    return tuple(BY_ID[i] for i in sorted(ids) if i in BY_ID)


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": describe(rule), "markdown": markdown_help(rule)},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": ["dsql-migration", rule.family.lower(), *rule.requirements],
            "precision": "high",
            "kinds": list(rule.kinds),
        },
    }


def artifact_location(path: str) -> dict[str, str]:
    """Relative paths are URI references under %SRCROOT%; absolute ones become file URIs."""
    posix = PurePosixPath(path)
    if posix.is_absolute():
        return {"uri": "file://" + quote(str(posix), safe="/")}
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def region(finding: Finding) -> dict[str, int]:
    loc = finding.location
    out = {"startLine": loc.line, "startColumn": loc.column, "endLine": loc.end_line}
    if (loc.end_line, loc.end_column) != (loc.line, loc.column):
        out["endColumn"] = loc.end_column  # an empty region is shown as the whole line instead
    return out


def logical_locations(finding: Finding) -> list[dict[str, str]]:
    loc = finding.location
    found = []
    if loc.resource:
        qualified = loc.construct_path or "/".join(p for p in (loc.stack, loc.resource) if p)
        found.append({"name": loc.resource, "fullyQualifiedName": qualified, "kind": "resource"})
    if loc.qualified_name:
        name = loc.qualified_name.rsplit(".", 1)[-1]
        found.append({"name": name, "fullyQualifiedName": loc.qualified_name})
    return found


def suppression(finding: Finding) -> dict[str, str]:
    kind = "external" if finding.suppression_kind == "external" else "inSource"
    entry = {"kind": kind, "status": "accepted"}
    if finding.suppression_reason:
        entry["justification"] = finding.suppression_reason
    return entry


def physical_location(finding: Finding) -> dict[str, Any]:
    physical: dict[str, Any] = {
        "artifactLocation": artifact_location(finding.location.path),
        "region": region(finding),
    }
    if finding.context:
        physical["contextRegion"] = {
            "startLine": finding.location.line,
            "snippet": {"text": finding.context},
        }
    return physical


def result_object(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    loc = finding.location
    location: dict[str, Any] = {"physicalLocation": physical_location(finding)}
    logical = logical_locations(finding)
    if logical:
        location["logicalLocations"] = logical
    properties: dict[str, Any] = {"requirements": list(finding.requirements)}
    for key, value in (
        ("pointer", loc.pointer),
        ("constructPath", loc.construct_path),
        ("stack", loc.stack),
    ):
        if value:
            properties[key] = value
    item: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index[finding.rule],
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": properties,
    }
    if finding.suppressed:
        item["suppressions"] = [suppression(finding)]
    return item


def run_properties(result: ScanResult) -> dict[str, Any]:
    properties: dict[str, Any] = {"ruleset": RULESET_VERSION}
    if result.diff_base:
        properties["diffBase"] = result.diff_base
    if result.baseline_file:
        properties["baseline"] = {
            "file": result.baseline_file,
            "unmatched": [e.fingerprint for e in result.baseline_unmatched],
        }
    return properties


def document(result: ScanResult, show_suppressed: bool = False) -> dict[str, Any]:
    """The SARIF log as a dict (tests validate it against the official schema)."""
    rules = rules_of(result)
    index = {rule.id: i for i, rule in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "dsql-scan",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [rule_descriptor(rule) for rule in rules],
            }
        },
        "invocations": [{"executionSuccessful": True}],
        "originalUriBaseIds": {SRCROOT: {"uri": root_uri(result.root)}},
        "columnKind": "unicodeCodePoints",
        "results": [result_object(f, index) for f in shown(result, show_suppressed)],
        "properties": run_properties(result),
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def root_uri(root: str) -> str:
    """The project root as a file URI ending in '/', as SARIF requires for a base URI."""
    posix = PurePosixPath(root.replace("\\", "/"))
    text = "/" + str(posix).lstrip("/")
    return "file://" + quote(text.rstrip("/") + "/", safe="/:")


def render(result: ScanResult, show_suppressed: bool = False, **_: Any) -> str:
    text = json.dumps(document(result, show_suppressed), indent=2, ensure_ascii=False)
    return escape_json(text) + "\n"
