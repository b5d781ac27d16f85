"""The ``dsql-scan`` console script: a head start for the parsers, then the command line.

It also ends the process the quick way once the command is done (``fastpaths.exit_now``: the
normal shutdown would free the whole heap of cached facts object by object).

An interrupted run (Ctrl-C, or SIGINT from a CI runner) exits with 130, as shells report it,
with one line and no traceback, and takes its worker processes with it. click would turn the
KeyboardInterrupt into "Aborted!" and status 1, so SIGINT raises an exception click does not
catch; forked workers inherit the handler and leave quietly (their parent reports it).
"""

from __future__ import annotations

import os
import signal
import sys

TYPE_CHECKING = False  # a replayed scan (``scanner.run.memo``) imports next to nothing
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType

# The commands that do not scan the files they are given. Any other first argument scans
# (``dsql-scan FILE`` is ``dsql-scan scan FILE``); tests keep this equal to the command line's.
OTHER_COMMANDS = ("rules", "review", "verify")
EXIT_INTERRUPTED = 128 + signal.SIGINT


class Interrupted(BaseException):
    """SIGINT in the command's process: a BaseException that is not a KeyboardInterrupt, so
    neither click nor an ``except Exception`` on the way turns it into something else."""


def _interrupt_handler(main_pid: int) -> Callable[[int, FrameType | None], None]:
    def interrupted(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != main_pid:  # a forked worker: the parent says what happened
            os._exit(EXIT_INTERRUPTED)
        _quiet_threads()
        _stop_workers()
        raise Interrupted

    return interrupted


def _quiet_threads() -> None:
    """The process is going down: what its helper threads raise from now on is not news.

    The worker pool's management thread, finding its workers terminated and its futures
    cancelled, can raise ``InvalidStateError`` (seen on Python 3.11); without
    this, that traceback would follow "interrupted" on stderr.
    """
    threading = sys.modules.get("threading")
    if threading is not None:
        threading.excepthook = lambda args: None


def _stop_workers() -> None:
    """Terminate the scan's worker pool, so that leaving it does not wait for their batches
    (a SIGINT sent to the command alone, not to its process group, reaches no worker)."""
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is None:
        return
    for child in multiprocessing.active_children():
        child.terminate()


def main() -> None:
    arguments = sys.argv[1:]
    scans = bool(arguments) and arguments[0] not in OTHER_COMMANDS
    if scans:
        from scanner.run import memo  # an unchanged scan prints its memo, and that is all

        replayed = memo.replay(arguments)
        if replayed is not None:
            os._exit(replayed)
    from scanner import fastpaths

    fastpaths.remember_dataclass_code()  # before the first dataclass is made
    signal.signal(signal.SIGINT, _interrupt_handler(os.getpid()))
    fastpaths.exit_without_freeing()  # see _exit
    if scans:
        memo.record(arguments)
        from scanner.run import headstart  # before the command line is even imported

        headstart.begin(arguments)
    from scanner.cli import main as command_line

    try:
        command_line()
    except SystemExit as done:
        _exit(done.code)
    except Interrupted:
        print("dsql-scan: interrupted", file=sys.stderr)
        _exit(EXIT_INTERRUPTED)
    _exit(0)


def _exit(code: object) -> None:
    """Exit with the status ``sys.exit(code)`` would give, without tearing the heap down."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): the message goes to stderr and the status is 1
        print(code, file=sys.stderr)
        status = 1
    from scanner import fastpaths
    from scanner.run import memo

    memo.finish(status)
    fastpaths.exit_now(status)
