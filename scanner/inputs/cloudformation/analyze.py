"""A CloudFormation template's facts: decoded, expanded, checked for defects, then extracted.

Suffixes alone cannot tell a template from any other JSON or YAML file (``package.json``, a
workflow), so most of what happens here decides whether a file is a template at all: one that
is not is skipped, never a finding, unless the user named it on the command line.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from scanner.config import Config
from scanner.facts import FileFacts
from scanner.inputs.base import Source
from scanner.inputs.cloudformation import template
from scanner.inputs.guards import ParseFailure
from scanner.model import Suppression
from scanner.results import FileAnalysis

TEMPLATE_MARKERS = (b"AWSTemplateFormatVersion", b"AWS::")
NOT_A_TEMPLATE = "not a CloudFormation template (no Resources with Type)"


def owns_unreadable(path: Path, explicit: bool) -> bool:
    """Whether a ``.json``/``.yaml`` file that failed the read guards may be a template (so a
    SCAN001), else it is skipped. A file that cannot be read at all could be anything: it is a
    finding like an unreadable ``.py``."""
    if explicit:
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(65536)
    except OSError:
        return True
    return any(marker in head for marker in TEMPLATE_MARKERS)


def analyze(source: Source, config: Config) -> FileAnalysis:
    """The template's facts and suppressions; a file that turns out to be no template is
    skipped, one that fails to parse is SCAN001 when it was named or looks like a template."""
    if "Resources" not in source.text and not source.explicit:
        return source.skipped("no Resources section")
    try:
        extracted = _extract(source, config)
    except ParseFailure as failure:
        if source.explicit or template.looks_like_template(source.text):
            return source.failed(failure)
        return source.skipped(failure.reason)
    if extracted is None:
        return source.skipped(NOT_A_TEMPLATE)
    return source.analysis(*extracted)


def _extract(source: Source, config: Config) -> tuple[FileFacts, tuple[Suppression, ...]] | None:
    """Facts and suppressions of a template (None: no template), with cfn-lint's diagnostics
    when they can matter (a DSQL cluster is declared, or every check is wanted)."""
    document = template.expand(template.parse(source.text), config.regions)
    defect = template.template_defect(document)
    if defect is not None:
        raise defect
    if not template.is_template(document):
        return None
    facts, suppressions = template.extract(document, source.rel, source.text, source.stack)
    everything = config.lints_templates()
    if facts.clusters or everything:
        from scanner.inputs.cloudformation import validate

        found = validate.diagnostics(
            document, source.text, source.rel, source.stack, config.regions, everything
        )
        facts = replace(facts, diagnostics=found)
    return facts, suppressions
