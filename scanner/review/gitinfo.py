"""What git says about the reviewed tree: repository, commit, uncommitted changes, reviewer.

A tree that is not a git repository (an unpacked release, a CI cache) is reviewed all the same
and says so. Any other git failure (git missing, a corrupt index, a ``GIT_DIR`` pointing
nowhere, a repository git refuses as unsafe) is not "not a repository" and never "clean": the
review records that the status is unknown and git's own message, since a sign-off that claims
committed code it could not check would overstate.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

NOT_A_REPOSITORY = "not a git repository"
UNKNOWN_REPOSITORY = "unknown (git failed)"
# What git (in the C locale) says, and only says, when no repository encloses the directory;
# "not a git repository: '/x'" (a GIT_DIR pointing nowhere) is a failure, not this.
NO_REPOSITORY_MESSAGE = "not a git repository (or any"
MESSAGE_LIMIT = 300  # git's message, as recorded: one line, bounded


@dataclass(frozen=True)
class GitRun:
    """One git command: ``ok`` with its output, or what went wrong in git's words."""

    ok: bool
    out: str = ""
    err: str = ""
    code: int | None = None  # None: git could not be started at all

    @property
    def message(self) -> str:
        """git's complaint as one bounded line (the exit code when it said nothing)."""
        text = " ".join(self.err.split()) or f"git exited with {self.code}"
        return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 3] + "..."


@dataclass(frozen=True)
class GitFacts:
    """The repository the scanned root belongs to. ``commit`` is empty outside git.

    ``dirty`` is None when git could not tell (``error`` says why): unknown is never clean.
    """

    repository: str = NOT_A_REPOSITORY
    commit: str = ""
    dirty: bool | None = False
    root: str = "."  # the scanned root, relative to the repository's top level
    error: str = ""

    @property
    def in_repository(self) -> bool:
        return self.repository not in (NOT_A_REPOSITORY, UNKNOWN_REPOSITORY)


def run(cwd: Path, *args: str) -> GitRun:
    """``git args`` in ``cwd``, independent of the user's locale and never taking locks."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return GitRun(False, err=f"git could not be run: {exc}")
    return GitRun(proc.returncode == 0, proc.stdout.strip(), proc.stderr.strip(), proc.returncode)


def git(cwd: Path, *args: str) -> str | None:
    """Output of ``git args`` in ``cwd``, or None: for optional values (a remote, a user name)
    whose absence is an answer."""
    done = run(cwd, *args)
    return done.out if done.ok else None


def _repository_name(top: Path) -> str:
    """The origin URL when there is one (it names the repository for every reader), else the
    directory name; never an absolute local path, which would differ on every machine."""
    url = git(top, "config", "--get", "remote.origin.url")
    return url or top.name


def exclusions(top: Path, exclude: Iterable[Path]) -> list[str]:
    """Pathspecs leaving out ``exclude``, for those inside the repository only: git rejects a
    whole status whose pathspec lies outside it (a review written to ``../review.md``)."""
    specs = []
    for path in exclude:
        try:
            inside = path.resolve().relative_to(top).as_posix()
        except ValueError:
            continue
        specs.append(f":(top,exclude,literal){inside}")
    return specs


def _commit(root: Path) -> GitRun:
    """HEAD's commit; ok with no output when the repository has no commit yet."""
    head = run(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if not head.ok and head.code == 1 and not head.err:
        return GitRun(True, "", "", 0)  # --quiet: an unborn branch is exit 1 and silence
    return head


def facts(root: Path, paths: tuple[str, ...], exclude: Iterable[Path] = ()) -> GitFacts:
    """Git facts for ``root``. ``dirty`` covers only ``paths`` (relative to root) minus
    ``exclude`` (the review being written), so an untracked review does not dirty itself."""
    top = run(root, "rev-parse", "--show-toplevel")
    if not top.ok:
        if top.code is not None and NO_REPOSITORY_MESSAGE in top.err:
            return GitFacts()
        return GitFacts(repository=UNKNOWN_REPOSITORY, dirty=None, error=top.message)
    top_path = Path(top.out).resolve()
    head = _commit(root)
    scope = [f":(literal){p}" for p in paths] or ["."]
    pathspecs = [*scope, *exclusions(top_path, exclude)]
    status = run(root, "status", "--porcelain", "--untracked-files=all", "--", *pathspecs)
    failed = next((step for step in (head, status) if not step.ok), None)
    try:
        relative_root = root.resolve().relative_to(top_path).as_posix()
    except ValueError:
        relative_root = "."
    return GitFacts(
        repository=_repository_name(top_path),
        commit=head.out if head.ok else "",
        dirty=None if failed else bool(status.out),
        root=relative_root or ".",
        error=failed.message if failed else "",
    )


def reviewer(root: Path) -> str:
    """``Name <email>`` from git's user.name / user.email, else ``unknown``."""
    name = git(root, "config", "user.name") or ""
    email = git(root, "config", "user.email") or ""
    if name and email:
        return f"{name} <{email}>"
    return name or (f"<{email}>" if email else "unknown")
