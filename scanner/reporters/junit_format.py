"""JUnit XML: one testcase per rule that ran, one ``<failure>`` per finding of that rule.

CI systems (GitLab, Jenkins, Azure Pipelines) show JUnit reports as test results: a rule that
found nothing is a passed test, so the report also documents what was checked. The XML is built
with ElementTree (correct escaping). Each line of text built from scanned values is escaped
first (:func:`~scanner.reporters.escaping.escape_line`): CI logs and test viewers show a
failure's text as lines, and XML keeps a newline, ESC or a bidi override in element text as it
is. Characters XML 1.0 cannot carry at all are then replaced, a last guard for the fixed text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

from scanner import __version__
from scanner.model import Finding
from scanner.reporters.escaping import escape_line
from scanner.reporters.sarif_format import rules_of
from scanner.reporters.summary import shown
from scanner.results import ScanResult
from scanner.rules import RULESET_VERSION

NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    return NOT_XML.sub("\ufffd", text)


def where(finding: Finding) -> str:
    loc = finding.location
    return f"{loc.path}:{loc.line}:{loc.column}"


def failure_text(finding: Finding) -> str:
    loc = finding.location
    lines = [f"{where(finding)}: {finding.rule} {finding.severity.label} {finding.message}"]
    if loc.resource:
        lines.append(f"resource: {loc.resource}")
    if loc.construct_path:
        lines.append(f"construct: {loc.construct_path}")
    if loc.qualified_name:
        lines.append(f"name: {loc.qualified_name}")
    if finding.context:
        lines.append(f"source: {finding.context.strip()}")
    if finding.remediation:
        lines.append(f"fix: {finding.remediation}")
    lines.append(f"fingerprint: {finding.fingerprint}")
    return "\n".join(escape_line(line) for line in lines)


def _suite(result: ScanResult, show_suppressed: bool) -> ET.Element:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in shown(result, show_suppressed):
        by_rule[finding.rule].append(finding)
    rules = rules_of(result)
    failing = sum(1 for r in rules if any(not f.suppressed for f in by_rule[r.id]))
    counts = {"tests": str(len(rules)), "failures": str(failing), "errors": "0", "skipped": "0"}
    suite = ET.Element("testsuite", {"name": "dsql-scan", **counts, "time": "0"})
    properties = ET.SubElement(suite, "properties")
    for name, value in (("dsql-scan.version", __version__), ("ruleset", RULESET_VERSION)):
        ET.SubElement(properties, "property", {"name": name, "value": value})
    for rule in rules:
        name = f"{rule.id} {rule.name}"
        case = ET.SubElement(
            suite, "testcase", {"classname": f"dsql-scan.{rule.family}", "name": name, "time": "0"}
        )
        notes = []
        for finding in by_rule[rule.id]:
            if finding.suppressed:
                notes.append(
                    escape_line(
                        f"suppressed: {where(finding)} {finding.message} "
                        f"({finding.suppression_kind}: {finding.suppression_reason})"
                    )
                )
                continue
            failure = ET.SubElement(
                case,
                "failure",
                {
                    "message": clean(escape_line(f"{where(finding)}: {finding.message}")),
                    "type": finding.severity.label,
                },
            )
            failure.text = clean(failure_text(finding))
        if notes:
            ET.SubElement(case, "system-out").text = clean("\n".join(notes))
    return suite


def render(result: ScanResult, show_suppressed: bool = False, **_: Any) -> str:
    suite = _suite(result, show_suppressed)
    root = ET.Element(
        "testsuites",
        {"name": "dsql-scan", **{k: suite.attrib[k] for k in ("tests", "failures", "errors")}},
    )
    root.append(suite)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
