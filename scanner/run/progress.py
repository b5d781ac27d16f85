"""Progress on stderr, for a person watching a long scan on a terminal.

A scan of thousands of files can take minutes; without a word it looks hung. A terminal shows
files done / total (tqdm draws and clears the bar). Nowhere else: not when stderr is a pipe or a
file (CI logs, pre-commit, editors), not when ``CI`` is set (runners that fake a terminal), never
on stdout, where the machine formats go. The bar appears after half a second, so quick runs (a
pre-commit hook) stay silent, and it is gone before any report is printed.

The runner reports progress; the CLI decides whether anyone sees it (``enable``), and the engine
clears it when the files are analysed (``finish``). Worker processes never draw: only the process
that enabled it advances the bar.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any, TextIO

DELAY_SECONDS = 0.5

_bar: Any = None  # the tqdm bar of the running scan, when one is shown
_enabled = False
_owner = 0  # the process that shows it: a forked worker must not draw


def wanted(stream: TextIO | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """Whether progress belongs on ``stream`` (default stderr): a terminal, outside CI."""
    environ = os.environ if environ is None else environ
    if environ.get("CI") or environ.get("TERM") == "dumb":
        return False
    stream = sys.stderr if stream is None else stream
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed stream
        return False


def enable(enabled: bool = True) -> None:
    """Show the progress of the scans this process runs (the CLI passes ``wanted()``)."""
    global _enabled, _owner
    _enabled, _owner = enabled, os.getpid()


def finish() -> None:
    """The files are analysed: clear the bar (nothing else is drawn until the next scan)."""
    global _bar
    if _bar is not None and _active():
        _bar.close()
    _bar = None


def _active() -> bool:
    return _enabled and os.getpid() == _owner


def expect(files: int) -> None:
    """Files the scan will go through (added up over calls)."""
    global _bar
    if not _active() or files <= 0:
        return
    if _bar is None:
        from tqdm import tqdm  # only a terminal run pays for the import

        _bar = tqdm(
            total=files,
            desc="dsql-scan",
            unit=" files",
            file=sys.stderr,
            leave=False,
            delay=DELAY_SECONDS,
            dynamic_ncols=True,
        )
    else:
        _bar.total += files
        _bar.refresh()


def advance(files: int = 1) -> None:
    """``files`` more are done (analysed, or taken from the cache)."""
    if _bar is not None and files > 0 and _active():
        _bar.update(files)
