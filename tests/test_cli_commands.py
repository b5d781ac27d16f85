"""Commands as the README and a new user write them: families, names, formats, typos, elsewhere.

Every case runs the installed ``dsql-scan`` as a subprocess, the way a user meets it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scanner.rules import ALL_RULES
from tests.conftest import run_cli, write
from tests.test_review import MIGRATED, REVIEWER, migrated_system

EPOCH = {"SOURCE_DATE_EPOCH": "1718000000"}


def _listed(stdout: str) -> list[str]:
    return [line.split()[0] for line in stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("family", ["SQL", "sql", "DSQL00", "RDS"])
def test_rules_family_lists_the_family(family):
    run = run_cli("rules", family)
    assert run.code == 0, run.stderr
    expected = [r.id for r in ALL_RULES if r.id.startswith(family.upper())]
    assert len(expected) > 1
    assert _listed(run.stdout) == expected


@pytest.mark.parametrize(
    ("query", "rule_id"),
    [
        ("rds-credentials", "RDS005"),
        ("RDS-Credentials", "RDS005"),
        ("rds-cred", "RDS005"),  # a unique prefix of a name
        ("serial-type", "SQL001"),  # dsql-lint's names use "_"; either is accepted
        ("SERIAL_TYPE", "SQL001"),
    ],
)
def test_rules_are_found_by_name(query, rule_id):
    run = run_cli("rules", query)
    assert run.code == 0, run.stderr
    assert run.stdout.startswith(f"{rule_id} ")
    assert "Why:" in run.stdout


def test_an_ambiguous_name_prefix_lists_the_candidates_and_nothing_is_an_error():
    run = run_cli("rules", "dsql-")
    assert run.code == 0
    listed = _listed(run.stdout)
    assert listed == [r.id for r in ALL_RULES if r.name.startswith("dsql-")] and len(listed) > 1
    missing = run_cli("rules", "no-such-rule")
    assert missing.code == 2
    assert missing.stderr.startswith("dsql-scan: error: no rule matches 'no-such-rule'")


@pytest.mark.parametrize("fmt", ["markdown", "md", "Markdown"])
def test_review_accepts_markdown_like_scan(tmp_path, fmt):
    write(tmp_path, migrated_system())
    run = run_cli(
        "review", "infra", "app", "--format", fmt, "-o", "REVIEW.txt", "--reviewer", REVIEWER,
        cwd=tmp_path, env=EPOCH,
    )  # fmt: skip
    assert run.code == 0, run.stderr
    text = (tmp_path / "REVIEW.txt").read_text()
    assert text.startswith("<!-- dsql-scan-review") and "# Migration review" in text
    assert run_cli("verify", "REVIEW.txt", cwd=tmp_path).code == 0


@pytest.mark.parametrize(
    ("typo", "command"), [("scna", "scan"), ("reveiw", "review"), ("verfy", "verify")]
)
def test_a_mistyped_command_is_named_as_such(tmp_path, typo, command):
    run = run_cli(typo, "x", cwd=tmp_path)
    assert run.code == 2
    assert run.stderr.strip() == (
        f"dsql-scan: error: no such command '{typo}'; did you mean '{command}'?"
    )


def test_a_path_that_looks_like_a_typo_is_still_scanned(tmp_path):
    write(tmp_path, {"scna/ledger.yaml": MIGRATED})
    run = run_cli("scna", cwd=tmp_path)
    assert run.code == 0, run.stderr
    assert "1 file(s) scanned" in run.stdout
    for missing in ("does-not-exist", "scan.yaml", "scna/"):
        if missing == "scna/":
            (tmp_path / "scna" / "ledger.yaml").unlink()
            (tmp_path / "scna").rmdir()
        run = run_cli(missing, cwd=tmp_path)
        assert run.stderr.strip() == f"dsql-scan: error: no such file or directory: {missing}"


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip


def test_verify_from_another_directory_finds_the_review_root(tmp_path):
    repo = write(tmp_path / "repo", migrated_system())
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "migrated")
    written = run_cli(
        "review",
        "infra",
        "app",
        "-o",
        "docs/REVIEW.md",
        "--reviewer",
        REVIEWER,
        cwd=repo,
        env=EPOCH,
    )
    assert written.code == 0, written.stderr
    for cwd, document in ((tmp_path, "repo/docs/REVIEW.md"), (repo / "docs", "REVIEW.md")):
        run = run_cli("verify", document, cwd=cwd)
        assert run.code == 0, run.stdout + run.stderr
        assert f"note: verified under {repo.resolve()}, where the review was written" in run.stdout
        assert f"still true ({len(migrated_system())} file(s)" in run.stdout
    # a change is still found from elsewhere
    ledger = repo / "infra" / "ledger.yaml"
    ledger.write_text(ledger.read_text() + "\n# edited\n")
    changed = run_cli("verify", "repo/docs/REVIEW.md", cwd=tmp_path)
    assert changed.code == 1 and "changed: infra/ledger.yaml" in changed.stdout


def test_verify_of_a_copied_review_says_where_to_run_it(tmp_path):
    repo = write(tmp_path / "repo", {"infra/ledger.yaml": MIGRATED})
    assert run_cli("review", "infra", "-o", "REVIEW.md", cwd=repo, env=EPOCH).code in (0, 1)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "REVIEW.md").write_text((repo / "REVIEW.md").read_text())
    run = run_cli("verify", "REVIEW.md", cwd=elsewhere)
    assert run.code == 2
    assert run.stderr.startswith(
        f"dsql-scan: error: the review's scanned path 'infra' does not exist under {elsewhere}"
    )
    assert "run verify in the directory the review was written in" in run.stderr
    # from the review's root, the copy verifies
    assert run_cli("verify", str(elsewhere / "REVIEW.md"), cwd=repo).code == 0
