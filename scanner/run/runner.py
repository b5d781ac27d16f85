"""Run the per-file analyses: from the cache where possible, in worker processes when it pays.

Output never depends on scheduling: results are returned in candidate order whatever order the
workers finish in. Small batches run in-process, because starting workers and importing the
parsers in each would cost more than it saves, with one exception: the pre-commit case, a
handful of named files in a project whose other files are context. There the named files are
analysed by one worker process (``worker.Worker``: importing libcst or cfn-lint and parsing,
possibly since the console script started, see ``headstart``) while this process loads the
context from the cache on the other core.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache as cache_result
from pathlib import Path

from scanner.config import Config
from scanner.inputs import named as input_named
from scanner.pipeline.analyze import Batches, analyze, analyze_files, batches, preload
from scanner.pipeline.discover import Candidate
from scanner.project.context import context_fields, context_view
from scanner.results import FileAnalysis
from scanner.run import progress
from scanner.run.cache import PACK_MIN_ENTRIES, Key, ResultCache, read_for_key
from scanner.run.worker import PARALLEL_MIN_FILES, Pending, Worker, default_jobs


def _analyze_batch(batch: list[tuple[Candidate, Config, Batches]]) -> list[FileAnalysis]:
    return [analyze(candidate, config, prepared) for candidate, config, prepared in batch]


def _in_workers(
    candidates: list[Candidate], config: Config, jobs: int, prepared: Batches
) -> list[FileAnalysis]:
    """Fork workers after importing the parsers once, so each worker inherits them.

    multiprocessing is imported here: a one-file run never starts workers, and importing it
    costs a pre-commit run about 20 ms.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    preload(candidates)
    size = max(1, len(candidates) // (jobs * 4))
    chunks = _chunks(candidates, size)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        # the largest chunks first, so that the last ones to finish are small, but those of
        # inputs not preloaded last (see ``Input.preloaded``)
        futures = {
            i: pool.submit(_analyze_batch, [(c, config, prepared) for c in chunks[i]])
            for i in sorted(range(len(chunks)), key=lambda i: _order(chunks[i]))
        }
        return [analysis for i in range(len(chunks)) for analysis in _done(futures[i].result())]


def _order(chunk: list[Candidate]) -> tuple[bool, int]:
    return any(not input_named(c.input).preloaded for c in chunk), -_bytes(chunk)


def _bytes(chunk: list[Candidate]) -> int:
    """What a chunk holds, as the cost of analysing it: a large module costs most."""
    return sum(_size(candidate.path) for candidate in chunk)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # gone since discovery: its analysis says so
        return 0


def _chunks(candidates: list[Candidate], size: int) -> list[list[Candidate]]:
    """Consecutive runs of ``size`` candidates (the last may be shorter; a run is longer where
    it may not be cut), never cut inside a directory whose files an input analyses together (a
    Terraform module's, each with the whole module, which the worker that has them parses
    once). Elsewhere a run is cut wherever it is long enough: a directory of 400 synthesized
    templates is four workers' work, and one worker's result would be one message of them all."""
    together = {c.path.parent for c in candidates if input_named(c.input).companions}
    chunks: list[list[Candidate]] = []
    current: list[Candidate] = []
    for candidate in candidates:
        directory = candidate.path.parent
        inside = bool(current) and directory == current[-1].path.parent and directory in together
        if len(current) >= size and not inside:
            chunks.append(current)
            current = []
        current.append(candidate)
    if current:
        chunks.append(current)
    return chunks


def _done(analyses: list[FileAnalysis]) -> list[FileAnalysis]:
    progress.advance(len(analyses))
    return analyses


@cache_result
def kept_in_context(comparing: bool = False) -> frozenset[str]:
    """The facts a context file keeps: the project model's and the ``reads`` of every project
    rule the run can fire; ``comparing``: the run compares with a git base, so the rules that
    judge only against one (``needs_base``) count too.

    Derived, so a project rule that reads another fact is given it with no edit here. The rules
    are imported on first use, as analysis imports them."""
    from scanner.rules import ALL_RULES

    return context_fields(
        f
        for r in ALL_RULES
        if r.is_project_rule and (comparing or not r.needs_base)
        for f in r.reads
    )


def _waiting_for(
    pending: Pending, candidates: list[Candidate], config: Config
) -> Callable[[], list[FileAnalysis]]:
    """Wait for the worker's analyses; when it failed, analyse here, so that an error surfaces
    exactly as it would have without the worker."""

    def result() -> list[FileAnalysis]:
        delivered, analyses = pending.result()
        return _done(analyses if delivered else analyze_files(candidates, config))

    return result


def _cached(cache: ResultCache, key: Key, keep: frozenset[str] | None) -> FileAnalysis | None:
    """A file's cached analysis, or (``keep``: the facts a context file keeps) its context
    view, derived once from the full entry."""
    if keep is None:
        return cache.get(key)
    view = cache.get(key.context(keep))
    if view is None:
        full = cache.get(key)
        if full is not None:
            view = context_view(full, keep)
            cache.put(key.context(keep), view)
    return view


@dataclass
class _Batch:
    """Candidates, what the cache had for them, and which still need an analysis."""

    candidates: list[Candidate]
    as_context: bool
    keep: frozenset[str]  # the facts a context view keeps in this run (``kept_in_context``)
    results: list[FileAnalysis | None] = field(default_factory=list)
    keys: dict[int, Key] = field(default_factory=dict)
    todo: list[int] = field(default_factory=list)
    # A named file of the fallback input (a template) that parses is analysed exactly as a
    # discovered one: its result is also kept under the discovered key, for the runs in which
    # it is context.
    aliases: dict[int, Key] = field(default_factory=dict)

    @property
    def pending(self) -> list[Candidate]:
        return [self.candidates[i] for i in self.todo]


def _look_up(
    candidates: list[Candidate],
    config: Config,
    cache: ResultCache | None,
    as_context: bool,
    keep: frozenset[str],
) -> _Batch:
    batch = _Batch(candidates, as_context, keep, results=[None] * len(candidates))
    for index, candidate in enumerate(candidates):
        content = read_for_key(candidate, config.max_file_size) if cache else None
        if cache is not None and content is not None:
            batch.keys[index] = cache.key(candidate, content)
            batch.results[index] = _cached(cache, batch.keys[index], keep if as_context else None)
            if candidate.explicit and input_named(candidate.input).fallback:
                batch.aliases[index] = cache.key(replace(candidate, explicit=False), content)
        if batch.results[index] is None:
            batch.todo.append(index)
    progress.advance(len(candidates) - len(batch.todo))
    return batch


def _analyze(candidates: list[Candidate], config: Config, jobs: int) -> list[FileAnalysis]:
    if jobs > 1 and len(candidates) >= PARALLEL_MIN_FILES:
        return _in_workers(candidates, config, jobs, batches(candidates, config))
    return analyze_files(candidates, config, _done)


def _complete(
    batch: _Batch, fresh: list[FileAnalysis], cache: ResultCache | None
) -> tuple[FileAnalysis, ...]:
    """Fill in the fresh analyses (as context views for context files) and cache them whole
    and as their view, so that any file can later be context without being parsed again.

    The cache stores an analysis only when it is of the bytes the key was read from (see
    ``ResultCache.put``): a file edited since its key was computed is reported as analysed,
    and cached by the next run.
    """
    for index, analysis in zip(batch.todo, fresh, strict=True):
        view = context_view(analysis, batch.keep)
        batch.results[index] = view if batch.as_context else analysis
        if cache is None or index not in batch.keys or analysis.transient:
            continue
        keys = [batch.keys[index]]
        if analysis.facts is not None and index in batch.aliases:
            keys.append(batch.aliases[index])
        for key in keys:
            cache.put(key, analysis)
            cache.put(key.context(batch.keep), view)
    return tuple(r for r in batch.results if r is not None)


@dataclass(frozen=True)
class Started:
    """Analyses under way: the context is there, the named files' analyses come from ``wait``;
    ``close`` once they are done.

    ``in_background`` says the named files are being analysed in another process, so that
    whatever the caller does before ``wait`` (linking the context) costs no time.
    """

    context: tuple[FileAnalysis, ...]
    wait: Callable[[], tuple[FileAnalysis, ...]]
    in_background: bool = False
    # what the run's pack remembers masking, and ``close(masked)``, called once the run is done
    # and has masked what it shows: keeps the run's entries and that in its pack
    masked: Mapping[str, str] = field(default_factory=dict)
    close: Callable[[Mapping[str, str]], None] = field(default=lambda masked: None)


def start_all(
    candidates: list[Candidate],
    config: Config,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    context: list[Candidate] | None = None,
    worker: Worker | None = None,
    packs: bool = True,
    comparing: bool = False,
) -> Started:
    """Every candidate's analysis, and every context file's context view.

    Context files (the rest of the project when files are named) only feed the project model,
    so they come back as ``project.context_view``, with or without the cache; ``comparing``: the
    run compares with a git base, so the views keep what the rules that need one read (see
    ``kept_in_context``), and are kept apart from the other runs' views. ``cache_dir=None``
    disables the cache (so does a cache ``ResultCache.open`` finds unsafe). ``worker`` is one
    already importing the parsers (the console script's head start): it gets the named files
    the cache lacks, or is released.
    """
    jobs = jobs or default_jobs()
    context = context or []
    progress.expect(len(candidates) + len(context))
    keep = kept_in_context(comparing)
    cache = ResultCache.open(cache_dir, config, packs) if cache_dir is not None else None
    if cache is not None and len(candidates) + len(context) >= PACK_MIN_ENTRIES:
        cache.use_pack(("context-base" if comparing else "context") if context else "scan")
    named = _look_up(candidates, config, cache, False, keep)
    pending = named.pending
    few = bool(pending) and jobs > 1 and len(pending) < PARALLEL_MIN_FILES
    # worth a worker when there is context to load meanwhile, or when one is already importing
    if few and (context or worker is not None):
        worker = worker or Worker.start(())  # the job imports its parser itself
    elif worker is not None:
        worker.release()
        worker = None
    # the context files the worker analyses with the named ones (found stale in the cache)
    siblings = _look_up(_siblings(pending, context) if worker else [], config, cache, True, keep)
    if len(pending) + len(siblings.todo) >= PARALLEL_MIN_FILES:
        siblings.todo = []  # a large module: its files are analysed in a pool, below
    stale = siblings.pending
    if worker is not None:
        shared = pending + stale
        waiting = _waiting_for(worker.submit(analyze_files, shared, config), shared, config)
    else:
        done = _analyze(pending, config, jobs)
        waiting = lambda: done  # noqa: E731
    pairs = zip(siblings.candidates, siblings.results, strict=True)
    taken = {id(c) for c, r in pairs if r is not None or c in stale}
    around = _look_up([c for c in context if id(c) not in taken], config, cache, True, keep)
    _complete(around, _analyze(around.pending, config, jobs), cache)
    remembered = cache.masked() if cache is not None else {}
    close = _closing(cache, (named, siblings, around))
    if not stale:
        return Started(
            context=_in_context_order(context, (siblings, around)),
            wait=cache_result(lambda: _complete(named, waiting(), cache)),  # once, however asked
            in_background=worker is not None,
            masked=remembered,
            close=close,
        )
    # the worker analyses part of the context too: the context is complete once it is done
    fresh = waiting()
    mine = _complete(named, fresh[: len(pending)], cache)
    _complete(siblings, fresh[len(pending) :], cache)
    return Started(
        context=_in_context_order(context, (siblings, around)),
        wait=lambda: mine,
        masked=remembered,
        close=close,
    )


def _closing(
    cache: ResultCache | None, batches: tuple[_Batch, ...]
) -> Callable[[Mapping[str, str]], None]:
    """``Started.close``: keep the run's entries in its pack (``ResultCache.flush``), each
    file's full analysis or its context view when it was context, in the run's order."""

    def close(masked: Mapping[str, str]) -> None:
        if cache is not None:
            names = [
                key.context(batch.keep).name if batch.as_context else key.name
                for batch in batches
                for key in batch.keys.values()
            ]
            cache.flush(names, masked)

    return close


def _siblings(pending: list[Candidate], context: list[Candidate]) -> list[Candidate]:
    """The context files in the directory of a named file whose input reads a directory's
    files together (a Terraform module's): when the named file changed, their cached analyses
    are stale too, and the worker analysing it has just parsed them (a one-file run would
    otherwise import the parser and parse the module again in this process)."""
    directories = {_directory(c) for c in pending if input_named(c.input).companions}
    if not directories:
        return []
    return [c for c in context if input_named(c.input).companions and _directory(c) in directories]


def _directory(candidate: Candidate) -> str:
    """A candidate's directory as an absolute path (a named file's path is as given)."""
    return os.path.dirname(os.path.abspath(candidate.path))


def _in_context_order(
    context: list[Candidate], batches: tuple[_Batch, ...]
) -> tuple[FileAnalysis, ...]:
    """The context views of several batches, in the context's order (the project model's
    input, which must not depend on which process analysed what)."""
    found = {
        id(candidate): result
        for batch in batches
        for candidate, result in zip(batch.candidates, batch.results, strict=True)
    }
    return tuple(r for r in (found.get(id(c)) for c in context) if r is not None)


def analyze_all(
    candidates: list[Candidate],
    config: Config,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    context: list[Candidate] | None = None,
) -> tuple[FileAnalysis, ...]:
    """Every candidate's analysis in order, then every context file's context view."""
    started = start_all(candidates, config, jobs=jobs, cache_dir=cache_dir, context=context)
    analyses = started.wait()
    started.close(started.masked)
    return analyses + started.context
