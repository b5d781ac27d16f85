"""`dsql-scan verify`: 0 still true, 1 the code changed (named), 2 the document is not intact."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from scanner.review.document import read, seal
from tests.conftest import run_cli, write
from tests.test_review import LEGACY, MIGRATED, REVIEWER, migrated_app, migrated_system, review

EXTRA = """
Resources:
  Proxy:
    Type: AWS::RDS::DBProxy
"""


@pytest.fixture
def reviewed(tmp_path):
    """A legacy tree with a Markdown review of its `infra` folder."""
    write(tmp_path, {"infra/ledger.yaml": LEGACY, "infra/other.yaml": MIGRATED})
    assert review(tmp_path, "infra", "-o", "REVIEW.md").code == 1
    return tmp_path


def verify(root: Path, *args: str):
    return run_cli("verify", *args, cwd=root)


def test_untouched_tree_verifies(reviewed):
    run = verify(reviewed, "REVIEW.md")
    assert run.code == 0, run.stdout + run.stderr
    assert "still true" in run.stdout


def test_html_review_verifies_too(reviewed):
    assert review(reviewed, "infra", "-o", "review.html").code == 1
    assert verify(reviewed, "review.html").code == 0


def test_edited_file_is_named_with_the_findings_it_changed(reviewed):
    ledger = reviewed / "infra" / "ledger.yaml"
    ledger.write_text(
        ledger.read_text().replace("Type: AWS::RDS::DBSubnetGroup", "Type: AWS::EC2::VPC")
    )
    run = verify(reviewed, "REVIEW.md")
    assert run.code == 1
    assert "  changed: infra/ledger.yaml" in run.stdout
    assert "other.yaml" not in run.stdout
    assert "resolved finding: infra/ledger.yaml:4: RDS004 error" in run.stdout


def test_added_and_removed_files_and_new_findings_are_named(reviewed):
    (reviewed / "infra" / "other.yaml").unlink()
    write(reviewed, {"infra/proxy.yaml": EXTRA})
    run = verify(reviewed, "REVIEW.md")
    assert run.code == 1
    assert "  added: infra/proxy.yaml" in run.stdout
    assert "  removed: infra/other.yaml" in run.stdout
    assert "new finding: infra/proxy.yaml:3: RDS004 error" in run.stdout


def test_whitespace_edit_changes_scope_but_not_result(reviewed):
    ledger = reviewed / "infra" / "ledger.yaml"
    ledger.write_text(ledger.read_text() + "\n# reviewed\n")
    run = verify(reviewed, "REVIEW.md")
    assert run.code == 1
    assert "changed: infra/ledger.yaml" in run.stdout
    assert "finding" not in run.stdout.replace("result digest", "")


def test_configuration_that_changes_findings_or_verdict_is_drift(reviewed):
    (reviewed / "pyproject.toml").write_text('[tool.dsql-scan]\nseverity = { RDS004 = "note" }\n')
    run = verify(reviewed, "REVIEW.md")
    assert run.code == 1
    assert "  setting severity: (none) -> RDS004 = note" in run.stdout
    assert "changed finding: infra/ledger.yaml:4: RDS004 note" in run.stdout
    (reviewed / "pyproject.toml").write_text('[tool.dsql-scan]\nfail-on = "never"\n')
    run = verify(reviewed, "REVIEW.md")
    assert run.code == 1
    # nothing fails any more, but the tree has no application code to evidence the health check
    assert "  verdict: FAIL -> NOT EVIDENCED" in run.stdout
    assert "  setting fail-on: warning -> never" in run.stdout
    assert "finding:" not in run.stdout


@pytest.fixture(scope="module")
def reviewed_once(tmp_path_factory):
    """A reviewed tree shared by tests that only read it (each passes its own --config)."""
    root = tmp_path_factory.mktemp("reviewed")
    write(root, {"infra/ledger.yaml": LEGACY, "infra/other.yaml": MIGRATED})
    assert review(root, "infra", "-o", "REVIEW.md").code == 1
    return root


# A configuration that changes what is judged, and the line verify prints for it. None of them
# changes a finding of the reviewed tree: verify must fail on the setting alone.
WEAKENED = {
    "regions": ('regions = ["us-east-1"]', "regions: (none) -> us-east-1"),
    "legacy-env-patterns": (
        "legacy-env-patterns = ['^NEVER$']",
        "legacy-env-patterns: ^(?=.*?(?<![^_])(?:RDS|AURORA)_)",
    ),
    "dsql.expected-clusters": ("dsql = { expected-clusters = 2 }", "expected-clusters: 1 -> 2"),
    "dsql.required-env": (
        'dsql = { required-env = ["DSQL_DATABASE"] }',
        "required-env: (none) -> DSQL_DATABASE",
    ),
    "dsql.allow-admin-connect": (
        "dsql = { allow-admin-connect = true }",
        "allow-admin-connect: false -> true",
    ),
    "dsql.require-deletion-protection": (
        "dsql = { require-deletion-protection = false }",
        "require-deletion-protection: true -> false",
    ),
    "select": ('select = ["RDS", "DSQL", "SCAN", "SQL"]', "select: (none) -> RDS, DSQL, SCAN, SQL"),
    "ignore": ('ignore = ["DSQL011"]', "ignore: (none) -> DSQL011"),
    "fail-on": ('fail-on = "error"', "fail-on: warning -> error"),
    "severity": ('severity = { DSQL011 = "note" }', "severity: (none) -> DSQL011 = note"),
    "exclude": ('exclude = ["nothing/**"]', "exclude: (none) -> nothing/**"),
    "include": ('include = ["infra"]', "include: (none) -> infra"),
    "require-reason": ("require-reason = false", "require-reason: true -> false"),
    "max-file-size": ("max-file-size = 5000000", "max-file-size: 10485760 -> 5000000"),
    "max-file-seconds": ("max-file-seconds = 2", "max-file-seconds: 30 -> 2"),
}


@pytest.mark.parametrize("setting", sorted(WEAKENED))
def test_every_setting_that_is_judged_fails_verify_by_name(reviewed_once, setting):
    toml, shown = WEAKENED[setting]
    config = reviewed_once / f"{setting}.toml"
    config.write_text(f"[tool.dsql-scan]\n{toml}\n")
    run = verify(reviewed_once, "REVIEW.md", "--config", config.name)
    assert run.code == 1, run.stdout + run.stderr
    assert f"  setting {setting}: " in run.stdout
    assert shown.split(": ", 1)[1] in run.stdout
    changes = [line for line in run.stdout.splitlines() if line.startswith("  setting ")]
    assert len(changes) == 1, changes  # only the setting that differs is named
    assert "finding:" not in run.stdout  # the code and its findings did not change


def test_cache_dir_cannot_change_the_verdict_and_is_only_noted(reviewed_once):
    config = reviewed_once / "cache.toml"
    config.write_text('[tool.dsql-scan]\ncache-dir = "elsewhere"\n')
    run = verify(reviewed_once, "REVIEW.md", "--config", config.name)
    assert run.code == 0, run.stdout
    assert "note: cache-dir differs from the review's ((none) -> elsewhere)" in run.stdout
    assert "still true" in run.stdout


def test_review_without_recorded_settings_fails_on_any_configuration_change(reviewed_once):
    """A review written before settings were recorded can only compare the digest."""
    text = (reviewed_once / "REVIEW.md").read_text()
    record = read(text)
    start = text.index('"config": {')
    end = text.index("\n },\n", start) + len("\n },\n")
    old = text[: start - 1] + text[end:]  # the "config" member, one line per setting
    old = old.replace(f'"document_digest": "{record["document_digest"]}"', '"document_digest": ""')
    (reviewed_once / "OLD.md").write_text(seal(old))
    assert "config" not in read((reviewed_once / "OLD.md").read_text())
    assert verify(reviewed_once, "OLD.md").code == 0
    config = reviewed_once / "old-regions.toml"
    config.write_text('[tool.dsql-scan]\nregions = ["us-east-1"]\n')
    run = verify(reviewed_once, "OLD.md", "--config", config.name)
    assert run.code == 1
    assert "configuration: differs from the review's, which records only its digest" in run.stdout


def test_recorded_command_line_options_are_applied_again(tmp_path):
    write(tmp_path, {"infra/ledger.yaml": LEGACY})
    assert review(tmp_path, "infra", "-o", "r.md", "--select", "RDS001", "--fail-on", "error").code
    assert verify(tmp_path, "r.md").code == 0  # not "new findings" from the other rules


def test_fail_on_never_is_recorded_and_applied(tmp_path):
    write(tmp_path, {"infra/ledger.yaml": LEGACY})
    run = review(tmp_path, "infra", "-o", "r.md", "--fail-on", "never")
    assert run.code == 1, run.stderr  # no finding fails, but FR-004 has no application code
    assert "**Verdict: NOT EVIDENCED**" in (tmp_path / "r.md").read_text()
    assert "| `fail-on` | `never` |" in (tmp_path / "r.md").read_text()
    assert verify(tmp_path, "r.md").code == 0


def test_explicit_paths_replace_the_recorded_ones(reviewed):
    write(reviewed, {"elsewhere/ledger.yaml": LEGACY, "elsewhere/other.yaml": MIGRATED})
    run = verify(reviewed, "REVIEW.md", "elsewhere")
    assert run.code == 1
    assert "  added: elsewhere/ledger.yaml" in run.stdout
    assert "  removed: infra/ledger.yaml" in run.stdout


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("**Verdict: FAIL**", "**Verdict: PASS**"),  # the prose
        ('"verdict": "FAIL"', '"verdict": "PASS"'),  # the embedded record
        ("| RDS001 | error |", "| RDS001 | note |"),  # a table cell
    ],
)
def test_hand_edited_review_is_exit_2(reviewed, old, new):
    document = reviewed / "REVIEW.md"
    text = document.read_text()
    assert old in text
    document.write_text(text.replace(old, new, 1))
    run = verify(reviewed, "REVIEW.md")
    assert run.code == 2
    assert "edited after it was generated" in run.stderr


def test_line_ending_conversion_is_not_an_edit(reviewed):
    document = reviewed / "REVIEW.md"
    document.write_bytes(document.read_bytes().replace(b"\n", b"\r\n"))
    assert verify(reviewed, "REVIEW.md").code == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("# Some other review\n", "not a dsql-scan review"),
        ("<!-- dsql-scan-review\n{not json\n-->\n", "not valid JSON"),
        ('<!-- dsql-scan-review\n{"dsql-scan-review": 99}\n-->\n', "unsupported"),
    ],
)
def test_not_a_review_is_exit_2(tmp_path, content, message):
    (tmp_path / "r.md").write_text(content)
    run = verify(tmp_path, "r.md")
    assert run.code == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr


def test_missing_document_is_exit_2(tmp_path):
    run = verify(tmp_path, "absent.md")
    assert run.code == 2
    assert "cannot read absent.md: No such file or directory" in run.stderr


def keygen(path: Path, comment: str) -> Path:
    assert shutil.which("ssh-keygen"), "ssh-keygen is required (make tools installs it)"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path


def allowed_signers(path: Path, principal: str, key: Path) -> Path:
    path.write_text(f'{principal} namespaces="dsql-scan" {key.with_suffix(".pub").read_text()}')
    return path


def test_signature_round_trip_and_tamper_detection(tmp_path):
    write(tmp_path, migrated_system())
    key = keygen(tmp_path / "jane", "jane")
    run = review(tmp_path, "infra", "app", "-o", "REVIEW.md", "--sign-key", str(key))
    assert run.code == 0, run.stderr
    signature = tmp_path / "REVIEW.md.sig"
    assert signature.read_text().startswith("-----BEGIN SSH SIGNATURE-----")
    assert "| Signature | `SHA256:" in (tmp_path / "REVIEW.md").read_text()

    signers = allowed_signers(tmp_path / "allowed", "jane@example.com", key)
    good = verify(tmp_path, "REVIEW.md", "--allowed-signers", str(signers))
    assert good.code == 0, good.stderr
    assert 'Good "dsql-scan" signature for jane@example.com' in good.stdout

    # a forger who edits the prose and recomputes the content digest fools the digest check,
    # but not the signature
    document = tmp_path / "REVIEW.md"
    text = document.read_text()
    stamp = f'"document_digest": "{read(text)["document_digest"]}"'
    forged = text.replace(stamp, '"document_digest": ""').replace("**PASS**", "**PASS, approved**")
    document.write_text(seal(forged))
    assert verify(tmp_path, "REVIEW.md").code == 0
    forged_run = verify(tmp_path, "REVIEW.md", "--allowed-signers", str(signers))
    assert forged_run.code == 2
    assert "signature check failed" in forged_run.stderr
    document.write_text(text)

    # the same key trusted for another principal: the reviewer recorded is not that one
    other = allowed_signers(tmp_path / "other", "mallory@example.com", key)
    assert verify(tmp_path, "REVIEW.md", "--allowed-signers", str(other)).code == 2
    # a key nobody trusts
    stranger = allowed_signers(
        tmp_path / "stranger", "jane@example.com", keygen(tmp_path / "s", "s")
    )
    run = verify(tmp_path, "REVIEW.md", "--allowed-signers", str(stranger))
    assert run.code == 2
    assert "signature check failed" in run.stderr

    # a signature of a different document does not transfer
    write(tmp_path, {"copy/ledger.yaml": MIGRATED})
    assert review(tmp_path, "copy", "app", "-o", "OTHER.md", "--sign-key", str(key)).code == 0
    shutil.copy(tmp_path / "OTHER.md.sig", signature)
    run = verify(tmp_path, "REVIEW.md", "--allowed-signers", str(signers))
    assert run.code == 2
    assert "signature check failed" in run.stderr


def test_rewriting_an_unsigned_review_drops_the_stale_signature(tmp_path):
    write(tmp_path, {"t.yaml": MIGRATED, **migrated_app()})
    key = keygen(tmp_path / "k", "k")
    assert review(tmp_path, "t.yaml", "app", "-o", "r.md", "--sign-key", str(key)).code == 0
    assert (tmp_path / "r.md.sig").exists()
    assert review(tmp_path, "t.yaml", "app", "-o", "r.md").code == 0
    assert not (tmp_path / "r.md.sig").exists()
    signers = allowed_signers(tmp_path / "allowed", "jane@example.com", key)
    run = verify(tmp_path, "r.md", "--allowed-signers", str(signers))
    assert run.code == 2
    assert "no signature" in run.stderr


def test_reviewer_in_the_document_is_the_signature_principal(tmp_path):
    write(tmp_path, {"t.yaml": MIGRATED, **migrated_app()})
    key = keygen(tmp_path / "k", "k")
    run = run_cli(
        "review", "t.yaml", "app", "-o", "r.md", "--sign-key", str(key), "--reviewer", "Ops Team",
        cwd=tmp_path, env={"SOURCE_DATE_EPOCH": "0"},
    )  # fmt: skip
    assert run.code == 0, run.stderr
    signers = allowed_signers(tmp_path / "allowed", '"Ops Team"', key)
    assert verify(tmp_path, "r.md", "--allowed-signers", str(signers)).code == 0
    assert REVIEWER not in (tmp_path / "r.md").read_text()
