"""Mask credential-looking values before anything leaves the scanner.

Findings quote source lines, template snippets and values in their messages. A template with a
literal ``MasterUserPassword`` or a connection string with a password must not copy that
secret into a CI log, a SARIF upload or a signed review, so every finding passes through
:func:`masked` once, centrally, in the engine (which fingerprints the unmasked text first so
that baselines do not depend on this module).

The detection is deliberately generous (a masked variable name costs a little context; a leaked
password costs a rotation) but leaves references alone: ``{{resolve:secretsmanager:...}}``,
``!Ref``/``!Sub``, ``${Param}``, ``$VAR`` and code such as ``os.environ["X"]`` carry no secret
and are exactly what a reviewer needs to see.
"""

from __future__ import annotations

import re
from dataclasses import replace

from scanner.model import RawFinding

MASK = "********"

# Key names whose value is a credential: the key must *end* with one of these words, so that
# ``MasterUserPassword``, ``DB_PASSWORD``, ``SecretString``, ``client_secret`` and ``auth_token``
# match while ``PasswordLength``, ``SecretStringTemplate`` and ``DB_SECRET_ARN`` do not.
SECRET_WORDS = (
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "secretstring",
    "secret_string",
    "token",
    "apikey",
    "api_key",
    "secretkey",
    "secret_key",
    "secretaccesskey",
    "secret_access_key",
    "privatekey",
    "private_key",
    "credential",
    "credentials",
    "authorization",
)

# Spans that are references, never secrets: protected from masking (and from being read as
# ``key: value`` pairs, e.g. ``SecretString:password`` inside a dynamic reference).
REFERENCE = re.compile(r"\{\{resolve:(?:\$\{[^}]*\}|[^}])*\}\}|\$\{[^}]*\}")
PROTECTED = "\x00{}\x00"
PROTECTED_BACK = re.compile("\x00(\\d+)\x00")

KEY_VALUE = re.compile(
    r"""(?<![\w.-])
    (?P<key>["']?[\w.-]*(?:"""
    + "|".join(SECRET_WORDS)
    + r""")["']?)
    (?P<sep>\s*(?::(?!:)|(?<![=!<>:])=(?!=))\s*)
    (?P<value>
        (?P<prefix>[rRbBuUfF]{0,2})(?P<quote>["'])(?P<quoted>(?:\\.|(?!(?P=quote)).)*)(?P=quote)?
      | (?P<bare>\S.*)
    )""",
    re.IGNORECASE | re.VERBOSE,
)

PATTERNS = (
    # user:password@ in URLs and DSNs (postgresql://ledger:pw@host/db)
    re.compile(
        r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s\"']+:)(?P<secret>(?![{$])[^@/\s\"']+)(?=@)", re.I
    ),
    # AWS access key ids (the secret key itself is caught by its key name)
    re.compile(r"(?P<head>)(?P<secret>\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b)"),
    # PEM private keys, possibly cut off at the end of a line
    re.compile(
        r"(?P<head>-----BEGIN [A-Z ]*PRIVATE KEY-----)(?P<secret>.*?(?:-----END [A-Z ]*PRIVATE"
        r" KEY-----|$))",
        re.S,
    ),
    # HTTP bearer tokens and well-known token formats
    re.compile(r"(?P<head>\bBearer\s+)(?P<secret>[A-Za-z0-9._~+/=-]{8,})"),
    re.compile(r"(?P<head>)(?P<secret>\b(?:gh[pousr]_[A-Za-z0-9]{30,}|xox[abprs]-[\w-]{10,})\b)"),
)

CONSTANTS = frozenset({"null", "none", "true", "false", "~", MASK})
PLACEHOLDER = re.compile(r"^(?:\x00\d+\x00|\$\{?\w+\}?)$")
CODE_REFERENCE = re.compile(r"^[A-Za-z_]\w*\s*[.(\[]")
TYPE_HINT = re.compile(r"^(?:str|bytes|int|Optional|SecretStr|SecretBytes|Any|None)\b(?!-)")
BARE_END = {":": re.compile(r"\s+#|$"), "=": re.compile(r"[\s&;,)]|$")}


def _keeps_quoted(value: str) -> bool:
    """A quoted value that is empty, already masked, or only a reference."""
    return not value or value == MASK or bool(PLACEHOLDER.match(value))


def _keeps_bare(value: str) -> bool:
    """An unquoted value that is a constant, a YAML tag, a mapping, a reference or code."""
    if value.lower() in CONSTANTS or PLACEHOLDER.match(value):
        return True
    if value[0] in "!{[\x00" or value.startswith(("Ref", "Fn::")):
        return True
    return bool(CODE_REFERENCE.match(value) or TYPE_HINT.match(value))


def _mask_pair(match: re.Match[str]) -> str:
    key, sep = match["key"], match["sep"]
    if match["quote"] is not None:
        quoted, quote = match["quoted"], match["quote"]
        if _keeps_quoted(quoted):
            return match[0]
        closed = match[0].endswith(quote) and len(match["value"]) > len(match["prefix"]) + 1
        return f"{key}{sep}{match['prefix']}{quote}{MASK}{quote if closed else ''}"
    bare = match["bare"]
    end = BARE_END[sep.strip()[0]].search(bare)
    assert end is not None  # both patterns match at the end of the text
    value, rest = bare[: end.start()], bare[end.start() :]
    if not value or _keeps_bare(value):
        return key + sep + KEY_VALUE.sub(_mask_pair, bare)
    return key + sep + MASK + KEY_VALUE.sub(_mask_pair, rest)


def _protect(text: str) -> tuple[str, list[str]]:
    saved: list[str] = []

    def keep(match: re.Match[str]) -> str:
        saved.append(match[0])
        return PROTECTED.format(len(saved) - 1)

    return REFERENCE.sub(keep, text), saved


def mask(text: str) -> str:
    """``text`` with every credential-looking value replaced by ``********``.

    Pure and idempotent: masking masked text changes nothing.
    """
    if not text:
        return text
    work, saved = _protect(text)
    lines = [KEY_VALUE.sub(_mask_pair, line) for line in work.split("\n")]
    work = "\n".join(lines)
    for pattern in PATTERNS:
        work = pattern.sub(lambda m: m["head"] + MASK, work)
    return PROTECTED_BACK.sub(lambda m: saved[int(m[1])], work)


def masked(raw: RawFinding) -> RawFinding:
    """The finding as it may be shown: message, source line and snippet masked.

    Callers compute the fingerprint from the unmasked finding *before* calling this, so that
    identities (baselines, review digests) are independent of what the masking recognises.
    """
    location = raw.location
    return replace(
        raw,
        message=mask(raw.message),
        context=mask(raw.context),
        location=replace(location, snippet=mask(location.snippet)),
    )
