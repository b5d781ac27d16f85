"""Walk a resolved libcst module once and record its facts (the records of ``scanner.facts``).

Every fact comes from a syntax node whose meaning was resolved (qualified names through imports,
values through assignments); nothing is matched by spelling alone, so a local
``class DatabaseCluster`` or a docstring that mentions ``rds-data:ExecuteStatement`` is never a
fact. CDK constructs become :class:`~scanner.facts.Resource` records with the CloudFormation type
they synthesize to, located at the exact span of the call, with its qualified name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import libcst as cst
from libcst.metadata import CodeRange

from scanner.facts import (
    ApiCall,
    Credential,
    EngineSetting,
    EnvRead,
    Grant,
    HostLiteral,
    IamStatement,
    Ingress,
    Resource,
    Sink,
    Target,
    Value,
)
from scanner.inputs import python_catalog as catalog
from scanner.inputs.python_values import (
    Client,
    Connections,
    Construct,
    Evaluator,
    PortRange,
    Reference,
    Session,
    Statement,
    subexpressions,
)
from scanner.model import Location

SNIPPET_LIMIT = 200
POLICY_METHODS = frozenset({"add_to_role_policy", "add_to_policy", "add_to_principal_policy"})
STRING_NODES = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)


def is_engine_key(name: str) -> bool:
    """``engine``, ``Engine``, ``DB_ENGINE``, ``database-engine``: where an engine is configured."""
    return name.lower().replace("-", "_").endswith("engine")


class FactCollector(cst.CSTVisitor):
    """One pass over the module; ``facts()`` of the caller assembles the lists."""

    def __init__(
        self,
        evaluator: Evaluator,
        positions: dict[cst.CSTNode, CodeRange],
        code_for: Callable[[cst.CSTNode], str],
        path: str,
        uses_rds: bool,
    ) -> None:
        self.ev = evaluator
        self.positions = positions
        self.code_for = code_for
        self.path = path
        self.uses_rds = uses_rds
        self.resources: list[Resource] = []
        self.engines: list[EngineSetting] = []
        self.credentials: list[Credential] = []
        self.statements: list[IamStatement] = []
        self.grants: list[Grant] = []
        self.ingress: list[Ingress] = []
        self.sinks: list[Sink] = []
        self.api_calls: list[ApiCall] = []
        self.hosts: list[HostLiteral] = []
        self.env_reads: list[EnvRead] = []
        self.construct_ids: list[tuple[str, int]] = []
        self.comments: list[tuple[str, Location]] = []
        self._principals: dict[cst.CSTNode, str] = {}

    # -- locations ---------------------------------------------------------------------------

    def snippet(self, node: cst.CSTNode) -> str:
        """Stable text of a node for fingerprints: a call is its callee and literal arguments,
        so editing a keyword argument elsewhere in the call does not change the finding's id."""
        if isinstance(node, cst.Call):
            literals = [
                self.code_for(a.value)
                for a in node.args
                if a.keyword is None and isinstance(a.value, cst.SimpleString)
            ]
            text = f"{self.code_for(node.func)}({','.join(literals)})"
        else:
            text = self.code_for(node)
        return " ".join(text.split())[:SNIPPET_LIMIT]

    def location(self, node: cst.CSTNode, qualified_name: str = "") -> Location:
        span = self.positions[node]
        return Location(
            path=self.path,
            line=span.start.line,
            column=span.start.column + 1,
            end_line=span.end.line,
            end_column=span.end.column + 1,
            qualified_name=qualified_name,
            snippet=self.snippet(node),
        )

    def line(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    # -- calls -------------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> bool:
        qualified = self.ev.qualified(node.func)
        engine = catalog.engine_value(qualified)
        if engine:
            self.engines.append(EngineSetting(engine, self.location(node, qualified)))
            return False  # one finding per engine expression, not one per nested version
        self._declaration(node, qualified)
        if qualified in catalog.CREDENTIAL_HELPERS:
            here = self.location(node, qualified)
            self.credentials.append(Credential("cdk-credentials", here, True, qualified))
        if qualified == catalog.POLICY_STATEMENT:
            self._policy_statement(node)
        elif qualified == catalog.POLICY_STATEMENT + ".from_json":
            self._policy_json(node)
        self._outputs(node, qualified)
        if qualified in catalog.BOTO3_CLIENTS:
            self._api(node, self.ev.service(node), "client", qualified)
        if qualified in catalog.ENV_READERS:
            self._env_read(self.ev.argument(node, 0, "key"), qualified)
        if isinstance(node.func, cst.Attribute):
            self._method(node, node.func, qualified)
        else:
            self._environment(node, qualified, "")
        return True

    def _declaration(self, node: cst.Call, qualified: str) -> None:
        cfn_type = self.ev.cfn_type(node, qualified) if qualified else ""
        if cfn_type:
            self.resources.append(Resource(cfn_type, self.location(node, qualified)))
            if qualified == catalog.RDS + "DatabaseSecret":
                here = self.location(node, qualified)
                self.credentials.append(Credential("database-secret", here, True, qualified))
        if cfn_type or catalog.CONSTRUCT_CLASS.match(qualified) or self._local_construct(node):
            construct_id = self.ev.construct_id(node, first=qualified in catalog.ID_FIRST)
            if construct_id:
                self.construct_ids.append((construct_id, self.line(node)))

    def _local_construct(self, node: cst.Call) -> bool:
        """A call of a class defined here that extends a CDK construct (``LedgerDatabase(...)``)."""
        if not isinstance(node.func, cst.Name):
            return False
        scope = self.ev.scopes.get(node.func)
        for assignment in scope[node.func.value] if scope is not None else ():
            definition = getattr(assignment, "node", None)
            if isinstance(definition, cst.ClassDef):
                bases = (self.ev.qualified(base.value) for base in definition.bases)
                if any(b.startswith(("aws_cdk.", "constructs.")) for b in bases):
                    return True
        return False

    def _method(self, node: cst.Call, func: cst.Attribute, qualified: str) -> None:
        method = func.attr.value
        receiver = self.ev.value(func.value)
        owner = receiver.qualified_name if isinstance(receiver, Construct) else ""
        where = f"{owner}.{method}" if owner else qualified or method
        factory = (
            method in catalog.CLIENT_FACTORY_METHODS and qualified not in catalog.BOTO3_CLIENTS
        )
        if isinstance(receiver, Session) and factory:
            self._api(node, self.ev.service(node), "client", "boto3.Session.client")
        elif isinstance(receiver, Client):
            self._api(node, receiver.service, method, f"boto3.{receiver.service}.{method}")
        elif method == catalog.AUTH_TOKEN_METHOD and receiver is None:
            self._api(node, "rds", method, f"boto3.rds.{method}")
        rds = isinstance(receiver, Construct) and receiver.is_rds
        assumed_rds = receiver is None and self.uses_rds and method in catalog.RDS_ONLY_METHODS
        if method.startswith("grant") and (isinstance(receiver, Construct) or assumed_rds):
            target = receiver.cfn_type if isinstance(receiver, Construct) else "AWS::RDS::DBCluster"
            grantee = self.ev.argument(node, 0, "grantee")
            self.grants.append(
                Grant(method, target, self.location(node, where), self._text(grantee))
            )
        if method in catalog.ROTATION_METHODS and (rds or assumed_rds):
            self.credentials.append(Credential("cdk-rotation", self.location(node, where), True))
            default = catalog.ROTATION_METHODS[method]
            self._child_id(node, default)
        if method in catalog.CHILD_CONSTRUCTS and (rds or (assumed_rds and method == "add_proxy")):
            child = catalog.CHILD_CONSTRUCTS[method]
            self.resources.append(Resource(child, self.location(node, where)))
            self._child_id(node, "")
        if method == "add_ingress_rule":
            port = self.ev.value_of(self.ev.argument(node, 1, "connection"))
            self._ingress(node, port, receiver if isinstance(receiver, Construct) else None, where)
        elif method in catalog.CONNECTION_METHODS:
            self._connection_rule(node, func, receiver, method)
        elif method == "add_actions" and isinstance(receiver, Statement):
            where = catalog.POLICY_STATEMENT + ".add_actions"
            actions = tuple(v for a in self.ev.positional(node) for v in self._values(a, where))
            here = self.location(node, where)
            self.statements.append(IamStatement(receiver.effect, actions, (), here))
        elif method in POLICY_METHODS:
            statement = self.ev.argument(node, 0, "statement")
            if statement is not None:
                self._principals[statement] = self._text(func.value)
        self._environment(node, qualified, method, receiver)

    def _child_id(self, node: cst.Call, default: str) -> None:
        construct_id = self.ev.construct_id(node, first=True) or default
        if construct_id:
            self.construct_ids.append((construct_id, self.line(node)))

    def _text(self, node: cst.CSTNode | None) -> str:
        return " ".join(self.code_for(node).split())[:SNIPPET_LIMIT] if node is not None else ""

    # -- IAM ---------------------------------------------------------------------------------

    def _values(self, node: cst.BaseExpression | None, qualified: str) -> Iterator[Value]:
        """IAM action/resource values: list elements or a single expression, each located."""
        if node is None:
            return
        elements = (
            [e.value for e in node.elements]
            if isinstance(node, cst.List | cst.Tuple | cst.Set)
            else [node]
        )
        for element in elements:
            if isinstance(element, cst.StarredElement):
                continue
            text = self.ev.str_of(element)
            where = self.location(element, qualified)
            yield Value(text if text is not None else self._text(element), where)

    def _policy_statement(self, node: cst.Call) -> None:
        statement = self.ev.value(node)
        effect = statement.effect if isinstance(statement, Statement) else "Allow"
        action = self.ev.keyword(node, "actions")
        not_action = self.ev.keyword(node, "not_actions")
        principal = self._principals.get(node, "")
        where = catalog.POLICY_STATEMENT
        self.statements.append(
            IamStatement(
                effect=effect,
                actions=tuple(self._values(action if action is not None else not_action, where)),
                resources=tuple(self._values(self.ev.keyword(node, "resources"), where)),
                location=self.location(node, where),
                principals=(principal,) if principal else (),
                not_action=action is None and not_action is not None,
            )
        )

    def _policy_json(self, node: cst.Call) -> None:
        document = self.ev.argument(node, 0, "obj")
        if not isinstance(document, cst.Dict):
            return
        entries = {
            element.key.evaluated_value: element.value
            for element in document.elements
            if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)
        }
        effect = self.ev.str_of(entries.get("Effect")) or "Allow"
        action = entries.get("Action")
        self.statements.append(
            IamStatement(
                effect=effect,
                actions=tuple(
                    self._values(action if action is not None else entries.get("NotAction"))
                ),
                resources=tuple(self._values(entries.get("Resource"))),
                location=self.location(node, catalog.POLICY_STATEMENT + ".from_json"),
                not_action=action is None and "NotAction" in entries,
            )
        )

    # -- security groups ---------------------------------------------------------------------

    def _ingress(
        self, node: cst.Call, port: object, owner: Construct | None, qualified: str
    ) -> None:
        if not isinstance(port, PortRange):
            return
        endpoints, groups = self.ev.dsql_endpoints()
        to_dsql = owner is not None and (owner.node in endpoints or owner.node in groups)
        self.ingress.append(
            Ingress(
                protocol=port.protocol,
                from_port=port.from_port,
                to_port=port.to_port,
                location=self.location(node, qualified),
                to_dsql_endpoint=to_dsql,
            )
        )

    def _connection_rule(
        self, node: cst.Call, func: cst.Attribute, receiver: object, method: str
    ) -> None:
        """``x.connections.allow_*``: which group gets the ingress, and on which port."""
        if not isinstance(receiver, Connections):
            return
        index, on_argument = catalog.CONNECTION_METHODS[method]
        owner = receiver.owner
        if on_argument:
            other = self.ev.value_of(self.ev.argument(node, 0, "other"))
            owner = other if isinstance(other, Construct) else None
            if isinstance(other, Connections):
                owner = other.owner
        if index is None:
            if owner is None or owner.port is None:
                return
            port: object = PortRange("tcp", owner.port, owner.port)
        else:
            port = self.ev.value_of(self.ev.argument(node, index, "port_range"))
        base = owner.qualified_name if owner is not None else "aws_cdk.aws_ec2"
        self._ingress(node, port, owner, f"{base}.connections.{method}")

    # -- values that leave a construct: environment, outputs, parameters ----------------------

    def targets(self, node: cst.CSTNode) -> tuple[Target, ...]:
        """Constructs a value refers to, looking through calls, f-strings and operators."""
        found: dict[Target, None] = {}
        self._collect_targets(node, found)
        return tuple(found)

    def _collect_targets(self, node: cst.CSTNode, found: dict[Target, None]) -> None:
        value = self.ev.value(node) if isinstance(node, cst.BaseExpression) else None
        if isinstance(value, Construct | Reference):
            found.setdefault(value.target(), None)
            return
        for child in subexpressions(node):
            self._collect_targets(child, found)

    def _sink(
        self,
        kind: str,
        name: str,
        value: cst.BaseExpression,
        name_node: cst.CSTNode,
        owner: tuple[str, str],
    ) -> None:
        """``owner`` is (construct id or name, qualified name of the call that sets the value)."""
        literal = self.ev.str_of(value) if isinstance(value, cst.SimpleString) else None
        self.sinks.append(
            Sink(
                kind=kind,
                name=name,
                location=self.location(value, owner[1]),
                name_location=self.location(name_node, owner[1]),
                targets=self.targets(value),
                owner=owner[0],
                literal=literal or "",
            )
        )

    def _environment(
        self, node: cst.Call, qualified: str, method: str, receiver: object = None
    ) -> None:
        cdk_call = qualified.startswith("aws_cdk.") or method in catalog.ENVIRONMENT_METHODS
        if not cdk_call:
            return
        owner_name = (
            receiver.name if isinstance(receiver, Construct) else self.ev.construct_id(node)
        )
        if isinstance(receiver, Construct) and method:
            qualified = f"{receiver.qualified_name}.{method}"
        owner = (owner_name, qualified or method)
        if method == "add_environment":
            key = self.ev.argument(node, 0, "key")
            value = self.ev.argument(node, 1, "value")
            text = self.ev.str_of(key)
            if key is not None and value is not None and text is not None:
                self._sink("env", text, value, key, owner)
            return
        keys = ["environment"]
        if "aws_ecs" in qualified or method == "add_container":
            keys.append("secrets")
        for keyword in keys:
            mapping = self.ev.keyword(node, keyword)
            if mapping is not None:
                for name, name_node, entry in self._entries(mapping):
                    self._sink("env", name, entry, name_node, owner)

    def _entries(
        self, node: cst.BaseExpression, depth: int = 0
    ) -> Iterator[tuple[str, cst.CSTNode, cst.BaseExpression]]:
        """(name, name node, value) of a dict literal, ``dict(...)`` call or a name bound to one."""
        if depth > 8:
            return
        if isinstance(node, cst.Name):
            bound = self.ev.bound_expression(node)
            if bound is not None:
                yield from self._entries(bound, depth + 1)
        elif isinstance(node, cst.Dict):
            for element in node.elements:
                if isinstance(element, cst.StarredDictElement):
                    yield from self._entries(element.value, depth + 1)
                elif isinstance(element.key, cst.SimpleString):
                    key = element.key.evaluated_value
                    if isinstance(key, str):
                        yield key, element.key, element.value
        elif isinstance(node, cst.Call) and self.ev.qualified(node.func) == "builtins.dict":
            for arg in node.args:
                if arg.keyword is not None:
                    yield arg.keyword.value, arg.keyword, arg.value
                elif arg.star == "**":
                    yield from self._entries(arg.value, depth + 1)

    def _outputs(self, node: cst.Call, qualified: str) -> None:
        construct_id = self.ev.argument(node, 1, "id")
        if qualified == catalog.OUTPUT:
            value = self.ev.keyword(node, "value")
            if value is None or construct_id is None:
                return
            kind = "export" if self.ev.keyword(node, "export_name") is not None else "output"
            name = self.ev.str_of(construct_id) or self._text(construct_id)
            self._sink(kind, name, value, construct_id, ("", qualified))
        elif qualified == catalog.SSM_PARAMETER:
            value = self.ev.keyword(node, "string_value")
            if value is None or construct_id is None:
                return
            label = self.ev.keyword(node, "parameter_name") or construct_id
            name = self.ev.str_of(label) or self._text(label)
            self._sink("ssm", name, value, label, (self.ev.str_of(construct_id) or "", qualified))

    # -- application code ----------------------------------------------------------------------

    def _api(self, node: cst.Call, service: str, method: str, qualified: str) -> None:
        if service:
            self.api_calls.append(ApiCall(service, method, self.location(node, qualified)))

    def _env_read(self, name: cst.BaseExpression | None, qualified: str) -> None:
        text = self.ev.str_of(name)
        if name is not None and text:
            self.env_reads.append(EnvRead(text, self.location(name, qualified)))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if self.ev.qualified(node.value) != catalog.ENVIRON or len(node.slice) != 1:
            return
        index = node.slice[0].slice
        if isinstance(index, cst.Index):
            self._env_read(index.value, catalog.ENVIRON)

    def _engine_string(self, node: cst.BaseExpression) -> None:
        if isinstance(node, cst.SimpleString):
            text = node.evaluated_value
            if isinstance(text, str) and text.strip():
                self.engines.append(EngineSetting(text, self.location(node)))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and is_engine_key(node.keyword.value):
            self._engine_string(node.value)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = node.key
        if isinstance(key, cst.SimpleString):
            text = key.evaluated_value
            if isinstance(text, str) and is_engine_key(text):
                self._engine_string(node.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            name = target.target
            if isinstance(name, cst.Attribute):
                name = name.attr
            if isinstance(name, cst.Name) and is_engine_key(name.value):
                self._engine_string(node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        name = node.target.attr if isinstance(node.target, cst.Attribute) else node.target
        if node.value is not None and isinstance(name, cst.Name) and is_engine_key(name.value):
            self._engine_string(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        qualified = self.ev.qualified(node)
        engine = catalog.engine_value(qualified)
        if engine:
            self.engines.append(EngineSetting(engine, self.location(node, qualified)))
            return False
        return True

    def visit_Comment(self, node: cst.Comment) -> None:
        self.comments.append((node.value, self.location(node)))

    # -- string literals: hosts ------------------------------------------------------------------

    def _host(self, node: cst.CSTNode, text: str) -> None:
        match = catalog.RDS_HOST.search(text)
        if match:
            self.hosts.append(HostLiteral(match.group(1).lower(), self.location(node)))

    def _docstring(self, node: cst.CSTNode) -> bool:
        return node in self.ev.bindings.docstrings

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        text = node.evaluated_value
        if isinstance(text, str) and not self._docstring(node):
            self._host(node, text)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
        if self._docstring(node):
            return False
        text = node.evaluated_value
        if isinstance(text, str):
            self._host(node, text)
            return False
        return True

    def visit_FormattedString(self, node: cst.FormattedString) -> bool:
        if self._docstring(node):
            return False
        text = "".join(
            part.value for part in node.parts if isinstance(part, cst.FormattedStringText)
        )
        self._host(node, text)
        return True
