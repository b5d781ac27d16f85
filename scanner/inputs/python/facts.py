"""Walk a resolved libcst module once and record its facts (the records of ``scanner.facts``).

Every fact comes from a syntax node whose meaning was resolved (qualified names through imports,
values through assignments); nothing is matched by spelling alone, so a local
``class DatabaseCluster`` or a docstring that mentions ``rds-data:ExecuteStatement`` is never a
fact. CDK constructs become :class:`~scanner.facts.Resource` records with the CloudFormation type
they synthesize to, located at the exact span of the call, with its qualified name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import libcst as cst

from scanner.facts import (
    SYMBOL,
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
from scanner.inputs import catalog
from scanner.inputs.python.locations import Locator
from scanner.inputs.python.symbols import SymbolCollector
from scanner.inputs.python.values import (
    Client,
    Connections,
    Construct,
    Evaluator,
    Opaque,
    PortRange,
    Reference,
    Session,
    Statement,
    subexpressions,
)
from scanner.model import Location

RESOLVE_SECRET = "{{resolve:secretsmanager:"

POLICY_METHODS = frozenset(
    {"add_to_role_policy", "add_to_policy", "add_to_principal_policy", "add_to_task_role_policy"}
)
# Attributes of a compute construct that stand for the role it runs as.
ROLE_ATTRIBUTES = frozenset({"role", "task_role", "grant_principal"})


def is_engine_key(name: str) -> bool:
    """``engine``, ``Engine``, ``DB_ENGINE``, ``database-engine``: where an engine is configured."""
    return name.lower().replace("-", "_").endswith("engine")


class FactCollector(cst.CSTVisitor):
    """One pass over the module; ``facts()`` of the caller assembles the lists."""

    def __init__(
        self,
        evaluator: Evaluator,
        locator: Locator,
        uses_rds: bool,
        symbols: SymbolCollector | None = None,
    ) -> None:
        self.ev = evaluator
        self.at = locator
        self.uses_rds = uses_rds
        self.symbols = symbols  # CDK source: values from the app's other modules, by symbol
        self.resources: list[Resource] = []
        self.engines: list[EngineSetting] = []
        self.credentials: list[Credential] = []
        self.grants: list[Grant] = []
        self.ingress: list[Ingress] = []
        self.sinks: list[Sink] = []
        self.api_calls: list[ApiCall] = []
        self.hosts: list[HostLiteral] = []
        self.env_reads: list[EnvRead] = []
        self.construct_ids: list[tuple[str, int]] = []
        self.comments: list[cst.Comment] = []
        self._statements: list[tuple[cst.CSTNode, IamStatement]] = []
        self._principals: dict[cst.CSTNode, set[str]] = {}

    def location(self, node: cst.CSTNode, qualified_name: str = "") -> Location:
        return self.at.location(node, qualified_name)

    def line(self, node: cst.CSTNode) -> int:
        return self.at.line(node)

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
        self._policy_holder(node, qualified)
        if qualified == catalog.POLICY_STATEMENT:
            self._policy_statement(node)
        elif qualified == catalog.POLICY_STATEMENT + ".from_json":
            self._policy_json(node)
        self._outputs(node, qualified)
        if qualified in catalog.BOTO3_CLIENTS:
            self._api(node, self.ev.service(node), "client", qualified)
        if qualified in catalog.ENV_READERS:
            self._env_read(self.ev.argument(node, 0, "key"), qualified)
        elif qualified in catalog.CONFIG_SCHEMAS:
            self._schema_reads(node, qualified)
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
            elif qualified == catalog.SECRETS_MANAGER_SECRET:
                secret = self.ev.value(node)
                if isinstance(secret, Construct) and secret.rds_secret:
                    here = self.location(node, qualified)
                    self.credentials.append(Credential("orphan-secret", here, True, qualified))
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
            self._grant(node, method, receiver, where)
        elif method.startswith("grant"):
            symbol = self.symbol(func.value, receiver)
            if symbol is not None:
                self._grant(node, method, None, where, symbol)
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
            self._statements.append((node, IamStatement(receiver.effect, actions, (), here)))
        elif method in POLICY_METHODS:
            self._attach(self.ev.argument(node, 0, "statement"), {self.principal(func.value)})
        elif method == "add_managed_policy":
            for policy in self._local_policies(self.ev.argument(node, 0, "policy")):
                self._attach_nested(policy, {self.principal(func.value)})
        elif method == "attach_to_role" and isinstance(func.value, cst.Name):
            policy = self.ev.bound_expression(func.value)
            if isinstance(policy, cst.Call):
                role = {self.principal(self.ev.argument(node, 0, "role"))}
                self._attach_nested(policy, role)
        self._environment(node, qualified, method, receiver)

    def _child_id(self, node: cst.Call, default: str) -> None:
        construct_id = self.ev.construct_id(node, first=True) or default
        if construct_id:
            self.construct_ids.append((construct_id, self.line(node)))

    def _text(self, node: cst.CSTNode | None) -> str:
        return self.at.text(node)

    def principal(self, node: cst.CSTNode | None) -> str:
        """The name a grant or policy reaches: a construct's id (a role, or a compute resource
        standing for the role it runs as), else the expression's text."""
        value = self.ev.value_of(node)
        if isinstance(value, Construct):
            return value.name
        if isinstance(value, Reference) and value.attribute.split(".")[0] in ROLE_ATTRIBUTES:
            return value.owner.name
        return self._text(node)

    def symbol(self, node: cst.CSTNode, value: object) -> Target | None:
        """Where a value the evaluator left unknown (or a local instance) comes from, by
        symbol (see ``python_symbols``); None outside CDK source."""
        if self.symbols is None or not (value is None or isinstance(value, Opaque)):
            return None
        return self.symbols.symbol(node)

    def _grant(
        self,
        node: cst.Call,
        method: str,
        receiver: object,
        where: str,
        symbol: Target | None = None,
    ) -> None:
        granter = receiver if isinstance(receiver, Construct) else None
        target_type = SYMBOL if symbol is not None else "AWS::RDS::DBCluster"
        actions = ()
        if method == "grant":
            listed = self.ev.positional(node)[1:]
            actions = tuple(t for t in (self.ev.str_of(a) for a in listed) if t)
        self.grants.append(
            Grant(
                method=method,
                target_type=granter.cfn_type if granter else target_type,
                location=self.location(node, where),
                grantee=self.principal(self.ev.argument(node, 0, "grantee")),
                target=granter.name if granter and granter.declared else "",
                actions=actions,
                rds_secret=granter is not None
                and granter.cfn_type == catalog.SECRET
                and granter.rds_secret,
                symbol=symbol,
            )
        )

    # -- IAM ---------------------------------------------------------------------------------

    def _elements(self, node: cst.BaseExpression | None) -> list[cst.BaseExpression]:
        """List/tuple/set elements, or the expression itself (IAM accepts both)."""
        if node is None:
            return []
        if isinstance(node, cst.List | cst.Tuple | cst.Set):
            return [e.value for e in node.elements if not isinstance(e, cst.StarredElement)]
        return [node]

    def _values(self, node: cst.BaseExpression | None, qualified: str) -> Iterator[Value]:
        """IAM action/resource values: list elements or a single expression, each located."""
        for element in self._elements(node):
            text = self.ev.str_of(element)
            where = self.location(element, qualified)
            yield Value(text if text is not None else self._text(element), where)

    def _statement(
        self,
        node: cst.Call,
        qualified: str,
        effect: str,
        actions: cst.BaseExpression | None,
        not_actions: cst.BaseExpression | None,
        resources: cst.BaseExpression | None,
    ) -> None:
        elements = self._elements(resources)
        targets = tuple(dict.fromkeys(t for e in elements for t in self.targets(e)))
        opaque = any(self.ev.str_of(e) is None and not self.targets(e) for e in elements)
        listed = actions if actions is not None else not_actions
        self._statements.append(
            (
                node,
                IamStatement(
                    effect=effect,
                    actions=tuple(self._values(listed, qualified)),
                    resources=tuple(self._values(resources, qualified)),
                    location=self.location(node, qualified),
                    not_action=actions is None and not_actions is not None,
                    resource_targets=targets,
                    opaque_resources=opaque,
                ),
            )
        )

    def _policy_statement(self, node: cst.Call) -> None:
        statement = self.ev.value(node)
        effect = statement.effect if isinstance(statement, Statement) else "Allow"
        keyword = self.ev.keyword
        self._statement(
            node,
            catalog.POLICY_STATEMENT,
            effect,
            keyword(node, "actions"),
            keyword(node, "not_actions"),
            keyword(node, "resources"),
        )

    def _policy_json(self, node: cst.Call) -> None:
        document = self.ev.argument(node, 0, "obj")
        if not isinstance(document, cst.Dict):
            return
        entries = self.ev.entries(document)
        self._statement(
            node,
            catalog.POLICY_STATEMENT + ".from_json",
            self.ev.str_of(entries.get("Effect")) or "Allow",
            entries.get("Action"),
            entries.get("NotAction"),
            entries.get("Resource"),
        )

    def _statement_calls(self, node: cst.CSTNode | None, depth: int = 0) -> Iterator[cst.Call]:
        """PolicyStatement calls an expression is or contains (through names bound to them)."""
        if node is None or depth > 8:
            return
        if isinstance(node, cst.Name):
            bound = self.ev.bound_expression(node)
            if bound is not None:
                yield from self._statement_calls(bound, depth + 1)
            return
        if isinstance(node, cst.Call) and self.ev.qualified(node.func).startswith(
            catalog.POLICY_STATEMENT
        ):
            yield node
            return
        for child in subexpressions(node):
            yield from self._statement_calls(child, depth + 1)

    def _attach(self, statement: cst.CSTNode | None, principals: set[str]) -> None:
        for call in self._statement_calls(statement):
            self._principals.setdefault(call, set()).update(p for p in principals if p)

    def _attach_nested(self, owner: cst.Call, principals: set[str]) -> None:
        """Statements declared inside a role's inline policies or a policy's ``statements``."""
        for keyword in ("inline_policies", "statements", "document"):
            self._attach(self.ev.keyword(owner, keyword), principals)

    def _local_policies(self, node: cst.BaseExpression | None) -> Iterator[cst.Call]:
        """Policies declared here among attached managed policies (their statements count)."""
        for element in self._elements(node):
            bound = self.ev.bound_expression(element) if isinstance(element, cst.Name) else element
            if isinstance(bound, cst.Call) and self.ev.qualified(bound.func) in catalog.POLICIES:
                yield bound

    def _policy_holder(self, node: cst.Call, qualified: str) -> None:
        """``iam.Role(inline_policies=..., managed_policies=[local])``, ``iam.Policy(statements=...,
        roles=[...])``: the statements they hold reach those roles."""
        if qualified == catalog.ROLE:
            role = {self.ev.construct_id(node)}
            self._attach_nested(node, role)
            for policy in self._local_policies(self.ev.keyword(node, "managed_policies")):
                self._attach_nested(policy, role)
        elif qualified in catalog.POLICIES:
            roles = {self.principal(r) for r in self._elements(self.ev.keyword(node, "roles"))}
            self._attach_nested(node, roles)

    def iam_statements(self) -> tuple[IamStatement, ...]:
        """Every statement with the principals it reached anywhere in the module."""
        return tuple(
            replace(statement, principals=tuple(sorted(self._principals.get(node, ()))))
            for node, statement in self._statements
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
            if owner is None:
                self._symbolic_ingress(node, func, on_argument, method)
            if owner is None or owner.port is None:
                return
            port: object = PortRange("tcp", owner.port, owner.port)
        else:
            port = self.ev.value_of(self.ev.argument(node, index, "port_range"))
        base = owner.qualified_name if owner is not None else "aws_cdk.aws_ec2"
        self._ingress(node, port, owner, f"{base}.connections.{method}")

    def _symbolic_ingress(
        self, node: cst.Call, func: cst.Attribute, on_argument: bool, method: str
    ) -> None:
        """``data.cluster.connections.allow_default_port_from(fn)`` with the database from
        another module: its port is known once the symbol is resolved."""
        subject = self.ev.argument(node, 0, "other") if on_argument else func.value
        if isinstance(subject, cst.Attribute) and subject.attr.value == "connections":
            subject = subject.value
        symbol = self.symbol(subject, self.ev.value(subject)) if subject is not None else None
        if symbol is not None:
            here = self.location(node, f"aws_cdk.aws_ec2.connections.{method}")
            self.ingress.append(Ingress("tcp", None, None, here, symbol=symbol))

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
        inner: dict[Target, None] = {}
        for child in subexpressions(node):
            self._collect_targets(child, inner)
        # what this module knows comes first: ``cluster.secret...`` of a typed parameter is the
        # construct's; only a value nothing here resolves is left to the other modules
        known = any(not target.is_symbol for target in inner)
        if not known and isinstance(node, cst.Name | cst.Attribute | cst.Call | cst.Subscript):
            symbol = self.symbol(node, value)
            if symbol is not None:
                found.setdefault(symbol, None)
                if not isinstance(node, cst.Call):
                    return  # a call's arguments may still be constructs: json.dumps({...})
        found.update(inner)

    def _sink(
        self,
        kind: str,
        name: str,
        value: cst.BaseExpression,
        name_node: cst.CSTNode,
        owner: tuple[str, str],
        export_name: str = "",
    ) -> None:
        """``owner`` is (construct id or name, qualified name of the call that sets the value)."""
        literal = self.ev.str_of(value) if isinstance(value, cst.SimpleString) else None
        secrets: set[str] = set()
        self._collect_secrets(value, secrets)
        unwrap = self._unwrap(value) if kind == "env" else None
        targets = self.targets(value)
        if unwrap is not None:  # the value is that secret's, wherever it was unwrapped
            targets = tuple(dict.fromkeys(targets + self.targets(unwrap)))
            self._collect_secrets(unwrap, secrets)
        self.sinks.append(
            Sink(
                kind=kind,
                name=name,
                location=self.location(value, owner[1]),
                name_location=self.location(name_node, owner[1]),
                targets=targets,
                owner=owner[0],
                literal=literal or "",
                secret="db" if "db" in secrets else ("other" if secrets else ""),
                export_name=export_name,
                unwrapped=self.location(unwrap) if unwrap is not None else None,
            )
        )

    def _unwrap(self, value: cst.BaseExpression) -> cst.CSTNode | None:
        """Where a value turns a secret into plain text: ``unsafe_unwrap()``/``to_string()`` of a
        secret's value, ``SecretValue.unsafe_plain_text(...)``, a ``{{resolve:secretsmanager:``
        string; followed through assignments (each expression once: cycles end)."""
        return next((n for n in self.ev.reachable(value) if self._plain_secret(n)), None)

    def _plain_secret(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.SimpleString):
            return RESOLVE_SECRET in node.value
        if isinstance(node, cst.FormattedString):
            return any(
                RESOLVE_SECRET in part.value
                for part in node.parts
                if isinstance(part, cst.FormattedStringText)
            )
        if not isinstance(node, cst.Call):
            return False
        if self.ev.qualified(node.func) in catalog.PLAIN_SECRET_VALUES:
            return True
        func = node.func
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value in catalog.UNWRAP_METHODS
            and self._secret_value(func.value)
        )

    def _secret_value(self, node: cst.BaseExpression, depth: int = 0) -> bool:
        """A ``SecretValue``: ``SecretValue.secrets_manager(...)``, ``secret.secret_value``,
        ``secret.secret_value_from_json(key)`` (a name bound to one counts too)."""
        if depth > 8:
            return False
        if isinstance(node, cst.Name):
            bound = self.ev.bound_expression(node)
            return bound is not None and self._secret_value(bound, depth + 1)
        if isinstance(node, cst.Call):
            if self.ev.qualified(node.func).startswith(catalog.SECRET_VALUE + "."):
                return True
            node = node.func
        if not isinstance(node, cst.Attribute):
            return False
        if node.attr.value not in catalog.SECRET_VALUE_ATTRIBUTES:
            return False
        owner = self.ev.value(node.value)
        if owner is None:  # from another module (props, a stack's attribute): only a secret
            return node.attr.value in catalog.SECRET_ONLY_ATTRIBUTES  # has these
        return isinstance(owner, Construct) and owner.cfn_type == catalog.SECRET

    def _collect_secrets(self, node: cst.CSTNode, kinds: set[str]) -> None:
        """Secrets Manager secrets a value hands over: "db" for database credentials (an RDS
        secret, a username/password secret, an ECS secret field "password"), else "other"."""
        value = self.ev.value(node) if isinstance(node, cst.BaseExpression) else None
        owner = value.owner if isinstance(value, Reference) else value
        if isinstance(owner, Construct) and owner.cfn_type == catalog.SECRET:
            kinds.add("db" if owner.rds_secret or owner.db_shaped else "other")
            return
        if isinstance(node, cst.Call) and self.ev.qualified(node.func) == catalog.ECS_SECRET:
            field = self.ev.str_of(self.ev.argument(node, 1, "field"))
            if field in ("password", "username"):
                kinds.add("db")
        for child in subexpressions(node):
            self._collect_secrets(child, kinds)

    def _environment(
        self, node: cst.Call, qualified: str, method: str, receiver: object = None
    ) -> None:
        cdk_call = qualified.startswith("aws_cdk.") or method in catalog.ENVIRONMENT_METHODS
        if not cdk_call and not self.ev.factory_environment(node, qualified):
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
            mapping = self.ev.option(node, keyword)
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
            export = self.ev.keyword(node, "export_name")
            kind = "export" if export is not None else "output"
            name = self.ev.str_of(construct_id) or self._text(construct_id)
            exported = self.ev.str_of(export) or ""
            self._sink(kind, name, value, construct_id, ("", qualified), exported)
        elif qualified == catalog.SSM_PARAMETER:
            value = self.ev.keyword(node, "string_value")
            if value is None or construct_id is None:
                return
            label = self.ev.keyword(node, "parameter_name") or construct_id
            name = self.ev.str_of(label) or self._text(label)
            self._sink("ssm", name, value, label, (self.ev.str_of(construct_id) or "", qualified))

    # -- application code ----------------------------------------------------------------------

    def _api(self, node: cst.Call, service: str, method: str, qualified: str) -> None:
        if service in catalog.DATABASE_SERVICES:
            self.api_calls.append(ApiCall(service, method, self.location(node, qualified)))

    def _env_read(self, name: cst.BaseExpression | None, qualified: str) -> None:
        text = self.ev.str_of(name)
        if name is not None and text:
            self.env_reads.append(EnvRead(text, self.location(name, qualified)))

    def _schema_reads(self, node: cst.Call, qualified: str) -> None:
        """An environment schema given ``os.environ`` reads each name it declares."""
        if not self.ev.given_environment(node):
            return
        for arg in node.args:
            if arg.keyword is not None:
                here = self.location(arg.keyword, qualified)
                self.env_reads.append(EnvRead(arg.keyword.value, here))

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
        self.comments.append(node)  # the module judges which are suppressions

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
