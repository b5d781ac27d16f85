"""A forked helper process that imports the parsers, then runs one job for the scan.

A pre-commit run names a file or two, and the time it takes is mostly imports: libcst alone
costs about 0.2 s, cfn-lint about 0.5 s, longer than everything else the run does before it
knows which files need analysing. A worker is forked, imports what the job will need on the
other core, and waits for its one job (a function and its arguments, pickled: both processes
run the same code, so only data crosses). Meanwhile the scan goes on in the main process.

The worker is an optimisation, never a source of results the main process could not produce:
when it fails or is killed, ``Pending.result`` says so and the caller does the job itself.
"""

from __future__ import annotations

import gc
import importlib
import os
import pickle
import select
import signal
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from scanner import fastpaths

# Below this many files to analyse, a pool of workers costs more than it saves (each would
# import the parsers); the runner analyses them in-process or in one worker.
PARALLEL_MIN_FILES = 16


def default_jobs() -> int:
    """How many processes can run at once: the CPUs this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


@dataclass
class Worker:
    """A forked process that has imported (or is importing) its modules and awaits one job."""

    pid: int
    orders: int  # write end of the pipe the job goes down
    results: int  # read end of the pipe its result comes back on

    @classmethod
    def start(
        cls, modules: Iterable[str], meanwhile: Callable[[], object] | None = None
    ) -> Worker | None:
        """Fork a worker that imports ``modules``, then runs ``meanwhile`` if its job has not
        come yet (work the job may need, done while the worker would otherwise wait); None
        where processes cannot be forked."""
        if not hasattr(os, "fork"):
            return None
        modules = tuple(modules)
        order_read, order_write = os.pipe()
        result_read, result_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: never returns, never runs the parent's exit handlers
            os.close(order_write)
            os.close(result_read)
            _serve(modules, order_read, result_write, meanwhile)
        os.close(order_read)
        os.close(result_write)
        return cls(pid, order_write, result_read)

    def submit(self, job: Callable[..., Any], *args: Any) -> Pending:
        """Hand the worker its job. Small orders fit the pipe, so this does not wait for the
        worker to finish its imports."""
        with os.fdopen(self.orders, "wb") as pipe:
            pickle.dump((job, args), pipe, protocol=pickle.HIGHEST_PROTOCOL)
        return Pending(self)

    def release(self) -> None:
        """Stop a worker that will get no job (it holds nothing worth waiting for)."""
        os.close(self.orders)
        os.close(self.results)
        os.kill(self.pid, signal.SIGKILL)  # unreaped until the next line, so never a stranger
        os.waitpid(self.pid, 0)


@dataclass
class Pending:
    """A submitted job; ``result`` waits for it."""

    worker: Worker

    def result(self) -> tuple[bool, Any]:
        """(True, the job's return value), or (False, None) when the worker did not deliver."""
        with os.fdopen(self.worker.results, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self.worker.pid, 0)
        if status == 0 and data:
            return True, pickle.loads(data)  # our own fork's output
        return False, None


def _serve(
    modules: tuple[str, ...], orders: int, results: int, meanwhile: Callable[[], object] | None
) -> None:
    """The worker's life: import, read the job (none if the pipe closes), run it, answer."""
    status = 1
    try:
        # Output and errors belong to the main process, which redoes a failed job itself; a
        # worker must not hold its caller's pipes open either.
        quiet = os.open(os.devnull, os.O_RDWR)
        for stream in (0, 1, 2):
            os.dup2(quiet, stream)
        for module in modules:
            importlib.import_module(module)
        if meanwhile is not None and not select.select([orders], [], [], 0)[0]:
            meanwhile()
        # What is imported now lives as long as the worker: the cyclic collector leaves it
        # alone from here on (and so does not copy the pages shared with the parent), while
        # the job's own cyclic garbage (libcst's scopes) is still collected as it goes.
        gc.freeze()
        fastpaths.collect_rarely()
        with os.fdopen(orders, "rb") as pipe:
            order = pipe.read()
        if order:
            job, args = pickle.loads(order)
            value = job(*args)
            with os.fdopen(results, "wb") as pipe:
                pickle.dump(value, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        status = 0
    finally:
        os._exit(status)
