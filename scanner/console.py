"""The ``dsql-scan`` console script: a head start for the parsers, then the command line."""

from __future__ import annotations

import sys

# The commands that do not scan the files they are given. Any other first argument scans
# (``dsql-scan FILE`` is ``dsql-scan scan FILE``); tests keep this equal to the command line's.
OTHER_COMMANDS = ("rules", "review", "verify")


def main() -> None:
    arguments = sys.argv[1:]
    if arguments and arguments[0] not in OTHER_COMMANDS:
        from scanner import headstart  # before the command line is even imported

        headstart.begin(arguments)
    from scanner.cli import main as command_line

    command_line()
