"""What git says about the reviewed tree: repository, commit, uncommitted changes, reviewer.

Everything here is best effort: a tree that is not a git repository (an unpacked release, a CI
cache) is reviewed all the same and says so; git being absent is not an error either.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

NOT_A_REPOSITORY = "not a git repository"


@dataclass(frozen=True)
class GitFacts:
    """The repository the scanned root belongs to. ``commit`` is empty outside git."""

    repository: str = NOT_A_REPOSITORY
    commit: str = ""
    dirty: bool = False
    root: str = "."  # the scanned root, relative to the repository's top level

    @property
    def in_repository(self) -> bool:
        return self.repository != NOT_A_REPOSITORY


def git(cwd: Path, *args: str) -> str | None:
    """Output of ``git args`` in ``cwd``, or None when git is missing or the command fails."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def _repository_name(top: Path) -> str:
    """The origin URL when there is one (it names the repository for every reader), else the
    directory name; never an absolute local path, which would differ on every machine."""
    url = git(top, "config", "--get", "remote.origin.url")
    return url or top.name


def facts(root: Path, paths: tuple[str, ...], exclude: tuple[str, ...] = ()) -> GitFacts:
    """Git facts for ``root``. ``dirty`` covers only ``paths`` (relative to root) minus
    ``exclude`` (the review being written), so an untracked review does not dirty itself."""
    top = git(root, "rev-parse", "--show-toplevel")
    if top is None:
        return GitFacts()
    top_path = Path(top)
    commit = git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}") or ""
    pathspecs = [*(paths or (".",)), *(f":(exclude){p}" for p in exclude)]
    status = git(root, "status", "--porcelain", "--untracked-files=all", "--", *pathspecs)
    try:
        relative_root = root.resolve().relative_to(top_path.resolve()).as_posix()
    except ValueError:
        relative_root = "."
    return GitFacts(
        repository=_repository_name(top_path),
        commit=commit,
        dirty=bool(status),
        root=relative_root or ".",
    )


def reviewer(root: Path) -> str:
    """``Name <email>`` from git's user.name / user.email, else ``unknown``."""
    name = git(root, "config", "user.name") or ""
    email = git(root, "config", "user.email") or ""
    if name and email:
        return f"{name} <{email}>"
    return name or (f"<{email}>" if email else "unknown")
