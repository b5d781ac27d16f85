"""What `verify` says about a review's signature, and a signature made mandatory by the command
line (`--require-signature`) or the configuration (`require-signature = true`)."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli, write
from tests.test_review import MIGRATED, review
from tests.test_verify import allowed_signers, keygen

NOT_CHECKED = "signature present, not checked (pass --allowed-signers FILE)"
CONFIGS = {
    "pyproject.toml": "[tool.dsql-scan]\nrequire-signature = true\n",
    ".dsql-scan.yaml": "require-signature: true\n",
}


@pytest.fixture
def signed(tmp_path):
    """A signed review (REVIEW.md + .sig), the key, and an allowed_signers file trusting it."""
    write(tmp_path, {"infra/ledger.yaml": MIGRATED})
    key = keygen(tmp_path / "jane", "jane")
    run = review(tmp_path, "infra", "-o", "REVIEW.md", "--sign-key", str(key))
    assert run.code in (0, 1), run.stderr  # written, whatever the verdict
    return tmp_path, allowed_signers(tmp_path / "allowed", "jane@example.com", key)


@pytest.fixture
def unsigned(tmp_path):
    write(tmp_path, {"infra/ledger.yaml": MIGRATED})
    assert review(tmp_path, "infra", "-o", "REVIEW.md").code in (
        0,
        1,
    )  # written, whatever the verdict
    return tmp_path


def verify(root, *args):
    return run_cli("verify", "REVIEW.md", *args, cwd=root)


def test_unsigned_review_says_not_signed(unsigned):
    run = verify(unsigned)
    assert run.code == 0
    assert run.stdout.splitlines()[0] == "REVIEW.md: not signed"
    assert "still true" in run.stdout


def test_signature_not_checked_is_said(signed):
    root, _ = signed
    run = verify(root)
    assert run.code == 0
    assert f"REVIEW.md: {NOT_CHECKED}" in run.stdout
    assert "Good" not in run.stdout


def test_checked_signature_is_confirmed_and_never_called_unchecked(signed):
    root, allowed = signed
    run = verify(root, "--allowed-signers", str(allowed), "--require-signature")
    assert run.code == 0, run.stderr
    assert 'Good "dsql-scan" signature for jane@example.com' in run.stdout
    assert NOT_CHECKED not in run.stdout and "not signed" not in run.stdout


def test_required_signature_missing_is_exit_2(unsigned):
    run = verify(unsigned, "--require-signature")
    assert run.code == 2
    assert (
        "REVIEW.md: a signature is required (--require-signature) but REVIEW.md.sig does not "
        "exist" in run.stderr
    )
    assert run.stdout == ""


def test_required_signature_without_allowed_signers_is_exit_2(signed):
    root, _ = signed
    run = verify(root, "--require-signature")
    assert run.code == 2
    assert "a signature is required (--require-signature): pass --allowed-signers FILE" in (
        run.stderr
    )


def test_required_signature_that_does_not_verify_is_exit_2(signed, tmp_path_factory):
    root, _ = signed
    stranger = keygen(tmp_path_factory.mktemp("keys") / "s", "s")
    trusted = allowed_signers(root / "stranger", "jane@example.com", stranger)
    run = verify(root, "--require-signature", "--allowed-signers", str(trusted))
    assert run.code == 2
    assert "signature check failed" in run.stderr


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_configuration_requires_a_signature(signed, name):
    root, allowed = signed
    write(root, {name: CONFIGS[name]})
    run = verify(root)
    assert run.code == 2
    assert f"a signature is required (require-signature in {root / name})" in run.stderr
    assert "pass --allowed-signers FILE" in run.stderr
    # the key is verify's own: it is no setting of the review, whose settings still match
    good = verify(root, "--allowed-signers", str(allowed))
    assert good.code == 0, good.stdout + good.stderr
    (root / "REVIEW.md.sig").unlink()
    missing = verify(root, "--allowed-signers", str(allowed))
    assert missing.code == 2
    assert "REVIEW.md.sig does not exist" in missing.stderr


@pytest.mark.parametrize("value", ['"yes"', "1"])
def test_require_signature_is_validated_like_every_setting(unsigned, value):
    write(unsigned, {"pyproject.toml": f"[tool.dsql-scan]\nrequire-signature = {value}\n"})
    run = verify(unsigned)
    assert run.code == 2
    assert "'require-signature' must be true or false" in run.stderr
    assert "Traceback" not in run.stderr


def test_require_signature_false_changes_nothing(unsigned):
    write(unsigned, {".dsql-scan.yaml": "require-signature: false\n"})
    run = verify(unsigned)
    assert run.code == 0, run.stdout + run.stderr
    assert "REVIEW.md: not signed" in run.stdout
