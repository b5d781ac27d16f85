"""Run the installed ``dsql-scan`` the way an untrusted pull request meets it: bounded.

Hostile-input tests build their input inside the test and run the real console script with a
wall-clock limit and an address-space limit, so that a regression shows as a failed assertion
(a timeout or a MemoryError in the child) instead of a CI machine that hangs or swaps.
"""

from __future__ import annotations

import os
import resource
import subprocess
from pathlib import Path

from tests.conftest import Run, dsql_scan_executable

SECONDS = 60  # every hostile input must finish well within this
MEMORY = 3 * 1024**3  # bytes of address space for the command and each of its workers


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_limited(
    *args: str,
    cwd: Path | str | None = None,
    env: dict[str, str] | None = None,
    seconds: float = SECONDS,
) -> Run:
    """``dsql-scan ARGS`` with a time and memory limit; raises ``TimeoutExpired`` on a hang.

    Output is decoded leniently: a hostile file name must not break the test's own reading.
    """
    proc = subprocess.run(
        [dsql_scan_executable(), *args],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        capture_output=True,
        timeout=seconds,
        preexec_fn=_limit_memory,
        stdin=subprocess.DEVNULL,
    )
    return Run(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def assert_no_traceback(run: Run) -> None:
    for stream in (run.stdout, run.stderr):
        assert "Traceback (most recent call last)" not in stream, stream[-3000:]
        assert "MemoryError" not in stream, stream[-3000:]
