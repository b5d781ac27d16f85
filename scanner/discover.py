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
    suffix = path.suffix.lower()
    if suffix in PYTHON_SUFFIXES:
        return "python"
    if suffix in TEMPLATE_SUFFIXES:
        return "template"
    if suffix in SQL_SUFFIXES:
        return "sql"
    return None


def relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.resolve().as_posix()


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
    if name in DEFAULT_EXCLUDES:
        return True
    if directory.name == "cdk.out" and name.startswith("asset."):
        return True
    return (directory / name / "pyvenv.cfg").is_file()


def _walk(top: Path) -> list[Path]:
    found: list[Path] = []
    for directory, dirnames, filenames in os.walk(top):
        here = Path(directory)
        dirnames[:] = sorted(d for d in dirnames if not _skip_directory(here, d))
        found.extend(here / f for f in sorted(filenames) if kind_of(Path(f)))
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
        files = [top] if top.is_file() else _walk(top)
        for path in files:
            kind = kind_of(path) if path is not top else (kind_of(path) or "template")
            rel = relative(path, root)
            if kind is None or rel in seen or is_excluded(rel, config.exclude):
                continue
            parent = path.resolve().parent
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
