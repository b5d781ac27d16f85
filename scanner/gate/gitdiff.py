"""Diff mode (``--diff-base REF``): keep only findings on lines changed since a git ref.

Lets a pull request gate on what it touches while the rest of the migration is still pending.
Changed lines are the added or modified lines of the working tree against REF (``git diff
--unified=0``), plus every line of untracked files, which are new. Renames are followed, so
moving a file does not resurface its old findings. Project-level rules (DSQL cluster count,
required environment...) are kept whatever changed: they judge the project as a whole, and a
change anywhere can break them.

git is run as a subprocess with the options that make its output independent of the user's git
configuration (prefixes, colour, external diff drivers, path quoting, relative paths).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from scanner.config import ConfigError
from scanner.model import Finding
from scanner.results import ScanResult
from scanner.rules import BY_ID

HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    '"': '"', "\\": "\\",
}  # fmt: skip


class GitDiffError(ConfigError):
    """Diff mode cannot work here (no git, not a repository, unknown ref): exit 2."""


@dataclass(frozen=True)
class ChangedLines:
    """Changed line numbers per file, keyed by path relative to the repository's top level.

    ``None`` instead of a set means "every line" (an untracked, hence entirely new, file).
    """

    ref: str
    top: Path
    files: dict[str, frozenset[int] | None]

    def touches(self, path: str, root: Path, first: int, last: int) -> bool:
        """Does the finding's line range [first, last] meet a changed line of ``path``?"""
        try:
            key = (root / path).resolve().relative_to(self.top).as_posix()
        except ValueError:
            return False  # outside the repository: nothing there changed in git's eyes
        if key not in self.files:
            return False
        lines = self.files[key]
        return lines is None or any(first <= n <= last for n in lines)


def git(
    args: list[str], cwd: Path, stdout: IO[bytes] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run git (its output captured, or written to ``stdout``); GitDiffError when it cannot be
    run at all."""
    output = subprocess.PIPE if stdout is None else stdout
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, stdout=output, stderr=subprocess.PIPE, check=False
        )
    except FileNotFoundError:
        raise GitDiffError("--diff-base needs git, which is not installed") from None
    except OSError as exc:
        raise GitDiffError(f"--diff-base: git could not be run: {exc}") from None


def decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def unquote(path: str) -> str:
    """Undo git's C-style quoting of unusual path names ("a\\tb", octal-escaped bytes)."""
    if not (path.startswith('"') and path.endswith('"')):
        return path
    body, out, i = path[1:-1], bytearray(), 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            octal = body[i + 1 : i + 4]
            if re.fullmatch(r"[0-7]{3}", octal):
                out.append(int(octal, 8))
                i += 4
                continue
            out += ESCAPES.get(body[i + 1], body[i + 1]).encode("utf-8")
            i += 2
            continue
        out += char.encode("utf-8", "surrogateescape")
        i += 1
    return decode(bytes(out))


def parse_diff(output: bytes) -> dict[str, frozenset[int]]:
    """Added/modified line numbers (new side) per file from ``git diff --unified=0`` output.

    The file name is taken from the ``+++ b/...`` header only while inside a file header (before
    its first hunk): an added line reading ``++ x`` also starts with ``+++ ``.
    """
    files: dict[str, set[int]] = {}
    current: str | None = None
    in_header = False
    for line in output.split(b"\n"):
        if line.startswith(b"diff --git "):
            current, in_header = None, True
        elif in_header and line.startswith(b"+++ "):
            target = unquote(decode(line[4:]).rstrip("\r"))
            current = target[2:] if target.startswith("b/") else None
            if current is not None:
                files.setdefault(current, set())
        elif line.startswith(b"@@ "):
            in_header = False
            match = HUNK.match(line)
            if match and current is not None:
                start = int(match.group(1))
                count = int(match.group(2)) if match.group(2) is not None else 1
                files[current].update(range(start, start + count))
    return {path: frozenset(lines) for path, lines in files.items()}


def commit_of(ref: str, cwd: Path, option: str = "--diff-base") -> tuple[Path, str]:
    """(the repository's top level, the commit ``ref`` names); GitDiffError (naming the
    ``option`` that gave the ref) when there is none."""
    top_proc = git(["rev-parse", "--show-toplevel"], cwd)
    if top_proc.returncode != 0:
        raise GitDiffError(f"{option}: {cwd} is not inside a git repository")
    top = Path(decode(top_proc.stdout).strip()).resolve()
    verify = git(["rev-parse", "--verify", "--quiet", "--end-of-options", ref + "^{commit}"], top)
    if verify.returncode != 0 or not ref.strip():
        raise GitDiffError(f"{option}: unknown git ref {ref!r}")
    return top, decode(verify.stdout).strip()


def changed_lines(ref: str, cwd: Path) -> ChangedLines:
    """What changed in the working tree (tracked and untracked files) since ``ref``."""
    top, commit = commit_of(ref, cwd)
    diff = git(
        [
            "-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff",
            "--no-relative", "--unified=0", "--find-renames", "--diff-filter=d",
            "--ignore-submodules", "--src-prefix=a/", "--dst-prefix=b/", commit, "--",
        ],
        top,
    )  # fmt: skip
    if diff.returncode != 0:
        raise GitDiffError(f"--diff-base: git diff failed: {decode(diff.stderr).strip()}")
    files: dict[str, frozenset[int] | None] = dict(parse_diff(diff.stdout))
    untracked = git(["ls-files", "--others", "--exclude-standard", "-z"], top)
    if untracked.returncode != 0:  # never "no new file": that would hide their findings
        raise GitDiffError(f"--diff-base: git ls-files failed: {decode(untracked.stderr).strip()}")
    for name in decode(untracked.stdout).split("\0"):
        if name:
            files[name] = None
    return ChangedLines(ref, top, files)


def keeps(finding: Finding, changed: ChangedLines, root: Path) -> bool:
    rule = BY_ID.get(finding.rule)
    if rule is not None and rule.is_project_rule:
        return True
    loc = finding.location
    return changed.touches(loc.path, root, loc.line, loc.end_line)


def restrict(result: ScanResult, changed: ChangedLines) -> ScanResult:
    """The result with only the findings diff mode reports."""
    root = Path(result.root)
    kept = tuple(f for f in result.findings if keeps(f, changed, root))
    return replace(result, findings=kept, diff_base=changed.ref)
