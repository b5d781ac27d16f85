"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per finding.

The runner turns these into annotations on the pull request's diff. Values are escaped by the
runner's own rules (``%``, CR and LF everywhere; ``:`` and ``,`` also inside properties), or a
message with a newline or a path with a comma would be cut short or mis-parsed. Before that,
values from scanned files go through :func:`~scanner.reporters.escaping.escape_line`: the
runner decodes ``%0A`` back into a line break inside the annotation (harmless), but ESC, bidi
controls or a legacy ``##[command]`` marker would reach the log and the annotation raw. Only the
line breaks this module puts between a message and its fix or suppression are ``%0A``.
"""

from __future__ import annotations

from typing import Any

from scanner.model import Finding, Severity
from scanner.reporters.escaping import escape_line
from scanner.reporters.summary import shown
from scanner.reporters.text_format import summary_lines
from scanner.results import ScanResult

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message (the part after ``::``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (``file=...``, ``title=...``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(finding: Finding) -> str:
    """One workflow command. A project-level finding (located at the project root, ".") has no
    file to annotate, so it becomes an annotation of the run itself."""
    loc = finding.location
    properties = []
    if loc.path != ".":
        properties = [("file", loc.path), ("line", str(loc.line)), ("col", str(loc.column))]
        properties.append(("endLine", str(loc.end_line)))
        if (loc.end_line, loc.end_column) != (loc.line, loc.column):
            properties.append(("endColumn", str(loc.end_column)))
    properties.append(("title", f"{finding.rule} {finding.name}"))
    message = escape_line(finding.message)
    if finding.remediation:
        message += f"\nFix: {escape_line(finding.remediation)}"
    name = COMMANDS[finding.severity]
    if finding.suppressed:
        name = "notice"
        reason = escape_line(f"({finding.suppression_kind}): {finding.suppression_reason}")
        message += f"\nSuppressed {reason}"
    props = ",".join(f"{key}={escape_property(escape_line(value))}" for key, value in properties)
    return f"::{name} {props}::{escape_data(message)}"


def render(result: ScanResult, show_suppressed: bool = False, **_: Any) -> str:
    lines = [command(f) for f in shown(result, show_suppressed)]
    lines.extend(summary_lines(result))
    return "\n".join(lines) + "\n"
