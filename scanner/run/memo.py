"""The run memo: a scan whose inputs are all as they were after the last identical scan prints
that scan's output again, without starting the scan.

Why: pre-commit and CI run the same scan over unchanged trees all the time, and such a warm run
still pays for the command line's imports, the discovery of the tree, a key for every file and
the cache's pack (0.15-0.25 s for 600 files), where reading the memo and checking the inputs'
status costs a few milliseconds. The console script checks for a memo before it imports
anything else.

*The same scan* is the same command line (only ``scan`` with the options in ``_OPTIONS`` and
``-o``: never a baseline written, never ``--diff-base``, never ``--no-cache``; report files are
kept with the memo and written again by its replay), the same working directory, the same
environment (but for the shell's bookkeeping variables, ``_VOLATILE``) and the same
interpreter, with output going to files or pipes: a terminal gets a progress bar, and such runs
are always done in full.

*Unchanged inputs*: the run records, as it goes, every file its process opens for reading and
every directory it lists (Python's audit events ``open``, ``os.listdir`` and ``os.scandir``),
and at its end the status of those, of every entry of the listed directories, of the scanned
paths, of every place a configuration file is looked for (``depends_on``), and of every file of
dsql-scan's code and of the tools that decide its results. A status is device, inode, mode,
size, and the modification and change times in nanoseconds: the change time cannot be set back
by anyone, and any write, rename, chmod or link moves it. The memo is served only when every
one of them is the same. A run is not memoised when it ran another program (git, dsql-lint),
failed (exit status 2 and above), wrote a report to something other than a regular file or the
null device, created the cache, had no cache (the memo stands on the cache's secret), or read
anything changed within ``RACY_NS`` of its start (a second write within one tick of the clock
could leave a file's status unchanged).

Nothing in the scanned tree can hide a finding through it: memos live in the per-user
directory of the cache's secret (never inside a scanned tree: a run whose secret would be there
has no cache), and each carries an HMAC-SHA256 of its name and body under that secret, checked
before anything is decoded: only what a run of this user wrote is ever decoded (with
``marshal``, which is fast and, given data it wrote itself, safe). A memo that fails any check
is a miss.

The replay path imports a few built-in modules and ``scanner.run.secret`` only: a replay is
mostly the interpreter's own start-up.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import marshal
import os
import stat
import sys
import time

from scanner.run.secret import DIRECTORY, MIN_ENV_SECRET, SECRET_ENV, read_secret, secret_directory

TYPE_CHECKING = False  # importing typing would cost a replay 4 ms
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any

MEMO_VERSION = "1"
MEMO_DIRECTORY = "memos"
MAX_MEMOS = 64  # per user: the oldest go first (one per command line, directory, environment)
MAX_MEMO_BYTES = 64 * 1024 * 1024
MAC_BYTES = hashlib.sha256().digest_size
RACY_NS = 2_000_000_000
# The options a memoised scan may have, and whether each takes a value; also ``-o``: a report
# written to a file is kept with the memo and written again by its replay.
_OPTIONS = {
    "--format": True,
    "--config": True,
    "--select": True,
    "--extend-select": True,
    "--ignore": True,
    "--fail-on": True,
    "--region": True,
    "--jobs": True,
    "--baseline": True,
    "--show-suppressed": False,
    "-v": False,
    "--verbose": False,
    "--lenient-paths": False,
    "--preview": False,
}
_OUTPUT = ("-o", "--output")
_VOLATILE = frozenset({"_", "OLDPWD", "SHLVL", "PS1", "PS2", "PS4"})
_SYSTEM = ("/dev/", "/proc/", "/sys/")
_SPAWNS = frozenset(
    {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile"}
)
_HEARD = frozenset({"open", "os.listdir", "os.scandir"}) | _SPAWNS
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

# A path's status: device, inode, mode, size, modification and change times (ns), and for a
# symbolic link its target's status; None for a path that does not exist.
Status = tuple


def command(arguments: list[str]) -> tuple[list[str], list[str]] | None:
    """(scanned paths, report files) of a scan command line a memo may stand for, else None."""
    if not arguments or (arguments[0] != "scan" and arguments[0].startswith("-")):
        return None
    rest = arguments[1:] if arguments[0] == "scan" else arguments
    paths: list[str] = []
    reports: list[str] = []
    index = 0
    while index < len(rest):
        argument = rest[index]
        name, equals, value = argument.partition("=")
        if argument == "--":
            return paths + rest[index + 1 :], reports
        if not argument.startswith("-") or argument == "-":
            paths.append(argument)
        elif name in _OUTPUT:
            if not equals:
                index += 1
                if index >= len(rest):
                    return None
                value = rest[index]
            if value != "-":
                reports.append(value)
        else:
            takes_value = _OPTIONS.get(name)
            if takes_value is None or (equals and not takes_value):
                return None
            if takes_value and not equals:
                index += 1
                if index >= len(rest):
                    return None
        index += 1
    return paths, reports


def key_of(arguments: list[str], environ: Mapping[str, str], cwd: str) -> str:
    """The memo's name: everything besides the inputs that decides the run's output."""
    from scanner import __version__

    material = repr(
        (
            MEMO_VERSION,
            __version__,
            sys.version,
            sys.executable,
            sys.flags.optimize,
            cwd,
            arguments,
            sorted((k, v) for k, v in environ.items() if k not in _VOLATILE),
        )
    )
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


def _status(path: str) -> Status | None:
    try:
        info = os.lstat(path)
    except (OSError, ValueError):
        return None
    found = (info.st_dev, info.st_ino, info.st_mode, info.st_size)
    found += (info.st_mtime_ns, info.st_ctime_ns)
    if stat.S_ISLNK(info.st_mode):
        found += (_status(os.path.realpath(path)),)
    return found


def _secret(environ: Mapping[str, str]) -> bytes | None:
    """The cache's secret, as ``scanner.run.cache.load_secret`` found it for the recorded run
    (read, never created: without one there is no memo to serve)."""
    given = environ.get(SECRET_ENV, "")
    if given:
        return given.encode() if len(given) >= MIN_ENV_SECRET else None
    try:
        descriptor = os.open(secret_directory(environ), DIRECTORY)
    except OSError:
        return None
    try:
        return read_secret(descriptor)
    except OSError:
        return None
    finally:
        os.close(descriptor)


def _memo_directory(environ: Mapping[str, str]) -> str:
    return os.path.join(secret_directory(environ), MEMO_DIRECTORY)


def _mac(secret: bytes, name: str, body: bytes) -> bytes:
    return hmac.new(secret, b"memo|" + name.encode() + b"|" + body, hashlib.sha256).digest()


# --- serving a memo ---------------------------------------------------------------------------


class Memo:
    """A memoised run: what it printed and wrote to report files, its exit status, and the
    status of all it read."""

    __slots__ = ("inputs", "reports", "status", "stderr", "stdout")

    def __init__(
        self,
        stdout: bytes,
        stderr: bytes,
        status: int,
        inputs: tuple[tuple[str, Any], ...],
        reports: tuple[tuple[str, bytes | None], ...],
    ) -> None:
        self.stdout, self.stderr, self.status = stdout, stderr, status
        self.inputs, self.reports = inputs, reports

    def current(self) -> bool:
        """Every input's status is as recorded."""
        return all(_status(path) == recorded for path, recorded in self.inputs)


def load(name: str, environ: Mapping[str, str]) -> Memo | None:
    """The memo of that name, when it is there, authentic and well formed."""
    secret = _secret(environ)
    if secret is None:
        return None
    try:
        path = os.path.join(_memo_directory(environ), name)
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        data = handle.read(MAX_MEMO_BYTES + 1)
    if not MAC_BYTES < len(data) <= MAX_MEMO_BYTES:
        return None
    if not hmac.compare_digest(data[:MAC_BYTES], _mac(secret, name, data[MAC_BYTES:])):
        return None
    try:
        stdout, stderr, status, inputs, reports = marshal.loads(data[MAC_BYTES:])
        return Memo(bytes(stdout), bytes(stderr), int(status), tuple(inputs), tuple(reports))
    except (ValueError, TypeError, EOFError):
        return None


def replay(arguments: list[str], environ: Mapping[str, str] = os.environ) -> int | None:
    """Print the memoised output of this scan and return its exit status, when there is a memo
    and every input is unchanged; None otherwise (the scan then runs)."""
    if command(arguments) is None or _to_terminal():
        return None
    try:
        memo = load(key_of(arguments, environ, os.getcwd()), environ)
    except OSError:
        return None
    if memo is None or not memo.current():
        return None
    try:
        for path, report in memo.reports:
            if report is not None:  # None: the null device
                with open(path, "wb") as handle:
                    handle.write(report)
    except OSError:  # the scan says what went wrong
        return None
    try:
        sys.stdout.buffer.write(memo.stdout)
        sys.stdout.flush()
        sys.stderr.buffer.write(memo.stderr)
        sys.stderr.flush()
    except OSError:  # the reader went away (``dsql-scan | head``): the status stands
        pass
    return memo.status


def _to_terminal() -> bool:
    return any(stream is None or stream.isatty() for stream in (sys.stdout, sys.stderr))


# --- recording a run --------------------------------------------------------------------------


class _Tee(io.RawIOBase):
    """A binary stream that writes through to another and keeps a copy."""

    def __init__(self, through: Any) -> None:
        self.through = through
        self.copy = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        written = self.through.write(data)
        self.through.flush()
        self.copy += bytes(data)
        return len(data) if written is None else written

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self.through.fileno()


def _teed(stream: Any) -> tuple[Any, _Tee]:
    """A text stream like ``stream`` that writes through it and keeps a copy of the bytes."""
    tee = _Tee(stream.buffer)
    wrapper = io.TextIOWrapper(
        io.BufferedWriter(tee),
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=stream.line_buffering,
        write_through=True,
    )
    return wrapper, tee


class Recording:
    """What a run has read so far, and a copy of what it prints."""

    def __init__(self, name: str, paths: list[str], reports: list[str]) -> None:
        self.name = name
        self.paths = paths
        self.reports = [os.path.abspath(path) for path in reports]
        self.started = time.time_ns()
        self.pid = os.getpid()  # forked workers inherit the audit hook: they are not heard
        self.files: set[str] = set()
        self.directories: set[str] = set()
        self.probed: set[str] = set()  # looked for without being opened (``depends_on``)
        self.excluded: list[str] = []
        self.code: tuple[str, ...] = ()
        self.secret: bytes | None = None
        self.spoiled = False
        sys.stdout, out = _teed(sys.stdout)
        sys.stderr, err = _teed(sys.stderr)
        self.tees = (out, err)

    def hear(self, event: str, args: tuple) -> None:
        """The audit hook: note what this process reads, and whether it runs a program."""
        if event not in _HEARD or os.getpid() != self.pid:
            return
        if event == "open":
            path, mode, flags = args
            if isinstance(path, int) or (isinstance(flags, int) and flags & _WRITE_FLAGS):
                return
            if isinstance(mode, str) and any(c in mode for c in "wax+"):
                return
            self.files.add(os.path.abspath(os.fsdecode(path)))
        elif event in ("os.listdir", "os.scandir"):
            path = args[0]
            if not isinstance(path, int):
                self.directories.add(os.path.abspath(os.fsdecode(path or ".")))
        else:
            self.spoiled = True

    def inputs(self) -> list[tuple[str, Status | None]] | None:
        """The status of everything the run depends on, once the run is over; None when
        something changed too recently for a status to stand for it (``_recent``). What the
        run read is looked at first: a pre-commit run names the file just edited."""
        read = self.files | self.directories | self.probed | set(self.code)
        read.update(os.path.abspath(p) for p in self.paths)
        found = self._statuses(read)
        if found is None:
            return None
        listed: set[str] = set()
        for directory in self.directories:
            try:
                with os.scandir(directory) as entries:
                    listed.update(entry.path for entry in entries)
            except OSError:
                continue
        more = self._statuses(listed - read)
        return None if more is None else sorted(found + more)

    def _statuses(self, paths: Iterable[str]) -> list[tuple[str, Status | None]] | None:
        found = []
        for path in paths:
            if path.startswith(_SYSTEM) or self._excluded(path):
                continue
            status = _status(path)
            if _recent(status, self.started):
                return None
            found.append((path, status))
        return found

    def _excluded(self, path: str) -> bool:
        return any(path == e or path.startswith(e + os.sep) for e in self.excluded)

    def finish(self, status: int, environ: Mapping[str, str]) -> None:
        """Keep the memo of a run that may have one (see the module's docstring)."""
        self.pid = -1  # what follows is not the run's
        if self.spoiled or self.secret is None or status not in (0, 1):
            return
        sys.stdout.flush()
        sys.stderr.flush()
        found = self.inputs()
        if found is None:
            return
        reports = _reports(self.reports)
        if reports is None:
            return
        out, err = (bytes(tee.copy) for tee in self.tees)
        body = marshal.dumps((out, err, status, tuple(found), reports))
        _store(self.name, _mac(self.secret, self.name, body) + body, environ)


_recording: Recording | None = None


def _reports(paths: list[str]) -> tuple[tuple[str, bytes | None], ...] | None:
    """What the run wrote to its report files (None for the null device); None when one is
    not a regular file (a FIFO, a terminal), whose writes a replay could not repeat."""
    found = []
    for path in paths:
        if os.path.realpath(path) == os.path.realpath(os.devnull):
            found.append((path, None))
            continue
        try:
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            found.append((path, handle.read()))
    return tuple(found)


def _recent(recorded: Status | None, started: int) -> bool:
    """Whether a status was changed so close to the run's start that a second change within
    the same tick of the clock could have left it as it is."""
    while recorded:
        if max(recorded[4], recorded[5]) > started - RACY_NS:
            return True
        recorded = recorded[6] if len(recorded) > 6 else None
    return False


def _store(name: str, data: bytes, environ: Mapping[str, str]) -> None:
    """Write the memo atomically, and drop the oldest beyond MAX_MEMOS; a failure only means
    no memo."""
    directory = _memo_directory(environ)
    temp = os.path.join(directory, f".tmp-{os.getpid()}-{name}")
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temp, os.path.join(directory, name))
        with os.scandir(directory) as entries:
            memos = sorted(entries, key=lambda e: e.stat(follow_symlinks=False).st_mtime_ns)
        for old in memos[:-MAX_MEMOS]:
            os.unlink(old.path)
    except OSError:
        import contextlib

        with contextlib.suppress(OSError):
            os.unlink(temp)


def record(arguments: list[str], environ: Mapping[str, str] = os.environ) -> None:
    """Start recording this run when its command line may be memoised (``finish`` keeps it)."""
    global _recording
    found = command(arguments)
    if found is None or _to_terminal():
        return
    _recording = Recording(key_of(arguments, environ, os.getcwd()), *found)
    sys.addaudithook(_recording.hear)


def uses_cache(directory: object, secret: bytes, code: Callable[[], Iterable[str]]) -> None:
    """The run's result cache is open in ``directory`` (not an input of the run) with this
    secret; ``code`` lists the files of dsql-scan and of the tools that decide its results
    (asked only when the run is recorded)."""
    if _recording is not None:
        _recording.excluded.append(os.path.abspath(os.fspath(directory)))
        _recording.excluded.append(os.path.abspath(secret_directory(os.environ)))
        _recording.secret = secret
        _recording.code = tuple(code())


def depends_on(paths: Iterable[object]) -> None:
    """The run looked for these paths (by their status alone, so no audit event said so)."""
    if _recording is not None:
        _recording.probed.update(os.path.abspath(os.fspath(p)) for p in paths)


def spoil() -> None:
    """This run printed something a replay must not (it created the cache): no memo."""
    if _recording is not None:
        _recording.spoiled = True


def finish(status: int, environ: Mapping[str, str] = os.environ) -> None:
    """The run is over with this exit status: keep its memo if it may have one."""
    if _recording is not None:
        _recording.finish(status, environ)
