"""Discovery: which files to scan, what kind each is, and which stack a synthesized template is.

Directories are walked in sorted order so results never depend on the file system's order.
``cdk.out`` is a primary input, but its ``asset.*`` folders (bundled copies of source code and
Lambda packages) are skipped: scanning them would report every finding of the source twice.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from scanner.config import Config, ConfigError

TEMPLATE_SUFFIXES = frozenset({".json", ".yaml", ".yml", ".template"})
PYTHON_SUFFIXES = frozenset({".py"})
SQL_SUFFIXES = frozenset({".sql"})
DEFAULT_EXCLUDES = frozenset(
    {
        ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
        ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype",
        ".ruff_cache", ".svn", ".tox", ".venv", ".vscode", "__pypackages__", "__pycache__",
        "_build", "buck-out", "build", "dist", "node_modules", "site-packages", "venv",
        ".dsql-scan-cache",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    """A file to analyse. ``rel`` is the reporting path (POSIX, relative to the project root)."""

    path: Path
    rel: str
    kind: str  # "template", "python", "sql"
    explicit: bool = False
    stack: str = ""


def kind_of(path: Path) -> str | None:
    return _kind_of_suffix(path.suffix)


def _kind_of_suffix(suffix: str) -> str | None:
    suffix = suffix.lower()
    if suffix in PYTHON_SUFFIXES:
        return "python"
    if suffix in TEMPLATE_SUFFIXES:
        return "template"
    if suffix in SQL_SUFFIXES:
        return "sql"
    return None


def relative(path: Path, root: Path) -> str:
    """The reporting path: POSIX, relative to the (resolved) root, else absolute."""
    return _relative_resolved(path.resolve(), root)


def _relative_resolved(resolved: Path, root: Path) -> str:
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        return resolved.as_posix()


def is_excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    """gitignore-like: a pattern without '/' matches any path component, else the path."""
    parts = rel.split("/")
    for pattern in patterns:
        pattern = pattern.strip().rstrip("/")
        if "/" not in pattern:
            if any(fnmatch(part, pattern) for part in parts):
                return True
        elif fnmatch(rel, pattern) or any(
            fnmatch("/".join(parts[:i]), pattern) for i in range(1, len(parts))
        ):
            return True
    return False


def _skip_directory(directory: Path, name: str) -> bool:
    """Default excludes, cdk.out assets, virtual environments and tagged cache directories
    (``CACHEDIR.TAG``, which the result cache writes wherever DSQL_SCAN_CACHE_DIR puts it)."""
    if name in DEFAULT_EXCLUDES:
        return True
    if directory.name == "cdk.out" and name.startswith("asset."):
        return True
    inside = directory / name
    return (inside / "pyvenv.cfg").is_file() or (inside / "CACHEDIR.TAG").is_file()


def _walk(top: Path) -> list[tuple[Path, Path]]:
    """(path, resolved path) of every file of a known kind under ``top``, directories in order.

    Like ``os.walk``, symlinked directories are not entered, so a file's resolved path is its
    directory's plus its name: only the top and symlinked files need the file system's realpath
    (one realpath per file was most of a one-file pre-commit run's discovery of the project).
    """
    found: list[tuple[Path, Path]] = []
    pending = [(top, top.resolve())]
    while pending:
        here, resolved = pending.pop()
        try:
            with os.scandir(here) as scanning:
                entries = sorted(scanning, key=lambda entry: entry.name)
        except OSError:
            continue
        subdirectories = []
        for entry in entries:
            if entry.is_dir():
                if not entry.is_symlink() and not _skip_directory(here, entry.name):
                    subdirectories.append((here / entry.name, resolved / entry.name))
            elif _kind_of_suffix(os.path.splitext(entry.name)[1]):
                path = here / entry.name
                found.append(
                    (path, path.resolve() if entry.is_symlink() else resolved / entry.name)
                )
        pending.extend(reversed(subdirectories))
    return found


def stacks_of(cdk_out: Path) -> dict[str, str]:
    """template file name -> stack name, from a cloud assembly's manifest.json."""
    try:
        manifest = json.loads((cdk_out / "manifest.json").read_text(encoding="utf-8"))
        artifacts = manifest.get("artifacts", {})
    except (OSError, ValueError, AttributeError):
        return {}
    names: dict[str, str] = {}
    for artifact_id, artifact in sorted(artifacts.items()) if isinstance(artifacts, dict) else ():
        if not isinstance(artifact, dict) or artifact.get("type") != "aws:cloudformation:stack":
            continue
        template = (artifact.get("properties") or {}).get("templateFile")
        if isinstance(template, str):
            names[template] = str(artifact.get("displayName") or artifact_id)
    return names


def discover(paths: tuple[str, ...], config: Config) -> list[Candidate]:
    """The files to scan for the given paths (or the configured include, or the root)."""
    root = config.root.resolve()
    explicit_paths = bool(paths) and not config.lenient_paths
    if not paths:
        paths = tuple(str(root / p) for p in config.include) or (str(root),)
    seen: dict[str, Candidate] = {}
    manifests: dict[Path, dict[str, str]] = {}
    for raw in paths:
        top = Path(raw)
        if not top.exists():
            raise ConfigError(f"no such file or directory: {raw}")
        files = [(top, top.resolve())] if top.is_file() else _walk(top)
        for path, resolved in files:
            kind = kind_of(path) if path is not top else (kind_of(path) or "template")
            rel = _relative_resolved(resolved, root)
            if kind is None or rel in seen or is_excluded(rel, config.exclude):
                continue
            parent = resolved.parent
            if parent not in manifests:
                manifests[parent] = (
                    stacks_of(parent) if (parent / "manifest.json").is_file() else {}
                )
            stack = manifests[parent].get(path.name, "")
            seen[rel] = Candidate(path, rel, kind, explicit_paths and path is top, stack)
    return [seen[rel] for rel in sorted(seen)]


def cdk_app(path: Path, root: Path) -> str:
    """The CDK app a source file belongs to: the nearest directory up to the project root that
    holds a ``cdk.json`` (POSIX, relative to the root), or "" outside any app. Two apps in one
    repository may both create an ``Api`` function; their names must not mix."""
    root = root.resolve()
    directory = path.resolve().parent
    while True:
        if (directory / "cdk.json").is_file():
            return relative(directory, root) if directory != root else "."
        if directory == root or directory.parent == directory:
            return ""
        directory = directory.parent
