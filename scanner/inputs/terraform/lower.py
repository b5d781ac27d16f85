"""A Terraform module lowered onto a CloudFormation template, so that templates' facts serve it.

Each resource type the rules care about maps to the CloudFormation type it manages
(``aws_rds_cluster`` -> ``AWS::RDS::DBCluster``) and its arguments to that type's properties:
snake_case names become PascalCase (``deletion_protection_enabled`` ->
``DeletionProtectionEnabled``), nested blocks become mappings (lists when repeated), and the
names that differ are listed per type (``master_password`` -> ``MasterUserPassword``). Where
Terraform splits what CloudFormation keeps in one place, the module's other blocks are read:
a policy document's statements reach the roles every ``aws_iam_role_policy`` or attached
``aws_iam_policy`` using it names, a secret holds the string its ``_version`` stores, a policy
attachment adds a managed policy to its role. Registry modules that create RDS databases
(``terraform-aws-modules/rds-aurora/aws``) are the databases they create.

The whole module is lowered (the facts of one file need its neighbours: a reference's type,
a secret's shape); ``scanner.inputs.terraform.analyze`` keeps the facts of the analysed file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from scanner.inputs.terraform import hcl
from scanner.inputs.terraform.scope import Scope, block_address
from scanner.inputs.terraform.values import (
    UNKNOWN,
    Evaluator,
    marked,
    split_qualified,
)


@dataclass(frozen=True)
class Mapping:
    """How one Terraform type lowers: its CloudFormation type, renamed arguments, and the
    nested blocks that are lists whatever their number."""

    type: str
    names: dict[str, str] = field(default_factory=dict)
    lists: frozenset[str] = frozenset()


RDS_NAMES = {
    "master_password": "MasterUserPassword",
    "master_password_wo": "MasterUserPassword",
    "password": "MasterUserPassword",
    "password_wo": "MasterUserPassword",
    "master_username": "MasterUsername",
    "username": "MasterUsername",
    "iam_database_authentication_enabled": "EnableIAMDatabaseAuthentication",
    "cluster_identifier": "DBClusterIdentifier",
    "identifier": "DBInstanceIdentifier",
    "db_name": "DBName",
    "instance_class": "DBInstanceClass",
    "vpc_security_group_ids": "VpcSecurityGroupIds",
    "db_subnet_group_name": "DBSubnetGroupName",
}
INGRESS_NAMES = {
    "ingress": "SecurityGroupIngress",
    "protocol": "IpProtocol",
    "ip_protocol": "IpProtocol",
    "security_group_id": "GroupId",
    "cidr_blocks": "CidrIp",
}
# Databases other than Aurora RDS that keep credentials in Secrets Manager (their secrets and
# generated passwords are theirs, not Aurora residue): the template extractor's list.
RDS_MODULES = {
    "terraform-aws-modules/rds-aurora/aws": "AWS::RDS::DBCluster",
    "terraform-aws-modules/rds/aws": "AWS::RDS::DBInstance",
    "terraform-aws-modules/rds-proxy/aws": "AWS::RDS::DBProxy",
}
TYPES: dict[str, Mapping] = {
    "aws_rds_cluster": Mapping("AWS::RDS::DBCluster", RDS_NAMES),
    "aws_rds_cluster_instance": Mapping("AWS::RDS::DBInstance", RDS_NAMES),
    "aws_db_instance": Mapping("AWS::RDS::DBInstance", RDS_NAMES),
    "aws_rds_global_cluster": Mapping("AWS::RDS::GlobalCluster", RDS_NAMES),
    "aws_db_subnet_group": Mapping("AWS::RDS::DBSubnetGroup"),
    "aws_db_parameter_group": Mapping("AWS::RDS::DBParameterGroup"),
    "aws_rds_cluster_parameter_group": Mapping("AWS::RDS::DBClusterParameterGroup"),
    "aws_db_option_group": Mapping("AWS::RDS::OptionGroup"),
    "aws_db_proxy": Mapping("AWS::RDS::DBProxy", {"auth": "Auth"}, frozenset({"auth"})),
    "aws_db_proxy_default_target_group": Mapping("AWS::RDS::DBProxyTargetGroup"),
    "aws_db_proxy_target": Mapping("AWS::RDS::DBProxyTargetGroup"),
    "aws_db_proxy_endpoint": Mapping("AWS::RDS::DBProxyEndpoint"),
    "aws_db_event_subscription": Mapping("AWS::RDS::EventSubscription"),
    "aws_rds_integration": Mapping("AWS::RDS::Integration"),
    "aws_dsql_cluster": Mapping("AWS::DSQL::Cluster"),
    "aws_secretsmanager_secret": Mapping("AWS::SecretsManager::Secret"),
    "aws_secretsmanager_secret_version": Mapping("AWS::SecretsManager::Secret"),
    "aws_secretsmanager_secret_rotation": Mapping(
        "AWS::SecretsManager::RotationSchedule",
        {"rotation_lambda_arn": "RotationLambdaARN"},
    ),
    "aws_security_group": Mapping("AWS::EC2::SecurityGroup", INGRESS_NAMES, frozenset({"ingress"})),
    "aws_vpc_security_group_ingress_rule": Mapping("AWS::EC2::SecurityGroupIngress", INGRESS_NAMES),
    "aws_security_group_rule": Mapping("AWS::EC2::SecurityGroupIngress", INGRESS_NAMES),
    "aws_vpc_endpoint": Mapping(
        "AWS::EC2::VPCEndpoint", {"security_group_ids": "SecurityGroupIds"}
    ),
    "aws_lambda_function": Mapping("AWS::Lambda::Function", {"role": "Role"}),
    "aws_ecs_task_definition": Mapping(
        "AWS::ECS::TaskDefinition", {"task_role_arn": "TaskRoleArn"}
    ),
    "aws_iam_role": Mapping(
        "AWS::IAM::Role", {"managed_policy_arns": "ManagedPolicyArns"}, frozenset({"inline_policy"})
    ),
    "aws_iam_role_policy": Mapping("AWS::IAM::Policy"),
    "aws_iam_policy": Mapping("AWS::IAM::ManagedPolicy"),
    "aws_iam_user_policy": Mapping("AWS::IAM::Policy"),
    "aws_iam_group_policy": Mapping("AWS::IAM::Policy"),
    "aws_ssm_parameter": Mapping("AWS::SSM::Parameter"),
    "aws_dynamodb_table": Mapping(
        "AWS::DynamoDB::Table",
        lists=frozenset({"attribute", "global_secondary_index", "local_secondary_index"}),
    ),
    "aws_kms_key": Mapping("AWS::KMS::Key"),
    "aws_ecs_service": Mapping("AWS::ECS::Service"),
    "aws_redshift_cluster": Mapping("AWS::Redshift::Cluster"),
    "aws_docdb_cluster": Mapping("AWS::DocDB::DBCluster"),
    "aws_neptune_cluster": Mapping("AWS::Neptune::DBCluster"),
    "aws_elasticache_replication_group": Mapping("AWS::ElastiCache::ReplicationGroup"),
}
DATA_TYPES = {"aws_iam_policy_document": "AWS::IAM::Policy"}
# Data sources that look up an existing database: what reads them carries that database (an
# environment variable set to ``data.aws_rds_cluster.legacy.endpoint`` is RDS residue), while
# the lookup itself declares nothing (``scanner.inputs.terraform.analyze`` keeps no resource).
LOOKUPS = {
    "aws_rds_cluster": "AWS::RDS::DBCluster",
    "aws_db_instance": "AWS::RDS::DBInstance",
    "aws_db_proxy": "AWS::RDS::DBProxy",
    "aws_rds_global_cluster": "AWS::RDS::GlobalCluster",
}
STATEMENT_NAMES = {
    "effect": "Effect",
    "actions": "Action",
    "not_actions": "NotAction",
    "resources": "Resource",
    "not_resources": "NotResource",
    "sid": "Sid",
}
# Databases whose credentials a secret can hold (RDS, and the ones whose secrets are not RDS's).
DATABASE_PREFIXES = (
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBInstance",
    "AWS::Redshift::",
    "AWS::DocDB::",
    "AWS::Neptune::",
)
HELD_SECRETS = "TerraformCredentialSecrets"  # the property a lowered database refers to them by
ROLE_KEYS = ("role", "roles", "user", "users", "group", "groups")
WORD = re.compile(r"_([a-z0-9])")


def pascal(name: str) -> str:
    """``deletion_protection_enabled`` -> ``DeletionProtectionEnabled``."""
    return WORD.sub(lambda m: m.group(1).upper(), "_" + name) if name else name


def cloudformation_type(terraform_type: str) -> str:
    """The CloudFormation type a Terraform resource type manages ("" when not modelled)."""
    mapping = TYPES.get(terraform_type)
    return mapping.type if mapping else ""


@dataclass
class Lowered:
    """The module as a template, and which addresses each file of it declares."""

    document: dict
    files: dict[str, str]  # address -> file name
    generated_passwords: dict[str, hcl.Block]  # random_password address -> block, used by RDS


class Lowering:
    """Lowers every block of a module (``scope``) into one template document."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.foreign: dict[str, str] = {}
        self.values = Evaluator(scope, scope, self.foreign)
        self.resources: dict[str, Any] = {}
        self.files = {address: name for address, (name, _) in scope.declared.items()}
        self.blocks = {address: block for address, (_, block) in scope.declared.items()}

    def run(self) -> Lowered:
        for address, block in self.blocks.items():
            lowered = self._block(address, block)
            if lowered is not None:
                self.resources[address] = lowered
        self._wire()
        self._database_secrets()
        for name, terraform_type in sorted(self.foreign.items()):
            self.resources.setdefault(name, {"Type": self._foreign_type(name, terraform_type)})
        outputs = {}
        for name, block in self._outputs():
            value = block.body.get("value")
            if value is not None:
                key = marked(name, block.span)
                outputs[key] = marked({"Value": self.values.value(value.value)}, block.span)
        document = {"Resources": self.resources, "Outputs": outputs}
        return Lowered(document, self.files, self._generated_passwords())

    def _outputs(self) -> Iterator[tuple[str, hcl.Block]]:
        for name, config in self.scope.files.items():
            for block in config.body.blocks_of("output"):
                if block.labels:
                    self.files[f"output.{block.labels[0]}"] = name
                    yield block.labels[0], block

    def _foreign_type(self, name: str, terraform_type: str) -> str:
        directory, _ = split_qualified(name)
        if terraform_type.startswith("module:"):
            scope = self._scope_of(directory)
            block = scope.modules.get(terraform_type[len("module:") :]) if scope else None
            return _module_type(block) if block else ""
        if split_qualified(name)[1].startswith("data."):
            return DATA_TYPES.get(terraform_type) or LOOKUPS.get(terraform_type, "")
        return cloudformation_type(terraform_type) or DATA_TYPES.get(terraform_type, "")

    def _scope_of(self, directory: str) -> Scope | None:
        pending, seen = [self.scope], set()
        while pending:
            scope = pending.pop()
            if scope.rel == directory:
                return scope
            seen.add(scope.rel)
            for module in scope.modules:
                child = scope.child(module)
                if child is not None and child.rel not in seen:
                    pending.append(child)
        return None

    # --- one block -------------------------------------------------------------------------

    def _block(self, address: str, block: hcl.Block) -> dict | None:
        if block.type == "module":
            kind = _module_type(block)
            if not kind:
                return None
            return self._resource(kind, self._properties(block.body, RDS_NAMES, frozenset()), block)
        terraform_type = block.labels[0]
        if block.type == "data":
            if terraform_type in LOOKUPS:
                return self._resource(LOOKUPS[terraform_type], {}, block)
            if terraform_type != "aws_iam_policy_document":
                return None
            statements = [self._statement(s) for s in block.body.blocks_of("statement")]
            document = {"Statement": marked(statements, block.span)}
            props = {"PolicyDocument": marked(document, block.span)}
            return self._resource("AWS::IAM::Policy", props, block)
        mapping = TYPES.get(terraform_type)
        if mapping is None:
            return None
        kind = mapping.type
        if terraform_type == "aws_security_group_rule":
            rule_type = block.body.get("type")
            if rule_type is None or self.values.value(rule_type.value) != "ingress":
                return None
        props = self._properties(block.body, mapping.names, mapping.lists)
        special = SPECIAL.get(terraform_type)
        if special is not None:
            special(self, block, props)
        return self._resource(kind, props, block)

    def _resource(self, kind: str, props: dict, block: hcl.Block) -> dict:
        header = block.span
        return marked(
            {marked("Type", header): marked(kind, header), "Properties": marked(props, header)},
            header,
        )

    def _properties(
        self, body: hcl.Body, names: dict[str, str], lists: frozenset[str]
    ) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for attribute in body.attributes:
            if attribute.name in ("count", "for_each", "provider", "depends_on", "source"):
                continue
            value = self.values.value(attribute.value)
            if value is not None:
                key = names.get(attribute.name) or pascal(attribute.name)
                props[marked(key, attribute.span)] = value
        grouped: dict[str, list[Any]] = {}
        for nested in body.blocks:
            if nested.type in ("lifecycle", "timeouts", "dynamic"):
                continue
            inner = self._properties(nested.body, names, frozenset())
            grouped.setdefault(nested.type, []).append(marked(inner, nested.span))
        for kind, items in grouped.items():
            key = names.get(kind) or pascal(kind)
            several = len(items) > 1 or kind in lists
            props[key] = marked(items, _span_of(items[0])) if several else items[0]
        return props

    def _statement(self, block: hcl.Block) -> Any:
        found: dict[str, Any] = {"Effect": marked("Allow", block.span)}
        for attribute in block.body.attributes:
            key = STATEMENT_NAMES.get(attribute.name)
            value = self.values.value(attribute.value)
            if key and value is not None:
                found[key] = value
        return marked(found, block.span)

    def policy(self, expr: hcl.Expr) -> Any:
        """A policy argument's document: jsonencode({...}), JSON in a heredoc (read as an
        object by the parser) or in a string, or a reference (to a policy document data
        source, whose statements it lowers itself)."""
        if isinstance(expr, hcl.Literal) and isinstance(expr.value, str):
            text = expr.value
            if text.lstrip().startswith(("{", "[")):
                document = hcl.parse_expression(text, expr.span)
                if isinstance(document, hcl.Mapping | hcl.Sequence):
                    return self.values.value(document, expr.span)
        return self.values.value(expr)

    # --- what Terraform splits over several blocks --------------------------------------------

    def _wire(self) -> None:
        """Policy documents reach roles; secrets hold their versions' strings."""
        roles_of: dict[str, set[str]] = {}
        for block in self.blocks.values():
            if block.type != "resource":
                continue
            kind = block.labels[0]
            if kind in ("aws_iam_role_policy_attachment", "aws_iam_policy_attachment"):
                policy = block.body.get("policy_arn")
                roles = _referenced(block.body, ROLE_KEYS, "aws_iam_role.")
                for name in _addresses(policy.value if policy else None):
                    roles_of.setdefault(name, set()).update(roles)
                if policy is not None and not any(
                    n.startswith("aws_iam_policy.") for n in _addresses(policy.value)
                ):
                    for role in roles:
                        self._attach_managed(role, block, policy)
        for address, block in self.blocks.items():
            kind = block.labels[0] if block.type == "resource" else ""
            targets: set[str] = set()
            if kind in ("aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy"):
                targets = _referenced(block.body, ROLE_KEYS, "aws_iam_")
            elif kind == "aws_iam_policy":
                targets = roles_of.get(address, set())
                self._add_roles(address, targets)
            elif kind == "aws_iam_role":
                targets = {address}
            if not targets:
                continue
            for name in _policy_documents(block.body):
                self._add_roles(name, targets)
        for block in self.blocks.values():
            if block.type == "resource" and block.labels[0] == "aws_secretsmanager_secret_version":
                string = block.body.get("secret_string")
                secret = block.body.get("secret_id")
                for name in _addresses(secret.value if secret else None):
                    resource = self.resources.get(name)
                    if string is not None and resource is not None:
                        resource["Properties"].setdefault("SecretString", self.secret_text(string))

    def _add_roles(self, address: str, roles: set[str]) -> None:
        resource = self.resources.get(address)
        if resource is None or not roles:
            return
        props = resource["Properties"]
        existing = props.get("Roles") or []
        existing = existing if isinstance(existing, list) else [existing]
        refs = [{"Ref": r} for r in sorted(roles)]
        props["Roles"] = [*existing, *refs]

    def _attach_managed(self, role: str, block: hcl.Block, policy: hcl.Attribute) -> None:
        resource = self.resources.get(role)
        if resource is None:
            return
        props = resource["Properties"]
        current = props.get("ManagedPolicyArns") or []
        current = current if isinstance(current, list) else [current]
        value = self.values.value(policy.value, self.blocks[role].span)
        props["ManagedPolicyArns"] = marked([*current, value], self.blocks[role].span)

    def secret_text(self, attribute: hcl.Attribute) -> Any:
        """A secret's string: ``jsonencode({username = ..., password = ...})`` as JSON text
        whose computed values are placeholders (its keys are what says it is a credential)."""
        expr = attribute.value
        encoded = isinstance(expr, hcl.Call) and expr.name == "jsonencode" and len(expr.args) == 1
        inner = expr.args[0] if encoded else expr  # type: ignore[union-attr]
        if isinstance(inner, hcl.Mapping):
            keys = [self.values.value(k) for k, _ in inner.items]
            text = "{" + ", ".join(f'"{k}": "*"' for k in keys if isinstance(k, str)) + "}"
            return marked(text, attribute.value.span)
        return self.values.value(expr)

    def _database_secrets(self) -> None:
        """Secrets that hold a database's credentials, wired as CloudFormation wires them.

        Terraform writes the link from the secret (its ``_version``'s string names the host,
        or the generated password the database takes); CloudFormation from the database (a
        property referring to the secret). Each database a secret string names gets a property
        referring to the secret and its version, so the template's reading of which secrets
        are RDS credentials (and which are Redshift's or DocumentDB's) applies unchanged."""
        databases = {
            a for a, r in self.resources.items() if r.get("Type", "").startswith(DATABASE_PREFIXES)
        }
        password_users: dict[str, set[str]] = {}
        for address in databases:
            for used in _addresses_in_body(self.blocks[address].body):
                password_users.setdefault(used, set()).add(address)
        for address, block in self.blocks.items():
            if not address.startswith("aws_secretsmanager_secret_version."):
                continue
            string = block.body.get("secret_string")
            secret = block.body.get("secret_id")
            referred = _addresses(string.value) if string else set()
            holders = (referred & databases) | {
                db
                for used in referred
                if used.startswith("random_")
                for db in password_users.get(used, ())
            }
            secrets = [address, *sorted(_addresses(secret.value if secret else None))]
            for database in sorted(holders):
                props = self.resources[database]["Properties"]
                held = props.setdefault(HELD_SECRETS, [])
                held.extend({"Ref": name} for name in secrets if name in self.resources)

    def _generated_passwords(self) -> dict[str, hcl.Block]:
        """``random_*`` passwords an RDS database takes, or an RDS secret holds."""
        rds = {a for a, r in self.resources.items() if r.get("Type", "").startswith("AWS::RDS::")}
        found: dict[str, hcl.Block] = {}
        for address in sorted(self.blocks):
            if not address.startswith("random_password."):
                continue
            for database in rds:
                props = self.resources[database]["Properties"]
                held = {r["Ref"] for r in props.get(HELD_SECRETS, ())}
                users = {database} | {
                    h for h in held if h.startswith("aws_secretsmanager_secret_version.")
                }
                if any(address in _addresses_in_body(self.blocks[u].body) for u in users):
                    found[address] = self.blocks[address]
                    break
        return found


def _span_of(node: Any) -> hcl.Span:
    start, end = node.start_mark, node.end_mark
    return hcl.Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def _module_type(block: hcl.Block) -> str:
    source = block.body.get("source")
    if source is None or not isinstance(source.value, hcl.Literal):
        return ""
    text = str(source.value.value or "").split("?")[0].rstrip("/")
    for registry, kind in RDS_MODULES.items():
        if (
            text == registry
            or text.endswith(registry.replace("/aws", ""))
            or (text.startswith(("git::", "github.com/")) and registry.split("/")[1] in text)
        ):
            return kind
    return ""


def _addresses(expr: hcl.Expr | None) -> set[str]:
    """The resource and data-source addresses an expression refers to."""
    found: set[str] = set()
    for reference in _references(expr):
        parts = [str(p) for p in reference.parts]
        if parts[0] == "data" and len(parts) > 2:
            found.add(".".join(parts[:3]))
        elif "_" in parts[0] and len(parts) > 1 and parts[0] not in ("each", "count"):
            found.add(".".join(parts[:2]))
    return found


def _references(expr: Any) -> Iterator[hcl.Reference]:
    if isinstance(expr, hcl.Reference):
        yield expr
    elif isinstance(expr, hcl.Template):
        for part in expr.parts:
            if not isinstance(part, str):
                yield from _references(part)
    elif isinstance(expr, hcl.Call | hcl.Sequence):
        for item in expr.args if isinstance(expr, hcl.Call) else expr.items:
            yield from _references(item)
    elif isinstance(expr, hcl.Mapping):
        for key, value in expr.items:
            yield from _references(key)
            yield from _references(value)
    elif isinstance(expr, hcl.Conditional):
        for part in (expr.condition, expr.then, expr.otherwise):
            yield from _references(part)
    elif isinstance(expr, hcl.Other):
        for operand in expr.operands:
            yield from _references(operand)


def _addresses_in_body(body: hcl.Body) -> set[str]:
    found = set()
    for attribute in body.attributes:
        found |= _addresses(attribute.value)
    for block in body.blocks:
        found |= _addresses_in_body(block.body)
    return found


def _referenced(body: hcl.Body, keys: tuple[str, ...], prefix: str) -> set[str]:
    found = set()
    for key in keys:
        attribute = body.get(key)
        if attribute is not None:
            found |= {a for a in _addresses(attribute.value) if a.startswith(prefix)}
    return found


def _policy_documents(body: hcl.Body) -> set[str]:
    """Policy document data sources a policy argument (or inline_policy block) reads."""
    found = set()
    for attribute in body.attributes:
        if attribute.name == "policy":
            found |= {
                a
                for a in _addresses(attribute.value)
                if a.startswith("data.aws_iam_policy_document.")
            }
    for block in body.blocks_of("inline_policy"):
        found |= _policy_documents(block.body)
    return found


# --- per-type lowering the generic mapping cannot express -------------------------------------


def _policy_holder(lowering: Lowering, block: hcl.Block, props: dict) -> None:
    policy = block.body.get("policy")
    props.pop("Policy", None)
    if policy is not None:
        props["PolicyDocument"] = lowering.policy(policy.value)
    roles = [k for k in props if k in ("Role", "User", "Group")]
    for key in roles:
        props[key + "s"] = [props.pop(key)]


def _role(lowering: Lowering, block: hcl.Block, props: dict) -> None:
    inline = block.body.blocks_of("inline_policy")
    props.pop("InlinePolicy", None)
    if inline:
        policies = []
        for nested in inline:
            policy = nested.body.get("policy")
            if policy is not None:
                document = lowering.policy(policy.value)
                policies.append(marked({"PolicyDocument": document}, nested.span))
        props["Policies"] = marked(policies, block.span)
    props.pop("AssumeRolePolicy", None)


def _task_definition(lowering: Lowering, block: hcl.Block, props: dict) -> None:
    definitions = block.body.get("container_definitions")
    props.pop("ContainerDefinitions", None)
    if definitions is None:
        return
    value = lowering.policy(definitions.value)  # jsonencode([...]), a heredoc or JSON text
    props["ContainerDefinitions"] = _capitalised(value, 0)


def _capitalised(value: Any, depth: int) -> Any:
    """Container definitions' JSON keys (``name``, ``valueFrom``) as CloudFormation's."""
    if depth > hcl.MAX_DEPTH:
        return value
    if isinstance(value, dict) and not any(str(k).startswith("Fn::") or k == "Ref" for k in value):
        out = {}
        for key, item in value.items():
            name = str(key)
            new_key = name[:1].upper() + name[1:]
            out[marked(new_key, _span_of(key)) if hasattr(key, "start_mark") else new_key] = (
                _capitalised(item, depth + 1)
            )
        return marked(out, _span_of(value)) if hasattr(value, "start_mark") else out
    if isinstance(value, list):
        items = [_capitalised(item, depth + 1) for item in value]
        return marked(items, _span_of(value)) if hasattr(value, "start_mark") else items
    return value


def _ssm_parameter(lowering: Lowering, block: hcl.Block, props: dict) -> None:
    if "Value" not in props and "InsecureValue" in props:
        props["Value"] = props.pop("InsecureValue")


def _secret_version(lowering: Lowering, block: hcl.Block, props: dict) -> None:
    string = block.body.get("secret_string")
    if string is not None:
        props["SecretString"] = lowering.secret_text(string)


def _security_group(lowering: Lowering, block: hcl.Block, props: dict) -> None:
    rules = props.get("SecurityGroupIngress")
    for rule in rules if isinstance(rules, list) else ():
        if isinstance(rule, dict):
            rule.pop("CidrIp", None)


def _dsql_cluster(lowering: Lowering, block: hcl.Block, props: dict) -> None:
    """Peers named by ``aws_dsql_cluster_peering`` blocks join MultiRegionProperties.Clusters."""
    address = block_address(block)
    peers = []
    for other in lowering.blocks.values():
        if other.type == "resource" and other.labels[0] == "aws_dsql_cluster_peering":
            identifier = other.body.get("identifier")
            clusters = other.body.get("clusters")
            if identifier is not None and address in _addresses(identifier.value) and clusters:
                peers.append(lowering.values.value(clusters.value, block.span))
    if peers:
        regions = props.setdefault("MultiRegionProperties", marked({}, block.span))
        if isinstance(regions, dict):
            flat = [p for group in peers for p in (group if isinstance(group, list) else [group])]
            regions["Clusters"] = marked(flat, block.span)


SPECIAL: dict[str, Callable[[Lowering, hcl.Block, dict], None]] = {
    "aws_iam_role_policy": _policy_holder,
    "aws_iam_policy": _policy_holder,
    "aws_iam_user_policy": _policy_holder,
    "aws_iam_group_policy": _policy_holder,
    "aws_iam_role": _role,
    "aws_ecs_task_definition": _task_definition,
    "aws_ssm_parameter": _ssm_parameter,
    "aws_secretsmanager_secret_version": _secret_version,
    "aws_security_group": _security_group,
    "aws_dsql_cluster": _dsql_cluster,
}

__all__ = ["UNKNOWN", "Lowered", "Lowering", "cloudformation_type", "pascal"]
