"""What the DDB rules share: the changes of the DynamoDB layer since the base, computed once per
project (both rules read the same comparison, one keeps replacements, the other the rest)."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Hit
from scanner.project import dynamodb
from scanner.project.context import Project

READS = ("tables", "statements", "grants", "sinks")
_last: tuple[Project, list[dynamodb.Change]] | None = None


def changes(project: Project) -> list[dynamodb.Change]:
    """Every change of the project's DynamoDB layer since its base ([] without a base)."""
    global _last
    if project.base is None:
        return []
    if _last is not None and _last[0] is project:
        return _last[1]
    found = dynamodb.changes(
        dynamodb.layer(project.base.files), dynamodb.layer(project.files), project.root
    )
    _last = (project, found)
    return found


def base_note(project: Project) -> str:
    """How messages name the base: ``since main (3f2a1c9d0e12)``."""
    base = project.base
    return f"since {base.ref} ({base.commit[:12]})" if base is not None else ""


def hits(project: Project, replacements: bool) -> Iterator[Hit]:
    """The changes since the base that replace a table (or the others), as findings."""
    for change in changes(project):
        if change.replaces == replacements:
            yield Hit(change.location, f"{change.message} ({base_note(project)})")
