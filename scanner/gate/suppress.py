"""In-source and metadata suppressions: which findings they hide, and which are themselves wrong.

A suppression without a reason (when reasons are required) hides nothing and is reported as
SCAN003: the review must be able to show why each exception was accepted. One that hides
nothing is stale and reported as SCAN002, so suppressions cannot outlive their purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.model import RawFinding, Suppression


@dataclass(frozen=True)
class Outcome:
    """A raw finding and the suppression that hides it, if any."""

    finding: RawFinding
    suppression: Suppression | None = None


def covers(suppression: Suppression, finding: RawFinding) -> bool:
    """Does the suppression apply to this finding (rule and place)?"""
    if not any(finding.rule == r or finding.rule.startswith(r) for r in suppression.rules):
        return False
    if suppression.whole_file:
        return True
    if suppression.resource:
        return finding.location.resource == suppression.resource
    first, last = suppression.lines
    return first <= finding.location.line <= last


def apply(
    raw: tuple[RawFinding, ...], suppressions: tuple[Suppression, ...], require_reason: bool
) -> tuple[list[Outcome], list[RawFinding]]:
    """Match suppressions to findings; return outcomes and the SCAN002/SCAN003 they cause."""
    problems: list[RawFinding] = []
    usable = []
    for suppression in suppressions:
        if require_reason and not suppression.reason:
            rules = ", ".join(suppression.rules)
            problems.append(
                RawFinding(
                    "SCAN003",
                    suppression.location,
                    f"suppression of {rules} has no reason; add one (it appears in the review)",
                )
            )
        else:
            usable.append(suppression)
    used: set[int] = set()
    outcomes = []
    for finding in raw:
        match = next((i for i, s in enumerate(usable) if covers(s, finding)), None)
        if match is not None:
            used.add(match)
        outcomes.append(Outcome(finding, usable[match] if match is not None else None))
    for index, suppression in enumerate(usable):
        if index not in used:
            rules = ", ".join(suppression.rules)
            problems.append(
                RawFinding(
                    "SCAN002",
                    suppression.location,
                    f"suppression of {rules} matches no finding here; delete it",
                )
            )
    return outcomes, problems
