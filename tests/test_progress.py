"""Long runs say what they do: progress on a terminal, and where the cache goes on first use.

Progress is for a person at a terminal: the installed command runs with its stderr on a real
pseudo-terminal (with a window size, as a terminal emulator sets one). Anywhere else (a pipe, a
CI log, a machine format on stdout) not a byte of it may appear.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import termios
from pathlib import Path

from tests.conftest import dsql_scan_executable, run_cli, write

QUEUE = "Resources:\n  Queue{n}:\n    Type: AWS::SQS::Queue\n"
NOTICE = "dsql-scan: caching results in .dsql-scan-cache/ (set cache-dir or --no-cache)\n"


def many_files(root: Path, count: int = 400) -> Path:
    """``count`` templates of 40 queues each: enough work that a scan outlasts the bar's delay
    (0.5 s) on an idle machine too, so that the bar is always drawn."""
    queues = "".join(QUEUE.format(n=n).removeprefix("Resources:\n") for n in range(40))
    return write(root, {f"stacks/queue{n:04}.yaml": "Resources:\n" + queues for n in range(count)})


def on_terminal(cwd: Path, *args: str, env: dict[str, str] | None = None) -> tuple[str, str, int]:
    """Run dsql-scan with stderr on a pseudo-terminal; (stdout, what the terminal showed, code)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    environment = {k: v for k, v in os.environ.items() if k != "CI"}
    environment.update({"NO_COLOR": "1", "TERM": "xterm", **(env or {})})
    proc = subprocess.Popen(
        [dsql_scan_executable(), *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=environment,
    )
    os.close(slave)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    stdout = proc.stdout.read() if proc.stdout else b""
    code = proc.wait(timeout=300)
    return stdout.decode(), shown.decode(errors="replace"), code


def test_progress_on_a_terminal_and_a_clean_machine_format_on_stdout(tmp_path):
    root = many_files(tmp_path)
    stdout, shown, code = on_terminal(
        root, "scan", ".", "--no-cache", "--jobs", "1", "--format", "json"
    )
    assert code == 0, shown
    assert json.loads(stdout)["summary"]["files_scanned"] == 400  # stdout is the report alone
    assert "\r" not in stdout and "files/s" not in stdout
    frames = [frame for frame in shown.split("\r") if frame.startswith("dsql-scan:")]
    assert frames, shown  # files done / total, redrawn in place
    assert all("/400 [" in frame for frame in frames)
    assert shown.split("\r")[-2].strip() == "" and shown.endswith("\r")  # cleared when done


def test_no_progress_in_ci_or_without_a_terminal(tmp_path):
    root = many_files(tmp_path)
    _, shown, code = on_terminal(root, "scan", ".", "--no-cache", "--jobs", "1", env={"CI": "1"})
    assert code == 0 and "dsql-scan:" not in shown and "\r" not in shown.replace("\r\n", "")
    piped = run_cli("scan", ".", "--no-cache", "--jobs", "1", "--format", "json", cwd=root)
    assert (piped.code, piped.stderr) == (0, "")
    assert json.loads(piped.stdout)["summary"]["files_scanned"] == 400


def test_the_cache_says_where_it_is_once_when_it_is_created(tmp_path):
    write(tmp_path, {"stack.yaml": QUEUE.format(n=1)})
    first = run_cli("scan", ".", cwd=tmp_path)
    assert first.code == 0 and first.stderr == NOTICE
    assert (tmp_path / ".dsql-scan-cache" / "CACHEDIR.TAG").is_file()
    again = run_cli("scan", ".", cwd=tmp_path)
    assert (again.code, again.stderr) == (0, "")


def test_a_cache_moved_by_the_environment_is_named_where_it_is(tmp_path):
    write(tmp_path / "project", {"stack.yaml": QUEUE.format(n=1)})
    cache = tmp_path / "shared-cache"
    run = run_cli("scan", ".", cwd=tmp_path / "project", env={"DSQL_SCAN_CACHE_DIR": str(cache)})
    assert run.stderr == f"dsql-scan: caching results in {cache}/ (set cache-dir or --no-cache)\n"
