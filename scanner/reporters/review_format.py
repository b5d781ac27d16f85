"""Review: the signed-off migration review, Markdown or HTML, from Jinja2 templates.

The templates (``scanner.reports``: ``review.md.j2``, ``review.html.j2``) only lay out a
:class:`~scanner.review.model.ReviewModel`. HTML is autoescaped; Markdown goes through filters that
escape what could break a table, be read as markup or notify someone (``@name``), because
messages quote scanned files and a scanned file can contain anything (``|``, backticks,
``<script>``). In both, every value passes through the environment's ``finalize``, which escapes
control and bidi characters (:func:`~scanner.reporters.escaping.escape_line`): a review is read
by people deciding on a migration, and a right-to-left override could show them other text.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

from scanner.model import Finding
from scanner.reporters.escaping import escape_line
from scanner.reporters.escaping import markdown_code as md_code
from scanner.reporters.escaping import markdown_text as md
from scanner.review.document import block, seal
from scanner.review.model import ReviewModel

FORMATS = ("md", "html")
TEMPLATES = {"md": "review.md.j2", "html": "review.html.j2"}


def spot(finding: Finding) -> str:
    """The line plus the resource or construct it concerns: a finding's place within its file."""
    loc = finding.location
    subject = loc.construct_path or loc.resource or loc.qualified_name
    return f"{loc.line} ({subject})" if subject else str(loc.line)


def where(finding: Finding) -> str:
    """``path:line`` plus the resource or construct it concerns."""
    return f"{finding.location.path}:{spot(finding)}"


def slug(status: str) -> str:
    """``accepted with exceptions`` -> ``accepted-with-exceptions``: the CSS class of a status.

    Styles key on the slug, so a status the model adds later renders (in the neutral colour)
    without editing the template.
    """
    return re.sub(r"[^a-z0-9]+", "-", status.lower()).strip("-") or "none"


def inert(value: Any) -> Any:
    """Every ``{{ value }}`` of a template: text with control characters escaped.

    Markup (the embedded record, already ASCII JSON) and non-text values pass unchanged; the
    Markdown filters' output is already escaped, and escaping it again changes nothing.
    """
    from markupsafe import Markup

    if isinstance(value, str) and not isinstance(value, Markup):
        return escape_line(value)
    return value


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
        finalize=inert,
    )
    env.filters.update(md=md, code=md_code, where=where, spot=spot, slug=slug)
    return env


def render(model: ReviewModel, fmt: str = "md") -> str:
    """The complete, sealed review document."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown review format {fmt!r} (expected md or html)")
    from markupsafe import Markup

    env = environment(fmt)
    record = block(model.record())
    document = env.get_template(TEMPLATES[fmt]).render(review=model, record=Markup(record))
    return seal(document)
