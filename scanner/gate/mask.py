"""Mask credential-looking values before anything leaves the scanner, and bound what is quoted.

Findings quote source lines, template snippets and values in their messages. A template with a
literal ``MasterUserPassword`` or a connection string with a password must not copy that
secret into a CI log, a SARIF upload or a signed review, so every finding passes through
:func:`masked` once, centrally, in the engine (which fingerprints the unmasked text first so
that baselines do not depend on this module), and its source line is cut to a bounded
:func:`excerpt` around the finding when the file is analysed.

Two sets of detectors find secrets, and what either finds is masked:

- detect-secrets' plugins (:data:`DETECTORS`): the maintained pattern set for token formats
  (GitLab, Stripe, GitHub, Slack, JWT, ...), quoted secret keywords, basic-auth URLs and
  high-entropy quoted strings. Its regexes backtrack, so they only ever see bounded pieces of
  text (:data:`CHUNK` characters).
- the project's own rules (:func:`own_spans`), for what detect-secrets does not know
  (unquoted ``key: value`` pairs, DSN fields, ``user/pass@host``, ``-pPASSWORD``, SQL
  ``PASSWORD '...'``, fallbacks after ``os.environ.get``) and for the references that must
  stay visible: ``{{resolve:secretsmanager:...}}``, ``!Ref``/``!Sub``, ``${Param}``, ``$VAR``
  and code such as ``os.environ["X"]`` carry no secret and are what a reviewer needs to see.
  They run in linear time on any input (no nested or overlapping quantifiers; literal scans),
  because scanned files are untrusted.

Masking works on spans of the original text, so a window can be cut anywhere: a secret that
straddles the cut is masked by what was found on the whole line, never shown in part.
"""

from __future__ import annotations

import bisect
import functools
import re
import string
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from scanner.model import Location, RawFinding

MASK = "********"
ELLIPSIS = "…"
WIDTH = 200  # characters of a source line quoted around a finding
LEAD = 60  # of which before the finding's column
MESSAGE_LIMIT = 600  # characters of a message or snippet shown
CHUNK = 400  # the longest piece of text detect-secrets' regexes are given at once
MARGIN = 100  # overlap of those pieces, and context around a window: longer than any token
MEMO_TEXT = 4096  # characters of the longest text whose masking a run remembers

Span = tuple[int, int]
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

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

# A secret word that ends a key (``MasterUserPassword:``, ``"db_password" =``), its closing
# quote and its separator. Matched from the word, not from the key's start: whatever precedes
# the word is part of the key, and a regex that scanned keys from their start would backtrack
# over every long token.
KEY = re.compile(
    r"""(?:""" + "|".join(SECRET_WORDS) + r""")["']?[ \t]*(?::(?!:)|(?<![=!<>:])=(?!=))[ \t]*"""
)  # searched in lower case (see _lowered): an ignore-case alternation is three times slower
QUOTED = {q: re.compile(rf"(?:\\.|[^\\{q}\n])*") for q in "\"'"}
STRING_PREFIX = re.compile(r"[rRbBuUfF]{0,2}(?=[\"'])")
BARE_END = {":": re.compile(r"[ \t]+#|$", re.M), "=": re.compile(r"[\s&;,)]|$", re.M)}
# Inside a value kept as code, a YAML tag or a structure (``!Sub "..."``, ``{"Fn::Join": [...]}``,
# ``str("...")``): the literals that name something rather than hold it.
INTRINSIC = re.compile(r"(?:Fn::\w+|Ref|Condition)")
ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
NAMED_BY = re.compile(
    r"(?:Ref|GetAtt|ImportValue|FindInMap|Condition)[\"']?[ \t]*:?[ \t]*\[?[ \t]*$"
)
REFERENCE_TAGS = frozenset({"Ref", "GetAtt", "ImportValue", "FindInMap", "Condition", "GetAZs"})
TAG = re.compile(r"!(\w+)[ \t]+")
NEXT_LITERAL = re.compile(r"[ \t]*[rRbBuUfF]{0,2}([\"'])")  # Python's implicit concatenation
FALLBACK = re.compile(r"\)*(?:[ \t]+or[ \t]+|[ \t]*,[ \t]*)[rRbBuUfF]{0,2}([\"'])")
CONSTANTS = frozenset({"null", "none", "true", "false", "~", MASK})
VARIABLE = re.compile(r"\$\{?\w+\}?|\{\w*\}")  # $VAR, ${Param}, an f-string's {field}
CODE_REFERENCE = re.compile(r"[A-Za-z_]\w*[ \t]*[.(\[]")
TYPE_HINT = re.compile(r"(?:str|bytes|int|Optional|SecretStr|SecretBytes|Any|None)\b(?!-)")

# user:password@ in URLs and DSNs; the password ends at the token's last "@", so it may hold
# "/", "@" and quotes.
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,31}\Z")
URL_TOKEN = {q: re.compile(rf"(?:\\.|[^\s\\{q}])*") for q in "\"'`"} | {"": re.compile(r"\S*")}
# user/password@host (Oracle's connect strings); the user is a plain identifier
SLASH_LOGIN = re.compile(r"(?<![\w/@.:-])[A-Za-z_][\w$#]{0,127}/(?=[^\s/@\"']+@\w)")
SLASH_PASSWORD = re.compile(r"[^\s/@\"']+(?=@)")
# mysql -pPASSWORD: only next to a user option or the client's name
DASH_P = re.compile(r"""(?:(?<=\s)|(?<=^)|(?<=["'\[,]))-p(?=[^\s"',\]])""", re.M)
DASH_P_CONTEXT = re.compile(r"mysql|mariadb|(?:^|\s|[\"'])-u", re.I | re.M)
DASH_P_VALUE = re.compile(r"[^\s\"',\]]+")
# SQL: ALTER/CREATE USER ... PASSWORD '...', IDENTIFIED BY '...'
SQL_PASSWORD = re.compile(r"\b(?:password|identified[ \t]+by)[ \t]+e?'")  # in lower case
SQL_LITERAL = re.compile(r"(?:[^'\n]|'')*")
# AWS access key ids: fixed length, so linear
ACCESS_KEY = re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b")
PEM_BEGIN = re.compile(r"-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----")
PEM_END = re.compile(r"-----END [A-Z ]{0,40}PRIVATE KEY-----")
BEARER = re.compile(r"\bBearer[ \t]+(?=[A-Za-z0-9._~+/=-]{8})")
BEARER_VALUE = re.compile(r"[A-Za-z0-9._~+/=-]+")


def reference_spans(text: str) -> list[Span]:
    """``{{resolve:...}}`` dynamic references and ``${...}`` substitutions, in one pass.

    A literal scan instead of a regex: an unterminated ``{{resolve:`` would make a regex
    rescan the rest of the text from every later start.
    """
    spans: list[Span] = []
    pos = 0
    while True:
        brace = text.find("{", pos)
        if brace < 0:
            return spans
        if text.startswith("{{resolve:", brace):
            end = _resolve_end(text, brace + 10)
        elif brace > 0 and text[brace - 1] == "$":
            close = text.find("}", brace)
            end, brace = (close + 1 if close >= 0 else -1), brace - 1
        else:
            pos = brace + 1
            continue
        if end < 0:
            return spans  # nothing after an unterminated reference can close either
        spans.append((brace, end))
        pos = end


def _resolve_end(text: str, pos: int) -> int:
    """End of a dynamic reference whose body starts at ``pos`` (``${X}`` may nest once)."""
    close = text.find("}}", pos)
    while close >= 0:
        sub = text.find("${", pos, close)
        if sub < 0:
            return close + 2
        pos = text.find("}", sub) + 1  # at most close + 1: text[close] is a brace
        if pos > close:  # ${X}}}: the substitution's brace was the first of the pair
            close = text.find("}}", pos)
    return -1


def _within(spans: list[Span], start: int, end: int) -> bool:
    """Does one of the sorted, disjoint ``spans`` contain ``[start, end)``?"""
    i = bisect.bisect_right(spans, (start, 1 << 62)) - 1
    return i >= 0 and spans[i][0] <= start and end <= spans[i][1]


def _is_reference(text: str, refs: list[Span], start: int, end: int) -> bool:
    value = text[start:end]
    return bool(VARIABLE.fullmatch(value)) or (start < end and _within(refs, start, end))


def _keeps_bare(text: str, refs: list[Span], start: int, end: int) -> bool:
    """An unquoted value that is a constant, a YAML tag, a mapping, a reference or code."""
    value = text[start:end]
    if value.lower() in CONSTANTS or _is_reference(text, refs, start, end):
        return True
    if value[0] in "!{[" or value.startswith(("Ref", "Fn::")):
        return True
    return bool(CODE_REFERENCE.match(value) or TYPE_HINT.match(value))


def _quoted(text: str, quote: str, start: int) -> tuple[Span, int]:
    """The content span of a literal whose opening ``quote`` ends at ``start``, and its end.

    Triple quotes, backslash escapes and the doubled quote of YAML and SQL (``'it''s'``) are
    part of the content; an unclosed literal runs to the end of the line.
    """
    if text.startswith(quote * 2, start):  # """...""" or '''...'''
        line_end = text.find("\n", start)
        line_end = len(text) if line_end < 0 else line_end
        close = text.find(quote * 3, start + 2, line_end)
        if close >= 0:
            return (start + 2, close), close + 3
        return (start + 2, line_end), line_end
    pos = start
    while True:
        body = QUOTED[quote].match(text, pos)
        assert body is not None  # the pattern matches the empty string
        pos = body.end()
        if not text.startswith(quote, pos):
            return (start, pos), pos
        if quote == "'" and text.startswith("''", pos):
            pos += 2
            continue
        return (start, pos), pos + 1


def _lowered(text: str) -> str:
    """``text`` in lower case, character for character (so that offsets stay valid)."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(ASCII_LOWER)


def _pair_spans(text: str, refs: list[Span]) -> Iterator[Span]:
    """Values of ``key: value`` / ``key=value`` pairs whose key names a credential."""
    lowered = _lowered(text)
    pos = 0
    while (key := KEY.search(lowered, pos)) is not None:
        pos = key.end()
        if _within(refs, key.start(), key.start() + 1):
            continue  # SecretString:password inside a dynamic reference
        separator = "=" if "=" in key[0] else ":"
        prefix = STRING_PREFIX.match(text, pos)
        if prefix is not None:
            opening = prefix.end()  # where the literal's quote is
            while True:  # "a" "b": adjacent literals are one value
                (start, end), pos = _quoted(text, text[opening], opening + 1)
                shown = start == end or text[start:end] == MASK
                if not shown and not _is_reference(text, refs, start, end):
                    yield start, end
                following = NEXT_LITERAL.match(text, pos)
                if following is None:
                    break
                opening = following.start(1)
            continue
        bare_end = BARE_END[separator].search(text, pos)
        assert bare_end is not None  # both patterns match at the end of a line
        end = bare_end.start()
        if pos == end:
            continue
        if not _keeps_bare(text, refs, pos, end):
            yield pos, end
            pos = end
            continue
        literals, pos = _kept_value_literals(text, refs, pos)
        yield from literals
        fallback = FALLBACK.match(text, end)
        if CODE_REFERENCE.match(text, pos) and fallback is not None:
            # os.environ.get("X") or "fallback", getenv("X", "fallback"): the literal is a secret
            (start, end), pos = _quoted(text, fallback[1], fallback.end())
            if start < end:
                yield start, end


def _kept_value_literals(text: str, refs: list[Span], start: int) -> tuple[list[Span], int]:
    """The literals inside a credential's value that is kept as code, a tag or a structure, and
    where the value ends (the key search goes on from there, so each character is read once).

    ``!Sub "x"``, ``{"Fn::Join": ["", ["x"]]}`` and ``str("x")`` are shown for their shape, but
    the literal in them is the credential. What names something stays: references, intrinsic
    function names, environment variable names (``os.environ["DB_PASSWORD"]``) and what
    ``Ref``/``GetAtt``/``ImportValue``/``FindInMap`` take. A tag's unquoted scalar
    (``!Sub hunter2``) is a literal too, unless the tag references (``!Ref DbPassword``).
    """
    end = _value_end(text, start)
    tag = TAG.match(text, start, end)
    if tag is not None and text[tag.end() : tag.end() + 1] not in "\"'[{":
        scalar = BARE_END[":"].search(text, tag.end(), end)
        last = scalar.start() if scalar is not None else end
        kept = tag[1] in REFERENCE_TAGS or "${" in text[tag.end() : last]
        if kept or tag.end() == last or _is_reference(text, refs, tag.end(), last):
            return [], end
        return [(tag.end(), last)], end
    found: list[Span] = []
    pos = start
    while (opening := _next_quote(text, pos, end)) >= 0:
        (first, last), pos = _quoted(text, text[opening], opening + 1)
        literal = text[first:last]
        if not (
            not literal
            or literal == MASK
            or _is_reference(text, refs, first, last)
            or INTRINSIC.fullmatch(literal)
            or ENV_NAME.fullmatch(literal)
            or NAMED_BY.search(text, max(start, opening - 40), opening)
        ):
            found.append((first, last))
    return found, max(end, pos)


def _next_quote(text: str, start: int, end: int) -> int:
    """The first quote in ``text[start:end]``, or -1."""
    found = [i for i in (text.find('"', start, end), text.find("'", start, end)) if i >= 0]
    return min(found, default=-1)


def _value_end(text: str, start: int) -> int:
    """Where a value that starts at ``start`` ends: at the end of its line, or where a comma,
    semicolon or closing bracket outside its own brackets and literals ends it (the next
    property of a one-line template is not part of it)."""
    line_end = text.find("\n", start)
    line_end = len(text) if line_end < 0 else line_end
    depth, pos = 0, start
    while pos < line_end:
        char = text[pos]
        if char in "\"'":
            pos = _quoted(text, char, pos + 1)[1]
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth < 0:
                return pos
        elif char in ",;" and depth == 0:
            return pos
        pos += 1
    return line_end


def _url_spans(text: str) -> Iterator[Span]:
    """The password of ``scheme://user:password@host``, up to the token's last ``@``.

    The token ends at white space or at the quote that opened it, so a password may hold
    "/", "@" and other quotes; a URL with a port and an "@" in its path loses a little more.
    """
    pos = 0
    while (sep := text.find("://", pos)) >= 0:
        pos = sep + 3
        scheme = SCHEME.search(text, max(0, sep - 32), sep)
        if scheme is None:
            continue
        opening = text[scheme.start() - 1 : scheme.start()]
        token = URL_TOKEN[opening if opening in "\"'`" else ""].match(text, pos)
        assert token is not None  # the patterns match the empty string
        end = pos = token.end()
        at = text.rfind("@", sep + 3, end)
        colon = text.find(":", sep + 3, at)
        if at < 0 or colon < 0 or text[colon + 1 : colon + 2] in ("", "{", "$", "@"):
            continue
        yield colon + 1, at


def _slash_spans(text: str) -> Iterator[Span]:
    for login in SLASH_LOGIN.finditer(text):
        password = SLASH_PASSWORD.match(text, login.end())
        if password is not None and text[login.end()] not in "{$":
            yield password.span()


def _dash_p_spans(text: str) -> Iterator[Span]:
    if not DASH_P_CONTEXT.search(text):
        return
    for flag in DASH_P.finditer(text):
        value = DASH_P_VALUE.match(text, flag.end())
        if value is not None and value[0][0] not in "{$":
            yield value.span()


def _sql_spans(text: str) -> Iterator[Span]:
    for keyword in SQL_PASSWORD.finditer(_lowered(text)):
        literal = SQL_LITERAL.match(text, keyword.end())
        assert literal is not None
        if literal.end() > keyword.end():
            yield literal.span()


def _pem_spans(text: str) -> Iterator[Span]:
    pos = 0
    while (begin := PEM_BEGIN.search(text, pos)) is not None:
        end = PEM_END.search(text, begin.end())
        stop = end.start() if end is not None else len(text)
        if stop > begin.end():
            yield begin.end(), stop
        if end is None:
            return
        pos = end.end()


def _bearer_spans(text: str) -> Iterator[Span]:
    for bearer in BEARER.finditer(text):
        value = BEARER_VALUE.match(text, bearer.end())
        assert value is not None
        yield value.span()


@functools.lru_cache(maxsize=64)
def own_spans(text: str) -> tuple[Span, ...]:
    """Secret spans found by the project's own rules, in linear time; references excluded.

    Cached: every finding on a long line asks for the same line.
    """
    refs = reference_spans(text)
    found = [
        *_pair_spans(text, refs),
        *_url_spans(text),
        *_slash_spans(text),
        *_dash_p_spans(text),
        *_sql_spans(text),
        *(m.span() for m in ACCESS_KEY.finditer(text)),
        *_pem_spans(text),
        *_bearer_spans(text),
    ]
    return tuple(span for span in found if not _within(refs, *span))


@dataclass(frozen=True)
class Detection:
    """One of detect-secrets' patterns, and which part of its match is the secret.

    ``group`` 0 means "the groups that are not a prefix of the match, else the whole match":
    token formats capture their prefix (``(glpat|...)-...``), assignments capture the value.
    ``entropy`` is the high-entropy plugin whose threshold a value must pass.
    """

    pattern: re.Pattern[str]
    group: int = 0
    entropy: Any = None

    def spans(self, piece: str) -> Iterator[Span]:
        for match in self.pattern.finditer(piece):
            if self.group:
                found = [match.span(self.group)]
            else:
                groups = [i for i in range(1, match.re.groups + 1) if match.group(i)]
                prefix = not groups or match.start(groups[0]) == match.start()
                found = [match.span()] if prefix else [match.span(i) for i in groups]
            for start, end in found:
                value = piece[start:end]
                if self.entropy is not None and not self._random(value):
                    continue
                if start < end and not VARIABLE.fullmatch(value):
                    yield start, end

    def _random(self, value: str) -> bool:
        return bool(self.entropy.calculate_shannon_entropy(value) > self.entropy.entropy_limit)


@functools.cache
def detections() -> tuple[Detection, ...]:
    """detect-secrets' patterns, compiled once (and imported only when something is masked).

    Its plugins report secret *values*; masking needs their places, so their patterns are used
    directly, with the group each plugin reports. Left out: the private-key plugin reports the
    ``BEGIN ... PRIVATE KEY`` header, not the key (:func:`_pem_spans` masks the body and keeps
    the header readable); the public-IP one is no credential; the hex-entropy one would mask
    digests and resource ids. The keyword plugin's quotes-required set is the one it uses for
    code; unquoted values are :func:`_pair_spans`'s.
    """
    from detect_secrets.plugins import (
        artifactory,
        aws,
        azure_storage_key,
        basic_auth,
        discord,
        github_token,
        gitlab_token,
        high_entropy_strings,
        jwt,
        keyword,
        mailchimp,
        npm,
        openai,
        pypi_token,
        sendgrid,
        slack,
        square_oauth,
        stripe,
        telegram_token,
        twilio,
    )

    plugins = (
        artifactory.ArtifactoryDetector,
        aws.AWSKeyDetector,
        azure_storage_key.AzureStorageKeyDetector,
        basic_auth.BasicAuthDetector,
        discord.DiscordBotTokenDetector,
        github_token.GitHubTokenDetector,
        gitlab_token.GitLabTokenDetector,
        jwt.JwtTokenDetector,
        mailchimp.MailchimpDetector,
        npm.NpmDetector,
        openai.OpenAIDetector,
        pypi_token.PypiTokenDetector,
        sendgrid.SendGridDetector,
        slack.SlackDetector,
        square_oauth.SquareOAuthDetector,
        stripe.StripeDetector,
        telegram_token.TelegramBotTokenDetector,
        twilio.TwilioKeyDetector,
    )
    entropy = high_entropy_strings.Base64HighEntropyString()
    return (
        *(Detection(pattern) for plugin in plugins for pattern in plugin.denylist),
        *(
            Detection(pattern, group)
            for pattern, group in keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP.items()
        ),
        Detection(entropy.regex, 2, entropy),
    )


def _pieces(text: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    """The pieces of ``text``'s lines that meet ``[start, end)``: CHUNK characters each, on a
    grid of each line, overlapping by MARGIN (so every token up to MARGIN long is whole in one
    of them, and neighbouring findings on one long line share the pieces they have in common).
    """
    step = CHUNK - MARGIN
    line_start = text.rfind("\n", 0, start) + 1
    while line_start < end:
        line_end = text.find("\n", line_start)
        line_end = len(text) if line_end < 0 else line_end
        first = line_start + max(0, (start - line_start - MARGIN) // step) * step
        for pos in range(first, max(first + 1, min(end, line_end)), step):
            if pos >= line_end or pos + CHUNK <= start:
                continue
            yield pos, text[pos : min(pos + CHUNK, line_end)]
            if pos + CHUNK >= line_end:
                break
        line_start = line_end + 1


@functools.lru_cache(maxsize=4096)
def _piece_spans(piece: str) -> tuple[Span, ...]:
    """What detect-secrets' patterns find in one piece, references excluded (cached)."""
    refs = reference_spans(piece)
    return tuple(
        span
        for detection in detections()
        for span in detection.spans(piece)
        if not _within(refs, *span)
    )


def detected_spans(text: str, start: int, end: int) -> list[Span]:
    """Spans of what detect-secrets' patterns find in the pieces of text around [start, end)."""
    return [
        (offset + span_start, offset + span_end)
        for offset, piece in _pieces(text, start, end)
        for span_start, span_end in _piece_spans(piece)
    ]


def _merged(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


@dataclass
class _Memory:
    """What a run masked, and what an earlier run with the same code masked (see
    ``remembering``), by window: ``"start,end,text"``."""

    known: Mapping[str, str]
    used: dict[str, str]


_memory: list[_Memory] = []  # the innermost ``remembering`` block's, if any


@contextmanager
def remembering(known: Mapping[str, str]) -> Iterator[dict[str, str]]:
    """Within this block, a window ``known`` has masked is taken from it, and every window
    masked (known or not) is added to the dict this yields: the run's result cache keeps it, so
    that a run whose findings are unchanged never imports detect-secrets (a quarter of a
    second, more than the rest of such a run). Masking is a pure function of the text and the
    code (this module's and detect-secrets', both in the cache's key), so an earlier result is
    the result; ``known`` must come from a source as trusted as the code (the cache checks its
    MAC). Texts longer than ``MEMO_TEXT`` are masked each time (they would bloat the memory).
    """
    memory = _Memory(known, {})
    _memory.append(memory)
    try:
        yield memory.used
    finally:
        _memory.remove(memory)


def masked_window(text: str, start: int, end: int) -> str:
    """``text[start:end]`` with every secret masked, judged on the whole text (see
    ``_masked_window``), taken from what the run remembers when it can (``remembering``)."""
    if not _memory or len(text) > MEMO_TEXT:
        return _masked_window(text, start, end)
    memory = _memory[-1]
    window = f"{start},{end},{text}"
    found = memory.known.get(window)
    if found is None:
        found = memory.used.get(window)
    if found is None:
        found = _masked_window(text, start, end)
    memory.used[window] = found
    return found


def _masked_window(text: str, start: int, end: int) -> str:
    """``text[start:end]`` with every secret masked, judged on the whole text.

    The project's rules see all of ``text`` (they are linear and cached); detect-secrets sees
    the pieces of it that meet the window, which reach MARGIN characters past its edges. A
    secret that straddles the window's edge is masked, never cut in half.
    """
    spans = list(own_spans(text))
    spans += detected_spans(text, start, end)
    parts = []
    pos = start
    for span_start, span_end in _merged(spans):
        if span_end <= start or span_start >= end:
            continue
        if span_start > pos:
            parts.append(text[pos:span_start])
        parts.append(MASK)
        pos = max(pos, span_end)
    parts.append(text[pos:end])
    return "".join(parts)


def mask(text: str) -> str:
    """``text`` with every credential-looking value replaced by ``********``.

    Pure and idempotent: masking masked text changes nothing.
    """
    if not text:
        return text
    return masked_window(text, 0, len(text))


def excerpt(line: str, column: int) -> str:
    """The masked part of a source line shown with a finding at ``column`` (1-based).

    A line longer than WIDTH is cut to WIDTH characters, LEAD of them before the column, with
    ELLIPSIS where it was cut: a minified template on one line must not be printed (and masked)
    once per finding. :func:`excerpt_column` finds the column again in the excerpt.
    """
    if len(line) <= WIDTH:
        return mask(line)
    start = max(0, column - 1 - LEAD)
    end = min(len(line), start + WIDTH)
    head = ELLIPSIS if start else ""
    tail = ELLIPSIS if end < len(line) else ""
    return head + masked_window(line, start, end) + tail


def source_excerpt(lines: list[str], location: Location) -> str:
    """The excerpt of the line a finding is on ("" when the line is not in ``lines``)."""
    if 0 < location.line <= len(lines):
        return excerpt(lines[location.line - 1], location.column)
    return ""


def excerpt_column(context: str, column: int) -> int:
    """Where ``column`` of the source line is in its excerpt (for a caret under it)."""
    if context.startswith(ELLIPSIS) and column - 1 > LEAD:
        return LEAD + len(ELLIPSIS) + 1
    return column


def shortened(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` masked, and cut in the middle when longer than ``limit`` characters.

    Messages and snippets quote values from scanned files; a 1 MB value is shown by its head
    and tail, masked as the whole text is.
    """
    if len(text) <= limit:
        return mask(text)
    head, tail = limit * 2 // 3, limit // 3
    return (
        masked_window(text, 0, head)
        + f" {ELLIPSIS} "
        + masked_window(text, len(text) - tail, len(text))
    )


def masked(raw: RawFinding) -> RawFinding:
    """The finding as it may be shown: message, source line and snippet masked and bounded.

    Callers compute the fingerprint from the unmasked finding *before* calling this, so that
    identities (baselines, review digests) are independent of what the masking recognises.
    The source line was cut to an excerpt when it was attached (:func:`excerpt`).
    """
    location = raw.location
    return replace(
        raw,
        message=shortened(raw.message),
        context=mask(raw.context),
        location=replace(location, snippet=shortened(location.snippet)),
    )
