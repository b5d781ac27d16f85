"""The data every stage shares: severities, locations, findings, and per-file analyses.

Everything here is a frozen dataclass of plain values so that it can be sorted, hashed,
pickled (parallel workers) and serialised without surprises (the result cache decodes entries
into these classes against their type hints).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.IntEnum):
    """Ordered so that ``severity >= fail_on`` decides the exit code."""

    NOTE = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {choices})") from None

    @property
    def label(self) -> str:
        return self.name.lower()


class Kind(enum.StrEnum):
    """The kinds of facts: what a file is to the rules, whatever language it is written in.

    Templates declare infrastructure (``cfn``), CDK programs build it (``cdk``), application code
    uses the database (``app``), migrations and schema files are ``sql``; ``project`` is what
    only the files together show. Inputs (``scanner.inputs``) say which kinds they produce; a
    rule applies to the kinds whose facts it reads.
    """

    CFN = "cfn"
    CDK = "cdk"
    APP = "app"
    SQL = "sql"
    PROJECT = "project"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    Kind.CFN: "CloudFormation template",
    Kind.CDK: "CDK source",
    Kind.APP: "application code",
    Kind.SQL: "SQL",
    Kind.PROJECT: "project",
}


@dataclass(frozen=True, order=True)
class Location:
    """An exact place in a scanned file.

    Lines and columns are 1-based, like every editor and SARIF. ``snippet`` is the
    normalised text of the offending node; fingerprints are built from it instead of
    line numbers so that findings survive unrelated edits above them.
    """

    path: str
    line: int = 1
    column: int = 1
    end_line: int = 0
    end_column: int = 0
    resource: str = ""
    pointer: str = ""
    construct_path: str = ""
    qualified_name: str = ""
    snippet: str = ""
    stack: str = ""

    def __post_init__(self) -> None:
        if self.end_line < self.line:
            object.__setattr__(self, "end_line", self.line)
        if self.end_line == self.line and self.end_column < self.column:
            object.__setattr__(self, "end_column", self.column)


@dataclass(frozen=True)
class Hit:
    """What a rule's check yields: where, and what to say. The engine turns it into a Finding."""

    location: Location
    message: str
    # The rule could not decide here: a value it needs is unknown statically (a deletion
    # protection that depends on terraform.workspace or Fn::If). Never a finding and never an
    # exit code; a review cannot call what the rule evidences PASS, and says why.
    undecided: bool = False


@dataclass(frozen=True)
class RawFinding:
    """A hit bound to its rule, before configuration (severity overrides, selection) applies."""

    rule: str
    location: Location
    message: str
    context: str = ""  # the source line, for reporters that show it
    undecided: bool = False  # see ``Hit.undecided``


@dataclass(frozen=True)
class Suppression:
    """An in-source or metadata suppression: which rules, why, where it was written, what it covers.

    ``covers`` is the set of (first, last) line ranges or resource ids it applies to; the
    inputs that read suppressions decide what those are for their kind of file.
    """

    rules: tuple[str, ...]
    reason: str
    location: Location
    lines: tuple[int, int] = (0, 0)
    resource: str = ""
    whole_file: bool = False


@dataclass(frozen=True)
class Notice:
    """Something the scan could not do, said once per scan: never a finding, never an exit code.

    A missing optional tool (dsql-lint) is a fact about the machine, not about the code: it has
    no place in fingerprints, baselines or suppressions, and it must not fail a CI gate that the
    user did not ask to depend on it. ``hint`` says how to fix it; ``files`` counts the inputs
    it concerns.
    """

    id: str
    message: str
    hint: str = ""
    files: int = 1


@dataclass(frozen=True)
class Finding:
    """A reported problem, as every reporter sees it."""

    rule: str
    name: str
    severity: Severity
    message: str
    location: Location
    fingerprint: str
    requirements: tuple[str, ...] = ()
    remediation: str = ""
    suppressed: bool = False
    suppression_kind: str = ""  # "inSource" or "external" (baseline)
    suppression_reason: str = ""
    source_path: str = ""
    source_line: int = 0
    context: str = ""

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.rule, self.fingerprint)


@dataclass(frozen=True)
class BaselineEntry:
    """One accepted finding in a baseline file: matched by fingerprint, never by line."""

    fingerprint: str
    rule: str
    path: str
    message: str = ""
