"""What a Python expression refers to, decided statically (a small abstract interpreter).

``cluster = rds.DatabaseCluster(self, "OrbitAurora", ...)`` followed by ``cluster.cluster_endpoint``
must be known to carry an RDS endpoint, and ``client = boto3.client("rds-data")`` followed (in
another function) by ``client.execute_statement(...)`` must be known to call the Data API. libcst's
scope analysis says which assignment a name refers to, through any nesting and ``global``; this
module adds what the right-hand side *is*, by the catalogue in ``python_catalog``. Nothing is ever
executed. An expression that cannot be resolved is ``None`` (unknown), which is different from a
value that is known to be something else (:class:`Opaque`, e.g. an instance of a local class that
merely shares a CDK class name).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import libcst as cst
from libcst.metadata import Assignment, ClassScope, CodeRange, FunctionScope, Scope

from scanner.facts import RDS_PREFIX, Target
from scanner.inputs import catalog

MAX_EVALUATION_DEPTH = 64  # aliases of aliases beyond this are left unresolved, not an error
T = TypeVar("T")
KNOWN_ROOTS = ("aws_cdk.", "constructs.", "boto3.", "botocore.", "aioboto3.", "os.", "mypy_boto3")


@dataclass(frozen=True, eq=False)
class Construct:
    """A CDK construct value. ``node`` (the creating expression) is its identity."""

    cfn_type: str
    qualified_name: str
    name: str
    node: cst.CSTNode
    port: int | None = None
    rds_secret: bool = False
    declared: bool = True
    db_shaped: bool = False  # a secret holding database credentials (username and password)

    @property
    def is_rds(self) -> bool:
        return self.cfn_type.startswith(RDS_PREFIX) or self.rds_secret

    def target(self, attribute: str = "") -> Target:
        if self.cfn_type == catalog.DSQL_CLUSTER:  # the names the project model links by
            head, dot, rest = attribute.partition(".")
            attribute = catalog.DSQL_ATTRIBUTES.get(head, head) + dot + rest
        return Target(self.name, self.cfn_type, attribute, self.rds_secret)


@dataclass(frozen=True)
class Reference:
    """An attribute of a construct (``cluster.cluster_endpoint.hostname``): refers to it."""

    owner: Construct
    attribute: str

    def target(self) -> Target:
        return self.owner.target(self.attribute)


@dataclass(frozen=True)
class Connections:
    """``x.connections``: security-group rules opened through it apply to ``owner``."""

    owner: Construct | None


@dataclass(frozen=True)
class Client:
    """A boto3/botocore client of one AWS service."""

    service: str


@dataclass(frozen=True)
class Session:
    """A boto3 session (its ``client(...)`` makes clients)."""


@dataclass(frozen=True)
class Engine:
    value: str


@dataclass(frozen=True)
class PortRange:
    protocol: str
    from_port: int | None
    to_port: int | None


@dataclass(frozen=True)
class Statement:
    """An ``iam.PolicyStatement`` value (for ``statement.add_actions(...)``)."""

    effect: str


@dataclass(frozen=True)
class Literal:
    value: str | int


@dataclass(frozen=True)
class Opaque:
    """Known, and none of the above: a local class instance, a call of an unrelated function."""

    qualified_name: str


Value = (
    Construct
    | Reference
    | Connections
    | Client
    | Session
    | Engine
    | PortRange
    | Statement
    | Literal
    | Opaque
    | None
)


@dataclass
class Bindings:
    """Where names get their values: collected in one pass before anything is evaluated."""

    targets: dict[cst.CSTNode, cst.BaseExpression] = field(default_factory=dict)
    annotations: dict[cst.Param, cst.BaseExpression] = field(default_factory=dict)
    attributes: dict[tuple[cst.ClassDef, str], list[cst.BaseExpression]] = field(
        default_factory=dict
    )
    imports: set[str] = field(default_factory=set)
    star_modules: list[str] = field(default_factory=list)
    endpoints: list[cst.Call] = field(default_factory=list)
    calls: list[cst.Call] = field(default_factory=list)  # calls of a dotted name, in order
    docstrings: set[cst.CSTNode] = field(default_factory=set)


def memoised(
    node: cst.CSTNode,
    known: dict[cst.CSTNode, T],
    active: set[cst.CSTNode],
    evaluate: Callable[[cst.CSTNode], T | None],
) -> T | None:
    """``evaluate(node)``, once per node; None inside a cycle (a name bound to itself, through
    any chain) or beyond ``MAX_EVALUATION_DEPTH`` nested evaluations."""
    if node in known:
        return known[node]
    if node in active or len(active) >= MAX_EVALUATION_DEPTH:
        return None
    active.add(node)
    try:
        result = evaluate(node)
    finally:
        active.discard(node)
    known[node] = result  # type: ignore[assignment]
    return result


def dotted_name(node: cst.BaseExpression) -> str:
    """``a.b.c`` for a Name/Attribute chain, "" for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else ""
    return ""


class BindingCollector(cst.CSTVisitor):
    """Records assignments (names, ``self.x`` and class attributes, ``with ... as``), imports,
    interface endpoints and docstrings: everything evaluation looks up later."""

    def __init__(self, bindings: Bindings) -> None:
        self.b = bindings
        self.blocks: list[cst.ClassDef | cst.FunctionDef] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.blocks.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.blocks.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.blocks.append(node)
        for param in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params):
            if param.annotation is not None:
                self.b.annotations[param] = param.annotation.annotation

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.blocks.pop()

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self.b.imports.add(dotted_name(alias.name))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = dotted_name(node.module) if node.module is not None else ""
        if not module:
            return
        self.b.imports.add(module)
        if isinstance(node.names, cst.ImportStar):
            self.b.star_modules.append(module)
            return
        for alias in node.names:
            self.b.imports.add(f"{module}.{dotted_name(alias.name)}")

    def _owner_of_self(self, name: cst.Name) -> cst.ClassDef | None:
        """The class whose instance ``name`` is: the first parameter of one of its methods."""
        if len(self.blocks) < 2:
            return None
        method, owner = self.blocks[-1], self.blocks[-2]
        if not isinstance(method, cst.FunctionDef) or not isinstance(owner, cst.ClassDef):
            return None
        params = (*method.params.posonly_params, *method.params.params)
        return owner if params and params[0].name.value == name.value else None

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.b.targets[target] = value
            if self.blocks and isinstance(self.blocks[-1], cst.ClassDef):
                key = (self.blocks[-1], target.value)
                self.b.attributes.setdefault(key, []).append(value)
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            owner = self._owner_of_self(target.value)
            if owner is not None:
                self.b.attributes.setdefault((owner, target.attr.value), []).append(value)
        elif (
            isinstance(target, cst.Tuple | cst.List)
            and isinstance(value, cst.Tuple | cst.List)
            and len(target.elements) == len(value.elements)
        ):
            for left, right in zip(target.elements, value.elements, strict=True):
                self._bind(left.value, right.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, node.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, node.value)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind(node.asname.name, node.item)

    def visit_Call(self, node: cst.Call) -> None:
        dotted = dotted_name(node.func)
        if dotted.endswith("InterfaceVpcEndpoint"):
            self.b.endpoints.append(node)
        if dotted:
            self.b.calls.append(node)

    def visit_Expr(self, node: cst.Expr) -> None:
        if isinstance(node.value, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString):
            self.b.docstrings.add(node.value)


class Evaluator:
    """Resolves expressions to values; memoised, cycle-safe, never executes anything."""

    def __init__(
        self,
        scopes: dict[cst.CSTNode, Scope],
        positions: dict[cst.CSTNode, CodeRange],
        bindings: Bindings,
        code_for: Callable[[cst.CSTNode], str],
    ) -> None:
        self.scopes = scopes
        self.positions = positions
        self.bindings = bindings
        self.code_for = code_for
        self._values: dict[cst.CSTNode, Value] = {}
        self._names: dict[cst.CSTNode, str] = {}
        self._active: set[cst.CSTNode] = set()
        self._dsql: tuple[set[cst.CSTNode], set[cst.CSTNode]] | None = None
        self._non_rds_secrets: set[cst.CSTNode] | None = None

    # -- qualified names -------------------------------------------------------------------

    def qualified(self, node: cst.CSTNode) -> str:
        """The catalogue-relevant qualified name of a Name/Attribute, "" when there is none."""
        if node not in self._names:
            self._names[node] = self._qualified(node)
        return self._names[node]

    def _qualified(self, node: cst.CSTNode) -> str:
        if not isinstance(node, cst.Name | cst.Attribute):
            return ""
        scope = self.scopes.get(node)
        if scope is None:
            return ""
        names = sorted(catalog.normalise(q.name) for q in scope.get_qualified_names_for(node))
        known = [n for n in names if n.startswith(KNOWN_ROOTS)]
        if known:
            return known[0]
        if names:
            return names[0]
        return self._star_qualified(node, scope)

    def _star_qualified(self, node: cst.Name | cst.Attribute, scope: Scope) -> str:
        """``from aws_cdk.aws_ec2 import *`` then ``Port.tcp``: try each star-imported module."""
        dotted = dotted_name(node)
        root = dotted.split(".", 1)[0]
        if not dotted or scope[root]:
            return ""
        for module in self.bindings.star_modules:
            candidate = catalog.normalise(f"{module}.{dotted}")
            if catalog.is_known(candidate):
                return candidate
        return ""

    # -- values ----------------------------------------------------------------------------

    def value(self, node: cst.CSTNode) -> Value:
        return memoised(node, self._values, self._active, self._evaluate)

    def _evaluate(self, node: cst.CSTNode) -> Value:
        if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
            text = node.evaluated_value
            return Literal(text) if isinstance(text, str) else None
        if isinstance(node, cst.Integer):
            try:
                return Literal(int(node.evaluated_value))
            except ValueError:
                return None
        if isinstance(node, cst.Name):
            return self._name(node)
        if isinstance(node, cst.Attribute):
            return self._attribute(node)
        if isinstance(node, cst.Call):
            return self._call(node)
        if isinstance(node, cst.Await):
            return self.value(node.expression)
        return None

    def _assignment_value(self, assignment: Assignment) -> cst.BaseExpression | None:
        node = assignment.node
        if isinstance(node, cst.Param):
            return self.bindings.annotations.get(node)
        return self.bindings.targets.get(node)

    def _start(self, node: cst.CSTNode) -> tuple[int, int]:
        position = self.positions.get(node)
        return (position.start.line, position.start.column) if position else (0, 0)

    def _binding(self, node: cst.Name) -> tuple[cst.CSTNode, cst.BaseExpression] | None:
        """(target, expression) of the assignment a name refers to here: the last one before
        this use in its scope chain, else the last one at all (a global assigned further down)."""
        scope = self.scopes.get(node)
        if scope is None:
            return None
        candidates = []
        for assignment in scope[node.value]:
            if isinstance(assignment, Assignment):
                bound = self._assignment_value(assignment)
                if bound is not None:
                    candidates.append((self._start(assignment.node), assignment.node, bound))
        if not candidates:
            return None
        candidates.sort(key=lambda c: c[0])
        use = self._start(node)
        before = [c for c in candidates if c[0] < use]
        _, target, bound = (before or candidates)[-1]
        return target, bound

    def binding(self, node: cst.Name) -> tuple[cst.CSTNode, cst.BaseExpression] | None:
        """(target, expression) of the assignment a name refers to here (see ``_binding``)."""
        return self._binding(node)

    def bound_expression(self, node: cst.Name) -> cst.BaseExpression | None:
        """The expression assigned to a name (not a parameter annotation), for dict lookups."""
        chosen = self._binding(node)
        return chosen[1] if chosen and not isinstance(chosen[0], cst.Param) else None

    def _name(self, node: cst.Name) -> Value:
        qualified = self.qualified(node)
        if qualified.startswith(KNOWN_ROOTS):
            return self._known_name(qualified)
        if self.defined(node):
            return Opaque(qualified or node.value)
        chosen = self._binding(node)
        if chosen is None:
            return None
        target, bound = chosen
        if isinstance(target, cst.Param):
            return self._annotation(bound, target.name.value)
        return self.value(bound)

    def _known_name(self, qualified: str) -> Value:
        engine = catalog.engine_value(qualified)
        if engine:
            return Engine(engine)
        if qualified in catalog.EFFECTS:
            return Literal(catalog.EFFECTS[qualified])
        return Opaque(qualified)

    def _annotation(self, annotation: cst.BaseExpression, name: str) -> Value:
        """A parameter typed ``rds.DatabaseCluster`` (or a mypy-boto3 client) is one."""
        qualified = self.qualified(annotation)
        service = catalog.stub_service(qualified)
        if service:
            return Client(service)
        cfn_type = catalog.construct_type(qualified)
        if cfn_type or qualified in catalog.INTERFACES:
            cfn_type = cfn_type or catalog.INTERFACES[qualified]
            port = catalog.POSTGRES_PORT if cfn_type.startswith(RDS_PREFIX) else None
            return Construct(cfn_type, qualified, name, annotation, port=port, declared=False)
        return None

    def self_class(self, name: cst.Name) -> cst.ClassDef | None:
        """The class of ``self`` (the first parameter of a method) for attribute lookups."""
        scope = self.scopes.get(name)
        while isinstance(scope, FunctionScope):
            function = scope.node
            if isinstance(function, cst.FunctionDef):
                params = (*function.params.posonly_params, *function.params.params)
                parent = self.scopes.get(function)
                if params and params[0].name.value == name.value and isinstance(parent, ClassScope):
                    return parent.node  # type: ignore[return-value]
            scope = scope.parent
        return None

    def _attribute(self, node: cst.Attribute) -> Value:
        qualified = self.qualified(node)
        if qualified.startswith(KNOWN_ROOTS):
            known = self._known_attribute(qualified)
            if known is not None:
                return known
        attr = node.attr.value
        if isinstance(node.value, cst.Name):
            owner = self.self_class(node.value)
            if owner is not None:
                values = self.bindings.attributes.get((owner, attr), [])
                resolved = [v for v in (self.value(e) for e in values) if v is not None]
                return resolved[0] if resolved else None
        base = self.value(node.value)
        if isinstance(base, Construct):
            if attr == "connections":
                return Connections(base)
            if attr == "secret" and base.is_rds:
                return Construct(
                    catalog.SECRET,
                    f"{base.qualified_name}.secret",
                    f"{base.name}.secret",
                    node,
                    rds_secret=True,
                    declared=False,
                )
            return Reference(base, attr)
        if isinstance(base, Reference):
            return Reference(base.owner, f"{base.attribute}.{attr}")
        if base is None and attr == "connections":
            return Connections(None)
        return None

    def _known_attribute(self, qualified: str) -> Value:
        engine = catalog.engine_value(qualified)
        if engine:
            return Engine(engine)
        if qualified in catalog.EFFECTS:
            return Literal(catalog.EFFECTS[qualified])
        owner, _, member = qualified.rpartition(".")
        if owner == catalog.PORT and member in catalog.PORT_CONSTANTS:
            return PortRange(*catalog.PORT_CONSTANTS[member])
        return None

    # -- calls -----------------------------------------------------------------------------

    def _call(self, node: cst.Call) -> Value:
        qualified = self.qualified(node.func)
        by_name = self._catalogue_call(node, qualified)
        if by_name is not None:
            return by_name
        if isinstance(node.func, cst.Attribute):
            receiver = self.value(node.func.value)
            method = node.func.attr.value
            if isinstance(receiver, Session) and method in catalog.CLIENT_FACTORY_METHODS:
                return Client(self.service(node))
            if (
                isinstance(receiver, Construct)
                and receiver.is_rds
                and method in catalog.CHILD_CONSTRUCTS
            ):
                return Construct(
                    catalog.CHILD_CONSTRUCTS[method],
                    f"{receiver.qualified_name}.{method}",
                    self.construct_id(node, first=True) or method,
                    node,
                    port=receiver.port,
                )
        if self.defined(node.func):
            return Opaque(qualified or dotted_name(node.func))
        return None

    def _catalogue_call(self, node: cst.Call, qualified: str) -> Value:
        if not qualified:
            return None
        engine = catalog.engine_value(qualified)
        if engine:
            return Engine(engine)
        cfn_type = self.cfn_type(node, qualified)
        if cfn_type:
            return self._construct(node, qualified, cfn_type, declared=True)
        imported = catalog.imported_construct_type(qualified)
        if imported:
            return self._construct(node, qualified, imported, declared=False)
        if qualified in catalog.BOTO3_SESSIONS:
            return Session()
        if qualified in catalog.BOTO3_CLIENTS:
            return Client(self.service(node))
        if qualified == catalog.POLICY_STATEMENT:
            effect = self.keyword(node, "effect")
            value = self.value(effect) if effect is not None else None
            return Statement(value.value if isinstance(value, Literal) else "Allow")  # type: ignore[arg-type]
        if qualified == catalog.PORT or qualified.startswith(catalog.PORT + "."):
            return self._port(node, qualified)
        return None

    def cfn_type(self, node: cst.Call, qualified: str) -> str:
        """CloudFormation type a call declares (``CfnResource`` reads its ``type`` argument)."""
        if qualified == catalog.CFN_RESOURCE:
            declared = self.keyword(node, "type")
            value = self.value(declared) if declared is not None else None
            return (
                value.value if isinstance(value, Literal) and isinstance(value.value, str) else ""
            )
        return catalog.construct_type(qualified)

    def _construct(
        self, node: cst.Call, qualified: str, cfn_type: str, declared: bool
    ) -> Construct:
        first = qualified in catalog.ID_FIRST
        name = self.construct_id(node, first=first) or qualified.rsplit(".", 1)[-1]
        return Construct(
            cfn_type,
            qualified,
            name,
            node,
            port=self._database_port(node, cfn_type),
            rds_secret=qualified == catalog.RDS + "DatabaseSecret" or self._orphan(node, cfn_type),
            declared=declared,
            db_shaped=cfn_type == catalog.SECRET and self._db_shaped(node),
        )

    def _orphan(self, node: cst.Call, cfn_type: str) -> bool:
        """A username/password secret that no Redshift, DocumentDB or Neptune database here
        uses: Aurora DSQL takes no password, so it is what the RDS database left behind."""
        return (
            cfn_type == catalog.SECRET
            and self._db_shaped(node)
            and node not in self.non_rds_secrets()
        )

    def non_rds_secrets(self) -> set[cst.CSTNode]:
        """Secret-creating calls that a non-RDS database's arguments or ``secret.attach(db)``
        reach. Found through bindings only (no evaluation: a secret's own value asks this)."""
        if self._non_rds_secrets is None:
            found: set[cst.CSTNode] = set()
            seen: set[cst.CSTNode] = set()
            for call in self.bindings.calls:
                if self.qualified(call.func).startswith(catalog.NON_RDS_DATABASES):
                    for arg in call.args:
                        found |= self._secret_calls(arg.value, seen)
                elif self._attaches_non_rds(call):
                    found |= self._secret_calls(call.func.value, seen)  # type: ignore[attr-defined]
            self._non_rds_secrets = found
        return self._non_rds_secrets

    def _attaches_non_rds(self, call: cst.Call) -> bool:
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value != catalog.SECRET_ATTACH:
            return False
        args = self.positional(call)
        return bool(args) and any(
            self.qualified(c.func).startswith(catalog.NON_RDS_DATABASES)
            for c in self._bound_calls(args[0], set())
        )

    def _bound_calls(self, node: cst.CSTNode, seen: set[cst.CSTNode]) -> Iterator[cst.Call]:
        return (n for n in self.reachable(node, seen) if isinstance(n, cst.Call))

    def reachable(
        self, node: cst.CSTNode, seen: set[cst.CSTNode] | None = None
    ) -> Iterator[cst.CSTNode]:
        """Expressions an expression is, contains, or names through assignments (``x =
        Secret(...)``, ``self.x = ...``), in source order; each node is visited once (``seen``
        may be shared between walks), so cycles and shared bindings end."""
        seen = set() if seen is None else seen
        stack = [node]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            yield current
            if isinstance(current, cst.Name):
                bound = self.bound_expression(current)
                if bound is not None:
                    stack.append(bound)
            elif isinstance(current, cst.Attribute) and isinstance(current.value, cst.Name):
                owner = self.self_class(current.value)
                if owner is not None:
                    stack.extend(
                        reversed(self.bindings.attributes.get((owner, current.attr.value), []))
                    )
            stack.extend(reversed(list(subexpressions(current))))

    def _secret_calls(self, node: cst.CSTNode, seen: set[cst.CSTNode]) -> set[cst.CSTNode]:
        return {
            call
            for call in self._bound_calls(node, seen)
            if self.qualified(call.func) == catalog.SECRETS_MANAGER_SECRET
        }

    def _db_shaped(self, node: cst.Call) -> bool:
        """A secret whose JSON holds a password with a username (or RDS connection keys), or
        an RDS-managed ``rds!`` secret: structure, not naming, is the evidence."""
        keys: set[str] = set()
        contents = [
            arg.value
            for index, arg in enumerate(node.args)
            if (arg.keyword is None and index > 1)
            or (arg.keyword is not None and arg.keyword.value not in catalog.SECRET_LABELS)
        ]
        for literal in _strings(node):
            if literal.startswith("rds!") or ":secret:rds!" in literal:
                return True
        for literal in (text for content in contents for text in _strings(content)):
            keys.add(literal)
            try:
                document = json.loads(literal)
            except ValueError:
                continue
            if isinstance(document, dict):
                keys |= {str(k) for k in document}
        return "password" in keys and bool(keys & catalog.DB_SECRET_KEYS)

    def _database_port(self, node: cst.Call, cfn_type: str) -> int | None:
        if not cfn_type.startswith(RDS_PREFIX):
            return None
        port = self.int_of(self.keyword(node, "port"))
        if port is not None:
            return port
        engine = self.keyword(node, "engine")
        value = self.value(engine) if engine is not None else None
        if isinstance(value, Engine):
            return catalog.default_port(value.value)
        if isinstance(value, Literal) and isinstance(value.value, str):
            return catalog.default_port(value.value.lower())
        return catalog.POSTGRES_PORT

    def _port(self, node: cst.Call, qualified: str) -> Value:
        method = qualified[len(catalog.PORT) + 1 :] if qualified != catalog.PORT else ""
        args = self.positional(node)
        if method in ("tcp", "udp"):
            port = self.int_of(args[0] if args else None)
            return PortRange(method, port, port) if port is not None else None
        if method in ("tcp_range", "udp_range"):
            low = self.int_of(args[0] if args else None)
            high = self.int_of(args[1] if len(args) > 1 else None)
            if low is None or high is None:
                return None
            return PortRange(method[:3], low, high)
        if method == "all_tcp":
            return PortRange("tcp", 0, 65535)
        if method == "all_traffic":
            return PortRange(*catalog.ALL_TRAFFIC)
        if not method:
            protocol = self.keyword(node, "protocol")
            name = self.qualified(protocol) if protocol is not None else ""
            low = self.int_of(self.keyword(node, "from_port"))
            high = self.int_of(self.keyword(node, "to_port"))
            if name.endswith(".TCP") and low is not None:
                return PortRange("tcp", low, high if high is not None else low)
            if name.endswith(".ALL"):
                return PortRange(*catalog.ALL_TRAFFIC)
        return None

    # -- helpers shared with the fact collector ----------------------------------------------

    def value_of(self, node: cst.CSTNode | None) -> Value:
        return self.value(node) if node is not None else None

    def defined(self, func: cst.BaseExpression) -> bool:
        """Is the root name a class, function or import here (so the value is known, if not
        catalogued), rather than a parameter or something unresolved?"""
        root = func
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name):
            return False
        scope = self.scopes.get(root)
        if scope is None:
            return False
        for assignment in scope[root.value]:
            node = getattr(assignment, "node", None)
            if isinstance(node, cst.ClassDef | cst.FunctionDef | cst.Import | cst.ImportFrom):
                return True
        return False

    def factory_environment(self, node: cst.Call, qualified: str) -> bool:
        """A CDK module handing ``environment=`` to a function or class of its own project.

        Apps build their functions with factories (``ledger_function(self, "Api",
        environment={...})``, defined in another module) that pass the mapping on to the
        construct they create: the variables are set here, under the construct id given here.
        Only project code counts (no catalogued library, no builtin), only in a CDK module.
        """
        if not qualified or qualified.startswith((*KNOWN_ROOTS, "builtins.")):
            return False
        if not any(name.startswith("aws_cdk") for name in self.bindings.imports):
            return False
        return self.option(node, "environment") is not None

    def int_of(self, node: cst.CSTNode | None) -> int | None:
        value = self.value_of(node)
        if isinstance(value, Literal) and isinstance(value.value, int):
            return value.value
        if isinstance(value, Reference) and value.attribute.endswith("port"):
            return value.owner.port
        return None

    def str_of(self, node: cst.CSTNode | None) -> str | None:
        value = self.value_of(node)
        return value.value if isinstance(value, Literal) and isinstance(value.value, str) else None

    @staticmethod
    def positional(node: cst.Call) -> list[cst.BaseExpression]:
        return [a.value for a in node.args if a.keyword is None and not a.star]

    @staticmethod
    def entries(mapping: cst.Dict) -> dict[str, cst.BaseExpression]:
        """A dict literal's entries with string keys, by key (a computed key is left out)."""
        return {
            element.key.evaluated_value: element.value
            for element in mapping.elements
            if isinstance(element, cst.DictElement)
            and isinstance(element.key, cst.SimpleString)
            and isinstance(element.key.evaluated_value, str)
        }

    @classmethod
    def fields(cls, value: cst.BaseExpression | None) -> dict[str, cst.BaseExpression]:
        """A structure's fields by name, however the app writes it: the keywords of a call
        (``Attribute(name="pk", ...)``, a ``...Property`` class) or a mapping (``{"name":
        "pk"}``, TypeScript's object literals); {} for anything else."""
        if isinstance(value, cst.Call):
            return {a.keyword.value: a.value for a in value.args if a.keyword is not None}
        if isinstance(value, cst.Dict):
            return cls.entries(value)
        return {}

    @staticmethod
    def keyword(node: cst.Call, name: str) -> cst.BaseExpression | None:
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == name:
                return arg.value
        return None

    def option(self, node: cst.Call, name: str) -> cst.BaseExpression | None:
        """An option given to a call: its keyword argument, or the entry of the props mapping
        passed as its last positional argument (``factory(self, "Id", {"environment": {...}})``,
        how a TypeScript app hands its own factories their options)."""
        found = self.keyword(node, name)
        args = self.positional(node)
        if found is not None or len(args) < 2 or not isinstance(args[-1], cst.Dict):
            return found
        for element in args[-1].elements:
            key = element.key if isinstance(element, cst.DictElement) else None
            if isinstance(key, cst.SimpleString) and key.evaluated_value == name:
                return element.value
        return None

    def given_environment(self, node: cst.Call) -> bool:
        """Is the call given ``os.environ`` (an environment schema that reads it)?"""
        source = self.argument(node, 0, "environment")
        return source is not None and self.qualified(source) == catalog.ENVIRON

    def argument(self, node: cst.Call, index: int, name: str) -> cst.BaseExpression | None:
        args = self.positional(node)
        return args[index] if index < len(args) else self.keyword(node, name)

    def service(self, node: cst.Call) -> str:
        return self.str_of(self.argument(node, 0, "service_name")) or ""

    def construct_id(self, node: cst.Call, first: bool = False) -> str:
        """The construct id literal: ``X(scope, "Id", ...)``, or ``factory("Id", ...)``."""
        literal = self.argument(node, 0 if first else 1, "id")
        return literal.evaluated_value if isinstance(literal, cst.SimpleString) else ""  # type: ignore[return-value]

    def dsql_endpoints(self) -> tuple[set[cst.CSTNode], set[cst.CSTNode]]:
        """(DSQL interface endpoints, their security groups): ingress there is legitimate."""
        if self._dsql is None:
            endpoints: set[cst.CSTNode] = set()
            groups: set[cst.CSTNode] = set()
            for call in self.bindings.endpoints:
                if self.qualified(call.func) != "aws_cdk.aws_ec2.InterfaceVpcEndpoint":
                    continue
                service = self.keyword(call, "service")
                if service is None or "dsql" not in self.code_for(service).lower():
                    continue
                endpoints.add(call)
                listed = self.keyword(call, "security_groups")
                for element in listed.elements if isinstance(listed, cst.List) else ():
                    group = self.value(element.value)
                    if isinstance(group, Construct):
                        groups.add(group.node)
            self._dsql = (endpoints, groups)
        return self._dsql


def _strings(node: cst.CSTNode) -> Iterator[str]:
    """Every string literal (and dict key) below a node."""
    if isinstance(node, cst.SimpleString):
        text = node.evaluated_value
        if isinstance(text, str):
            yield text
        return
    for child in node.children:
        yield from _strings(child)


def subexpressions(node: cst.CSTNode) -> Iterator[cst.BaseExpression]:
    """Direct expression children of a node, looking through Arg/Element wrappers."""
    for child in node.children:
        if isinstance(child, cst.BaseExpression):
            yield child
        else:
            yield from subexpressions(child)
