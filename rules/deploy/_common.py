"""What the DEPLOY rules share: their ids, and reporting cfn-lint's diagnostics of one category."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.facts import FileFacts, TemplateDiagnostic

WOULD_FAIL = "DEPLOY001"
DEPRECATED = "DEPLOY002"
# The rules whose facts need cfn-lint on every template (what ``Config.lints_templates`` asks).
LINT_RULES = frozenset({WOULD_FAIL, DEPRECATED})
READS = ("diagnostics",)
SINCE = "0.1.0"


def of_category(facts: FileFacts, category: str) -> Iterator[TemplateDiagnostic]:
    """cfn-lint's diagnostics on this template that ``scanner.inputs.cloudformation.validate``
    filed under ``category`` (``deploy``, ``deprecated``)."""
    return (d for d in facts.diagnostics if d.category == category)


def codes(diagnostic: TemplateDiagnostic) -> str:
    """cfn-lint's rule ids behind one diagnostic, as the message quotes them: ``E3012/E3002``."""
    return "/".join(diagnostic.codes)


def reported(facts: FileFacts, category: str, consequence: str) -> Iterator[Hit]:
    """Each diagnostic of ``category`` in cfn-lint's words (its rule ids and message), followed
    by ``consequence``: what it means for the migration."""
    for diagnostic in of_category(facts, category):
        yield Hit(
            diagnostic.location,
            f"cfn-lint {codes(diagnostic)}: {diagnostic.message}{consequence}",
        )
