"""Review: the signed-off migration review, Markdown or HTML, from Jinja2 templates.

The templates (``scanner.reports``: ``review.md.j2``, ``review.html.j2``) only lay out a
:class:`~scanner.review.ReviewModel`. HTML is autoescaped; Markdown goes through filters that
escape what could break a table or be read as markup, because messages quote scanned files and
a scanned file can contain anything (``|``, backticks, ``<script>``).
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

from scanner.model import Finding
from scanner.review import ReviewModel
from scanner.reviewdoc import block, seal

FORMATS = ("md", "html")
TEMPLATES = {"md": "review.md.j2", "html": "review.html.j2"}
MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")
MD_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))


def md(value: Any) -> str:
    """Markdown prose: escape markup characters, turn HTML into text, keep it on one line."""
    text = " ".join(str(value).split())
    for raw, entity in MD_ENTITIES:
        text = text.replace(raw, entity)
    return MD_SPECIAL.sub(r"\\\1", text)


def md_code(value: Any) -> str:
    """An inline code span safe inside a table cell (fence longer than any backtick run)."""
    text = " ".join(str(value).split()).replace("|", "\\|")
    if not text:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def where(finding: Finding) -> str:
    """``path:line`` plus the resource or construct it concerns."""
    loc = finding.location
    text = f"{loc.path}:{loc.line}"
    subject = loc.construct_path or loc.resource or loc.qualified_name
    return f"{text} ({subject})" if subject else text


def _load(name: str) -> str:
    return resources.files("scanner.reports").joinpath(name).read_text(encoding="utf-8")


def environment(fmt: str) -> Any:
    """A Jinja2 environment for one format; imported lazily (the scan path never needs it)."""
    from jinja2 import Environment, FunctionLoader, StrictUndefined

    env = Environment(
        loader=FunctionLoader(_load),
        autoescape=fmt == "html",
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(md=md, code=md_code, where=where)
    return env


def render(model: ReviewModel, fmt: str = "md") -> str:
    """The complete, sealed review document."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown review format {fmt!r} (expected md or html)")
    from markupsafe import Markup

    env = environment(fmt)
    record = block(model.record())
    document = env.get_template(TEMPLATES[fmt]).render(
        review=model, record=Markup(record) if fmt == "html" else record
    )
    return seal(document)
