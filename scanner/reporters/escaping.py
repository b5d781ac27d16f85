"""Values from scanned files, made inert before any report or log shows them.

A pull request controls every path, logical id, message, snippet and suppression reason a
report quotes, and reports are read by terminals, CI runners and GitHub. Unescaped, such a value
could start a line with a workflow command (``::error ...``, ``::stop-commands::``), move the
cursor or rewrite a terminal's title (ESC, CSI, OSC-8 links), hide text (CR, bidi overrides as in
"Trojan Source", CVE-2021-42574), or break the output's encoding (lone surrogates from file names
that are not UTF-8). So one set of characters is unsafe everywhere, and each kind of output
writes them in its own escape syntax:

- line-oriented text (the text report, ``github`` annotations, JUnit text, ``verify``):
  :func:`escape_line`, Python-style ``\\x1b``/``\\n``/``\\u202e``, readable and one line;
- serialised JSON (JSON, SARIF): :func:`escape_json`, the same characters as ``\\uXXXX``
  escapes, so the data a parser reads back is unchanged;
- Markdown (the report and the review): :func:`markdown_text` and :func:`markdown_code`, which
  also keep table cells whole and stop ``@mentions`` and ``#123`` references from notifying.

GitHub's runner also executes the legacy ``##[command]`` form anywhere in a line (not only at
its start), as Azure Pipelines does ``##vso[``; such markers get their first ``#`` escaped.
Everything here is ``str.translate`` or a regular expression without backtracking, so it is
linear in the length of the value.
"""

from __future__ import annotations

import re
from typing import Any

# C0 except TAB (harmless, and what a source line is indented with), DEL and C1 (NEL, CSI,
# OSC...), line and paragraph separators, bidi embeddings, overrides, isolates and marks, and
# lone surrogates (a file name that is not UTF-8, decoded with surrogateescape).
UNSAFE_RANGES = (
    (0x00, 0x08),
    (0x0A, 0x1F),
    (0x7F, 0x9F),
    (0x061C, 0x061C),
    (0x200E, 0x200F),
    (0x2028, 0x202E),
    (0x2066, 0x2069),
    (0xD800, 0xDFFF),
)
UNSAFE = frozenset(cp for low, high in UNSAFE_RANGES for cp in range(low, high + 1))
READABLE = {0x0A: "\\n", 0x0D: "\\r"}

# "##[" (GitHub's legacy command form), "##vso[" (Azure), "##teamcity[": at any position
COMMAND_MARKER = re.compile(r"#(?=#[A-Za-z]{0,16}\[)")
# "@name" not preceded by a letter or digit (e-mail addresses do not notify), "#123"
MENTION = re.compile(r"@(?<![A-Za-z0-9]@)|#(?=[0-9])")
ZERO_WIDTH_SPACE = "&#8203;"  # an HTML entity: the Markdown source stays ASCII and visible
# HTML turned into text, Markdown's active characters backslash-escaped (the backslash first, so
# that no escape is escaped again; "&" before the entities); str.replace runs at memchr speed
MARKDOWN_ESCAPES = (
    ("\\", "\\\\"),
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    *((c, f"\\{c}") for c in "`*_[]|#~"),
)


def _readable(cp: int) -> str:
    if cp in READABLE:
        return READABLE[cp]
    return f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}"


LINE_TABLE = {cp: _readable(cp) for cp in UNSAFE}
# the JSON encoder escapes C0 inside strings itself; outside them its indentation is LF
JSON_TABLE = {cp: f"\\u{cp:04x}" for cp in UNSAFE if cp > 0x1F}


def escape_line(text: str) -> str:
    """``text`` on one line, without a character a terminal or a CI runner would act on."""
    text = text.translate(LINE_TABLE)
    return COMMAND_MARKER.sub(r"\\x23", text) if "##" in text else text


def escape_json(document: str) -> str:
    """Serialised JSON (``ensure_ascii=False``) with the unsafe characters as ``\\u`` escapes.

    The JSON encoder already escapes C0 controls (and its line breaks between values are LF);
    DEL, C1, separators, bidi controls and lone surrogates it writes raw. They can only occur
    inside strings (JSON's own syntax is ASCII), where an escape means the same character, so
    the parsed data is unchanged.
    """
    document = document.translate(JSON_TABLE)
    return COMMAND_MARKER.sub(r"\\u0023", document) if "##" in document else document


def leading(text: str) -> str:
    """A value that begins a line (a path), so it cannot start a workflow command.

    GitHub's runner strips leading whitespace and then looks for ``::``; a path that does not
    begin with a letter, digit, ``.``, ``_`` or ``/`` is written as ``./path``, the same file.
    """
    text = escape_line(text)
    if text and not (text[0].isalnum() or text[0] in "._/"):
        return "./" + text
    return text


def markdown_text(value: Any) -> str:
    """Inline Markdown for prose and table cells: one line, no markup, no HTML, no pings.

    Whitespace runs (newlines included) become one space, so trusted multi-line text (rule
    documentation) stays readable; other unsafe characters are escaped as in text output.
    """
    text = escape_line(" ".join(str(value).split()))
    for raw, escaped in MARKDOWN_ESCAPES:
        text = text.replace(raw, escaped)
    return MENTION.sub(r"\g<0>" + ZERO_WIDTH_SPACE, text)


def markdown_code(value: Any) -> str:
    """An inline code span safe inside a table cell (its fence longer than any backtick run).

    Inside code GitHub neither renders markup nor notifies mentions; only ``|`` would still
    split a table row.
    """
    text = escape_line(" ".join(str(value).split())).replace("|", "\\|")
    if not text:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
