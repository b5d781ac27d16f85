"""The project as it was at a git base: its files written out of git and analysed like the tree.

Rules that judge change rather than state (the DynamoDB layer must not change: FR-006) compare
the working tree with the same scope at ``--diff-base REF`` (``review --base REF``). The base's
files come from ``git archive`` (only the project's directory, never a checkout of the
repository the user works in) into a private temporary directory, extracted through tarfile's
``data`` filter: no member is written outside it, a link that points outside it is left out,
no device or special file is made. They are then analysed by the same inputs, with the same
settings, as the working tree; their findings are not reported, only the project model's facts
are kept (linked as the working tree's are: CDK names within their app, values across stacks
and modules)."""

from __future__ import annotations

import tarfile
import tempfile
from dataclasses import replace
from pathlib import Path

from scanner.config import Config
from scanner.gate.gitdiff import GitDiffError, commit_of, decode, git
from scanner.pipeline.engine import run
from scanner.project.context import Base

# A base whose archive is larger than this is refused (the scan would not fit in memory
# either); the message says so rather than a process killed for its memory.
MAX_ARCHIVE = 2 * 1024**3
COMPARING = "DDB"  # the rule family that compares the working tree with the base


def _extract(top: Path, commit: str, inside: str, into: Path, scratch: Path) -> bool:
    """Write the base's files under ``inside`` (relative to the top level) into ``into``, the
    archive streamed through ``scratch`` (never held in memory); False when the base has no
    such directory."""
    listed = git(["ls-tree", "-d", "--name-only", commit, "--", inside or "."], top)
    if inside and not decode(listed.stdout).strip():
        return False
    tar = scratch / "base.tar"
    with tar.open("wb") as out:
        proc = git(["archive", "--format=tar", commit, "--", inside or "."], top, stdout=out)
    if proc.returncode != 0:
        raise GitDiffError(f"git archive of {commit[:12]} failed: {decode(proc.stderr).strip()}")
    if tar.stat().st_size > MAX_ARCHIVE:
        raise GitDiffError(f"the base {commit[:12]} is larger than {MAX_ARCHIVE >> 30} GiB")
    with tarfile.open(tar) as archive:
        archive.extractall(into, filter=_safe)
    tar.unlink()
    return True


def _safe(member: tarfile.TarInfo, destination: str) -> tarfile.TarInfo | None:
    """tarfile's ``data`` filter, skipping (not failing on) what it refuses: a link that
    leaves the tree is left out of the base as discovery leaves it out of the working tree."""
    try:
        return tarfile.data_filter(member, destination)
    except tarfile.FilterError:
        return None


def _scope(paths: tuple[str, ...], config: Config, root: Path, base_root: Path) -> tuple[str, ...]:
    """What to analyse at the base: the named directories where the base has them; the
    configured scope (its include, else the root) when none is named or files are (the project
    a named file belongs to is the configured one, as for the working tree)."""
    named = [Path(p).resolve() for p in paths]
    if not named or any(not p.is_dir() for p in named):
        named = [root / p for p in config.include] or [root]
    out = []
    for path in named:
        try:
            rel = path.relative_to(root)
        except ValueError:
            continue  # outside the project: not part of what is compared
        if (base_root / rel).exists():
            out.append(str(base_root / rel))
    return tuple(out)


def facts_at(
    ref: str,
    config: Config,
    paths: tuple[str, ...] = (),
    option: str = "--diff-base",
    cache_dir: Path | None = None,
) -> Base:
    """The facts of the project ``paths`` belong to (see ``_scope``) at ``ref``, given with
    ``option`` (named when the ref does not exist). With the working tree's ``cache_dir``, a
    file the base has unchanged (same path, same bytes, same neighbours) is not analysed again:
    the cache keys an analysis on those, not on the root."""
    root = config.root.resolve()
    top, commit = commit_of(ref, root, option)
    inside = root.relative_to(top).as_posix() if root != top else ""
    with tempfile.TemporaryDirectory(prefix="dsql-scan-base-") as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        if not _extract(top, commit, inside, tree, Path(tmp)):
            return Base(ref, commit)
        base_root = tree / inside if inside else tree
        scoped = _scope(paths, config, root, base_root)
        if not scoped:
            return Base(ref, commit)
        _, project = run(scoped, facts_only(config, base_root), cache_dir=cache_dir, packs=False)
    return Base(ref, commit, project.files)


def facts_only(config: Config, root: Path) -> Config:
    """``config`` for the base: at ``root``, reading only the languages whose facts the rules
    that compare with a base read (no SQL linting), and running only those rules (no cfn-lint
    validation: the base's findings are never reported)."""
    from scanner import inputs
    from scanner.rules import ALL_RULES

    compared = [r for r in ALL_RULES if r.family == COMPARING]
    wanted = {field for rule in compared for field in rule.reads}
    unread = tuple(
        f"*{suffix}"
        for each in inputs.inputs()
        if not any(wanted & made for made in each.produces.values())
        for suffix in each.suffixes
    )
    return replace(
        config,
        root=root,
        select=(COMPARING,),
        extend_select=(),
        ignore=(),
        ignore_reasons=(),
        exclude=config.exclude + unread,
    )
