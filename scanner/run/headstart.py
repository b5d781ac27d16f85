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

from scanner.inputs import file_parser_modules, inputs, named
from scanner.pipeline.discover import input_of
from scanner.run.worker import PARALLEL_MIN_FILES, Worker, default_jobs

_started: list[Worker] = []  # the worker begin() started, until the runner takes it


def begin(arguments: list[str]) -> None:
    """Start a worker for the parsers the named files need, where there is a core to spare."""
    if default_jobs() < 2:
        return
    names = named_inputs(arguments)
    if names:
        # the job is analyze.analyze_files
        worker = Worker.start(_modules(arguments, names), meanwhile=_masking)
        if worker is not None:
            _started.append(worker)


def named_inputs(arguments: list[str]) -> set[str]:
    """The inputs with an expensive parser among the named files; it stops reading once it has
    found every such input.

    With many files named (a hook run over a whole repository) there is no head start: the
    runner analyses that many in a pool of workers, and reading them all here would only delay
    the start.
    """
    if len(arguments) > PARALLEL_MIN_FILES:
        return set()
    expensive = sum(1 for each in inputs() if each.expensive)
    found: set[str] = set()
    for argument in arguments:
        name = _expensive_input(argument)
        if name is not None:
            found.add(name)
            if len(found) == expensive:
                break
    return found


def _modules(arguments: list[str], names: set[str]) -> tuple[str, ...]:
    """What analysing the named files of these inputs imports (a file may need less than its
    input's whole list: a Terraform ``.tf`` file does not need cfn-lint, its ``.tf.json``
    siblings do)."""
    files = []
    for argument in arguments:
        name = input_of(Path(argument))
        if name in names and not argument.startswith("-"):
            files.append((name, Path(argument)))
    return file_parser_modules(files)


def _masking() -> None:
    """What reporting a finding in a named file needs besides its parser: the patterns that
    mask secrets in the finding's excerpt (detect-secrets' import costs about 0.1 s), made
    while the worker waits for its job. The main process hands the job over once it has
    looked the files up, after the worker's imports; with a finding, the worker would
    otherwise import it after the analysis, while the main process waits."""
    from scanner.gate import mask

    mask.detections()


def take() -> Worker | None:
    """The head start's worker, once: from then on it is the caller's to use or release."""
    return _started.pop() if _started else None


def _expensive_input(argument: str) -> str | None:
    """The input of a named file whose analysis needs an expensive import, else None.

    A file its input can judge without the parser (a Python module without any word the
    analysis looks for, which CPython only syntax-checks) needs no head start.
    """
    path = Path(argument)
    name = input_of(path)
    if name is None or argument.startswith("-"):
        return None
    try:
        if not path.is_file() or not named(name).needs_parser(path):
            return None
    except OSError:
        return None
    return name
