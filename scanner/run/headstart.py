"""A head start for the parsers when the command line names files (the pre-commit hook's case).

Analysing one changed module takes libcst (about 0.2 s to import) plus the analysis; one changed
template takes cfn-lint (about 0.5 s). Before the runner knows which named files the cache lacks,
the main process has spent a tenth of a second importing the command line, reading the
configuration, discovering the project and asking the cache. So the console script looks at its
arguments first: when they name existing files that need an expensive parser, it forks a
worker at once (the runner will hand it those files) which imports the parser while the main
process starts up. If the runner has no use for it (the cache had the file), it releases it.

This only guesses from the arguments (an existing ``-o report.json`` looks like a template), so
a wrong guess costs the other core an import and nothing else: the runner decides, and releases
a worker it does not need.
"""

from __future__ import annotations

from pathlib import Path

from scanner.inputs.python.module import MAX_PYTHON_BYTES, inert
from scanner.pipeline.analyze import parser_modules
from scanner.pipeline.discover import kind_of
from scanner.run.worker import PARALLEL_MIN_FILES, Worker, default_jobs

EXPENSIVE = ("python", "template")  # the kinds whose parser costs more than starting up
_started: list[Worker] = []  # the worker begin() started, until the runner takes it


def begin(arguments: list[str]) -> None:
    """Start a worker for the parsers the named files need, where there is a core to spare."""
    if default_jobs() < 2:
        return
    kinds = named_kinds(arguments)
    if kinds:
        worker = Worker.start(parser_modules(kinds))  # the job is analyze.analyze_files
        if worker is not None:
            _started.append(worker)


def named_kinds(arguments: list[str]) -> set[str]:
    """The expensive kinds among the named files; it stops reading once it has found both.

    With many files named (a hook run over a whole repository) there is no head start: the
    runner analyses that many in a pool of workers, and reading them all here would only delay
    the start.
    """
    if len(arguments) > PARALLEL_MIN_FILES:
        return set()
    kinds: set[str] = set()
    for argument in arguments:
        kind = _expensive_kind(argument)
        if kind is not None:
            kinds.add(kind)
            if len(kinds) == len(EXPENSIVE):
                break
    return kinds


def take() -> Worker | None:
    """The head start's worker, once: from then on it is the caller's to use or release."""
    return _started.pop() if _started else None


def _expensive_kind(argument: str) -> str | None:
    """The kind of a named file whose analysis needs an expensive import, else None.

    A Python module without any word the analysis looks for is only syntax-checked by CPython
    (see ``python.inert``), so naming it needs no libcst.
    """
    path = Path(argument)
    kind = kind_of(path)
    if kind not in EXPENSIVE or argument.startswith("-"):
        return None
    try:
        if not path.is_file():
            return None
        if kind == "python":
            with path.open("rb") as handle:
                text = handle.read(MAX_PYTHON_BYTES + 1).decode("utf-8", "replace")
            if inert(text):
                return None
    except OSError:
        return None
    return kind
