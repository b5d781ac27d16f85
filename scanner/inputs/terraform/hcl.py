"""Terraform's syntax as a small typed model: blocks, attributes and expressions, each located.

python-hcl2 parses HCL with a lark grammar; its dictionary output turns expressions back into
strings and forgets where they were, so this module reads the raw lark tree
(``hcl2.api.parses_to_tree``), in which every rule and token keeps its line and column. A
``.tf.json`` file is the same configuration in JSON: cfn-lint's JSON decoder (which marks every
value with its position) reads it, and each string, which JSON configurations write as an HCL
template (``"${aws_rds_cluster.main.endpoint}"``), is parsed by the same grammar.

The model keeps what the lowering needs (``scanner.inputs.terraform.lower``): literals,
templates, references (``aws_rds_cluster.main.endpoint`` as a tuple of parts), function calls,
collections, conditionals; every other expression (``for``, arithmetic) is ``Other`` with the
expressions it is made of, so that what it refers to is still known.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from scanner.inputs.guards import ParseFailure

MAX_DEPTH = 200  # nesting of expressions and blocks; deeper configurations are refused
# A line holding one word (a heredoc's closing marker, perhaps) followed by spaces or tabs.
MARKER_WITH_SPACES = re.compile(r"^([ \t]*[A-Za-z_][\w-]*)[ \t]+(\r?)$", re.MULTILINE)


@dataclass(frozen=True)
class Span:
    """Where a node is: 1-based lines and columns, the end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Literal:
    value: str | int | float | bool | None
    span: Span


@dataclass(frozen=True)
class Template:
    """A string with interpolations: literal text and expressions, in order."""

    parts: tuple[str | Expr, ...]
    span: Span


@dataclass(frozen=True)
class Reference:
    """A traversal: ``var.port`` is ("var", "port"); an index is an int, a splat "*", an index
    that is computed "?"."""

    parts: tuple[str | int, ...]
    span: Span


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True)
class Sequence:
    items: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True)
class Mapping:
    """An object: keys are expressions (a bare word is a Literal), values expressions."""

    items: tuple[tuple[Expr, Expr], ...]
    span: Span


@dataclass(frozen=True)
class Conditional:
    condition: Expr
    then: Expr
    otherwise: Expr
    span: Span


@dataclass(frozen=True)
class Other:
    """An expression whose value is not computed here (arithmetic, comparisons, ``for``)."""

    operands: tuple[Expr, ...]
    span: Span


Expr = Literal | Template | Reference | Call | Sequence | Mapping | Conditional | Other


@dataclass(frozen=True)
class Attribute:
    name: str
    value: Expr
    span: Span  # the whole ``name = value``


@dataclass(frozen=True)
class Block:
    """``resource "aws_rds_cluster" "main" { ... }``: type "resource", labels, body, and the
    span of its header (from the type keyword to the opening brace's line)."""

    type: str
    labels: tuple[str, ...]
    body: Body
    span: Span


@dataclass(frozen=True)
class Body:
    attributes: tuple[Attribute, ...] = ()
    blocks: tuple[Block, ...] = ()

    def get(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name == name), None)

    def blocks_of(self, kind: str) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.type == kind)


@dataclass(frozen=True)
class Comment:
    text: str  # without its marker
    line: int
    column: int


@dataclass(frozen=True)
class Config:
    """One parsed file: its top-level body and its comments."""

    body: Body
    comments: tuple[Comment, ...] = field(default=())


# --- HCL -------------------------------------------------------------------------------------


def parse(text: str) -> Config:
    """A ``.tf`` file's model; ParseFailure (SCAN001) where the grammar stops.

    A file the grammar refuses is tried once more with the spaces after a lone word at the end
    of a line removed: Terraform ends a heredoc at its closing marker followed by spaces
    (``EOF  ``), python-hcl2 does not (its issue 343), and such files are in real modules. Only
    line ends change, so every position is the same; when the second try fails too, the first
    error is the file's SCAN001."""
    from lark.exceptions import LarkError, UnexpectedInput

    try:
        tree = _tree(text)
    except (UnexpectedInput, LarkError) as error:
        trimmed = MARKER_WITH_SPACES.sub(r"\1\2", text)
        try:
            if trimmed == text:
                raise
            tree = _tree(trimmed)
        except (UnexpectedInput, LarkError):
            if isinstance(error, UnexpectedInput):
                raise ParseFailure(_syntax_error(error), error.line, error.column) from None
            raise ParseFailure(f"syntax error: {str(error).splitlines()[0][:200]}") from None
    reader = _Reader()
    body = reader.body(tree.children[0], 0)
    return Config(body, tuple(reader.comments))


def _tree(text: str) -> Any:
    from hcl2.api import parses_to_tree

    try:
        return parses_to_tree(text)
    except RecursionError:
        raise ParseFailure(f"nested too deeply to analyse (over {MAX_DEPTH} levels)") from None


def _syntax_error(error: Any) -> str:
    token = getattr(error, "token", None)
    if token is not None and getattr(token, "type", "") == "$END":
        return "syntax error: unexpected end of file"
    if token is not None:
        shown = str(token).strip().splitlines()[0][:40] if str(token).strip() else "newline"
        return f"syntax error: unexpected '{shown}'"
    return "syntax error: unexpected character"


def _span(node: Any) -> Span:
    meta = getattr(node, "meta", None)
    if meta is not None and not getattr(meta, "empty", True):
        return Span(meta.line, meta.column, meta.end_line, meta.end_column)
    line = getattr(node, "line", None) or 1
    column = getattr(node, "column", None) or 1
    end_line = getattr(node, "end_line", None) or line
    end_column = getattr(node, "end_column", None) or column
    return Span(line, column, end_line, end_column)


def _is(node: Any, name: str) -> bool:
    return getattr(node, "data", None) == name


def _trees(node: Any) -> list[Any]:
    return [c for c in node.children if hasattr(c, "data")]


class _Reader:
    """Turns the lark tree into the model; collects comments on the way."""

    def __init__(self, origin: Span | None = None, base: Span | None = None) -> None:
        self.comments: list[Comment] = []
        self.origin = origin  # a template parsed out of a string: every part at the string
        self.base = base  # text parsed after "x = ": where its first character is in the file

    def located(self, node: Any) -> Span:
        if self.origin is not None:
            return self.origin
        span = _span(node)
        if self.base is None:
            return span
        return Span(
            *self._moved(span.line, span.column), *self._moved(span.end_line, span.end_column)
        )

    def _moved(self, line: int, column: int) -> tuple[int, int]:
        assert self.base is not None
        if line == 1:
            return self.base.line, self.base.column + column - 1 - len(PREFIX)
        return self.base.line + line - 1, column

    def body(self, node: Any, depth: int) -> Body:
        _check(depth, node)
        attributes: list[Attribute] = []
        blocks: list[Block] = []
        for child in node.children:
            if _is(child, "attribute"):
                name = _word(child.children[0])
                value = self.expr(child.children[-1], depth + 1)
                attributes.append(Attribute(name, value, self.located(child)))
            elif _is(child, "block"):
                blocks.append(self.block(child, depth + 1))
            elif _is(child, "new_line_or_comment"):
                self._comments(child)
        return Body(tuple(attributes), tuple(blocks))

    def block(self, node: Any, depth: int) -> Block:
        _check(depth, node)
        header = [c for c in node.children if hasattr(c, "data") and not _is(c, "body")]
        header = [c for c in header if not _is(c, "new_line_or_comment")]
        inner = next(c for c in node.children if _is(c, "body"))
        kind = _word(header[0])
        labels = tuple(_label(c) for c in header[1:])
        start = _span(node)
        brace = next((c for c in node.children if getattr(c, "type", "") == "LBRACE"), None)
        end_line = getattr(brace, "line", start.line) or start.line
        end_column = (getattr(brace, "column", 0) or 0) + 1
        span = Span(start.line, start.column, end_line, end_column)
        for child in node.children:
            if _is(child, "new_line_or_comment"):
                self._comments(child)
        return Block(kind, labels, self.body(inner, depth + 1), span)

    def _comments(self, node: Any) -> None:
        for token in node.children:
            text = str(token)
            offset = 0
            while offset < len(text):
                hit = min(
                    (i for i in (text.find("#", offset), text.find("//", offset)) if i >= 0),
                    default=-1,
                )
                block = text.find("/*", offset)
                if block >= 0 and (hit < 0 or block < hit):
                    hit = block
                if hit < 0:
                    break
                line = token.line + text.count("\n", 0, hit)
                column = (
                    hit
                    - (text.rfind("\n", 0, hit) + 1)
                    + (token.column if line == token.line else 1)
                )
                if text.startswith("/*", hit):
                    end = text.find("*/", hit + 2)
                    end = len(text) if end < 0 else end + 2
                    body = text[hit + 2 : end - 2]
                else:
                    end = text.find("\n", hit)
                    end = len(text) if end < 0 else end
                    body = text[hit + (1 if text[hit] == "#" else 2) : end]
                self.comments.append(Comment(body.strip(), line, column))
                offset = end

    def expr(self, node: Any, depth: int) -> Expr:
        _check(depth, node)
        span = self.located(node)
        kind = getattr(node, "data", None)
        if kind is None:  # a bare token
            return Literal(str(node), span)
        children = _trees(node)
        if kind == "expr_term":
            if len(children) == 1:
                return self.expr(children[0], depth + 1)
            return Other(tuple(self.expr(c, depth + 1) for c in children), span)
        if kind == "int_lit":
            return Literal(int(str(node.children[0])), span)
        if kind == "float_lit":
            return Literal(float(str(node.children[0])), span)
        if kind == "literal_value":
            word = str(node.children[0])
            return Literal({"true": True, "false": False}.get(word), span)
        if kind == "string":
            return self.template(node, depth, span)
        if kind in ("heredoc_template", "heredoc_template_trim"):
            return self.heredoc(node, depth, span)
        if kind in ("identifier", "keyword"):
            return Reference((_word(node),), span)
        if kind in ("get_attr_expr_term", "index_expr_term", "attr_splat_expr_term",
                    "full_splat_expr_term"):  # fmt: skip
            return self.traversal(node, depth, span)
        if kind == "function_call":
            names = [_word(c) for c in children if _is(c, "identifier")]
            arguments = next((c for c in children if _is(c, "arguments")), None)
            args = tuple(self.expr(a, depth + 1) for a in _trees(arguments)) if arguments else ()
            args = tuple(a for a in args if not _is_noise(a))
            return Call("::".join(names), args, span)
        if kind == "tuple":
            items = tuple(self.expr(c, depth + 1) for c in children)
            return Sequence(tuple(i for i in items if not _is_noise(i)), span)
        if kind == "object":
            items = []
            for element in (c for c in children if _is(c, "object_elem")):
                key_node, value_node = _trees(element)[0], _trees(element)[-1]
                key = self.expr(_trees(key_node)[0], depth + 1)
                if isinstance(key, Reference) and len(key.parts) == 1:
                    key = Literal(str(key.parts[0]), key.span)  # a bare word is its own name
                items.append((key, self.expr(value_node, depth + 1)))
            return Mapping(tuple(items), span)
        if kind == "conditional":
            parts = [self.expr(c, depth + 1) for c in children]
            parts = [p for p in parts if not _is_noise(p)]
            if len(parts) == 3:
                return Conditional(parts[0], parts[1], parts[2], span)
        if kind == "new_line_or_comment":
            return Other((), span)
        if kind == "unary_op" and str(node.children[0]) == "-":
            operand = self.expr(children[0], depth + 1)
            if isinstance(operand, Literal) and isinstance(operand.value, int | float):
                return Literal(-operand.value, span)
        operands = tuple(self.expr(c, depth + 1) for c in children)
        return Other(tuple(o for o in operands if not _is_noise(o)), span)

    def template(self, node: Any, depth: int, span: Span) -> Expr:
        parts: list[str | Expr] = []
        for part in node.children:
            if not _is(part, "string_part"):
                continue
            inner = part.children[0]
            if _is(inner, "interpolation"):
                parts.append(self.expr(_trees(inner)[0], depth + 1))
            elif hasattr(inner, "data"):
                parts.append(Other((), self.located(inner)))  # a %{ if } / %{ for } directive
            else:
                text = str(inner)
                if getattr(inner, "type", "") in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                    text = text[1:]
                parts.append(_unescape(text))
        if all(isinstance(p, str) for p in parts):
            return Literal("".join(parts), span)  # type: ignore[arg-type]
        return Template(tuple(parts), span)

    def heredoc(self, node: Any, depth: int, span: Span) -> Expr:
        """``<<EOT ... EOT``: the body is a template; the grammar keeps it as one token."""
        raw = str(node.children[0])
        first_newline = raw.find("\n")
        body = raw[first_newline + 1 :]
        body = body[: body.rstrip().rfind("\n") + 1] if "\n" in body.rstrip() else ""
        if node.data == "heredoc_template_trim":
            body = _dedent(body)
        start = Span(span.line + 1, 1, span.end_line, span.end_column)
        if body.lstrip().startswith(("{", "[")) and node.data == "heredoc_template":
            document = parse_expression(body, start, depth)
            if isinstance(document, Mapping | Sequence):
                return document  # JSON (a policy, container definitions), every value located
        if "${" not in body:
            return Literal(body, start)
        parsed = template_text(body, start, depth)
        return parsed if isinstance(parsed, Literal | Template) else Literal(body, start)

    def traversal(self, node: Any, depth: int, span: Span) -> Expr:
        """``a.b[0].c``, ``a.*.id``: a Reference when it starts at a name, else Other."""
        steps: list[str | int] = []
        current = node
        while True:
            kind = getattr(current, "data", None)
            if kind == "expr_term" and len(_trees(current)) == 1:
                current = _trees(current)[0]
                continue
            if kind in ("get_attr_expr_term", "index_expr_term", "attr_splat_expr_term",
                        "full_splat_expr_term"):  # fmt: skip
                base, step = _trees(current)[0], _trees(current)[-1]
                steps[:0] = _steps(step)
                current = base
                continue
            break
        if _is(current, "identifier") or _is(current, "keyword"):
            return Reference((_word(current), *steps), span)
        return Other((self.expr(current, depth + 1),), span)


def _steps(step: Any) -> list[str | int]:
    kind = step.data
    if kind == "get_attr":
        return [_word(_trees(step)[0])]
    if kind == "short_index":
        return [int(str(step.children[-1]))]
    if kind == "braces_index":
        inner = _trees(step)[0]
        while _is(inner, "expr_term") and len(_trees(inner)) == 1:
            inner = _trees(inner)[0]
        if _is(inner, "int_lit"):
            return [int(str(inner.children[0]))]
        if _is(inner, "string") and all(
            _is(p, "string_part") and not hasattr(p.children[0], "data") for p in _trees(inner)
        ):
            return ["".join(str(p.children[0]) for p in _trees(inner))]
        return ["?"]
    if kind in ("attr_splat", "full_splat"):
        rest: list[str | int] = ["*"]
        for child in _trees(step):
            rest += _steps(child)
        return rest
    return ["?"]


def _word(node: Any) -> str:
    while hasattr(node, "data"):
        if not node.children:
            return ""
        node = node.children[0]
    return str(node)


def _label(node: Any) -> str:
    if _is(node, "string"):
        return "".join(
            _word(p)
            for p in node.children
            if _is(p, "string_part") and not hasattr(p.children[0], "data")
        )
    return _word(node)


def _is_noise(expr: Expr) -> bool:
    """Newlines, comments and operator tokens: an ``Other`` made of nothing."""
    return isinstance(expr, Other) and not expr.operands


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    try:
        return json.loads('"' + text.replace('"', '\\"').replace('\\\\"', '\\"') + '"')
    except ValueError:
        return text


def _dedent(body: str) -> str:
    lines = body.split("\n")
    widths = [len(x) - len(x.lstrip(" \t")) for x in lines if x.strip()]
    cut = min(widths, default=0)
    return "\n".join(x[cut:] for x in lines)


def _check(depth: int, node: Any) -> None:
    if depth > MAX_DEPTH:
        span = _span(node)
        raise ParseFailure(
            f"nested too deeply to analyse (over {MAX_DEPTH} levels)", span.line, span.column
        )


def template_text(text: str, span: Span, depth: int = 0) -> Expr:
    """A string's text read as an HCL template (``"${aws_rds_cluster.main.endpoint}"``), every
    part located at ``span``: how JSON configurations and heredocs write expressions."""
    if "${" not in text:
        return Literal(text, span)
    from hcl2.api import parses_to_tree
    from lark.exceptions import LarkError

    quoted = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    try:
        tree = parses_to_tree(f'x = "{quoted}"')
    except (LarkError, RecursionError):
        return Literal(text, span)
    attribute = next(c for c in tree.children[0].children if _is(c, "attribute"))
    return _Reader(span).expr(attribute.children[-1], depth + 1)


# --- JSON ------------------------------------------------------------------------------------

PREFIX = "x = "  # what makes a text an attribute, for the grammar to read it as an expression


def parse_expression(text: str, base: Span, depth: int = 0) -> Expr | None:
    """``text`` read as one HCL expression whose first character is at ``base``; None when it
    is not one. JSON is HCL's expression syntax too (objects, arrays, strings that may hold
    ``${...}``), so a JSON policy in a heredoc, or a whole ``.tf.json`` file, is read by the
    same grammar, every value at its own line and column."""
    from hcl2.api import parses_to_tree
    from lark.exceptions import LarkError

    try:
        tree = parses_to_tree(PREFIX + text)
    except (LarkError, RecursionError):
        return None
    attributes = [c for c in tree.children[0].children if _is(c, "attribute")]
    if len(attributes) != 1:
        return None
    return _Reader(base=base).expr(attributes[0].children[-1], depth + 1)


# Blocks whose JSON object nests labels before the body, by how many labels they take.
JSON_LABELS = {
    "resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "provider": 1,
    "locals": 0, "terraform": 0,
}  # fmt: skip
# Nested blocks the lowering reads by name (``environment { variables = ... }``): in JSON they
# are objects (or lists of objects), told from attributes of object type by where they appear.
NESTED_BLOCKS = {
    "environment": "resource",
    "ingress": "resource",
    "egress": "resource",
    "inline_policy": "resource",
    "multi_region_properties": "resource",
    "statement": "data",
    "principals": "statement",
    "condition": "statement",
}


def parse_json(text: str) -> Config:
    """A ``.tf.json`` file's model: objects of blocks keyed by their labels."""
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        raise ParseFailure(f"invalid JSON: {error.msg}", error.lineno, error.colno) from None
    except RecursionError:
        raise ParseFailure(f"nested too deeply to analyse (over {MAX_DEPTH} levels)") from None
    document = parse_expression(text, Span(1, 1, 1, 1))
    if not isinstance(document, Mapping):
        raise ParseFailure("a Terraform JSON configuration is an object")
    return Config(_json_body(document, 0))


def _key(expr: Expr) -> str:
    return str(expr.value) if isinstance(expr, Literal) else ""


def _json_body(document: Mapping, depth: int, kind: str = "") -> Body:
    _check(depth, document)
    attributes: list[Attribute] = []
    blocks: list[Block] = []
    for key, value in document.items:
        name = _key(key)
        if not kind and name in JSON_LABELS:
            blocks.extend(_json_blocks(name, value, JSON_LABELS[name], (), depth + 1))
        elif kind and NESTED_BLOCKS.get(name) == kind and _objects(value):
            for item in _objects(value):
                blocks.append(Block(name, (), _json_body(item, depth + 1, name), item.span))
        elif name:
            attributes.append(Attribute(name, value, key.span))
    return Body(tuple(attributes), tuple(blocks))


def _objects(value: Expr) -> list[Mapping]:
    """A nested block's JSON: one object or a list of objects (else it is an attribute)."""
    items = list(value.items) if isinstance(value, Sequence) else [value]
    return items if items and all(isinstance(i, Mapping) for i in items) else []  # type: ignore[return-value]


def _json_blocks(
    kind: str, value: Expr, labels: int, given: tuple[str, ...], depth: int
) -> Iterator[Block]:
    _check(depth, value)
    for item in _objects(value):
        if len(given) < labels:
            for key, inner in item.items:
                yield from _json_blocks(kind, inner, labels, (*given, _key(key)), depth + 1)
        else:
            yield Block(kind, given, _json_body(item, depth, kind), item.span)
