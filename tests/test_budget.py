"""The per-file time budget (``max-file-seconds``): a file whose analysis takes too long is one
SCAN001 at line 1, the rest of the scan goes on, and the result is never cached."""

from __future__ import annotations

import re
import signal
import threading
import time
from dataclasses import replace

import pytest

from scanner.config import ConfigError, from_mapping
from scanner.pipeline import analyze as analyze_module
from scanner.pipeline.discover import Candidate
from scanner.run.budget import OverBudget, TimeLimit, untimed
from tests.conftest import RESIDUE, write
from tests.limits import assert_no_traceback, run_limited

GOOD = "Resources:\n  Db:\n    Type: AWS::RDS::DBCluster\n"
CLUSTERS = 2000  # a valid template that takes seconds to analyse on any machine


def _slow_template() -> str:
    resources = "".join(
        f"  Db{n}:\n    Type: AWS::RDS::DBCluster\n"
        f"    Properties: {{Engine: aurora-postgresql, Port: 5432, MasterUsername: u{n}}}\n"
        for n in range(CLUSTERS)
    )
    return "Resources:\n" + resources


def _project(root, seconds: float, others: int = 1):
    write(root, {"pyproject.toml": f"[tool.dsql-scan]\nmax-file-seconds = {seconds}\n"})
    write(root, {f"good{n:02}.yaml": GOOD for n in range(others)})
    write(root, {"big.yaml": _slow_template()})
    return root


def _findings(run):
    assert_no_traceback(run)
    return [(f["rule"], f["path"], f["line"], f["message"]) for f in run.json()["findings"]]


@pytest.mark.parametrize("others", [1, 20], ids=["in-process", "forked-workers"])
def test_file_over_budget_is_one_scan001_at_line_1_and_the_rest_is_scanned(tmp_path, others):
    _project(tmp_path, 0.2, others)
    started = time.monotonic()
    run = run_limited("scan", ".", "--format", "json", "--jobs", "2", *RESIDUE, cwd=tmp_path)
    elapsed = time.monotonic() - started
    found = _findings(run)
    assert run.code == 1
    assert [f for f in found if f[1] == "big.yaml"] == [
        ("SCAN001", "big.yaml", 1, "cannot parse file: analysis exceeded 0.2 s (max-file-seconds)")
    ]
    assert sorted(f[1] for f in found if f[0] == "RDS001") == [
        f"good{n:02}.yaml" for n in range(others)
    ]
    assert elapsed < 30, elapsed


def test_over_budget_result_is_not_cached(tmp_path):
    """A timed-out analysis says nothing about the file: with a larger budget the same bytes are
    analysed again (from an unchanged cache), and equal a run without the cache."""
    _project(tmp_path, 0.2)
    first = _findings(run_limited("scan", "big.yaml", "--format", "json", *RESIDUE, cwd=tmp_path))
    assert [f[0] for f in first] == ["SCAN001"]
    write(tmp_path, {"pyproject.toml": "[tool.dsql-scan]\nmax-file-seconds = 300\n"})
    cached = run_limited("scan", "big.yaml", "--format", "json", *RESIDUE, cwd=tmp_path)
    fresh = run_limited(
        "scan", "big.yaml", "--format", "json", "--no-cache", *RESIDUE, cwd=tmp_path
    )
    assert _findings(cached) == _findings(fresh)
    rules = [f[0] for f in _findings(cached)]
    assert "SCAN001" not in rules
    assert rules.count("RDS001") == CLUSTERS


def test_time_limit_interrupts_a_catastrophic_regular_expression():
    started = time.monotonic()
    with pytest.raises(OverBudget), TimeLimit(0.2) as budget:
        re.match(r"(a+)+$", "a" * 40 + "b")
    assert budget.expired
    assert time.monotonic() - started < 5


def test_time_limit_restores_the_previous_handler_and_stops_the_timer():
    before = signal.getsignal(signal.SIGALRM)
    with TimeLimit(5):
        pass
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_time_limit_is_not_enforced_off_the_main_thread():
    outcome = []

    def body():
        with TimeLimit(0.05) as budget:
            time.sleep(0.2)
        outcome.append(budget.expired)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    assert outcome == [False]


def test_a_swallowed_timeout_still_makes_the_file_scan001(tmp_path, monkeypatch):
    """Code that catches everything cannot turn an interrupted analysis into a clean one."""
    path = write(tmp_path, {"t.yaml": GOOD}) / "t.yaml"
    candidate = Candidate(path=path, rel="t.yaml", input="cloudformation")
    real = analyze_module._analyze_file

    def swallowing(*args):
        try:  # what a careless parser does
            time.sleep(1)
        except BaseException:
            return real(*args)  # and the timer fires again in here
        raise AssertionError("the budget did not expire")

    monkeypatch.setattr(analyze_module, "_analyze_file", swallowing)
    config = replace(from_mapping({}, tmp_path, ""), max_file_seconds=0.1)
    analysis = analyze_module.analyze(candidate, config)
    assert analysis.transient
    assert [(r.rule, r.location.line) for r in analysis.raw] == [("SCAN001", 1)]


@pytest.mark.parametrize("value", [0, -1, "30", True, float("inf"), float("nan")])
def test_max_file_seconds_must_be_a_positive_number(tmp_path, value):
    with pytest.raises(ConfigError, match="max-file-seconds"):
        from_mapping({"max-file-seconds": value}, tmp_path, "pyproject.toml")


def test_max_file_seconds_default_and_fractions(tmp_path):
    assert from_mapping({}, tmp_path, "").max_file_seconds == 30
    assert from_mapping({"max-file-seconds": 2.5}, tmp_path, "").max_file_seconds == 2.5


def test_one_time_loads_are_not_charged_to_the_file():
    """Importing a parser or loading cfn-lint's rules is the process's cost: the file gets that
    time back, and the load itself is never interrupted."""
    with TimeLimit(0.2) as budget:
        with untimed():
            time.sleep(0.5)
        time.sleep(0.05)
    assert not budget.expired
    with pytest.raises(OverBudget), TimeLimit(0.2):
        with untimed():
            time.sleep(0.3)
        time.sleep(1)
