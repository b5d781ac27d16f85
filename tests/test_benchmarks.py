"""The benchmark's own guarantees: the same corpus every time, and a planted-findings check that
fails a scanner which misses findings (it runs the installed dsql-scan, as the benchmark does)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _load(name: str, file: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


corpus = _load("corpus", "corpus.py")  # the name run.py imports it by
bench = _load("benchmark_run", "run.py")


def files_of(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_the_corpus_is_the_same_bytes_every_time(tmp_path):
    first = corpus.build(tmp_path / "a", 12, 14)
    second = corpus.build(tmp_path / "b", 12, 14)
    assert first == second and sum(first.values()) > 0
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")
    assert len([n for n in files_of(tmp_path / "a") if n.endswith(".py")]) == 14


def test_the_planted_findings_are_found_and_a_missing_one_fails_the_benchmark(tmp_path):
    planted = corpus.build(tmp_path, 12, 14)
    found = bench.check_planted(tmp_path, planted)
    assert all(found[rule] == count for rule, count in planted.items())
    (tmp_path / "app" / "module0007.py").write_text("VALUE = 1\n")  # it held two RDS009
    with pytest.raises(SystemExit, match="planted findings not reported exactly"):
        bench.check_planted(tmp_path, planted)


def test_a_measurement_reports_its_median_and_spread():
    runs = [(0.5, 40, 1), (0.3, 38, 1), (0.9, 41, 1), (0.4, 39, 1), (0.35, 37, 1)]
    assert bench.summary(runs) == {
        "seconds": 0.4,
        "fastest": 0.3,
        "slowest": 0.9,
        "runs": 5,
        "peak_mb": 41,
        "exit": 1,
    }
