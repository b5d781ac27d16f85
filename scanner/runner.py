"""Run the per-file analyses: from the cache where possible, in worker processes when it pays.

Output never depends on scheduling: results are returned in candidate order whatever order the
workers finish in. Small batches run in-process, because starting workers and importing the
parsers in each would cost more than it saves (the pre-commit case: a handful of files).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from scanner.analyze import analyze, preload
from scanner.cache import ResultCache, read_for_key
from scanner.config import Config
from scanner.discover import Candidate
from scanner.model import FileAnalysis

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
    """Fork workers after importing the parsers once, so each worker inherits them."""
    preload({c.kind for c in candidates})
    size = max(1, len(candidates) // (jobs * 4))
    batches = [
        [(c, config, reports) for c in candidates[i : i + size]]
        for i in range(0, len(candidates), size)
    ]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        return [analysis for batch in pool.map(_analyze_batch, batches) for analysis in batch]


def analyze_all(
    candidates: list[Candidate],
    config: Config,
    jobs: int | None = None,
    cache_dir: Path | None = None,
) -> tuple[FileAnalysis, ...]:
    """Every candidate's analysis, in order. ``cache_dir=None`` disables the cache."""
    jobs = jobs or default_jobs()
    cache = ResultCache(cache_dir, config) if cache_dir is not None else None
    results: list[FileAnalysis | None] = [None] * len(candidates)
    keys: dict[int, str] = {}
    todo: list[int] = []
    for index, candidate in enumerate(candidates):
        content = read_for_key(candidate, config.max_file_size) if cache else None
        if cache is not None and content is not None:
            keys[index] = cache.key(candidate, content)
            results[index] = cache.get(keys[index])
        if results[index] is None:
            todo.append(index)
    pending = [candidates[i] for i in todo]
    reports = _sql_reports(pending, config)
    if jobs > 1 and len(pending) >= PARALLEL_MIN_FILES:
        fresh = _in_workers(pending, config, jobs, reports)
    else:
        fresh = [analyze(candidate, config, reports) for candidate in pending]
    for index, analysis in zip(todo, fresh, strict=True):
        results[index] = analysis
        if cache is not None and index in keys:
            cache.put(keys[index], analysis)
    return tuple(r for r in results if r is not None)
