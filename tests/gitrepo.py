"""Real temporary git repositories for diff-mode and pre-commit tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

IDENTITY = (
    "-c", "user.name=dsql-scan tests", "-c", "user.email=tests@example.invalid",
    "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main",
)  # fmt: skip


def git(root: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *IDENTITY, *args], cwd=root, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout


def init(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    return root


def commit_all(root: Path, message: str = "snapshot") -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def at_base(root: Path, files: dict[str, str]) -> str:
    """Make ``root`` a repository whose last commit holds ``files`` (written as ``write``
    writes them), then remove them from the work tree: the ref to compare with."""
    from tests.conftest import write

    write(init(root), files)
    commit_all(root, "base")
    for name in files:
        (root / name).unlink()
    return "HEAD"
