"""Terraform expressions as CloudFormation values, each marked with where it was written.

The template extractor (``scanner.inputs.cloudformation.template``) reads values the way
cfn-lint decodes them: strings, numbers, mappings and lists carrying ``start_mark`` and
``end_mark``, and intrinsic functions for what is computed. A Terraform value is turned into
the same shapes, so the extractor's reading of references, ARNs, ports and secrets serves
Terraform unchanged:

- ``aws_rds_cluster.main.endpoint`` -> ``{"Fn::GetAtt": ["aws_rds_cluster.main", "endpoint"]}``
  (a resource of another module is named ``<module dir>//<address>``, see ``qualified``);
- ``var.x`` and ``local.x`` -> their value (tfvars, default, definition), marked where they
  are used: a finding belongs to the file and line that uses the value;
- ``"${a}:${b}"`` -> ``Fn::Join``; ``jsonencode(x)`` -> x; a condition -> ``Fn::If``;
- anything not computed here (``terraform.workspace``, ``each.key``, a data source, a function)
  -> a ``Ref`` to a name no template declares, or an ``Fn::Terraform`` wrapping the values it is
  made of: unknown to every check (never guessed into a finding), while what it refers to is
  still followed (a leak through ``coalesce(aws_rds_cluster.main.endpoint, "")`` is a leak).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scanner.inputs.terraform import hcl
from scanner.inputs.terraform.scope import Scope

MAX_DEPTH = 40  # variables, locals and module outputs followed through each other
MAX_VALUE_NODES = 10_000  # one variable's, local's or output's lowered value
MAX_STEPS = 500_000  # expressions lowered per module and file; past it values are unknown
UNKNOWN = "Fn::Terraform"  # the key of a computed value (an intrinsic no template uses)
QUALIFIER = "//"  # "<module dir>//<address>": a resource another module declares
# Attributes whose CloudFormation name the checks read (a DSQL cluster's endpoint-giving
# ``Identifier``, its ``ResourceArn``); others keep Terraform's name, which messages show.
ATTRIBUTES = {
    "aws_dsql_cluster": {
        "identifier": "Identifier",
        "arn": "ResourceArn",
        "vpc_endpoint_service_name": "VpcEndpointServiceName",
        "endpoint": "Endpoint",
    },
}
# Arguments a resource's attribute of the same name echoes, followed to their value: an
# instance's ``engine = aws_rds_cluster.main.engine`` is the cluster's engine, a rule's
# ``from_port = aws_rds_cluster.main.port`` its port.
ARGUMENTS = frozenset({"engine", "engine_version", "engine_mode", "port"})
SECRET_VERSION = "aws_secretsmanager_secret_version"
RESOLVE, RESOLVED = "{{resolve:secretsmanager:", ":SecretString}}"  # a dynamic reference
# Top-level names that are not resource types.
NOT_RESOURCES = frozenset(
    {"var", "local", "module", "data", "each", "count", "self", "path", "terraform"}
)


@dataclass(frozen=True)
class Mark:
    """A position as cfn-lint's decoder gives it (0-based line and column)."""

    line: int
    column: int


class MStr(str):
    start_mark: Mark
    end_mark: Mark


class MInt(int):
    start_mark: Mark
    end_mark: Mark


class MFloat(float):
    start_mark: Mark
    end_mark: Mark


class MDict(dict):
    start_mark: Mark
    end_mark: Mark


class MList(list):
    start_mark: Mark
    end_mark: Mark


def marked(value: Any, span: hcl.Span) -> Any:
    """``value`` as a marked node at ``span`` (bools become "true"/"false", as YAML's do)."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    kind = {str: MStr, int: MInt, float: MFloat, dict: MDict, list: MList}.get(type(value))
    if kind is None:
        if isinstance(value, MStr | MInt | MFloat | MDict | MList):
            kind = type(value)
        else:
            return value
    node = kind(value)
    node.start_mark = Mark(span.line - 1, span.column - 1)
    node.end_mark = Mark(span.end_line - 1, span.end_column - 1)
    return node


def qualified(scope: Scope, address: str, home: Scope) -> str:
    """An address as the analysed module names it: its own as is, another module's prefixed."""
    return address if scope is home else f"{scope.rel}{QUALIFIER}{address}"


def split_qualified(name: str) -> tuple[str, str]:
    """(module dir, address) of a qualified name; ("", name) for the analysed module's own."""
    directory, sep, address = name.partition(QUALIFIER)
    return (directory, address) if sep else ("", name)


@dataclass
class Evaluator:
    """Lowers expressions of ``scope``; ``home`` is the module being analysed.

    ``foreign`` collects the resources of other modules that values refer to, by qualified
    name -> Terraform type, so that the lowering can declare them (their type is what makes a
    reference an RDS or DSQL one). ``typed`` names the resource types that are resources (a
    reference ``aws_x.y.z`` to a type not declared is still a resource when Terraform would
    read it so: any name with an underscore that is no keyword).
    """

    scope: Scope
    home: Scope
    foreign: dict[str, str]
    depth: int = 0
    # names being expanded (a local defined through itself stays unknown), and the steps left
    # for the whole file: shared, so that values referring to each other many times over
    # (local.a = [local.b, local.b], local.b = [local.c, local.c] ...) cost bounded time
    following: frozenset[tuple[str, str]] = frozenset()
    budget: list[int] = field(default_factory=lambda: [MAX_STEPS])
    # a name's value at a place, once: a local used three times by another, used three
    # times by a third... is lowered once per place, not once per path to it
    memo: dict[tuple[str, str, hcl.Span], Any] = field(default_factory=dict)

    def value(self, expr: hcl.Expr | None, at: hcl.Span | None = None) -> Any:
        """The CloudFormation-shaped value of ``expr`` (None when absent or ``null``);
        marked at ``at`` when given (a value read from elsewhere is located at its use)."""
        if expr is None:
            return None
        span = at or expr.span
        self.budget[0] -= 1
        if self.budget[0] < 0:
            return self.unknown([], span)
        if isinstance(expr, hcl.Literal):
            return marked(expr.value, span) if expr.value is not None else None
        if isinstance(expr, hcl.Template):
            return self._template(expr, span, at)
        if isinstance(expr, hcl.Reference):
            return self._reference(expr, span)
        if isinstance(expr, hcl.Call):
            return self._call(expr, span, at)
        if isinstance(expr, hcl.Sequence):
            return marked([self.value(item, at) for item in expr.items], span)
        if isinstance(expr, hcl.Mapping):
            return marked(self.mapping(expr, at), span)
        if isinstance(expr, hcl.Conditional):
            branches = [self.value(expr.then, at), self.value(expr.otherwise, at)]
            return marked({"Fn::If": ["terraform-condition", *branches]}, span)
        return self.unknown([self.value(o, at) for o in expr.operands], span)

    def mapping(self, expr: hcl.Mapping, at: hcl.Span | None = None) -> dict:
        found: dict = {}
        for key, item in expr.items:
            name = self.value(key, at)
            if isinstance(name, str):
                found[marked(str(name), at or key.span)] = self.value(item, at)
        return found

    def unknown(self, parts: list[Any], span: hcl.Span) -> Any:
        return marked({UNKNOWN: marked([p for p in parts if p is not None], span)}, span)

    def _template(self, expr: hcl.Template, span: hcl.Span, at: hcl.Span | None) -> Any:
        parts = [p if isinstance(p, str) else self.value(p, at) for p in expr.parts]
        if all(isinstance(p, str) for p in parts):
            return marked("".join(parts), span)
        if len(parts) == 1:
            return parts[0]
        pieces = [marked(p, span) if type(p) is str else p for p in parts if p != ""]
        return marked({"Fn::Join": ["", marked(pieces, span)]}, span)

    def _call(self, expr: hcl.Call, span: hcl.Span, at: hcl.Span | None) -> Any:
        name = expr.name.rsplit("::", 1)[-1]
        args = expr.args
        if name in ("jsonencode", "yamlencode", "tostring", "tolist", "toset", "tomap",
                    "sensitive", "nonsensitive") and len(args) == 1:  # fmt: skip
            return self.value(args[0], at)
        if name == "join" and len(args) == 2:
            separator, items = self.value(args[0], at), self.value(args[1], at)
            if isinstance(separator, str) and isinstance(items, list):
                return marked({"Fn::Join": [separator, items]}, span)
        if name == "jsondecode" and len(args) == 1 and isinstance(args[0], hcl.Literal):
            document = hcl.parse_expression(str(args[0].value), args[0].span)
            if document is not None:
                return self.value(document, at)
        return self.unknown([self.value(a, at) for a in args], span)

    def _reference(self, expr: hcl.Reference, span: hcl.Span) -> Any:
        parts = expr.parts
        head = str(parts[0])
        if head in ("var", "local") and len(parts) > 1:
            table = self.scope.variables if head == "var" else self.scope.locals
            found = table.get(str(parts[1]))
            key = (self.scope.namespace, f"{head}.{parts[1]}")
            if found is None or key in self.following:
                return self.opaque(expr, span)
            value = self._named(self.scope, key, found, span)
            return self._select(value, parts[2:], expr, span)
        if head == "module" and len(parts) > 2:
            return self._module_output(expr, span)
        if head == "data" and len(parts) > 2:
            return self._resource(f"data.{parts[1]}.{parts[2]}", parts[3:], span)
        if head in NOT_RESOURCES or "_" not in head or len(parts) < 2:
            return self.opaque(expr, span)
        return self._resource(f"{head}.{parts[1]}", parts[2:], span)

    def _resource(self, address: str, rest: tuple, span: hcl.Span) -> Any:
        if rest and (isinstance(rest[0], int) or rest[0] in ("*", "?")):
            rest = rest[1:]  # aws_x.y[0].arn, aws_x.y[*].arn: count/for_each instances
        if rest[:1] == ("secret_string",) and address.split(".")[-2] == SECRET_VERSION:
            return self._secret_text(address, span)
        name = qualified(self.scope, address, self.home)
        if self.scope is not self.home:
            self.foreign[name] = address.split(".")[-2]
        attribute = ".".join(str(p) for p in rest if p not in ("*", "?") and not isinstance(p, int))
        attribute = ATTRIBUTES.get(address.split(".")[-2], {}).get(attribute, attribute)
        if attribute in ARGUMENTS:
            argument = self._argument(address, attribute)
            if argument is not None:
                key = (self.scope.namespace, f"{address}.{attribute}")
                if key not in self.following:
                    return self._named(self.scope, key, argument, span)
        if not attribute:
            return marked({"Ref": marked(name, span)}, span)
        return _get_att(name, attribute, span)

    def _secret_text(self, address: str, span: hcl.Span) -> Any:
        """``secret_string`` of a secret version (resource or data source): the secret's plain
        text, written as CloudFormation writes it, a ``{{resolve:secretsmanager:...}}`` dynamic
        reference to the secret its ``secret_id`` names (the version itself when it names
        none). A value carrying it hands the secret's content over, not its ARN."""
        block = _block(self.scope, address)
        secret_id = block.body.get("secret_id") if block is not None else None
        if secret_id is not None:
            secret = self.value(secret_id.value, span)
        else:
            secret = self._resource(address, (), span)
        if isinstance(secret, str):
            return marked(f"{RESOLVE}{secret}{RESOLVED}", span)
        named = secret.get("Fn::GetAtt") if isinstance(secret, dict) else None
        if named and named[1] in ("id", "arn", "name"):  # the secret itself, as Ref names it
            secret = marked({"Ref": named[0]}, span)
        return dynamic_reference(secret, span)

    def _argument(self, address: str, name: str) -> hcl.Expr | None:
        """The argument ``name`` a resource of this module was given (its attribute's value)."""
        block = _block(self.scope, address)
        found = block.body.get(name) if block is not None and block.type == "resource" else None
        return found.value if found is not None else None

    def _module_output(self, expr: hcl.Reference, span: hcl.Span) -> Any:
        module, output = str(expr.parts[1]), str(expr.parts[2])
        child = self.scope.child(module)
        if child is not None and output in child.outputs:
            key = (child.namespace, f"output.{output}")
            if key in self.following:
                return self.opaque(expr, span)
            value = self._named(child, key, child.outputs[output], span)
            return self._select(value, expr.parts[3:], expr, span)
        if module in self.scope.modules:  # a registry module: the module is the resource
            name = qualified(self.scope, f"module.{module}", self.home)
            if self.scope is not self.home:
                self.foreign[name] = f"module:{module}"
            return _get_att(name, output, span)
        return self.opaque(expr, span)

    def _select(self, value: Any, rest: tuple, expr: hcl.Reference, span: hcl.Span) -> Any:
        """``var.db.port``: a key of a known object; anything else stays what it refers to."""
        for part in rest:
            if _has(value, part):
                value = value[part]
            elif isinstance(value, dict) and len(value) == 1 and not isinstance(part, int):
                continue  # a reference: its attribute is what it refers to
            else:
                return self.unknown([value], span)
        return value

    def _deeper(self, scope: Scope, key: tuple[str, str]) -> Evaluator:
        kind = _Opaque if self.depth >= MAX_DEPTH else Evaluator
        return kind(
            scope,
            self.home,
            self.foreign,
            self.depth + 1,
            self.following | {key},
            self.budget,
            self.memo,
        )

    def _named(self, scope: Scope, key: tuple[str, str], expr: hcl.Expr, span: hcl.Span) -> Any:
        """The value of a variable, local, output or argument ``key``, marked at ``span``."""
        memo_key = (*key, span)
        if memo_key not in self.memo:
            value = self._deeper(scope, key).value(expr, span)
            if _larger_than(value, MAX_VALUE_NODES):
                value = self.unknown([], span)  # built from itself many times over
            self.memo[memo_key] = value
        return self.memo[memo_key]

    def opaque(self, expr: hcl.Reference, span: hcl.Span) -> Any:
        text = ".".join(str(p) for p in expr.parts)
        return marked({"Ref": marked(text, span)}, span)


def _larger_than(value: Any, limit: int) -> bool:
    """Whether a lowered value has more than ``limit`` nodes (counting stops at the limit, so
    a value that shares its parts many times over costs ``limit`` steps, not its size)."""
    pending, seen = [value], 0
    while pending:
        node = pending.pop()
        seen += 1
        if seen > limit:
            return True
        if isinstance(node, dict):
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return False


def dynamic_reference(secret: Any, span: hcl.Span) -> Any:
    """``{{resolve:secretsmanager:<secret>:SecretString}}`` for a computed ``secret`` (a
    ``Ref`` to the secret resource): its content, read in plain text at deployment."""
    pieces = [marked(RESOLVE, span), secret, marked(RESOLVED, span)]
    return marked({"Fn::Join": ["", marked(pieces, span)]}, span)


def _get_att(name: str, attribute: str, span: hcl.Span) -> Any:
    """``{"Fn::GetAtt": [name, attribute]}`` with every part marked where the reference is, as
    cfn-lint marks a template's: whatever reads its strings (an ``engine`` that is another
    resource's) locates them at the reference, not at the top of the file."""
    parts = marked([marked(name, span), marked(attribute, span)], span)
    return marked({"Fn::GetAtt": parts}, span)


def _block(scope: Scope, address: str) -> hcl.Block | None:
    """The resource or data block ``address`` names in ``scope``."""
    found = scope.declared.get(address)
    return found[1] if found is not None else None


def _has(value: Any, part: str | int) -> bool:
    """Whether ``value[part]`` is a known key of a mapping or index of a list."""
    if isinstance(value, dict):
        return isinstance(part, str) and part in value
    return isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)


class _Opaque(Evaluator):
    """Past the depth limit (a variable defined through itself): nothing is known."""

    def value(self, expr: hcl.Expr | None, at: hcl.Span | None = None) -> Any:
        if expr is None:
            return None
        span = at or expr.span
        return marked({UNKNOWN: marked([], span)}, span)
