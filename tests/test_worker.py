"""The forked worker: imports first, runs one job, answers or says it could not."""

from __future__ import annotations

import os
import sys

import pytest

from scanner.run.worker import Worker


def imported(name: str) -> bool:
    return name in sys.modules


def standard_output() -> str:
    return os.readlink("/proc/self/fd/1")


def start(modules: tuple[str, ...] = ()) -> Worker:
    worker = Worker.start(modules)
    assert worker is not None
    return worker


def test_the_job_runs_in_the_worker_and_its_value_comes_back():
    worker = start()
    assert worker.submit(divmod, 17, 5).result() == (True, (3, 2))
    assert worker.pid != os.getpid()


def test_the_modules_are_imported_before_the_job_runs():
    module = "xml.dom.minidom"
    assert not imported(module), "pick a module the test process has not imported"
    assert start((module,)).submit(imported, module).result() == (True, True)
    assert not imported(module), "the import happened in the worker only"


def test_a_failing_job_is_reported_as_not_delivered():
    assert start().submit(int, "not a number").result() == (False, None)


def test_a_module_that_cannot_be_imported_is_reported_as_not_delivered():
    assert start(("no_such_module_here",)).submit(divmod, 1, 1).result() == (False, None)


@pytest.mark.skipif(not os.path.exists("/proc/self/fd/1"), reason="needs /proc")
def test_the_worker_does_not_hold_the_callers_output_open():
    """A caller that reads the scan's output until it closes must not wait for the worker."""
    assert start().submit(standard_output).result() == (True, os.devnull)


def test_a_worker_without_a_job_exits_cleanly_when_the_pipe_closes():
    worker = start()
    os.close(worker.orders)
    os.close(worker.results)
    _, status = os.waitpid(worker.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_released_worker_is_gone():
    worker = start(("json",))
    worker.release()
    with pytest.raises(ChildProcessError):
        os.waitpid(worker.pid, os.WNOHANG)
    with pytest.raises(OSError):
        os.fstat(worker.orders)


def cyclic_garbage(cycles: int, size: int) -> int:
    """Make ``cycles`` reference cycles holding ``size`` bytes each; the peak RSS growth, MB."""
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(cycles):
        pair: list = [bytes(size)]
        pair.append(pair)
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024


def test_the_jobs_cyclic_garbage_is_collected():
    """A job analysing several large modules must not keep every module's tree (libcst's scopes
    form cycles) until the worker exits: about 300 MB of cyclic garbage, in more objects than
    the collector lets pile up between two collections, stays far below that."""
    delivered, grown = start(("json",)).submit(cyclic_garbage, 1_500_000, 100).result()
    assert delivered and grown < 120
