"""The review's git facts with real temporary repositories: a git failure is reported, never
read as a clean tree; a review written outside the repository still sees the scanned files."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from scanner.review.document import read
from tests.conftest import run_cli, write
from tests.gitrepo import commit_all, init
from tests.test_review import MIGRATED, review

ISOLATED = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"}
UNKNOWN = "git status unknown: "


@pytest.fixture
def repo(tmp_path) -> Path:
    """A committed repository with one template in ``infra``, inside ``tmp_path/repo``."""
    root = init(tmp_path / "repo")
    write(root, {"infra/ledger.yaml": MIGRATED})
    commit_all(root)
    return root


def reviewed(root: Path, output: str, env: dict | None = None) -> tuple[dict, str, str]:
    """(record, document text, stderr) of ``review infra -o output`` run in ``root``."""
    run = review(root, "infra", "-o", output, env={**ISOLATED, **(env or {})})
    assert run.code in (0, 1) and "Traceback" not in run.stderr, (
        run.stderr
    )  # written: 0 or 1 by verdict
    text = (root / output).read_text()
    return read(text), text, run.stderr


def real_git() -> str:
    found = shutil.which("git")
    assert found, "git is required"
    return found


def fake_git(directory: Path, script: str) -> dict[str, str]:
    """An environment whose ``git`` is ``script`` (a shell script), first on PATH."""
    directory.mkdir()
    git = directory / "git"
    git.write_text("#!/bin/sh\n" + script)
    git.chmod(git.stat().st_mode | stat.S_IEXEC)
    return {"PATH": f"{directory}{os.pathsep}{os.environ['PATH']}"}


@pytest.mark.parametrize("output", ["../outside.md", "REVIEW.md", "docs/REVIEW.md"])
def test_clean_tree_is_clean_wherever_the_review_is_written(repo, output):
    record, text, stderr = reviewed(repo, output)
    assert record["dirty"] is False
    assert record["git_error"] == ""
    assert UNKNOWN not in text and UNKNOWN not in stderr


@pytest.mark.parametrize("output", ["../outside.md", "REVIEW.md"])
def test_modified_scanned_file_is_dirty_wherever_the_review_is_written(repo, output):
    (repo / "infra" / "ledger.yaml").write_text(MIGRATED + "\n# edited\n")
    record, text, _ = reviewed(repo, output)
    assert record["dirty"] is True
    assert "with uncommitted changes in the scanned paths" in text


def test_untracked_review_and_signature_inside_the_repository_do_not_dirty_it(repo):
    (repo / "REVIEW.md.sig").write_text("stale")  # deleted by review, but never counted
    record, _, _ = reviewed(repo, "REVIEW.md")
    assert record["dirty"] is False
    whole = review(repo, "-o", "REVIEW.md", env=ISOLATED)  # the root: the review is in scope
    assert whole.code in (0, 1), whole.stderr  # written, whatever the verdict
    assert read((repo / "REVIEW.md").read_text())["dirty"] is False


def test_corrupt_index_is_an_unknown_status_not_a_clean_tree(repo):
    (repo / ".git" / "index").write_bytes(b"DIRC\x00\x00\x00\x02garbage")
    record, text, stderr = reviewed(repo, "REVIEW.md")
    assert record["dirty"] is None
    assert "index" in record["git_error"]
    assert record["commit"]  # HEAD is still readable: what git could say, it says
    assert f"; {UNKNOWN}" in text and "index" in text.split(UNKNOWN, 1)[1].split("|")[0]
    assert f"warning: {UNKNOWN}" in stderr


def test_git_dir_pointing_nowhere_is_reported(repo, tmp_path):
    record, text, stderr = reviewed(repo, "REVIEW.md", env={"GIT_DIR": str(tmp_path / "none")})
    assert record["dirty"] is None
    assert record["repository"] != "not a git repository"
    assert "not a git repository" in record["git_error"]
    assert "| Commit | unknown; git status unknown: " in text
    assert UNKNOWN in stderr


def test_git_that_fails_is_reported_with_its_message(repo, tmp_path):
    env = fake_git(tmp_path / "bin", 'echo "fatal: simulated breakage" >&2\nexit 128\n')
    record, text, _ = reviewed(repo, "REVIEW.md", env=env)
    assert (record["dirty"], record["commit"]) == (None, "")
    assert record["git_error"] == "fatal: simulated breakage"
    assert "git status unknown: fatal: simulated breakage" in text


def test_status_failure_alone_is_reported(repo, tmp_path):
    env = fake_git(
        tmp_path / "bin",
        'case "$*" in *status*) echo "fatal: status broke" >&2; exit 128;; esac\n'
        f'exec {real_git()} "$@"\n',
    )
    record, _, _ = reviewed(repo, "REVIEW.md", env=env)
    assert record["commit"]  # rev-parse worked
    assert (record["dirty"], record["git_error"]) == (None, "fatal: status broke")
    html = review(repo, "infra", "-o", "r.html", env={**ISOLATED, **env})
    assert "git status unknown: fatal: status broke" in (repo / "r.html").read_text()
    assert html.code in (0, 1)  # written, whatever the verdict


def test_not_a_repository_is_still_said_plainly(tmp_path):
    write(tmp_path, {"infra/ledger.yaml": MIGRATED})
    record, text, stderr = reviewed(tmp_path, "REVIEW.md", env={"GIT_CEILING_DIRECTORIES": "/"})
    assert (record["repository"], record["git_error"]) == ("not a git repository", "")
    assert "| Commit | not a git repository |" in text
    assert UNKNOWN not in stderr


def test_diff_mode_fails_when_git_cannot_list_new_files(repo, tmp_path):
    write(repo, {"infra/new.yaml": MIGRATED})
    env = fake_git(
        tmp_path / "bin",
        f'case "$*" in *ls-files*) echo "fatal: broke" >&2; exit 128;; esac\nexec {real_git()} "$@"\n',
    )
    run = run_cli("scan", "infra", "--diff-base", "HEAD", cwd=repo, env={**ISOLATED, **env})
    assert run.code == 2
    assert "git ls-files failed: fatal: broke" in run.stderr
