"""Run the per-file analyses: from the cache where possible, in worker processes when it pays.

Output never depends on scheduling: results are returned in candidate order whatever order the
workers finish in. Small batches run in-process, because starting workers and importing the
parsers in each would cost more than it saves (the pre-commit case: a handful of files).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from scanner.analyze import analyze, preload
from scanner.cache import ResultCache, read_for_key
from scanner.config import Config
from scanner.discover import Candidate
from scanner.model import FileAnalysis
from scanner.project import context_view

PARALLEL_MIN_FILES = 16


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


Reports = dict[str, Any]


def _analyze_batch(batch: list[tuple[Candidate, Config, Reports]]) -> list[FileAnalysis]:
    return [analyze(candidate, config, reports) for candidate, config, reports in batch]


def _sql_reports(candidates: list[Candidate], config: Config) -> Reports:
    """dsql-lint reports for every pending ``.sql`` file, from one linter process."""
    if not any(c.kind == "sql" for c in candidates):
        return {}
    from scanner.inputs.sql import lint_candidates

    return lint_candidates(candidates, config.max_file_size)


def _in_workers(
    candidates: list[Candidate], config: Config, jobs: int, reports: Reports
) -> list[FileAnalysis]:
    """Fork workers after importing the parsers once, so each worker inherits them.

    multiprocessing is imported here: a one-file run never starts workers, and importing it
    costs a pre-commit run about 20 ms.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    preload({c.kind for c in candidates})
    size = max(1, len(candidates) // (jobs * 4))
    batches = [
        [(c, config, reports) for c in candidates[i : i + size]]
        for i in range(0, len(candidates), size)
    ]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        return [analysis for batch in pool.map(_analyze_batch, batches) for analysis in batch]


def _cached(cache: ResultCache, key: str, as_context: bool) -> FileAnalysis | None:
    """A file's cached analysis, or its context view (derived once from the full entry)."""
    if not as_context:
        return cache.get(key)
    view = cache.get(cache.context_key(key))
    if view is None:
        full = cache.get(key)
        if full is not None:
            view = context_view(full)
            cache.put(cache.context_key(key), view)
    return view


def analyze_all(
    candidates: list[Candidate],
    config: Config,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    context: list[Candidate] | None = None,
) -> tuple[FileAnalysis, ...]:
    """Every candidate's analysis in order, then every context file's context view.

    Context files (the rest of the project when files are named) only feed the project model,
    so they come back as ``project.context_view``, with or without the cache; each fresh
    analysis is cached whole and as that view. ``cache_dir=None`` disables the cache.
    """
    jobs = jobs or default_jobs()
    cache = ResultCache(cache_dir, config) if cache_dir is not None else None
    everything = [*candidates, *(context or ())]
    as_context = [index >= len(candidates) for index in range(len(everything))]
    results: list[FileAnalysis | None] = [None] * len(everything)
    keys: dict[int, str] = {}
    todo: list[int] = []
    for index, candidate in enumerate(everything):
        content = read_for_key(candidate, config.max_file_size) if cache else None
        if cache is not None and content is not None:
            keys[index] = cache.key(candidate, content)
            results[index] = _cached(cache, keys[index], as_context[index])
        if results[index] is None:
            todo.append(index)
    pending = [everything[i] for i in todo]
    reports = _sql_reports(pending, config)
    if jobs > 1 and len(pending) >= PARALLEL_MIN_FILES:
        fresh = _in_workers(pending, config, jobs, reports)
    else:
        fresh = [analyze(candidate, config, reports) for candidate in pending]
    for index, analysis in zip(todo, fresh, strict=True):
        view = context_view(analysis)
        results[index] = view if as_context[index] else analysis
        if cache is not None and index in keys:
            cache.put(keys[index], analysis)
            cache.put(cache.context_key(keys[index]), view)
    return tuple(r for r in results if r is not None)
