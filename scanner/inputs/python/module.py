"""Python input: parse a module with libcst, extract its facts and its suppression comments.

The only module (with its helpers ``python_values`` and ``python_facts``) that imports libcst,
and only when a Python file is actually scanned. A file that imports ``aws_cdk`` (CDK v2
``aws_cdk``, v1 ``aws_cdk.aws_rds`` style) is CDK source (kind ``cdk``); any other file is
application code (kind ``app``). Both produce the same facts as the CloudFormation input, so the
rules never know which syntax a fact came from.

Bad input is bounded before libcst sees it: files over ``MAX_PYTHON_BYTES`` and sources nested
deeper than the guard allows are refused with a SCAN001 reason and position; libcst's own syntax
errors are reported at CPython's position for the same error, which is exact where libcst's
native parser is known to be approximate.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.facts import FileFacts
from scanner.inputs import names
from scanner.inputs.guards import ParseFailure, check_python_structure
from scanner.inputs.python import gate
from scanner.model import Location, Suppression

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import libcst as cst
    from libcst.metadata import CodeRange

    from scanner.config import Config
    from scanner.inputs.python.positions import Place

    # How a lowered module (another language, spelled in Python) is seen: its nodes' positions
    # and text are the original source's (see scanner.inputs.typescript.lower).
    Positions = Mapping[cst.CSTNode, CodeRange]
    View = Callable[
        [Positions, Callable[[cst.CSTNode], str]], tuple[Positions, Callable[[cst.CSTNode], str]]
    ]

MAX_PYTHON_BYTES = 1_048_576
# What every suppression comment says, whatever its case: a comment without it is not one.
SUPPRESSION_WORD = "dsql-scan"
SUPPRESSION = re.compile(
    rf"^#+\s*{re.escape(SUPPRESSION_WORD)}\s*:\s*ignore\[([^\]]*)\](.*)$", re.IGNORECASE
)
REASON_PUNCTUATION = ":-\u2013\u2014 \t"
CDK_ROOT = "aws_cdk"


def _syntax_failure(text: str, error: Exception) -> ParseFailure:
    """The position and message of a syntax error, as CPython reports it when it agrees."""
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except SyntaxError as exc:
        return ParseFailure(f"syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1)
    except (RecursionError, MemoryError, ValueError):
        pass
    message = getattr(error, "message", "") or str(error).splitlines()[0]
    line = getattr(error, "raw_line", 1)
    column = getattr(error, "raw_column", 0) + 1
    return ParseFailure(f"syntax error: {message}", line, column)


def _check_size(text: str) -> None:
    """Over ``MAX_PYTHON_BYTES`` a module is refused, whichever parser would read it."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_PYTHON_BYTES:
        raise ParseFailure(
            f"Python file is {size:,} bytes, over the {MAX_PYTHON_BYTES:,}-byte limit for "
            "Python analysis (exclude generated files in the configuration)"
        )


def _guard(text: str) -> None:
    """The size and depth guards every libcst parse goes through (CPython's parser bounds its
    own nesting and raises; libcst's native parser can overflow its stack instead)."""
    _check_size(text)
    check_python_structure(text)


def cpython_accepts(text: str) -> bool:
    """Does the running interpreter's own parser accept the module (no code is run)?"""
    return cpython_tree(text) is not None


def parse(text: str) -> cst.Module:
    """Parse with libcst after the size and depth guards; raise ParseFailure with a position."""
    _guard(text)
    import libcst as cst

    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise _syntax_failure(text, exc) from None
    except RecursionError:
        raise ParseFailure("source nested too deeply to parse") from None
    except Exception as exc:  # libcst's native parser raises others on rare valid inputs
        raise _syntax_failure(text, exc) from None


def kind_of(imports: set[str]) -> str:
    """``cdk`` when the module imports aws_cdk in any style, else application code."""
    return "cdk" if any(i == CDK_ROOT or i.startswith(CDK_ROOT + ".") for i in imports) else "app"


def _next_code_line(lines: list[str], line: int, markers: tuple[str, ...] = ("#",)) -> int:
    """The first line after ``line`` that holds code (skipping blank and comment-only lines)."""
    for number in range(line + 1, len(lines) + 1):
        stripped = lines[number - 1].strip()
        if stripped and not stripped.startswith(markers):
            return number
    return line + 1


def suppressions_of(
    comment: str, location: Location, lines: list[str], markers: tuple[str, ...] = ("#",)
) -> list[Suppression]:
    """``# dsql-scan: ignore[RDS001, RDS005] reason``: a trailing comment covers its own line,
    a comment on a line of its own covers the next line of code. Each id is its own
    suppression, so an id in the list that hides nothing is reported as stale (SCAN002)."""
    match = SUPPRESSION.match(comment.strip())
    if match is None:
        return []
    rules = dict.fromkeys(r.strip().upper() for r in match.group(1).split(",") if r.strip())
    reason = match.group(2).strip().lstrip(REASON_PUNCTUATION).strip()
    line = location.line
    before = lines[line - 1][: location.column - 1] if 0 < line <= len(lines) else ""
    covered = (line, line) if before.strip() else (line + 1, _next_code_line(lines, line, markers))
    return [
        Suppression(rules=(rule,), reason=reason, location=location, lines=covered)
        for rule in rules
    ]


def parser_free(path: Path) -> bool:
    """Whether the module at ``path`` is judged without libcst (see ``scanner.inputs.python.gate``):
    a hint for what a run imports ahead. An unreadable file is not: its failure goes the usual
    way."""
    try:
        with path.open("rb") as handle:
            text = handle.read(MAX_PYTHON_BYTES + 1).decode("utf-8", "replace")
    except OSError:
        return False
    verdict = gate.by_words(text, str(path))
    if verdict is True or verdict is False:
        return not verdict
    tree = cpython_tree(text)
    return tree is not None and not gate.by_syntax(tree, verdict)


def inert(text: str, path: str = "") -> bool:
    """True when the module's words alone show it cannot hold a fact a rule reads."""
    return gate.by_words(text, path) is False


def cpython_tree(text: str) -> ast.Module | None:
    """CPython's syntax tree of the module, None when its parser refuses it (no code is run)."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def facts_of(
    text: str, path: str, config: Config | None = None, in_app: bool = True
) -> tuple[FileFacts, tuple[Suppression, ...]]:
    """Facts and suppressions of one module's source; ParseFailure when it cannot be read.

    CPython's parser checks every module's syntax first, in a few milliseconds and without
    importing libcst (which alone costs a pre-commit run about 0.15 s); a module without evidence
    that it can matter (``scanner.inputs.python.gate``) stops there. When CPython refuses a
    module, libcst decides, exactly as for any other module: it also accepts syntax newer than
    the interpreter running the scan, and such a module is then analysed. ``in_app``: the
    module lies in a CDK app (see ``gate.by_words``); unknown, it is assumed to.
    """
    _check_size(text)
    verdict = gate.by_words(text, path, config, in_app)
    tree = cpython_tree(text)  # also where each statement starts (``positions``)
    if verdict is not True:
        if tree is None:  # CPython refuses it: libcst decides, and its words alone judge it
            module = parse(text)
            return extract(module, path, text) if verdict else _nothing(path)
        if not (verdict and gate.by_syntax(tree, verdict)):
            return _nothing(path)
    places = _places(tree)
    tree = None  # freed before libcst's tree is built
    return extract(parse(text), path, text, places)


def _places(tree: ast.Module | None) -> tuple[Place, ...] | None:
    from scanner.inputs.python.positions import places_of

    return None if tree is None else places_of(tree)


def _nothing(path: str) -> tuple[FileFacts, tuple[Suppression, ...]]:
    return FileFacts(kind="app", path=path), ()


def extract(
    module: cst.Module, path: str, text: str, places: tuple[Place, ...] | None = None
) -> tuple[FileFacts, tuple[Suppression, ...]]:
    """Facts and suppressions of one parsed module (``places``: where CPython's tree of the same
    text puts its statements, which places those the facts point into; without them, libcst
    places every node)."""
    from scanner import fastpaths

    try:
        with fastpaths.walks_in_place():  # every walk below only reads the tree
            return _extract(module, path, text, places=places)
    except RecursionError:
        raise ParseFailure("source nested too deeply to analyse") from None


def extract_lowered(
    module: cst.Module, path: str, text: str, view: View
) -> tuple[FileFacts, tuple[Suppression, ...]]:
    """Facts of a module lowered from another language (``view`` maps it back to its source);
    its statements are placed as a Python module's, in the lowered text."""
    from scanner import fastpaths

    try:
        with fastpaths.walks_in_place():
            return _extract(module, path, text, view, _places(cpython_tree(text)))
    except RecursionError:
        raise ParseFailure("source nested too deeply to analyse") from None


def _extract(
    module: cst.Module,
    path: str,
    text: str,
    view: View | None = None,
    places: tuple[Place, ...] | None = None,
) -> tuple[FileFacts, tuple[Suppression, ...]]:
    from scanner import fastpaths
    from scanner.inputs.python.app import AppCollector
    from scanner.inputs.python.cdk import TargetCollector
    from scanner.inputs.python.facts import FactCollector
    from scanner.inputs.python.locations import Locator
    from scanner.inputs.python.positions import Noting, StatementPositions
    from scanner.inputs.python.sql import SqlCollector
    from scanner.inputs.python.symbols import SymbolCollector
    from scanner.inputs.python.values import BindingCollector, Bindings, Evaluator
    from scanner.inputs.python.walk import Together

    scopes = fastpaths.scopes_of(module)  # libcst's scope analysis, in one walk
    bindings = Bindings()
    walk = (Together if places is None else Noting)(BindingCollector(bindings))
    module.visit(walk)  # the other collectors resolve names through the bindings
    code_for = module.code_for_node
    if places is None:
        positions = fastpaths.positions_of(module)  # libcst's, without an extra walk
    else:  # each statement placed when a fact points into it
        whole = lambda: fastpaths.positions_of(module)  # noqa: E731
        owners = walk.owners  # type: ignore[attr-defined]
        positions = StatementPositions(module, places, text, owners, whole)
    if view is not None:  # a lowered module: positions and text are its source's
        positions, code_for = view(positions, code_for)
    evaluator = Evaluator(scopes, positions, bindings, code_for)  # type: ignore[arg-type]
    kind = kind_of(bindings.imports)
    uses_rds = any(i.startswith(CDK_ROOT + ".aws_rds") for i in bindings.imports)
    locator = Locator(positions, code_for, path)  # type: ignore[arg-type]
    symbols = SymbolCollector(evaluator)  # a props module need not import aws_cdk
    collector = FactCollector(evaluator, locator, uses_rds, symbols if kind == "cdk" else None)
    targets = TargetCollector(evaluator, locator)
    application = AppCollector(evaluator, locator)
    sql = SqlCollector(evaluator, locator)
    per_kind = (targets,) if kind == "cdk" else (application, sql)
    module.visit(Together(symbols, *per_kind, collector))
    lines = text.splitlines()
    suppressions = tuple(
        found
        for comment in collector.comments
        if SUPPRESSION_WORD in comment.value.lower()  # the others are not even located
        for found in suppressions_of(comment.value, locator.location(comment), lines)
    )
    facts = FileFacts(
        kind=kind,
        path=path,
        resources=tuple(collector.resources),
        engines=tuple(collector.engines),
        credentials=tuple(collector.credentials),
        statements=collector.iam_statements(),
        grants=tuple(collector.grants),
        ingress=tuple(collector.ingress),
        sinks=tuple(collector.sinks),
        api_calls=tuple(collector.api_calls),
        hosts=tuple(collector.hosts),
        construct_ids=tuple(collector.construct_ids) if kind == "cdk" else (),
        env_reads=tuple(collector.env_reads),
        clusters=tuple(targets.clusters),
        compute=targets.compute(),
        roles=tuple(targets.roles.values()),
        tables=targets.tables.tables(),
        connections=tuple(application.connections),
        token_calls=tuple(application.token_calls),
        functions=application.summaries(),
        config_types=tuple(application.config_types),
        sql=tuple(sql.snippets),
        # a package's __init__ or a folder's index (a barrel) passes on what it re-exports
        symbol_links=(
            symbols.links()
            if kind == "cdk" or application.config_types or names.is_package(path)
            else ()
        ),
    )
    return facts, suppressions
