"""The ``dsql-scan`` console script: a head start for the parsers, then the command line.

It also ends the process the quick way once the command is done: the interpreter's normal
shutdown frees every object one by one (after a pre-commit run, the cached facts of the whole
project), which costs 20-40 ms on a run of half a second, for memory the process is about to
give back anyway. Output is flushed first and exit handlers still run (mypy does the same).
"""

from __future__ import annotations

import atexit
import os
import sys

# The commands that do not scan the files they are given. Any other first argument scans
# (``dsql-scan FILE`` is ``dsql-scan scan FILE``); tests keep this equal to the command line's.
OTHER_COMMANDS = ("rules", "review", "verify")


def main() -> None:
    from scanner.collection import exit_without_freeing

    exit_without_freeing()  # see _exit
    arguments = sys.argv[1:]
    if arguments and arguments[0] not in OTHER_COMMANDS:
        from scanner import headstart  # before the command line is even imported

        headstart.begin(arguments)
    from scanner.cli import main as command_line

    try:
        command_line()
    except SystemExit as done:
        _exit(done.code)
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
    atexit._run_exitfuncs()
    # click has already pacified the streams if the reader went away (``dsql-scan | head``)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
