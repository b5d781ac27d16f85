"""What a rule is: a declaration that reads like its documentation, plus one check over facts.

Examples are part of the declaration on purpose (as in fixit's VALID/INVALID): they are printed by
``dsql-scan rules ID``, rendered into SARIF ``help``, and a parametrized test runs every one of
them through the real engine, so documentation and behaviour cannot drift apart.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scanner.model import Hit, Kind, Severity

if TYPE_CHECKING:
    from scanner.config import Config
    from scanner.facts import FileFacts

HELP_URI = "https://github.com/dsql-scan/dsql-scan/blob/main/docs/rules.md#{anchor}"

FileCheck = Callable[["FileFacts", "Config"], Iterable[Hit]]
ProjectCheck = Callable[[Any, "Config"], Iterable[Hit]]


@dataclass(frozen=True)
class Example:
    """A documentation example that doubles as a test.

    ``fires`` is how many findings of the rule the example must produce (0 for a "must not
    fire" example); ``lines`` optionally pins the 1-based lines they must be on. ``filename``
    lets an example be a CDK app (``app.py``), an application module, a template, or SQL
    (``migration.sql``).
    """

    code: str
    fires: int
    kind: str = "cfn"
    lines: tuple[int, ...] = ()
    filename: str = ""
    extra_files: tuple[tuple[str, str], ...] = ()
    # (file name, text) of the tree at the git base the example is compared with, for rules
    # that judge change (DDB): the example is the working tree of a repository whose last
    # commit holds these files, scanned with ``--diff-base HEAD``
    base: tuple[tuple[str, str], ...] = ()

    @property
    def source(self) -> str:
        return textwrap.dedent(self.code).lstrip("\n")

    @property
    def base_sources(self) -> tuple[tuple[str, str], ...]:
        """The files at the base, as ``source`` is the example's file: dedented."""
        return tuple((name, textwrap.dedent(text).lstrip("\n")) for name, text in self.base)

    @property
    def file_name(self) -> str:
        if self.filename:
            return self.filename
        from scanner.inputs import example_file

        return example_file(Kind(self.kind))


@dataclass(frozen=True)
class Rule:
    """One rule of the catalogue. Severity and requirements live here and nowhere else."""

    id: str
    name: str
    title: str
    severity: Severity
    requirements: tuple[str, ...]
    rationale: str
    remediation: str
    examples: tuple[Example, ...] = ()
    check: FileCheck | None = None
    project_check: ProjectCheck | None = None
    # Not run by ``scan`` unless selected by name or prefix (``select``/``extend-select``):
    # a rule whose cost a pre-commit hook should not pay on every commit. ``review`` runs it.
    opt_in: bool = False
    # The FileFacts fields the check reads (a project check: the fields its project context is
    # built from). The kinds it applies to follow from which inputs produce them, so a new
    # language that produces the same facts is judged by the same rule with no edit; a file
    # rule is not run on a file where every fact it reads is empty.
    reads: tuple[str, ...] = ()
    # A project rule that judges what changed since a git base (``--diff-base``, ``review
    # --base``) and nothing without one: a run without a base does not load what it reads for
    # the files that are only context (the DynamoDB tables of every template, in a one-file run).
    needs_base: bool = False
    # The kinds the rule applies to: derived from ``reads`` (see ``rule``); declared only by
    # rules without a check, whose findings the engine emits (SCAN001: every kind).
    kinds: tuple[str, ...] = ()
    since: str = ""  # the release the rule first shipped in
    family: str = field(default="")

    @property
    def help_uri(self) -> str:
        return HELP_URI.format(anchor=self.id.lower())

    @property
    def is_project_rule(self) -> bool:
        return self.project_check is not None

    def applies_to(self, kind: str) -> bool:
        return kind in self.kinds


def rule(**declaration: Any) -> Rule:
    """Declare a rule; normalises free text so docstring-style indentation reads well."""
    for key in ("rationale", "remediation", "title"):
        if key in declaration:
            declaration[key] = " ".join(textwrap.dedent(declaration[key]).split())
    declaration["family"] = declaration["id"].rstrip("0123456789")
    reads = tuple(declaration.get("reads", ()))
    if reads and "kinds" not in declaration:
        from scanner.inputs import kinds_reading

        declaration["kinds"] = tuple(str(k) for k in kinds_reading(reads))
    if declaration.get("needs_base") and "project_check" not in declaration:
        raise ValueError(f"{declaration['id']}: only a project rule can judge against a base")
    return Rule(**declaration)
