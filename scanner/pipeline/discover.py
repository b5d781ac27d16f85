"""Discovery: which files to scan, which input reads each, and the stack of a synthesized template.

Directories are walked in sorted order so results never depend on the file system's order.
``cdk.out`` is a primary input, but its ``asset.*`` folders (bundled copies of source code and
Lambda packages) are skipped: scanning them would report every finding of the source twice.
So is generated JavaScript and TypeScript (``scanner.pipeline.generated``): declaration files and
minified bundles, by name or by the length of their lines.

The tree comes from a pull request, so the walk reads only what the tree is: regular files, and
symbolic links that stay inside the scan root. Everything it leaves out (directories, links that
lead elsewhere or nowhere, FIFOs and devices, unreadable directories) is returned with the
reason, so that a scope never shrinks without a word (``-v``, the review's scope).
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import NamedTuple

from scanner import inputs
from scanner.config import Config, ConfigError
from scanner.inputs import names
from scanner.inputs.base import Input
from scanner.pipeline import generated

# Which files are read, and as what, is the input registry's (``scanner.inputs``).
# Languages dsql-scan does not read, recognised by file name alone (never by content): they can
# hold IaC (CDK, CDKTF and Pulumi come in most of them, Terraform is HCL) or database code, so
# a scope that leaves them out unsaid would let a review speak for code nobody read. Longest
# suffix first. A suffix an input claims wins over this table only when it is at least as long:
# ``main.tf.json`` is Terraform, not a JSON template, while a TypeScript input takes ``.ts``.
UNREAD_LANGUAGES: tuple[tuple[str, str], ...] = (
    (".hcl", "HCL"),  # Terragrunt, Packer: HCL that is not a Terraform configuration
    (".go", "Go"),
    (".java", "Java"),
    (".kt", "Kotlin"),
    (".kts", "Kotlin"),
    (".cs", "C#"),
    (".fs", "F#"),
    (".vb", "Visual Basic"),
    (".rb", "Ruby"),
    (".php", "PHP"),
    (".rs", "Rust"),
    (".scala", "Scala"),
    (".groovy", "Groovy"),
    (".swift", "Swift"),
    (".ex", "Elixir"),
    (".exs", "Elixir"),
    (".ipynb", "Jupyter notebook"),
    (".sh", "Shell"),
    (".bash", "Shell"),
    (".zsh", "Shell"),
    (".ps1", "PowerShell"),
)
# Of those, the languages infrastructure is written in (AWS CDK: Java, C#, Go; CDKTF and
# Pulumi: the same and more; Terragrunt's HCL): unread, they may declare the clusters.
# (TypeScript and JavaScript, the CDK's first languages, and Terraform are read:
# scanner.inputs.typescript, scanner.inputs.terraform.)
IAC_LANGUAGES = frozenset({"HCL", "Go", "Java", "Kotlin", "C#", "F#", "Visual Basic"})
UNSUPPORTED = "language not supported"
# Why the files of a preview input (``Input.preview``) are not read: a review never counts them.
IN_PREVIEW = "{label} is in preview: run scan with --preview (a review never counts it)"
DEFAULT_EXCLUDES = frozenset(
    {
        ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
        ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype",
        ".ruff_cache", ".svn", ".tox", ".venv", ".vscode", "__pypackages__", "__pycache__",
        "_build", "buck-out", "build", "dist", "node_modules", "site-packages", "venv",
        ".dsql-scan-cache",
    }
)  # fmt: skip
# The Cache Directory Tagging Specification (https://bford.info/cachedir/): a tag counts only
# when the file starts with exactly this line, so an empty CACHEDIR.TAG hides nothing.
CACHEDIR_SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"
MANIFEST_BYTES = 16 * 1024 * 1024  # a cloud assembly's manifest is kilobytes
PYVENV_CFG_BYTES = 65536  # venv, virtualenv and uv write a few hundred bytes

OUTSIDE_ROOT = "symbolic link leading outside the scan root (not followed)"
LINKED_DIRECTORY = "symbolic link to a directory (not followed)"
_LINK_ERRORS = {errno.ELOOP: "symbolic link loop", errno.ENOENT: "broken symbolic link"}
_FILE_TYPES = (
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISDIR, "directory"),
)


@dataclass(frozen=True)
class Candidate:
    """A file to analyse. ``rel`` is the reporting path (POSIX, relative to the project root)."""

    path: Path
    rel: str
    input: str  # the name of the input that reads it (scanner.inputs)
    explicit: bool = False
    stack: str = ""


@dataclass(frozen=True)
class Unread:
    """A source file in scope of a language dsql-scan does not read: listed, hashed, not parsed."""

    path: Path
    rel: str
    language: str
    reason: str = ""  # why, when some input could read it (its input is in preview)

    @property
    def note(self) -> str:
        because = f": {self.reason}" if self.reason else ""
        return f"{UNSUPPORTED} ({self.language}){because}"


class Skipped(NamedTuple):
    """A file or directory (``rel`` ending in ``/``) that discovery did not read, and why."""

    rel: str
    reason: str


@dataclass(frozen=True)
class Discovery:
    """The files to scan, and what was left out on the way (sorted by path)."""

    candidates: list[Candidate]
    skipped: tuple[Skipped, ...] = ()
    unread: tuple[Unread, ...] = ()


def reader_of(name: str) -> Input | None:
    """The input that reads a file of this name, preview or not (None: no input does)."""
    found = inputs.for_name(name)
    if found is None or len(found.claims(name)) < len(_unread_suffix(name)[0]):
        return None
    return found


def input_of(path: Path) -> str | None:
    """The name of the input that reads ``path``, by its name alone."""
    found = reader_of(path.name)
    return found.name if found is not None else None


_UNREAD_SUFFIXES = tuple(suffix for suffix, _ in UNREAD_LANGUAGES)


def _unread_suffix(name: str) -> tuple[str, str]:
    lowered = name.lower()
    if not lowered.endswith(_UNREAD_SUFFIXES):  # most names: one test instead of one a suffix
        return "", ""
    return next(((s, lang) for s, lang in UNREAD_LANGUAGES if lowered.endswith(s)), ("", ""))


def unread_language(name: str) -> str:
    """The language of a file dsql-scan does not read, by its name; "" for any other file."""
    return "" if reader_of(name) is not None else _unread_suffix(name)[1]


def _not_read(name: str, reader: Input | None, preview: bool) -> tuple[str, str]:
    """(language, reason) of a file in scope that is listed but not read, else ("", "")."""
    if reader is None:
        return unread_language(name), ""
    if reader.preview and not preview:
        return reader.language(reader.claims(name)), IN_PREVIEW.format(label=reader.label)
    return "", ""


def language_of(name: str) -> str:
    """Every file's language as the scope counts them (``template`` for ``.template``)."""
    reader = reader_of(name)
    if reader is not None:
        return reader.language(reader.claims(name))
    suffix = os.path.splitext(name)[1].lower()
    return unread_language(name) or suffix.lstrip(".") or name


def _listed(name: str) -> bool:
    """A file discovery lists: one it reads, or one of a language it names but does not read."""
    return reader_of(name) is not None or bool(unread_language(name))


def display(path: str) -> str:
    """A path as reports show it: file names that are not UTF-8 (``os.fsdecode`` keeps their
    bytes as lone surrogates, which no UTF-8 output can encode) get ``\\xNN`` for those bytes.
    Backslashes are doubled so that two different files never share a reporting path."""
    if "\\" not in path:
        try:
            path.encode("utf-8")
            return path
        except UnicodeEncodeError:
            pass
    doubled = path.replace("\\", "\\\\")
    try:
        raw = doubled.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that stands for no byte: not from the file system
        return doubled.encode("utf-8", "backslashreplace").decode("ascii")
    return raw.decode("utf-8", "backslashreplace")


def relative(path: Path, root: Path) -> str:
    """The reporting path: POSIX, relative to the (resolved) root, else absolute."""
    return _relative_resolved(path.resolve(), root)


def _relative_resolved(resolved: Path, root: Path) -> str:
    try:
        return display(resolved.relative_to(root).as_posix())
    except ValueError:
        return display(resolved.as_posix())


def is_excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    """gitignore-like: a pattern without '/' matches any path component, else the path.

    ``dir/**`` also matches ``dir`` itself, so that the walk need not enter it.
    """
    parts = rel.split("/")
    for pattern in patterns:
        pattern = pattern.strip().rstrip("/")
        if "/" not in pattern:
            if any(fnmatch(part, pattern) for part in parts):
                return True
        elif (
            fnmatch(rel, pattern)
            or (pattern.endswith("/**") and fnmatch(rel, pattern[:-3]))
            or any(fnmatch("/".join(parts[:i]), pattern) for i in range(1, len(parts)))
        ):
            return True
    return False


def _head(path: Path, size: int) -> bytes | None:
    """The first ``size`` bytes of a regular file that is not a link, else None.

    Opened without following links and without blocking, and checked again once open: a
    ``CACHEDIR.TAG`` that is a FIFO or a link to ``/dev/zero`` is no tag, and never a hang.
    """
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
        descriptor = os.open(path, flags)
    except OSError:
        return None
    try:
        return os.read(descriptor, size) if stat.S_ISREG(os.fstat(descriptor).st_mode) else None
    except OSError:
        return None
    finally:
        os.close(descriptor)


def is_tagged_cache(directory: Path) -> bool:
    """A cache directory by the tagging spec: its ``CACHEDIR.TAG`` starts with the signature."""
    return _head(directory / "CACHEDIR.TAG", len(CACHEDIR_SIGNATURE)) == CACHEDIR_SIGNATURE


def is_virtualenv(directory: Path) -> bool:
    """A virtual environment: its ``pyvenv.cfg`` has the ``home`` key that CPython's ``venv``,
    virtualenv and uv all write (and that ``site`` reads to find the base interpreter)."""
    head = _head(directory / "pyvenv.cfg", PYVENV_CFG_BYTES)
    if head is None:
        return False
    for line in head.decode("utf-8", "replace").splitlines():
        key, separator, _ = line.partition("=")
        if separator and key.strip().lower() == "home":
            return True
    return False


def _is_regular_file(path: Path) -> bool:
    """``Path.is_file`` that says no, instead of raising, for a file it may not look at."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _file_type(mode: int) -> str:
    return next((name for test, name in _FILE_TYPES if test(mode)), "special file")


@dataclass
class _Walk:
    """One walk's bounds (the project root for reporting paths, the boundary links must stay
    inside), and what it found and left out."""

    root: Path
    boundary: Path
    exclude: tuple[str, ...]
    found: list[tuple[Path, Path]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def skip(self, resolved: Path, reason: str, directory: bool = False) -> None:
        rel = _relative_resolved(resolved, self.root)
        self.skipped.append(Skipped(rel + "/" if directory else rel, reason))

    def directory_skip(self, parent: Path, name: str, resolved: Path) -> str:
        """Why a directory is not entered, as far as its name and path tell, or "" to enter it
        (what it holds may still keep it out: ``marked_skip``)."""
        if name in DEFAULT_EXCLUDES:
            return "excluded by default"
        if parent.name == "cdk.out" and name.startswith("asset."):
            return generated.ASSET
        if self.exclude and is_excluded(_relative_resolved(resolved, self.root), self.exclude):
            return "excluded by the configuration (exclude)"
        return ""

    @staticmethod
    def marked_skip(resolved: Path, names: Iterable[str] | None) -> str:
        """Why a directory is not read for what it holds (a virtual environment, a tagged
        cache), or "". ``names`` are its entries' names, when it could be listed: only a
        directory with a file of such a name is looked at (on a file system that ignores case
        that name may be spelt otherwise, hence the lower-cased comparison), instead of two
        look-ups in every directory of the tree."""
        lowered = None if names is None else {name.lower() for name in names}
        if (lowered is None or "pyvenv.cfg" in lowered) and is_virtualenv(resolved):
            return "virtual environment (pyvenv.cfg)"
        if (lowered is None or "cachedir.tag" in lowered) and is_tagged_cache(resolved):
            return "cache directory (CACHEDIR.TAG)"
        return ""

    def generated(self, name: str, target: Path) -> str:
        """Why a file the walk found is generated JavaScript or TypeScript (a declaration file,
        a minified bundle), else "": by its name, then for ``.js`` by its head."""
        reason = generated.by_name(name)
        if reason or not generated.needs_content(name):
            return reason
        head = _head(target, generated.HEAD_BYTES)
        return generated.by_content(head) if head else ""

    def generated_named(self, name: str, resolved: Path) -> str:
        """Why a file named to ``--lenient-paths`` is generated JavaScript or TypeScript: as
        for a found file, or by a directory on its path that the walk would have skipped
        (pre-commit names a committed ``dist/`` bundle as readily as a source)."""
        if not generated.is_js_ts(name):
            return ""
        if resolved.is_relative_to(self.root):
            reason = generated.by_location(resolved.relative_to(self.root).as_posix())
            if reason:
                return reason
        return self.generated(name, resolved)

    def add(self, path: Path, target: Path, resolved: Path) -> None:
        """A regular file of a known kind: found, unless it is generated JavaScript."""
        reason = self.generated(path.name, target)
        if reason:
            self.skip(resolved, reason)
        else:
            self.found.append((path, target))

    def follow(self, path: Path) -> tuple[Path | None, os.stat_result | None, str]:
        """A link's target and its status when the link may be followed, else why not."""
        target = Path(os.path.realpath(path))
        try:
            info = target.stat()
        except OSError as exc:
            reason = _LINK_ERRORS.get(exc.errno or 0, f"cannot follow: {exc.strerror or exc}")
            return None, None, reason
        if not target.is_relative_to(self.boundary):
            return None, info, OUTSIDE_ROOT
        return target, info, ""

    def link(self, path: Path, resolved: Path) -> None:
        """A symbolic link: a regular file inside the boundary is read (deduplicated by its
        target); directories are never entered (like ``os.walk``); the rest is left out."""
        target, info, reason = self.follow(path)
        directory = info is not None and stat.S_ISDIR(info.st_mode)
        known = _listed(path.name)
        if target is None or info is None:
            if known or directory or info is None:
                self.skip(resolved, reason, directory)
        elif directory:
            self.skip(resolved, LINKED_DIRECTORY, directory=True)
        elif known and stat.S_ISREG(info.st_mode):
            self.add(path, target, resolved)
        elif known:
            self.skip(resolved, f"not a regular file ({_file_type(info.st_mode)})")

    def entry(
        self, here: Path, resolved: Path, entry: os.DirEntry[str]
    ) -> tuple[Path, Path] | None:
        """Record one directory entry; returns the subdirectory to enter (as found, resolved),
        if it is one. Paths are made only for the entries that need one (most files of a tree
        are not listed)."""
        if entry.is_symlink():
            self.link(here / entry.name, resolved / entry.name)
        elif entry.is_dir(follow_symlinks=False):
            real = resolved / entry.name
            reason = self.directory_skip(here, entry.name, real)
            if not reason:
                return here / entry.name, real
            self.skip(real, reason, directory=True)
        elif _listed(entry.name):
            real = resolved / entry.name
            if entry.is_file(follow_symlinks=False):
                self.add(here / entry.name, real, real)
            else:
                mode = entry.stat(follow_symlinks=False).st_mode
                self.skip(real, f"not a regular file ({_file_type(mode)})")
        return None

    def walk(self, top: Path, resolved_top: Path) -> None:
        """Every file of a known kind under ``top``, directories in sorted order.

        Like ``os.walk``, symlinked directories are not entered, so a file's resolved path is
        its directory's plus its name: only the top and symlinked files need the file system's
        realpath (one realpath per file was most of a one-file pre-commit run's discovery).
        """
        pending = [(top, resolved_top)]
        while pending:
            here, resolved = pending.pop()
            try:
                with os.scandir(here) as scanning:
                    entries = sorted(scanning, key=lambda entry: entry.name)
            except OSError as exc:
                reason = self.marked_skip(resolved, None) if here is not top else ""
                self.skip(resolved, reason or f"cannot read directory: {exc.strerror or exc}", True)
                continue
            if here is not top:  # the directory the user named is read whatever it holds
                reason = self.marked_skip(resolved, (entry.name for entry in entries))
                if reason:
                    self.skip(resolved, reason, directory=True)
                    continue
            subdirectories = []
            for entry in entries:
                try:
                    inner = self.entry(here, resolved, entry)
                except OSError as exc:  # gone, or not ours to look at, since it was listed
                    self.skip(resolved / entry.name, f"cannot read: {exc.strerror or exc}")
                    continue
                if inner is not None:
                    subdirectories.append(inner)
            pending.extend(reversed(subdirectories))

    def named(self, top: Path, resolved_top: Path, info: os.stat_result, lenient: bool) -> None:
        """A file named on the command line: the user's choice, read wherever it leads (as ruff
        does), unless ``--lenient-paths`` asks for the walk's rules (pre-commit names files a
        pull request may have committed as links, and generated JavaScript the walk would never
        have reached). Never a FIFO or a device: those cannot hang a scan by being named either.
        """
        lexical = Path(os.path.abspath(top))
        if not stat.S_ISREG(info.st_mode):
            self.skip(lexical, f"not a regular file ({_file_type(info.st_mode)})")
        elif lenient and resolved_top != lexical and not resolved_top.is_relative_to(self.root):
            self.skip(lexical, OUTSIDE_ROOT)
        elif lenient and (reason := self.generated_named(top.name, resolved_top)):
            self.skip(resolved_top, reason)
        else:
            self.found.append((top, resolved_top))


def stacks_of(cdk_out: Path) -> dict[str, str]:
    """template file name -> stack name, from a cloud assembly's manifest.json.

    Read like a marker file (a regular file, not through a link, never blocking) and only up to
    ``MANIFEST_BYTES``: a larger one names no stacks, its templates are still scanned.
    """
    data = _head(cdk_out / "manifest.json", MANIFEST_BYTES + 1)
    if data is None or len(data) > MANIFEST_BYTES:
        return {}
    try:
        manifest = json.loads(data.decode("utf-8"))
        artifacts = manifest.get("artifacts", {})
    except (ValueError, AttributeError):
        return {}
    names: dict[str, str] = {}
    for artifact_id, artifact in sorted(artifacts.items()) if isinstance(artifacts, dict) else ():
        if not isinstance(artifact, dict) or artifact.get("type") != "aws:cloudformation:stack":
            continue
        template = (artifact.get("properties") or {}).get("templateFile")
        if isinstance(template, str):
            names[template] = str(artifact.get("displayName") or artifact_id)
    return names


def _status(raw: str) -> os.stat_result:
    """A named path's status (following links), or the usage error that names it."""
    try:
        return os.stat(raw)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
            raise ConfigError(f"no such file or directory: {raw}") from None
        raise ConfigError(f"cannot read {raw}: {exc.strerror or exc}") from None


def explore(paths: tuple[str, ...], config: Config) -> Discovery:
    """The files to scan for the given paths (or the configured include, or the root), and
    what was left out. A tree outside the project root is bounded by itself."""
    root = config.root.resolve()
    explicit_paths = bool(paths) and not config.lenient_paths
    if not paths:
        paths = tuple(str(root / p) for p in config.include) or (str(root),)
    seen: dict[str, Candidate] = {}
    unread: dict[str, Unread] = {}
    skipped: dict[str, Skipped] = {}
    manifests: dict[Path, dict[str, str]] = {}
    for raw in paths:
        info = _status(raw)
        top = Path(raw)
        resolved_top = top.resolve()
        inside = resolved_top.is_relative_to(root)
        walk = _Walk(root, root if inside else resolved_top, config.exclude)
        if stat.S_ISDIR(info.st_mode):
            walk.walk(top, resolved_top)
        else:
            walk.named(top, resolved_top, info, config.lenient_paths)
        skipped.update((s.rel, s) for s in walk.skipped)
        for path, resolved in walk.found:
            rel = _relative_resolved(resolved, root)
            reader = reader_of(path.name)
            language, reason = _not_read(path.name, reader, config.preview)
            if language and rel not in unread and not is_excluded(rel, config.exclude):
                unread[rel] = Unread(resolved, rel, language, reason)
            if reader is None and path is top:  # named: read even without a known suffix
                reader = inputs.fallback()
            if language or reader is None or rel in seen or is_excluded(rel, config.exclude):
                continue
            parent = resolved.parent
            if parent not in manifests:
                manifests[parent] = stacks_of(parent)
            stack = manifests[parent].get(path.name, "")
            seen[rel] = Candidate(path, rel, reader.name, explicit_paths and path is top, stack)
    return Discovery(
        [seen[rel] for rel in sorted(seen)],
        tuple(sorted(skipped.values())),
        tuple(unread[rel] for rel in sorted(unread)),
    )


def discover(paths: tuple[str, ...], config: Config) -> list[Candidate]:
    """The files to scan for the given paths (or the configured include, or the root)."""
    return explore(paths, config).candidates


def cdk_app(path: Path, root: Path) -> str:
    """The CDK app a source file belongs to: the nearest directory up to the project root that
    holds a ``cdk.json`` (POSIX, relative to the root), or "" outside any app. Two apps in one
    repository may both create an ``Api`` function; their names must not mix."""
    directory = names.app_directory(path.parent, root)
    if directory is None:
        return ""
    return relative(directory, root) if directory != root.resolve() else "."
