"""OpenSSH signatures of review documents (``ssh-keygen -Y sign`` / ``-Y verify``).

The document digest catches accidental edits; a signature says *who* vouches for the review.
OpenSSH signing needs no extra dependency, works with the keys reviewers already have (and
ssh-agent / hardware keys), and is what git itself uses for SSH commit signing. The namespace
``dsql-scan`` keeps a review signature from being replayed as, say, a git commit signature.

``allowed_signers`` uses the format of ssh-keygen(1) ALLOWED SIGNERS, one line per signer::

    jane@example.com namespaces="dsql-scan" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA...

where the first field is the principal: the reviewer's e-mail recorded in the review.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

NAMESPACE = "dsql-scan"
SUFFIX = ".sig"


class SigningError(Exception):
    """Signing or signature verification failed; the message says why."""


def signature_path(document: Path) -> Path:
    return document.with_name(document.name + SUFFIX)


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if found is None:
        raise SigningError("ssh-keygen not found: install OpenSSH (openssh-client) to sign")
    return found


def _run(args: list[str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run([_ssh_keygen(), *args], input=stdin, capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        raise SigningError(f"cannot run ssh-keygen: {exc}") from None


def _said(proc: subprocess.CompletedProcess[bytes]) -> str:
    text = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip()
    return " ".join(text.split()) or f"ssh-keygen exited with {proc.returncode}"


def key_fingerprint(key: Path) -> str:
    """``SHA256:...`` of the signing key (printed in the review), or "" when unreadable."""
    proc = _run(["-l", "-f", str(key)], b"")
    if proc.returncode != 0:
        return ""
    fields = proc.stdout.decode("utf-8", "replace").split()
    return fields[1] if len(fields) > 1 else ""


def sign(document: Path, key: Path) -> Path:
    """Sign the document's bytes with ``key``; write ``<document>.sig`` and return its path.

    The data goes through stdin and the signature comes back on stdout, so ssh-keygen never
    asks whether to overwrite an old signature file.
    """
    if not key.is_file():
        raise SigningError(f"--sign-key: no such file: {key}")
    proc = _run(["-Y", "sign", "-f", str(key), "-n", NAMESPACE], document.read_bytes())
    if proc.returncode != 0 or not proc.stdout:
        raise SigningError(f"signing with {key} failed: {_said(proc)}")
    target = signature_path(document)
    target.write_bytes(proc.stdout)
    return target


def verify(document: Path, allowed_signers: Path, identity: str) -> str:
    """Check ``<document>.sig`` for ``identity``; return ssh-keygen's confirmation."""
    signature = signature_path(document)
    if not signature.is_file():
        raise SigningError(f"no signature: {signature} does not exist")
    if not allowed_signers.is_file():
        raise SigningError(f"--allowed-signers: no such file: {allowed_signers}")
    args = ["-Y", "verify", "-f", str(allowed_signers), "-I", identity, "-n", NAMESPACE]
    proc = _run([*args, "-s", str(signature)], document.read_bytes())
    if proc.returncode != 0:
        raise SigningError(f"signature check failed for {identity!r}: {_said(proc)}")
    return " ".join(proc.stdout.decode("utf-8", "replace").split())
