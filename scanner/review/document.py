"""The machine-readable block a review document carries, and the document's own digest.

The block is an HTML comment (invisible in rendered Markdown and HTML alike)::

    <!-- dsql-scan-review
    { ...JSON: scope, file digests, findings, scope/result/config digests, document_digest... }
    -->

``document_digest`` is the sha256 of the whole document with that one value left empty, so any
hand edit (of the prose, a table, or the block itself) is detected by ``verify``. It protects
against accidents, not forgery: anyone can recompute it. That is what the optional OpenSSH
signature is for.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

MARKER = "dsql-scan-review"
FORMAT_VERSION = 1
BLOCK = re.compile(r"<!-- " + MARKER + r"\n(?P<json>.*?)\n-->", re.S)
EMPTY_DIGEST = '"document_digest": ""'
# Characters that could end the comment or be read as markup by a lenient renderer.
JSON_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("--", "-\\u002d"))


class NotAReview(ValueError):
    """The text has no (readable) dsql-scan review block."""


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(", ", ": "))


def _layout(record: dict[str, Any]) -> str:
    """JSON with one top-level key per line and one file or finding per line: short, and a
    regenerated review diffs line by line in code review."""
    lines = []
    for key in sorted(record):
        value = record[key]
        if isinstance(value, dict) and value:
            items = [f"  {_compact(k)}: {_compact(v)}" for k, v in sorted(value.items())]
            lines.append(f" {_compact(key)}: {{\n" + ",\n".join(items) + "\n }")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            items = [f"  {_compact(v)}" for v in value]
            lines.append(f" {_compact(key)}: [\n" + ",\n".join(items) + "\n ]")
        else:
            lines.append(f" {_compact(key)}: {_compact(value)}")
    return "{\n" + ",\n".join(lines) + "\n}"


def block(record: dict[str, Any]) -> str:
    """The comment embedding ``record``, with an empty document digest to be filled in."""
    text = _layout({**record, "document_digest": ""})
    for raw, escaped in JSON_ESCAPES:
        text = text.replace(raw, escaped)
    return f"<!-- {MARKER}\n{text}\n-->"


def _normalised(text: str) -> str:
    """Line endings do not count: a checkout with CRLF conversion is not a hand edit."""
    return text.replace("\r\n", "\n")


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal(document: str) -> str:
    """Fill in the document digest of a freshly rendered document."""
    match = BLOCK.search(document)
    if match is None or EMPTY_DIGEST not in match["json"]:
        raise ValueError("rendered review lacks its dsql-scan-review block")
    value = _digest(_normalised(document))
    start, end = match.span("json")
    sealed = match["json"].replace(EMPTY_DIGEST, f'"document_digest": "{value}"', 1)
    return document[:start] + sealed + document[end:]


def read(document: str) -> dict[str, Any]:
    """The embedded record. Raises NotAReview when there is none or it is unreadable."""
    match = BLOCK.search(_normalised(document))
    if match is None:
        raise NotAReview("no dsql-scan-review block found")
    try:
        record = json.loads(match["json"])
    except ValueError as exc:
        raise NotAReview(f"the dsql-scan-review block is not valid JSON: {exc}") from None
    if not isinstance(record, dict) or record.get(MARKER) != FORMAT_VERSION:
        raise NotAReview(f"unsupported dsql-scan-review block (expected version {FORMAT_VERSION})")
    return record


def intact(document: str, record: dict[str, Any]) -> bool:
    """Does the document still hash to the digest it records?"""
    text = _normalised(document)
    recorded = record.get("document_digest")
    match = BLOCK.search(text)
    if not isinstance(recorded, str) or not recorded or match is None:
        return False
    stamped = f'"document_digest": "{recorded}"'
    if stamped not in match["json"]:
        return False
    start, end = match.span("json")
    blanked = text[:start] + match["json"].replace(stamped, EMPTY_DIGEST, 1) + text[end:]
    return _digest(blanked) == recorded
