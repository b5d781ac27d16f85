"""A time budget per analysed file, so that no single file can hold up the scan.

The guards refuse the inputs known to be costly before any parser sees them; the budget is the
backstop for whatever they do not foresee (a parser's or a rule's worst case on a file that is
valid). A real-time interval timer delivers SIGALRM to the process that analyses, and its
handler raises ``OverBudget`` there: CPython runs signal handlers between bytecodes and checks
for them during long regular-expression matches, so pure-Python parsing, rule checks and
``re`` all stop within moments. Signals only reach the main thread, so elsewhere (a caller
that analyses from a thread) the budget is not enforced.

What is measured is the file's own analysis: time spent importing (the first file of a kind
imports its parser, cfn-lint loads its rules once per process) is the process's cost, so it is
not charged, and the exception is never raised inside an import, which would leave a module
missing or half-initialised for every later file of the process. The exception can also land
where it cannot propagate (a ``__del__`` running meanwhile, code that catches everything), so
once the budget is spent the timer keeps firing every ``RETRY`` seconds until the analysis is
left, and Python's report of exceptions it had to ignore stays quiet about ours.
"""

from __future__ import annotations

import builtins
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

RETRY = 0.05


class OverBudget(BaseException):
    """The budget ran out. A BaseException, so a parser's ``except Exception`` cannot hide it."""


@dataclass
class Budget:
    """One file's budget; ``expired`` stays set even if some code swallowed ``OverBudget``."""

    seconds: float
    expired: bool = False
    started: float = field(default_factory=time.monotonic)
    loading: int = 0  # imports (and other one-time loads) in progress
    loaded: float = 0.0  # seconds they took: not charged to the file

    def spent(self) -> float:
        return time.monotonic() - self.started - self.loaded


_current: list[Budget] = []  # the budget running in this process, if any


@contextmanager
def untimed() -> Iterator[None]:
    """A one-time, per-process load (an import, cfn-lint's rule set): not the file's time, and
    never interrupted."""
    budget = _current[-1] if _current else None
    if budget is None:
        yield
        return
    budget.loading += 1
    began = time.monotonic()
    try:
        yield
    finally:
        budget.loading -= 1
        if not budget.loading:
            budget.loaded += time.monotonic() - began


def _importing(frame: FrameType | None) -> bool:
    """Is an import running (also one that bypasses ``__import__``, ``importlib``'s own)?"""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def enforceable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


class TimeLimit:
    """Raise ``OverBudget`` in the body once it has spent ``seconds`` (imports not counted).

    A class, not a generator: the handler must recognise the frame that disarms it (a signal
    handled there must not raise, or the timer would outlive the body). ``OverBudget`` can
    still surface as the body ends, so callers catch it around the ``with`` statement.
    """

    def __init__(self, seconds: float) -> None:
        self.budget = Budget(seconds)
        self.armed = False
        self.saved: tuple[Any, Any, Any] | None = None

    def __enter__(self) -> Budget:
        if self.budget.seconds <= 0 or not enforceable() or _current:
            return self.budget
        real_import = builtins.__import__
        report_unraisable = sys.unraisablehook

        def timed_import(name: str, *args: Any, **kwargs: Any) -> Any:
            if name in sys.modules and not any(args[2:4]) and not kwargs:
                # loaded already and no names asked of it (libcst's parser asks for a
                # loaded module tens of thousands of times a file): nothing to time
                return real_import(name, *args)
            with untimed():
                return real_import(name, *args, **kwargs)

        def quiet(unraisable: Any) -> None:
            if not isinstance(unraisable.exc_value, OverBudget):
                report_unraisable(unraisable)

        previous = signal.signal(signal.SIGALRM, self._expire)
        self.saved = (previous, real_import, report_unraisable)
        _current.append(self.budget)
        builtins.__import__ = timed_import
        sys.unraisablehook = quiet
        self.armed = True
        signal.setitimer(signal.ITIMER_REAL, self.budget.seconds, RETRY)
        return self.budget

    def _expire(self, signum: int, frame: FrameType | None) -> None:
        budget = self.budget
        if not self.armed or (frame is not None and frame.f_code is _EXIT_CODE):
            return
        if budget.loading or _importing(frame):
            return  # asked again in RETRY seconds
        left = budget.seconds - budget.spent()
        if left > 0:  # imports took part of the time: the file gets it back
            signal.setitimer(signal.ITIMER_REAL, left, RETRY)
            return
        budget.expired = True
        raise OverBudget(budget.seconds)

    def __exit__(self, *exc_info: object) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        if self.saved is None:
            return
        self.armed = False
        previous, real_import, report_unraisable = self.saved
        signal.signal(signal.SIGALRM, previous)
        builtins.__import__ = real_import
        sys.unraisablehook = report_unraisable
        _current.pop()


_EXIT_CODE = TimeLimit.__exit__.__code__
