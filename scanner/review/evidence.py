"""Runtime evidence: JUnit XML test results that decide a requirement static analysis cannot.

A scan can refute FR-006, SC-002 and SC-003, never prove them; test results can. Each requirement
says how its results are judged (``Requirement.evidence``, also in a project's own catalogue):

- ``no-regression``: two files, the results before and after the migration. Every test that
  passed before passes after; one that fails, errors, is skipped or is gone is a regression.
- ``success-rate N/M``: one file, e.g. a health-check loop. At least N of its last M test cases
  (in document order) passed; with fewer than M cases it decides nothing.

A test is its ``classname`` and ``name`` (the test suite's name when it has no classname); it
passed when it has no failure, error or skipped result, and a test listed more than once passed
only if every occurrence did.

The files are untrusted input: at most 64 MiB, read once (the digest and the parse see the same
bytes), parsed by defusedxml (a DTD is refused, so no entity is ever expanded and nothing is
fetched) and read with junitparser. Any problem with them is an :class:`EvidenceError`, which
``review`` reports in one line (exit 2).
"""

from __future__ import annotations

import hashlib
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from scanner.rules.requirements import Requirement

MAX_BYTES = 64 * 1024 * 1024
NO_REGRESSION, SUCCESS_RATE = "no-regression", "success-rate"
RATE = re.compile(r"success-rate\s+(\d{1,6})\s*/\s*(\d{1,6})")
PASSED, FAILED, ERROR, SKIPPED, MISSING = "passed", "failed", "error", "skipped", "missing"
# an occurrence's outcome and how bad it is: a test listed twice counts as its worst occurrence
SEVERITY = {PASSED: 0, SKIPPED: 1, FAILED: 2, ERROR: 3}
NAMED_TESTS = 5  # regressions named in an explanation; the rest are counted
LONGEST_NAME = 160  # test names come from the file: a longer one is cut in explanations


class EvidenceError(ValueError):
    """An --evidence option or file the review cannot use: exit code 2."""


@dataclass(frozen=True)
class Method:
    """How a requirement is judged from test results: the files it takes, in order, and the
    success rate it needs (``success-rate`` only)."""

    name: str
    roles: tuple[str, ...]
    needed: int = 0
    window: int = 0

    @property
    def text(self) -> str:
        if self.name == NO_REGRESSION:
            return "every test that passed in BEFORE passes in AFTER"
        return f"at least {self.needed} of the last {self.window} test cases pass"

    def usage(self, requirement: str) -> str:
        """``SC-003=BEFORE.xml,AFTER.xml``: how the command line gives its files."""
        return f"{requirement}=" + ",".join(f"{role.upper()}.xml" for role in self.roles)


def method(declared: str) -> Method:
    """The method a requirement declares; ValueError naming the known ones otherwise."""
    text = " ".join(declared.split())
    if text == NO_REGRESSION:
        return Method(NO_REGRESSION, ("before", "after"))
    rate = RATE.fullmatch(text)
    if rate and 0 < int(rate[1]) <= int(rate[2]):
        return Method(SUCCESS_RATE, ("results",), int(rate[1]), int(rate[2]))
    raise ValueError(
        f"unknown evidence {declared!r} (known: {NO_REGRESSION}, {SUCCESS_RATE} N/M with "
        "0 < N <= M, e.g. success-rate 99/100)"
    )


@dataclass(frozen=True)
class Summary:
    tests: int
    passed: int
    failed: int
    errors: int
    skipped: int

    def record(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Results:
    """One evidence file: the requirement and role it was given for, its path as the review
    records it, its digest, and its test cases as (test, outcome) in document order."""

    requirement: str
    role: str
    path: str
    sha256: str
    cases: tuple[tuple[str, str], ...]

    @property
    def summary(self) -> Summary:
        outcomes = [outcome for _, outcome in self.cases]
        return Summary(
            len(outcomes),
            outcomes.count(PASSED),
            outcomes.count(FAILED),
            outcomes.count(ERROR),
            outcomes.count(SKIPPED),
        )

    def record(self) -> dict[str, Any]:
        """What the review's record keeps of it (``verify`` re-reads the file by its path)."""
        return {
            "requirement": self.requirement,
            "role": self.role,
            "path": self.path,
            "sha256": self.sha256,
            "summary": self.summary.record(),
        }


@dataclass(frozen=True)
class Judged:
    """What a requirement's results say: ``holds`` is None when they cannot decide it."""

    holds: bool | None
    explanation: str
    files: tuple[str, ...] = ()


def _outcome(case: Any) -> str:
    from junitparser import Error, Failure, Skipped

    results = case.result
    for kind, outcome in ((Error, ERROR), (Failure, FAILED), (Skipped, SKIPPED)):
        if any(isinstance(r, kind) for r in results):
            return outcome
    return PASSED


def parse(data: bytes, where: str) -> tuple[tuple[str, str], ...]:
    """The (test, outcome) pairs of a JUnit XML document, in document order."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring
    from junitparser import JUnitXml, JUnitXmlError

    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise EvidenceError(
            f"{where}: refused: it declares a DTD (entities are never expanded)"
        ) from None
    except (ParseError, LookupError) as exc:
        raise EvidenceError(f"{where}: not well-formed XML: {exc}") from None
    try:
        xml = JUnitXml.fromroot(root)
    except JUnitXmlError:
        tag = str(root.tag)[:60]
        raise EvidenceError(
            f"{where}: not JUnit XML (its root element is <{tag}>, not <testsuites> or <testsuite>)"
        ) from None
    cases = []
    for suite in xml:
        for case in suite:
            owner = case.classname or suite.name or ""
            name = case.name or ""
            cases.append((f"{owner}::{name}" if owner else name, _outcome(case)))
    return tuple(cases)


def _read(path: Path) -> bytes:
    """At most MAX_BYTES + 1 bytes of a regular file (OSError for anything else: a FIFO or a
    device is never opened, it could block or never end)."""
    if not stat.S_ISREG(path.stat().st_mode):
        raise OSError(0, "not a regular file")
    with path.open("rb") as stream:
        return stream.read(MAX_BYTES + 1)


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _cases(data: bytes, where: str) -> tuple[tuple[str, str], ...]:
    if len(data) > MAX_BYTES:
        raise EvidenceError(f"{where}: larger than {MAX_BYTES // (1024 * 1024)} MiB")
    return parse(data, where)


def recorded_path(given: str, root: Path) -> str | None:
    """The path the review records: relative to the root (POSIX), so that ``verify`` finds it
    from the root wherever it is run; None for a file outside the root (links followed):
    ``verify`` reads what a review document in the tree names, and never reads outside it."""
    resolved, top = Path(given).resolve(), root.resolve()
    if resolved.is_relative_to(top):
        return resolved.relative_to(top).as_posix()
    return None


def read(requirement: str, role: str, given: str, root: Path) -> Results:
    """One evidence file as named on the command line; EvidenceError when it is unusable."""
    where = f"--evidence {requirement} ({role}): {given}"
    try:
        data = _read(Path(given))
    except FileNotFoundError:
        raise EvidenceError(f"{where}: no such file") from None
    except OSError as exc:
        raise EvidenceError(f"{where}: cannot read: {exc.strerror or exc}") from None
    recorded = recorded_path(given, root)
    if recorded is None:
        raise EvidenceError(
            f"{where}: outside the project root {root}: put the test results in the project "
            "(verify reads them again from there, and never outside it)"
        )
    cases = _cases(data, where)
    return Results(requirement, role, recorded, _digest(data), cases)


def parse_option(value: str) -> tuple[str, tuple[str, ...]]:
    """``SC-003=before.xml,after.xml`` -> ("SC-003", ("before.xml", "after.xml"))."""
    ident, equals, files = value.partition("=")
    names = tuple(name.strip() for name in files.split(","))
    if not equals or not ident.strip() or not all(names):
        raise EvidenceError(
            f"--evidence {value!r}: expected REQUIREMENT=FILE[,FILE] "
            "(e.g. SC-003=before.xml,after.xml)"
        )
    return ident.strip(), names


def gather(
    options: Iterable[str], requirements: tuple[Requirement, ...], root: Path, catalogue: str
) -> tuple[Results, ...]:
    """Every file of the ``--evidence`` options, read and parsed, in catalogue order."""
    by_id = {r.id: r for r in requirements}
    takers = ", ".join(r.id for r in requirements if r.evidence) or "none"
    given: dict[str, tuple[Results, ...]] = {}
    for value in options:
        ident, names = parse_option(value)
        requirement = by_id.get(ident)
        if requirement is None:
            raise EvidenceError(
                f"--evidence {ident}: no such requirement in {catalogue} "
                f"(those that take evidence: {takers})"
            )
        if not requirement.evidence:
            raise EvidenceError(
                f"--evidence {ident}: {ident} takes no runtime evidence (those that do: {takers})"
            )
        if ident in given:
            raise EvidenceError(f"--evidence {ident}: given more than once")
        how = method(requirement.evidence)
        if len(names) != len(how.roles):
            raise EvidenceError(
                f"--evidence {ident}: {ident} takes {len(how.roles)} JUnit file(s), "
                f"got {len(names)} (--evidence {how.usage(ident)})"
            )
        given[ident] = tuple(
            read(ident, role, name, root) for role, name in zip(how.roles, names, strict=True)
        )
    return tuple(r for requirement in requirements for r in given.get(requirement.id, ()))


def well_formed(entries: Any) -> bool:
    """The evidence block of a review record, as ``reread`` reads it."""
    return isinstance(entries, list) and all(
        isinstance(e, dict)
        and all(isinstance(e.get(k), str) for k in ("requirement", "role", "path", "sha256"))
        for e in entries
    )


@dataclass(frozen=True)
class Change:
    """A recorded evidence file that is gone (``missing``) or has other bytes (``changed``)."""

    state: str
    path: str
    requirement: str
    role: str

    @property
    def line(self) -> str:
        return f"evidence {self.state}: {self.path} ({self.requirement} {self.role})"


def reread(
    entries: Iterable[Mapping[str, str]], root: Path
) -> tuple[tuple[Results, ...], tuple[Change, ...]]:
    """The recorded evidence read again (relative paths from ``root``), and what changed.

    A requirement one of whose files is missing or no longer parses is judged without evidence;
    one whose files changed is judged on what they say now.
    """
    loaded: list[Results] = []
    changes: list[Change] = []
    broken: set[str] = set()
    for entry in entries:
        recorded = entry["path"]
        requirement, role = entry["requirement"], entry["role"]
        path = root / recorded
        try:
            if recorded_path(str(path), root) is None:  # absolute, ``..`` or a link out
                raise OSError(0, "outside the project root")
            data = _read(path)
        except OSError:
            changes.append(Change("missing", recorded, requirement, role))
            broken.add(requirement)
            continue
        if _digest(data) != entry["sha256"]:
            changes.append(Change("changed", recorded, requirement, role))
        try:
            cases = _cases(data, recorded)
        except EvidenceError:
            broken.add(requirement)
            continue
        loaded.append(Results(requirement, role, recorded, _digest(data), cases))
    return tuple(r for r in loaded if r.requirement not in broken), tuple(changes)


def _short(test: str) -> str:
    return test if len(test) <= LONGEST_NAME else test[: LONGEST_NAME - 3] + "..."


def outcomes(cases: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each test's outcome, the worst of its occurrences, in order of first appearance."""
    found: dict[str, str] = {}
    for test, outcome in cases:
        if SEVERITY[outcome] >= SEVERITY[found.get(test, PASSED)]:
            found[test] = outcome
    return found


def regressions(before: Results, after: Results) -> tuple[tuple[str, str], ...]:
    """(test, outcome after) of every test that passed before and does not pass after."""
    now = outcomes(after.cases)
    return tuple(
        (test, now.get(test, MISSING))
        for test, outcome in outcomes(before.cases).items()
        if outcome == PASSED and now.get(test) != PASSED
    )


def no_regression(before: Results, after: Results) -> Judged:
    files = (before.path, after.path)
    passed = sum(1 for o in outcomes(before.cases).values() if o == PASSED)
    if not passed:
        return Judged(None, f"{before.path} has no passing test to compare with", files)
    lost = regressions(before, after)
    if not lost:
        return Judged(
            True,
            f"evidenced by {before.path} and {after.path}: all {passed} test(s) that passed "
            "before pass after",
            files,
        )
    named = ", ".join(f"{_short(test)} ({outcome})" for test, outcome in lost[:NAMED_TESTS])
    more = f" and {len(lost) - NAMED_TESTS} more" if len(lost) > NAMED_TESTS else ""
    return Judged(
        False,
        f"{len(lost)} of the {passed} test(s) that passed in {before.path} do not pass in "
        f"{after.path}: {named}{more}",
        files,
    )


def success_rate(results: Results, needed: int, window: int) -> Judged:
    files = (results.path,)
    cases = results.cases
    if len(cases) < window:
        return Judged(
            None,
            f"{results.path} has {len(cases)} test case(s); the last {window} are judged",
            files,
        )
    passed = sum(1 for _, outcome in cases[-window:] if outcome == PASSED)
    rate = f"{passed} of the last {window} test cases in {results.path} passed"
    share, required = f"{100 * passed / window:g}%", f"{100 * needed / window:g}%"
    if passed >= needed:
        return Judged(True, f"evidenced by {rate} ({share}; {required} required)", files)
    return Judged(False, f"only {rate} ({share}, below the {required} required)", files)


def judge(requirements: tuple[Requirement, ...], given: Iterable[Results]) -> dict[str, Judged]:
    """What the results say about each requirement they were given for (by id); a requirement
    that takes no evidence, or lacks one of its files, is left out."""
    by_role: dict[str, dict[str, Results]] = {}
    for results in given:
        by_role.setdefault(results.requirement, {})[results.role] = results
    out = {}
    for requirement in requirements:
        files = by_role.get(requirement.id, {})
        if not requirement.evidence or not files:
            continue
        how = method(requirement.evidence)
        if any(role not in files for role in how.roles):
            continue
        if how.name == NO_REGRESSION:
            out[requirement.id] = no_regression(files["before"], files["after"])
        else:
            out[requirement.id] = success_rate(files["results"], how.needed, how.window)
    return out
