"""Health checks judged through the functions they call, across the modules of the application.

Each Python module records what its functions do (``FunctionSummary``: connects, queries, logs,
calls, in source order); this module links those summaries over the whole application and says,
for every function, what it achieves with everything it calls: whether it reaches a DSQL
connection, which query it runs, whether success is logged after the query and whether a failure
is logged (in an ``except``, at error level, or by a caller around a helper that raises).

The propagation is a bounded fixpoint (at most ``MAX_DEPTH`` rounds, one call level each), so
recursion and call cycles cost nothing extra and the result does not depend on the order in which
functions are asked about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import PurePosixPath

from scanner.facts import FileFacts, FunctionSummary, HealthCheck, Step
from scanner.inputs import names

MAX_DEPTH = 12  # call levels followed from a health check
TRIVIAL_QUERY = re.compile(r"^\s*select\s+1\s*(?:as\s+\w+\s*)?;?\s*$", re.IGNORECASE)
Key = tuple[str, str]  # a function: (path of its module, name within it)
HEALTH_WORDS = frozenset(
    {"health", "healthcheck", "healthz", "ping", "heartbeat", "readiness", "liveness", "probe"}
)


@cache
def health_named(name: str) -> bool:
    """A function named like a health check (``health_check``, ``Db.ping``, ``readinessProbe``)."""
    last = name.rsplit(".", 1)[-1]
    words = re.split(r"_+|(?<=[a-z0-9])(?=[A-Z])", last)
    return any(word.lower() in HEALTH_WORDS for word in words)


@dataclass(frozen=True)
class Reach:
    """What a function achieves with everything it calls (the fixpoint's value per function)."""

    connects: bool = False
    query: str = ""  # the first query it runs
    query_in: str = ""  # where that query runs, when in a helper
    trivial: bool = False
    logs_any_success: bool = False  # a success log anywhere on its success path
    logs_success: bool = False  # a success log after the query
    logs_failure: bool = False


@dataclass(frozen=True)
class Function:
    """A summary with the file it lives in: what the fixpoint works on."""

    path: str
    summary: FunctionSummary

    @property
    def key(self) -> Key:
        return (self.path, self.summary.name)

    @property
    def where(self) -> str:
        return f"{self.summary.name}() at {self.path}:{self.summary.location.line}"


def _stem(path: str) -> str:
    """``app/db.py`` -> ``app/db``; a package's ``__init__.py`` (a folder's ``index.ts``) stands
    for the package."""
    return "/".join(names.module_parts(path)) or path


class _Index:
    """Functions by file and name, and files by every trailing part of their module path, so
    that ``from app.db import ping`` finds ``src/app/db.py`` without knowing the import root."""

    def __init__(self, files: Iterable[FileFacts]) -> None:
        self.functions: dict[Key, Function] = {}
        self.modules: dict[str, list[str]] = {}
        for facts in sorted(files, key=lambda f: f.path):
            for summary in facts.functions:
                self.functions.setdefault((facts.path, summary.name), Function(facts.path, summary))
            parts = _stem(facts.path).split("/")
            for start in range(len(parts)):
                self.modules.setdefault(".".join(parts[start:]), []).append(facts.path)

    def callee(self, caller: str, step: Step) -> Key | None:
        """The function a call step invokes: in the caller's module, or in the project module
        its import names (the one nearest the caller when several match)."""
        if not step.module:
            key = (caller, step.text)
            return key if key in self.functions else None
        dotted = f"{step.module}.{step.text}"
        for cut in range(dotted.count("."), 0, -1):  # app.db.Database.ping: module, then class
            parts = dotted.split(".")
            module, name = ".".join(parts[:cut]), ".".join(parts[cut:])
            for path in sorted(self.modules.get(module, ()), key=lambda p: -_shared(p, caller)):
                if (path, name) in self.functions:
                    return (path, name)
        return None


def _shared(path: str, other: str) -> int:
    """How many leading directories two paths share."""
    count = 0
    for a, b in zip(PurePosixPath(path).parts[:-1], PurePosixPath(other).parts, strict=False):
        if a != b:
            break
        count += 1
    return count


def _step(
    function: Function, callees: tuple[Key | None, ...], reach: dict[Key, Reach], index: _Index
) -> Reach:
    """One function's Reach from its own steps and what its callees (resolved once, one per
    step) reach so far."""
    state = Reach()
    queried = False
    for step, key in zip(function.summary.steps, callees, strict=True):
        if step.kind == "connect":
            state = replace(state, connects=True)
        elif step.kind == "query":
            queried = True
            state = _with_query(state, step.text, "")
        elif step.kind == "success-log":
            state = replace(
                state, logs_any_success=True, logs_success=state.logs_success or queried
            )
        elif step.kind == "failure-log":
            state = replace(state, logs_failure=True)
        elif key is not None and key != function.key and key in reach:
            state, queried = _called(state, queried, reach[key], step, index.functions[key])
    return state


def _with_query(state: Reach, query: str, where: str) -> Reach:
    trivial = bool(TRIVIAL_QUERY.match(query))
    if state.query and not (trivial and not state.trivial):
        return replace(state, trivial=state.trivial or trivial)
    return replace(state, query=query, query_in=where, trivial=state.trivial or trivial)


def _called(
    state: Reach, queried: bool, inner: Reach, step: Step, callee: Function
) -> tuple[Reach, bool]:
    """A call's contribution: inside an ``except`` whatever the callee logs reports the failure;
    elsewhere it connects, queries and logs on the caller's behalf."""
    if step.in_except:
        failure = inner.logs_any_success or inner.logs_failure
        return replace(state, logs_failure=state.logs_failure or failure), queried
    if inner.query:
        state = _with_query(state, inner.query, inner.query_in or callee.where)
        state = replace(state, trivial=state.trivial or inner.trivial)  # not only the first
    state = replace(
        state,
        connects=state.connects or inner.connects,
        logs_any_success=state.logs_any_success or inner.logs_any_success,
        logs_success=state.logs_success
        or inner.logs_success
        or (queried and inner.logs_any_success),
        logs_failure=state.logs_failure or inner.logs_failure,
    )
    return state, queried or bool(inner.query)


def reaches(files: Iterable[FileFacts]) -> tuple[list[Function], dict[Key, Reach]]:
    """Every application function with what it reaches through its calls (bounded depth)."""
    index = _Index(files)
    functions = [index.functions[key] for key in sorted(index.functions)]
    callees = {
        f.key: tuple(index.callee(f.path, s) if s.kind == "call" else None for s in f.summary.steps)
        for f in functions
    }
    reach: dict[Key, Reach] = {}
    for _ in range(MAX_DEPTH):
        following = {f.key: _step(f, callees[f.key], reach, index) for f in functions}
        if following == reach:
            break
        reach = following
    return functions, reach


def health_checks(files: Iterable[FileFacts]) -> Iterator[HealthCheck]:
    """Health-check candidates: functions that connect to DSQL and run a query, directly or
    through what they call, and functions named like a health check whatever they reach."""
    functions, reach = reaches(files)
    for function in functions:
        state = reach[function.key]
        if (state.connects and state.query) or health_named(function.summary.name):
            yield HealthCheck(
                function=function.summary.name,
                location=function.summary.location,
                connects=state.connects,
                trivial_query=state.trivial,
                logs_success=state.logs_success,
                logs_failure=state.logs_failure,
                query=state.query,
                query_in=state.query_in,
            )
