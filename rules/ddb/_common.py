"""What the DDB rules share: the changes of the DynamoDB layer since the base (the project's
comparison, derived once for both rules: one keeps the replacements, the other the rest)."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Hit
from scanner.project.context import Project

READS = ("tables", "statements", "grants", "sinks")


def hits(project: Project, replacements: bool) -> Iterator[Hit]:
    """The changes since the base that replace a table (or the others), as findings."""
    if project.base is None or project.comparison is None:
        return
    since = f"since {project.base.label}"
    for change in project.comparison.changes:
        if change.replaces == replacements:
            yield Hit(change.location, f"{change.message} ({since})")
