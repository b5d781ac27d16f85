"""The result cache: a file whose bytes, path and settings are unchanged is not parsed again.

Entries are keyed by a content hash, so the cache is safe to share between runs, branches and
checkouts (like ruff's ``.ruff_cache``): a changed file simply misses. The key also covers the
tool itself (``tool_digest``: version, rule set, the content of every file of its packages
wherever they are installed, and the parsers it imports, so that an upgrade or a local edit of a
rule never serves stale results) and the configuration that changes what rules compute.

The cache usually lives in the tree it scans, and that tree may be an untrusted pull request,
so nothing the tree contains is trusted:

- An entry is JSON, decoded by msgspec strictly against the dataclasses' type hints (a field
  typed ``str`` takes only a string): decoding builds our frozen dataclasses of plain values,
  never an arbitrary object, and anything that does not fit is a miss.
- An entry carries an HMAC-SHA256 of its key and its bytes under a per-user secret kept outside
  the tree (``secret_directory``), checked before the JSON is even decoded: a committed entry
  cannot be forged, and one that fails the check is recomputed, never trusted.
- An entry is stored only when the analysis is of the bytes the key was computed from, and
  served only when it says so: a file edited during a scan is not cached under the wrong key.
- A run's entries are also kept together in one file, its pack (``ResultCache.use_pack``), so
  that a run whose files are unchanged reads one file instead of one per file: the pack carries
  one MAC over all of it (under another label than an entry's, so neither passes for the
  other), and each entry in it is still served only under its own key and for its key's bytes.
- Below the scan root, no component of the cache's path is followed through a symbolic link,
  and inside the cache directory nothing ever is (every open is relative to a directory
  descriptor, with ``O_NOFOLLOW``): a committed symlink cannot move reads or writes elsewhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import importlib.util
import os
import secrets
import stat
import sys
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from scanner import __version__, inputs
from scanner.config import Config
from scanner.pipeline.discover import Candidate
from scanner.results import FileAnalysis
from scanner.run import memo
from scanner.run.secret import DIRECTORY as _DIRECTORY
from scanner.run.secret import (
    MIN_ENV_SECRET,
    SECRET_BYTES,
    SECRET_ENV,
    SECRET_NAME,
    read_secret,
    secret_directory,
)
from scanner.run.secret import NOFOLLOW as _NOFOLLOW
from scanner.run.secret import READ as _READ
from scanner.run.secret import TRUSTED_DIRECTORY as _TRUSTED_DIRECTORY

CACHE_DIR_NAME = ".dsql-scan-cache"
LAYOUT = "v2"  # v1 held pickles: never read again
PACKS = "v2-packs"  # a run's entries together, one file per (root, kind of run): see use_pack
PACK_MIN_ENTRIES = 16  # fewer entries are read one by one: a pack would save nothing
# How far a run's entries may differ from its pack's (entries added plus entries gone, at least
# this many, or one in 16 of the run's) before the pack is written again: the few it lacks are
# read one by one, which costs less than rewriting a pack of a large project's context after
# each one-file edit (21 MB for the benchmark's 600 files).
PACK_SLACK = 8
MAC_BYTES = hashlib.sha256().digest_size
MAX_ENTRY_BYTES = 256 * 1024 * 1024  # far above any real entry; a bigger file is not read
TEMP_PREFIX = ".tmp-"
STALE_TEMP_SECONDS = 300  # a write takes milliseconds: an older temp file's writer is gone
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by dsql-scan.\n"
)
GITIGNORE = "# Automatically created by dsql-scan.\n*\n"

# (descriptors from os.open are not inherited by child processes: PEP 446)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
# Where opening relative to a directory without following links is not possible (Windows),
# the cache cannot be kept safely inside an untrusted tree: it is off.
SUPPORTED = bool(_NOFOLLOW) and os.open in os.supports_dir_fd


# The packages of the distribution whose code decides a result. setuptools may install a
# subpackage apart from its parent (``[tool.setuptools.package-dir]``: in a checkout's editable
# install ``scanner.rules`` is ``rules/``), so each is located by importlib, wherever it is; a
# test keeps this list covering every package pyproject.toml declares.
CODE_PACKAGES = ("scanner", "scanner.rules", "scanner.reports")
_BYTECODE = "__pycache__"
# Third-party packages besides the parsers whose code decides what a run shows: detect-secrets
# finds what masking hides (in the excerpts entries keep, and in what a pack remembers masking).
DECIDING_PACKAGES = ("detect_secrets",)


@cache
def tool_digest() -> str:
    """What decides a result besides the file and the settings: version, rule set, interpreter,
    every file of dsql-scan's packages (by content) and the parsers the inputs import.

    Contents rather than times, so that an edit always misses and a reinstall of the same code
    (a CI job restoring its cache onto a fresh environment) still hits; it reads about 1 MB, in
    2-3 ms, once per process.
    """
    from scanner.rules import RULESET_VERSION

    digest = hashlib.sha256(f"{__version__}|{RULESET_VERSION}|{sys.version}".encode())
    digest.update(code_digest(package_roots()).encode())
    digest.update("|".join(parser_identities()).encode())
    return digest.hexdigest()


def package_roots(names: tuple[str, ...] = CODE_PACKAGES) -> tuple[tuple[str, Path], ...]:
    """(package, directory) for each package's code, found without importing it; a package
    inside another's directory (``scanner/rules`` in a wheel) is covered by that one."""
    found: dict[Path, str] = {}
    for name in names:
        spec = importlib.util.find_spec(name)
        for location in (spec and spec.submodule_search_locations) or ():
            found.setdefault(Path(os.path.realpath(location)), name)
    return tuple(
        (name, root)
        for root, name in sorted(found.items(), key=lambda item: item[1])
        if not any(root != other and root.is_relative_to(other) for other in found)
    )


def code_digest(roots: tuple[tuple[str, Path], ...]) -> str:
    """Every file below the roots but bytecode, by package, relative path and content."""
    digest = hashlib.sha256()
    for name, root in roots:
        for relative in _files_below(str(root)):
            digest.update(f"{name}/{relative}\0".encode())
            try:
                with open(os.path.join(root, relative), "rb") as handle:
                    digest.update(hashlib.sha256(handle.read()).digest())
            except OSError:
                digest.update(b"unreadable")  # gone mid-walk (an editor's swap file)
    return digest.hexdigest()


def _files_below(root: str) -> list[str]:
    """The relative paths of every file below ``root`` but bytecode, sorted, with ``/``."""
    found = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = [d for d in subdirectories if d != _BYTECODE]
        below = os.path.relpath(directory, root).replace(os.sep, "/")
        found.extend(name if below == "." else f"{below}/{name}" for name in names)
    return sorted(found)


def parser_identities() -> tuple[str, ...]:
    """Where each third-party package the inputs import (and each of ``DECIDING_PACKAGES``)
    is installed, and its ``__init__``'s
    size, time and inode: an upgrade or reinstall rewrites it (cfn-lint's validation decides
    findings too). Found without importing them: a warm run imports no parser."""
    return tuple(_installed(top) for top in _third_party())


def _third_party() -> list[str]:
    """The third-party packages the inputs import, and ``DECIDING_PACKAGES``, sorted."""
    ours = {name.partition(".")[0] for name in CODE_PACKAGES}
    tops = {m.partition(".")[0] for each in inputs.inputs() for m in each.modules} - ours
    return sorted(tops | set(DECIDING_PACKAGES))


def _installed(top: str) -> str:
    origin = _origin(top)
    try:
        info = os.stat(origin) if origin else None
    except (ValueError, OSError):
        info = None
    if info is None:
        return f"{top}:missing"
    return f"{top}:{origin}:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}"


def _origin(top: str) -> str | None:
    """Where a package's ``__init__`` (or a module) is installed, found without importing it."""
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    return spec.origin if spec is not None else None


def code_files() -> list[str]:
    """The files (and directories) whose status stands for what ``tool_digest`` and the inputs'
    tool identities cover: every file of dsql-scan's packages, each parser's ``__init__``, and
    where dsql-lint is or would be found (for ``scanner.run.memo``)."""
    found = [
        os.path.join(root, relative)
        for _, root in package_roots()
        for relative in _files_below(str(root))
    ]
    found += [origin for top in _third_party() if (origin := _origin(top))]
    found.append(os.path.dirname(sys.executable))
    found += [d for d in os.environ.get("PATH", "").split(os.pathsep) if os.path.isabs(d)]
    return found


@cache
def _decoder() -> Any:
    """msgspec's strict JSON decoder for FileAnalysis, built on first use (it costs ~8 ms)."""
    import msgspec

    return msgspec.json.Decoder(FileAnalysis)


_warned: set[str] = set()


def warn(message: str) -> None:
    """One line on stderr, once per process: the cache is off or moved, the scan goes on."""
    if message not in _warned:
        _warned.add(message)
        print(f"dsql-scan: warning: {message}", file=sys.stderr)


# --- the per-user secret ----------------------------------------------------------------------


def load_secret(root: Path, environ: Mapping[str, str] = os.environ) -> bytes | None:
    """The key entries are authenticated with, or None: then the run has no cache.

    ``DSQL_SCAN_CACHE_SECRET`` (a CI cache restored between runs needs the same secret each
    time), else 32 random bytes kept in ``secret_directory``, created on first use. A secret
    inside the scan root could have been committed with forged entries, so it is refused.
    """
    given = environ.get(SECRET_ENV, "")
    if given:
        if len(given) >= MIN_ENV_SECRET:
            return given.encode()
        warn(f"{SECRET_ENV} is shorter than {MIN_ENV_SECRET} characters: the cache is off")
        return None
    directory = Path(os.path.realpath(secret_directory(environ)))
    if directory.is_relative_to(Path(os.path.realpath(root))):
        warn(f"the cache's secret would be inside the scanned tree ({directory}): cache off")
        return None
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(directory, _DIRECTORY)
    except OSError:
        return None  # a read-only or missing home: no cache, as with a read-only cache directory
    try:
        return read_secret(descriptor) or _create_secret(descriptor)
    except OSError:
        return None
    finally:
        os.close(descriptor)


def _create_secret(directory: int) -> bytes | None:
    """Write a new secret to a temporary file, then link it into place: a concurrent run sees
    no secret or a whole one, and when two runs race, both use the one that was linked first."""
    _write_new(directory, SECRET_NAME, secrets.token_bytes(SECRET_BYTES), replace=False)
    return read_secret(directory)


# --- writing without litter -------------------------------------------------------------------


def _write_new(directory: int, name: str, data: bytes, replace: bool = True) -> None:
    """Write ``name`` in ``directory`` atomically (temp file, then rename or link).

    The temporary file is removed whatever goes wrong (a full disk, an interrupt); only a
    process killed outright leaves one, and ``_sweep`` removes it later. With ``replace``
    False an existing file is kept.
    """
    temp = TEMP_PREFIX + secrets.token_hex(8)
    descriptor = os.open(temp, _CREATE, mode=0o600, dir_fd=directory)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        if replace:
            os.replace(temp, name, src_dir_fd=directory, dst_dir_fd=directory)
        else:
            with contextlib.suppress(FileExistsError):
                os.link(temp, name, src_dir_fd=directory, dst_dir_fd=directory)
    finally:
        with contextlib.suppress(FileNotFoundError):  # not found: renamed into place
            os.unlink(temp, dir_fd=directory)


def _sweep(directory: int, now: float) -> None:
    """Remove temporary files older than STALE_TEMP_SECONDS (left by a killed run)."""
    for entry in os.scandir(directory):
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_SECONDS:
                os.unlink(entry.name, dir_fd=directory)
        except OSError:
            continue  # gone already, or not ours to remove


# --- opening the cache directory --------------------------------------------------------------


def _open_below(base: int, parts: tuple[str, ...], create: bool) -> int:
    """Walk ``parts`` down from the directory ``base``, never through a symbolic link."""
    current = os.dup(base)
    try:
        for part in parts:
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, dir_fd=current)
            following = os.open(part, _DIRECTORY, dir_fd=current)
            os.close(current)
            current = following
    except BaseException:
        os.close(current)
        raise
    return current


def _split_below(directory: Path, root: Path) -> tuple[Path, tuple[str, ...]]:
    """Where the walk to the cache directory starts, and the components that must not be links.

    A cache inside the scan root (the default, or a relative ``cache-dir``) starts at the root:
    every component below it is in the scanned tree. One outside it was chosen by the user's
    environment (``$DSQL_SCAN_CACHE_DIR``) or by the caller, and is taken as it is.
    """
    absolute = Path(os.path.abspath(directory))
    root = Path(os.path.abspath(root))
    if absolute.is_relative_to(root):
        return root, absolute.relative_to(root).parts
    absolute.mkdir(parents=True, exist_ok=True)
    return absolute, ()


def _open_directory(directory: Path, root: Path) -> int | None:
    """The cache directory, created if need be; None when it cannot be used."""
    try:
        start, parts = _split_below(directory, root)
        base = os.open(start, _TRUSTED_DIRECTORY)
    except OSError:
        return None
    try:
        return _open_or_warn(base, parts, directory)
    finally:
        os.close(base)


def _open_or_warn(base: int, parts: tuple[str, ...], directory: Path) -> int | None:
    """``_open_below`` with creation; None when it fails, with a warning when that is because
    a component is a symbolic link (committed to the scanned tree, most likely)."""
    try:
        return _open_below(base, parts, create=True)
    except OSError:
        if _leads_through_link(base, parts):
            warn(f"{directory} leads through a symbolic link: the cache is off for this run")
        return None


def _open_packs(top: int, directory: Path) -> int | None:
    """The ``PACKS`` directory, created if need be; None (entries are read one by one) when it
    cannot be used, with a warning when it is a symbolic link."""
    try:
        return _open_below(top, (PACKS,), create=True)
    except OSError:
        if _leads_through_link(top, (PACKS,)):
            warn(f"{directory}/{PACKS} is a symbolic link: it is not used")
        return None


def _leads_through_link(base: int, parts: tuple[str, ...]) -> bool:
    """Whether one of ``parts`` below ``base`` is a symbolic link."""
    current = os.dup(base)
    try:
        for part in parts:
            if stat.S_ISLNK(os.stat(part, dir_fd=current, follow_symlinks=False).st_mode):
                return True
            following = os.open(part, _DIRECTORY, dir_fd=current)
            os.close(current)
            current = following
    except OSError:
        return False
    finally:
        os.close(current)
    return False


def _is_ours(directory: int) -> bool:
    """A cache directory dsql-scan made (its tag is there) or may make (nothing else is there).

    A ``cache-dir`` naming a directory of sources must not be tagged: the tag would take that
    directory out of every later scan's scope, and the ``.gitignore`` out of version control.
    """
    names = {name for name in os.listdir(directory) if not name.startswith(TEMP_PREFIX)}
    return "CACHEDIR.TAG" in names or names <= {".gitignore", LAYOUT}


# --- the cache --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """Where an entry is kept, and the digest of the bytes its analysis must be of."""

    name: str
    content: str

    def context(self, keep: frozenset[str]) -> Key:
        """Where the same file's context view (``project.context_view``) that keeps the facts
        ``keep`` is kept: a view that keeps less never serves a run that reads more."""
        name = f"{self.name}|context|{_listed(keep)}"
        return Key(hashlib.sha256(name.encode()).hexdigest(), self.content)


@cache
def _listed(fields: frozenset[str]) -> str:
    """The fields in one stable spelling, made once per run (every context file's key uses it)."""
    return ",".join(sorted(fields))


class ResultCache:
    """Get and put FileAnalysis objects by (tool, settings, candidate, content) key."""

    def __init__(
        self, directory: int, secret: bytes, config: Config, packs: int | None = None
    ) -> None:
        """Use ``open``: this takes the cache's ``LAYOUT`` directory, already opened, and its
        ``PACKS`` directory (None: no packs, every entry is read on its own)."""
        self.directory = directory
        self.secret = secret
        self.prefix = f"{tool_digest()}|{config.analysis_digest()}|{config.max_file_size}"
        self.root = config.root
        self.max_size = config.max_file_size
        self._swept: set[str] = set()
        self._identities: dict[tuple[str, ...], str] = {}  # per run: see _identity
        # per run: the companions of each (input, directory), and each directory's listing
        self._companion_keys: dict[tuple[str, Path], str] = {}
        self._placements: dict[tuple[str, Path], str] = {}
        self._listings: dict[
            tuple[str, Path], tuple[tuple[tuple[str, str], ...], tuple[Path, ...]]
        ] = {}
        self._finalizer = weakref.finalize(self, os.close, directory)
        # the run's pack: where it is kept, its entries as read (key name -> entry bytes), and
        # the entries this run served or stored (the next pack, see ``flush``)
        self._packs = packs
        self._pack_name = ""
        self._packed: dict[str, Any] = {}  # bytes or msgspec.Raw (a view into the pack)
        self._bodies: dict[str, Any] = {}
        self._masked: dict[str, str] = {}
        if packs is not None:
            self._pack_finalizer = weakref.finalize(self, os.close, packs)

    @classmethod
    def open(cls, directory: Path, config: Config, packs: bool = True) -> ResultCache | None:
        """The cache in ``directory``, or None when this run cannot use one safely; without
        ``packs`` entries are read and written one by one (a run over a temporary tree, such
        as a git base, would leave a pack for a root no later run has)."""
        if not SUPPORTED:
            return None
        secret = load_secret(config.root)
        if secret is None:
            return None
        top = _open_directory(directory, config.root)
        if top is None:
            return None
        try:
            if not _is_ours(top):
                warn(f"{directory} holds other files and is no dsql-scan cache: the cache is off")
                return None
            marks = {".gitignore": GITIGNORE, "CACHEDIR.TAG": CACHEDIR_TAG}
            if "CACHEDIR.TAG" in _write_missing(top, marks):
                announce(directory)
                memo.spoil()  # a replay would say it again
            _sweep(top, time.time())
            layout = _open_or_warn(top, (LAYOUT,), directory)
            pack_directory = _open_packs(top, directory) if layout is not None and packs else None
        except OSError:
            return None
        finally:
            os.close(top)
        if layout is None:
            return None
        memo.uses_cache(directory, secret, code_files)
        return cls(layout, secret, config, pack_directory)

    def close(self) -> None:
        self._finalizer()
        if self._packs is not None:
            self._pack_finalizer()

    def key(self, candidate: Candidate, content: bytes) -> Key:
        """Where the analysis of ``content`` as ``candidate`` is kept: besides the tool and the
        settings, its input decides the result (which modules analyse it, which external
        tools such as dsql-lint judge it, and for the fallback input whether it was named)."""
        reader = inputs.named(candidate.input)
        digest = hashlib.sha256(content).hexdigest()
        material = "|".join(
            (
                self.prefix,
                self._identity(reader),
                candidate.rel,
                candidate.input,
                ",".join(reader.modules),
                str(candidate.explicit) if reader.fallback else "",
                candidate.stack,
                digest,
                self._companions(reader, candidate),
                self._placement(reader, candidate),
            )
        )
        return Key(hashlib.sha256(material.encode()).hexdigest(), digest)

    def _identity(self, reader: inputs.Input) -> str:
        """The identity of the tools that judge an input's files, asked once per run and set
        of tools (a tool's identity is a file's status)."""
        if reader.tools not in self._identities:
            self._identities[reader.tools] = reader.identity()
        return self._identities[reader.tools]

    def _companions(self, reader: inputs.Input, candidate: Candidate) -> str:
        """Names and digests of the files the analysis reads with the candidate (a Terraform
        module's, and the modules it calls, transitively), computed once per directory and
        run: every file of a module has the same companions, and each directory is listed and
        each file read once however many modules call it."""
        if not reader.companions:
            return ""
        place = (reader.name, candidate.path.parent)
        if place not in self._companion_keys:
            found: list[str] = []
            seen: set[Path] = set()
            pending = [candidate.path.parent]
            while pending:
                directory = pending.pop(0)
                if directory in seen:
                    continue
                seen.add(directory)
                files, called = self._listing(reader, directory)
                found += (f"{name}:{digest}" for name, digest in files)
                pending += called
            self._companion_keys[place] = ",".join(found)
        return self._companion_keys[place]

    def _placement(self, reader: inputs.Input, candidate: Candidate) -> str:
        """Where the candidate lies, as far as its input's analysis depends on it (see
        ``Input.placement``), asked once per directory and run."""
        if not reader.placement:
            return ""
        place = (reader.name, candidate.path.parent)
        if place not in self._placements:
            self._placements[place] = reader.placement_of(candidate.path.parent, self.root)
        return self._placements[place]

    def _listing(
        self, reader: inputs.Input, directory: Path
    ) -> tuple[tuple[tuple[str, str], ...], tuple[Path, ...]]:
        place = (reader.name, directory)
        if place not in self._listings:
            self._listings[place] = reader.companion_files(directory, self.root, self.max_size)
        return self._listings[place]

    def _mac(self, key: Key, body: bytes) -> bytes:
        return hmac.new(self.secret, key.name.encode() + b"\n" + body, hashlib.sha256).digest()

    def get(self, key: Key) -> FileAnalysis | None:
        """The entry, when it is ours (its MAC, or its pack's, checks) and of the key's bytes;
        else None."""
        packed = self._packed.get(key.name)
        if packed is not None:
            analysis = _decoded(packed, key)
            if analysis is not None:
                self._bodies[key.name] = packed
                return analysis
        data = self._read(self.directory, key.name[:2], key.name)
        if data is None or len(data) < MAC_BYTES:
            return None
        mac, body = data[:MAC_BYTES], data[MAC_BYTES:]
        if not hmac.compare_digest(mac, self._mac(key, body)):
            return None
        analysis = _decoded(body, key)
        if analysis is not None:
            self._bodies[key.name] = body
        return analysis

    @staticmethod
    def _read(directory: int, folder: str, name: str) -> bytes | None:
        """A file's bytes (an entry's, a pack's): a regular file (not a link, FIFO or device)
        of sane size, in ``folder`` of ``directory``."""
        try:
            fan_out = os.open(folder, _DIRECTORY, dir_fd=directory)
        except OSError:
            return None
        try:
            descriptor = os.open(name, _READ, dir_fd=fan_out)
        except OSError:
            return None
        finally:
            os.close(fan_out)
        with os.fdopen(descriptor, "rb") as handle:
            try:
                info = os.fstat(handle.fileno())
                if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
                    return None
                return handle.read(MAX_ENTRY_BYTES + 1)
            except OSError:
                return None

    def put(self, key: Key, analysis: FileAnalysis) -> None:
        """Store an analysis of exactly the key's bytes (an analysis of other bytes, say of a
        file edited since the key was read, is not stored). A read-only or full disk makes the
        cache a no-op, never an error."""
        if analysis.sha256 != key.content:
            return
        import msgspec

        try:
            body = msgspec.json.encode(analysis)
            fan_out = _open_below(self.directory, (key.name[:2],), create=True)
        except (OSError, TypeError, ValueError, msgspec.EncodeError):
            return  # ValueError: a lone surrogate (a "\ud800" escape in a literal) has no UTF-8
        self._bodies[key.name] = body
        try:
            self._sweep_once(fan_out, key.name[:2])
            _write_new(fan_out, key.name, self._mac(key, body) + body)
        except OSError:
            return
        finally:
            os.close(fan_out)

    def _sweep_once(self, directory: int, name: str) -> None:
        if name not in self._swept:
            self._swept.add(name)
            _sweep(directory, time.time())

    # --- the run's pack ---------------------------------------------------------------------

    def use_pack(self, kind: str) -> None:
        """Read this root's pack for ``kind`` of run (a whole scan, or named files with the
        project as context): its entries are served as if read one by one, in one read.

        One pack per root and kind, replaced by a run whose entries differ by more than a few
        (``flush``): a run with unchanged files reads one file, a run after an edit reads the
        pack and the entries of the edited files. The pack's name says nothing secret (like an
        entry's), its MAC is under the user's secret with a label of its own, so that no pack
        passes for an entry or the other way round, and a pack that fails it is ignored whole.
        """
        if self._packs is None:
            return
        name = hashlib.sha256(f"{self.prefix}|pack|{self.root}|{kind}".encode()).hexdigest()
        self._pack_name = name
        data = self._read(self._packs, ".", name)
        if data is None or len(data) < MAC_BYTES:
            return
        mac, body = data[:MAC_BYTES], data[MAC_BYTES:]
        if not hmac.compare_digest(mac, self._pack_mac(name, body)):
            return
        import msgspec

        try:
            parts = _pack_decoder().decode(body)
            entries, masked = _pack_decoder().decode(parts["entries"]), parts["masked"]
            self._masked = _masked_decoder().decode(masked)
        except (msgspec.DecodeError, ValueError, TypeError, KeyError):
            self._masked = {}
            return
        self._packed = entries

    def _pack_mac(self, name: str, body: bytes) -> bytes:
        return hmac.new(
            self.secret, b"pack\n" + name.encode() + b"\n" + body, hashlib.sha256
        ).digest()

    def masked(self) -> dict[str, str]:
        """What the pack's run masked (``scanner.gate.mask.remembering``): the same text is
        masked the same way by the same code, which the pack's name covers (the tool digest)."""
        return self._masked

    def flush(self, names: list[str], masked: Mapping[str, str]) -> None:
        """Replace the pack with the entries ``names`` (the run's, in its order) and what the
        run masked, when they differ from what it held by more than ``PACK_SLACK`` entries or
        in what was masked: the next such run reads them in one read.
        Entries this run could not serve or store (a transient analysis, one that cannot be
        encoded) are left out."""
        if not self._pack_name:
            return
        kept = [name for name in dict.fromkeys(names) if name in self._bodies]
        if len(kept) < PACK_MIN_ENTRIES or (
            self._packed
            and masked == self._masked
            and len(self._packed.keys() ^ set(kept)) <= max(PACK_SLACK, len(kept) // 16)
        ):
            return
        import msgspec

        try:
            memo = msgspec.json.encode(dict(masked))
        except (TypeError, ValueError, msgspec.EncodeError):
            memo = b"{}"  # a lone surrogate: the next run masks again
        parts = [b'"' + name.encode() + b'":' + bytes(self._bodies[name]) for name in kept]
        body = b'{"entries":{' + b",".join(parts) + b'},"masked":' + memo + b"}"
        if len(body) + MAC_BYTES > MAX_ENTRY_BYTES:
            return
        assert self._packs is not None
        try:
            self._sweep_once(self._packs, "")
            _write_new(self._packs, self._pack_name, self._pack_mac(self._pack_name, body) + body)
        except OSError:
            return


def _decoded(body: Any, key: Key) -> FileAnalysis | None:
    """An entry's analysis, when it fits the schema and is of the key's bytes; else None."""
    import msgspec

    try:
        analysis: FileAnalysis = _decoder().decode(body)
    except (msgspec.DecodeError, ValueError, TypeError):
        return None
    return analysis if analysis.sha256 == key.content else None


@cache
def _pack_decoder() -> Any:
    """A pack is ``{"entries": {key name: entry}, "masked": {window: masked}}``; this decodes
    a level of it, leaving what is below undecoded (an entry is decoded when it is asked for)."""
    import msgspec

    return msgspec.json.Decoder(dict[str, msgspec.Raw])


@cache
def _masked_decoder() -> Any:
    import msgspec

    return msgspec.json.Decoder(dict[str, str])


def _write_missing(directory: int, files: Mapping[str, str]) -> tuple[str, ...]:
    """Like ruff: the cache ignores itself in git and marks itself as a cache directory.

    Each file is written when it is not there yet, never through a link; failures are no-ops.
    Returns the names written.
    """
    written: list[str] = []
    for name, text in files.items():
        try:
            os.stat(name, dir_fd=directory, follow_symlinks=False)
            continue
        except FileNotFoundError:
            pass
        except OSError:
            continue
        try:
            _write_new(directory, name, text.encode(), replace=False)
        except OSError:
            continue
        written.append(name)
    return tuple(written)


def shown_path(directory: Path) -> str:
    """The cache directory as the user would type it: relative to the current directory when
    it lies below it, with a trailing slash."""
    absolute = Path(os.path.abspath(directory))
    here = Path.cwd()
    shown = absolute.relative_to(here) if absolute.is_relative_to(here) else absolute
    return f"{shown.as_posix()}/"


def announce(directory: Path) -> None:
    """Say where the cache is when this run created it: it sits in the user's tree."""
    print(
        f"dsql-scan: caching results in {shown_path(directory)} (set cache-dir or --no-cache)",
        file=sys.stderr,
    )


def read_for_key(candidate: Candidate, max_size: int) -> bytes | None:
    """The bytes that key a file, or None when it should not be cached (unreadable, too big)."""
    try:
        info = candidate.path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_size:
            return None  # a FIFO or a device would block or never end
        return candidate.path.read_bytes()
    except OSError:
        return None
