"""The result cache: a file whose bytes, path and settings are unchanged is not parsed again.

Entries are keyed by a content hash, so the cache is safe to share between runs, branches and
checkouts (like ruff's ``.ruff_cache``): a changed file simply misses. The key also covers the
tool itself (version, rule set and a digest of the installed modules, so an upgrade or a local
edit never serves stale results) and the configuration that changes what rules compute.

Entries are pickles of our own frozen dataclasses, read with an unpickler that refuses every
class outside this package and the standard containers: a tampered cache cannot run code.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tempfile
from functools import cache
from pathlib import Path

from scanner import __version__
from scanner.config import Config
from scanner.discover import Candidate
from scanner.model import FileAnalysis

CACHE_DIR_NAME = ".dsql-scan-cache"
LAYOUT = "v1"
ALLOWED_MODULES = ("scanner.", "builtins", "enum")


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        if module == "builtins" and name not in {"frozenset", "set", "tuple", "list", "dict"}:
            raise pickle.UnpicklingError(f"refusing builtins.{name}")
        if not module.startswith(ALLOWED_MODULES):
            raise pickle.UnpicklingError(f"refusing {module}.{name}")
        return super().find_class(module, name)


@cache
def tool_digest() -> str:
    """Version, rule set and the installed modules' sizes and times: any change invalidates."""
    from scanner.rules import RULESET_VERSION

    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"{__version__}|{RULESET_VERSION}".encode())
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(package)}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


@cache
def _linter_identity() -> str:
    """Which dsql-lint judges ``.sql`` files (path, size, time), or that none is installed."""
    from scanner.inputs.sql import LinterMissing, find_linter

    try:
        path = Path(find_linter())
        stat = path.stat()
    except (LinterMissing, OSError) as missing:
        return f"missing:{missing}"
    return f"{path}|{stat.st_size}|{stat.st_mtime_ns}"


class ResultCache:
    """Get and put FileAnalysis objects by (tool, settings, candidate, content) key."""

    def __init__(self, directory: Path, config: Config) -> None:
        self.directory = directory / LAYOUT
        self.prefix = f"{tool_digest()}|{config.analysis_digest()}|{config.max_file_size}"

    def key(self, candidate: Candidate, content: bytes) -> str:
        material = "|".join(
            (
                self.prefix,
                _linter_identity() if candidate.kind == "sql" else "",
                candidate.rel,
                candidate.kind,
                # naming a file only changes how a template that fails to parse is treated
                str(candidate.explicit) if candidate.kind == "template" else "",
                candidate.stack,
                hashlib.sha256(content).hexdigest(),
            )
        )
        return hashlib.sha256(material.encode()).hexdigest()

    @staticmethod
    def context_key(key: str) -> str:
        """Where the same file's context view (``project.context_view``) is kept."""
        return hashlib.sha256(f"{key}|context".encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / key

    def get(self, key: str) -> FileAnalysis | None:
        try:
            data = self._path(key).read_bytes()
            value = _SafeUnpickler(io.BytesIO(data)).load()
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            return None
        return value if isinstance(value, FileAnalysis) else None

    def put(self, key: str, analysis: FileAnalysis) -> None:
        """Atomic write (temp file + rename): concurrent runs never read half an entry."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _mark_ignored(self.directory.parent)
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(analysis, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, path)
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            return  # a read-only or full disk makes the cache a no-op, never an error


def _mark_ignored(root: Path) -> None:
    """Like ruff: the cache ignores itself in git and marks itself as a cache directory."""
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("# Automatically created by dsql-scan.\n*\n", encoding="utf-8")
        (root / "CACHEDIR.TAG").write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n"
            "# This file is a cache directory tag created by dsql-scan.\n",
            encoding="utf-8",
        )


def read_for_key(candidate: Candidate, max_size: int) -> bytes | None:
    """The bytes that key a file, or None when it should not be cached (unreadable, too big)."""
    try:
        if candidate.path.stat().st_size > max_size:
            return None
        return candidate.path.read_bytes()
    except OSError:
        return None
