"""cfn-lint's own validation of a template: DSQL009/DSQL010, and DEPLOY001/DEPLOY002.

We do not re-implement CloudFormation's resource schemas: cfn-lint ships them, per region, and
knows which properties, types and ``GetAtt`` attributes every resource type has. This module
runs cfn-lint once per template and sorts what it says into facts:

- E3006 (resource type not available in a region) on a DSQL resource, when deployment regions
  are configured: "region" (DSQL009);
- every other cfn-lint error located on a DSQL resource, or on a value that refers to one
  (``Ref``/``GetAtt``/``Sub`` in another resource or an Output): "invalid" (DSQL010). That
  covers unknown properties (E3002), wrong types (E3012), missing required properties (E3003),
  unknown attributes (E1010, E1019, E6101) and whatever cfn-lint adds later;
- when the whole template is linted (``everything``: a DEPLOY rule is enabled), every other
  error: "deploy" (DEPLOY001), and the deprecated RDS engine versions (W3690, W3691):
  "deprecated" (DEPLOY002). DSQL009/DSQL010 keep precedence: an error is reported once.

Without a DSQL resource and without ``everything``, cfn-lint does not run at all. E3006 is
judged only for configured regions: cfn-lint's default region is no deployment decision.
Parse errors (E0xxx) never reach here: the template input reports them as SCAN001.

cfn-lint's in-template ignores (``Metadata: cfn-lint: config: ignore_checks``, template or
resource level) do not apply to the errors and the deprecation warnings we keep: they carry no
reason, and a review must not evidence FR-005 over an error someone chose not to see. Such
findings are suppressed with dsql-scan's own ``Metadata: dsql-scan: ignore`` and a reason,
which the review lists. cfn-lint is imported lazily, and its rule set is loaded once per process
(half a second) and reused for every template.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from scanner.facts import DSQL_PREFIX, TemplateDiagnostic
from scanner.inputs.cloudformation.template import escape_pointer, fixed_random, references, snippet
from scanner.model import Location
from scanner.run.budget import untimed

REGION_CODE = "E3006"
PARSE_CODES = "E0"
DEPRECATED_CODES = ("W3690", "W3691")  # deprecated RDS engine versions (cluster, instance)
# The checks whose results we keep, made mandatory so that a template's own cfn-lint
# ``ignore_checks`` (or a .cfnlintrc) cannot hide them.
KEPT_CHECKS = ["E", *DEPRECATED_CODES]
REGION_IN_MESSAGE = re.compile(r"in '([a-z0-9-]+)'")


class UnknownRegionError(ValueError):
    """A configured region that cfn-lint does not know: a configuration error."""


@cache
def _rules() -> Any:
    """cfn-lint's rule set, loaded once per process: not charged to a file's time budget."""
    with untimed():
        from cfnlint.core import get_rules

        return get_rules([], [], [])


def check_regions(regions: Iterable[str]) -> None:
    """Refuse region names cfn-lint has no data for, before any template is linted."""
    from cfnlint.helpers import REGIONS

    unknown = sorted(set(regions) - set(REGIONS))
    if unknown:
        raise UnknownRegionError(
            f"unknown region(s) {', '.join(unknown)} (--region / regions); "
            "expected AWS region names such as us-east-1"
        )


@dataclass(frozen=True)
class _Match:
    """The parts of a cfn-lint match we use, detached from cfn-lint's classes."""

    code: str
    message: str
    parts: tuple[str | int, ...]
    line: int
    column: int
    end_line: int
    end_column: int


def _path(parts: Iterable[Any]) -> tuple[str | int, ...]:
    """cfn-lint's path to a node as keys and indexes. Some rules put a node (a ``Fn::If``
    condition's value, a dict) in it: that is no key, and it must not reach a dict key or a
    hash, so it is kept as text."""
    return tuple(p if isinstance(p, str | int) else str(p) for p in parts)


def _matches(text: str, regions: tuple[str, ...]) -> list[_Match]:
    from cfnlint.api import lint
    from cfnlint.config import ManualArgs
    from cfnlint.helpers import REGION_PRIMARY

    found = []
    rules = _rules()
    config = ManualArgs(regions=list(regions) or [REGION_PRIMARY], mandatory_checks=KEPT_CHECKS)
    with fixed_random():  # the same made-up names as the template input's expansion
        matches = lint(text, rules=rules, config=config)
    for match in matches:
        found.append(
            _Match(
                code=str(match.rule.id),
                message=" ".join(str(match.message).split()),
                parts=_path(getattr(match, "path", None) or ()),
                line=int(match.linenumber),
                column=int(match.columnnumber),
                end_line=int(match.linenumberend),
                end_column=int(match.columnnumberend),
            )
        )
    return found


def _node(document: Any, parts: tuple[str | int, ...]) -> Any:
    node = document
    for part in parts:
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not in_list and not (isinstance(node, dict) and part in node):
            return None
        node = node[part]
    return node


def _is_intrinsic(node: Any) -> bool:
    return (
        isinstance(node, dict)
        and len(node) == 1
        and str(next(iter(node))).startswith(("Ref", "Fn::"))
    )


def concerns_dsql(document: Any, parts: tuple[str | int, ...], dsql_ids: set[str]) -> bool:
    """Is the node at ``parts`` a DSQL resource's, or inside a value referring to one?"""
    if len(parts) >= 2 and parts[0] == "Resources" and parts[1] in dsql_ids:
        return True
    for end in range(len(parts), 1, -1):
        node = _node(document, parts[:end])
        if _is_intrinsic(node) and any(name in dsql_ids for name, _ in references(node)):
            return True
    return False


def _dsql_ids(document: Any) -> set[str]:
    resources = document.get("Resources") if isinstance(document, dict) else None
    return {
        str(logical_id)
        for logical_id, resource in (resources or {}).items()
        if isinstance(resource, dict) and str(resource.get("Type", "")).startswith(DSQL_PREFIX)
    }


def _construct_path(document: Any, resource: str) -> str:
    """A plain ``str``: the decoder's string class cannot be pickled back from a worker."""
    path = _node(document, ("Resources", resource, "Metadata", "aws:cdk:path"))
    return str(path) if isinstance(path, str) else ""


def _location(match: _Match, document: Any, path: str, stack: str) -> Location:
    parts = match.parts
    resource = str(parts[1]) if len(parts) > 1 and parts[0] == "Resources" else ""
    return Location(
        path=path,
        line=match.line,
        column=match.column,
        end_line=match.end_line,
        end_column=match.end_column,
        resource=resource,
        pointer="".join("/" + escape_pointer(p) for p in parts),
        construct_path=_construct_path(document, resource) if resource else "",
        snippet=snippet(_node(document, parts)),
        stack=stack,
    )


def _category(
    match: _Match,
    document: Any,
    dsql_ids: set[str],
    regions: tuple[str, ...],
    everything: bool,
) -> str:
    """Which fact a cfn-lint match becomes ("" for none): see the module's docstring."""
    if match.code in DEPRECATED_CODES:
        return "deprecated" if everything else ""
    if not match.code.startswith("E") or match.code.startswith(PARSE_CODES):
        return ""
    if match.code == REGION_CODE:
        if not regions:
            return ""
        on_dsql = len(match.parts) > 1 and match.parts[0] == "Resources"
        if on_dsql and str(match.parts[1]) in dsql_ids:
            return "region"
    elif concerns_dsql(document, match.parts, dsql_ids):
        return "invalid"
    return "deploy" if everything else ""


def diagnostics(
    document: Any,
    text: str,
    path: str,
    stack: str = "",
    regions: tuple[str, ...] = (),
    everything: bool = False,
) -> tuple[TemplateDiagnostic, ...]:
    """cfn-lint's verdict on the template, one diagnostic per category and node.

    Several errors on the same node (E3012 and E3024 on one wrong value) become one diagnostic
    listing every code; E3006 for several regions becomes one diagnostic listing the regions.
    Without ``everything`` only the DSQL resources are judged (and nothing runs without one).
    """
    dsql_ids = _dsql_ids(document)
    if not dsql_ids and not everything:
        return ()
    grouped: dict[tuple[str, tuple], list[_Match]] = {}
    for match in _matches(text, regions):
        category = _category(match, document, dsql_ids, regions, everything)
        if category:
            grouped.setdefault((category, match.parts), []).append(match)
    out = []
    for (category, _), matches in grouped.items():
        first = min(matches, key=lambda m: (m.line, m.column, m.code))
        codes = tuple(sorted({m.code for m in matches}))
        found_regions = tuple(
            sorted({r for m in matches for r in REGION_IN_MESSAGE.findall(m.message)})
        )
        messages = list(dict.fromkeys(m.message for m in sorted(matches, key=lambda m: m.code)))
        out.append(
            TemplateDiagnostic(
                category=category,
                codes=codes,
                message="; ".join(messages),
                location=_location(first, document, path, stack),
                regions=found_regions if category == "region" else (),
            )
        )
    return tuple(
        sorted(out, key=lambda d: (d.location.line, d.location.column, d.codes, d.category))
    )
