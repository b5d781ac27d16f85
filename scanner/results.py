"""What a scan produces: one analysis per file, and the result every reporter renders.

Apart from the vocabulary (``scanner.model``) because an analysis holds a file's facts
(``scanner.facts``), and facts are located with the vocabulary's ``Location``: the three modules
import one way, model <- facts <- results.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.facts import FileFacts
from scanner.model import BaselineEntry, Finding, Notice, RawFinding, Severity, Suppression

# What FileAnalysis.input says of files in scope whose content no rule judged: ``skipped``
# (read, and no input's after all: a YAML file that is no template) and ``unread`` (not read at
# all: a language dsql-scan does not read, SQL without dsql-lint). Neither counts as scanned.
SKIPPED, UNREAD = "skipped", "unread"
NOT_ANALYSED = frozenset({SKIPPED, UNREAD})


@dataclass(frozen=True)
class FileAnalysis:
    """Everything learned from one file, independent of configuration that only filters.

    This is the unit of parallelism and caching: a pure function of the file's bytes, the tool
    version and the configuration that changes what rules compute.
    """

    path: str
    input: str  # the name of the input that read it (scanner.inputs), or SKIPPED / UNREAD
    facts: FileFacts | None = None
    raw: tuple[RawFinding, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    note: str = ""  # why a file was skipped or not read (shown with --verbose)
    sha256: str = ""
    notices: tuple[Notice, ...] = ()  # what this file could not have checked (merged per scan)
    transient: bool = False  # depends on this run, not on the file (a time budget): never cached


def base_label(ref: str, commit: str) -> str:
    """How a git base is named to a reader: the ref as given and its commit, ``main
    (3f2a1c9d0e12)``."""
    return f"{ref} ({commit[:12]})"


@dataclass(frozen=True)
class Compared:
    """The git base a scan compared the working tree with (``--diff-base``/``review --base``):
    the ref as given, the commit it named, how many DynamoDB tables the base declares (what
    "unchanged" speaks for) and how many the working tree adds."""

    ref: str
    commit: str
    tables: int
    added: int = 0

    @property
    def label(self) -> str:
        return base_label(self.ref, self.commit)


@dataclass(frozen=True)
class ScanResult:
    """The one object every reporter renders."""

    findings: tuple[Finding, ...]
    files: tuple[FileAnalysis, ...]
    root: str
    fail_on: Severity | None
    rules_run: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = field(default=())  # (path, why), files and dirs/
    # What discovery did not read, directories ending in "/": excluded, virtualenvs and caches,
    # links that leave the root, FIFOs, unreadable directories (the review lists them).
    left_out: tuple[tuple[str, str], ...] = ()
    baseline_file: str = ""  # the --baseline file applied, if any
    baseline_unmatched: tuple[BaselineEntry, ...] = ()  # entries that hide nothing any more
    diff_base: str = ""  # the git ref findings were restricted to (--diff-base)
    compared: Compared | None = None  # the git base the DynamoDB layer was compared with
    notices: tuple[Notice, ...] = ()
    # What rules could not decide (values unknown statically): never findings; see Hit.undecided
    undecided: tuple[RawFinding, ...] = ()

    @property
    def active(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.suppressed)

    @property
    def failed(self) -> bool:
        if self.fail_on is None:
            return False
        return any(f.severity >= self.fail_on for f in self.active)
