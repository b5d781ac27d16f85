"""The DSQL target state in CDK source: clusters, compute resources, and the roles they run as.

Names are construct ids, the names the project model links by (``scanner.project.context``): a
source cluster and its synthesized template resource are one cluster because the id is a segment of
the resource's construct path; a grant or policy statement reaches a compute resource by its id. A
Lambda function without an explicit role runs as the role CDK creates for it (``<id>/ServiceRole``,
with the AWS managed basic-execution policies), an ECS task definition as ``<id>/TaskRole``: their
permissions are fully visible in the source, so the DSQL permission rules can judge them.
"""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from scanner.facts import Compute, DsqlCluster, IamRole, Value
from scanner.inputs import catalog
from scanner.inputs import dynamodb as ddb
from scanner.inputs.python.locations import Locator
from scanner.inputs.python.tables import TableCollector
from scanner.inputs.python.values import Construct, Evaluator, Literal
from scanner.model import Location

AWS_MANAGED_ARN = "arn:aws:iam::aws:policy/"
LAMBDA_POLICIES = ("service-role/AWSLambdaBasicExecutionRole",)
LAMBDA_VPC_POLICY = "service-role/AWSLambdaVPCAccessExecutionRole"
ALPHA_CLUSTER = "aws_cdk.aws_dsql_alpha.Cluster"
BOOLEANS = {"True": "enabled", "False": "disabled"}


class TargetCollector(cst.CSTVisitor):
    """Collects clusters, compute and roles; ``compute()`` assembles ECS containers at the end."""

    def __init__(self, evaluator: Evaluator, locator: Locator) -> None:
        self.ev = evaluator
        self.at = locator
        self.clusters: list[DsqlCluster] = []
        self.roles: dict[str, IamRole] = {}
        self._compute: list[Compute] = []
        self._containers: dict[str, list[str]] = {}
        self._env_locations: dict[str, Location] = {}
        self.tables = TableCollector(evaluator, locator)
        self._classes: list[str] = []  # the classes being visited, innermost last

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """A stack's constructs are named from the stack down (its own id is not part of their
        logical ids); any other construct class's from where it is created."""
        bases = {self.ev.qualified(base.value) for base in node.bases}
        self._classes.append("" if bases & catalog.STACKS else node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._classes.pop()

    @property
    def _owner(self) -> str:
        """The construct class whose constructs are being visited ("" in a stack or none)."""
        return self._classes[-1] if self._classes else ""

    # -- clusters ------------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.ev.qualified(node.func)
        cfn_type = self.ev.cfn_type(node, qualified) if qualified else ""
        if cfn_type == catalog.DSQL_CLUSTER:
            self.clusters.append(self._cluster(node, qualified))
        elif cfn_type == catalog.LAMBDA_FUNCTION:
            self._function(node, qualified)
        elif cfn_type == catalog.TASK_DEFINITION:
            self._task_definition(node, qualified)
        elif cfn_type in ddb.TABLE_TYPES:
            self.tables.table(node, qualified, self._owner)
        elif qualified == catalog.ROLE:
            self._role(node, qualified)
        elif self.ev.factory_environment(node, qualified):
            self._factory_function(node, qualified)
        if isinstance(node.func, cst.Attribute):
            self._method(node, node.func)
        elif isinstance(node.func, cst.Name):  # a construct class of this module, created here
            self.tables.created(node.func.value, self.ev.construct_id(node))

    def _cluster(self, node: cst.Call, qualified: str) -> DsqlCluster:
        name = self.ev.construct_id(node) or qualified.rsplit(".", 1)[-1]
        properties = self._cfn_properties(node) if qualified == catalog.CFN_RESOURCE else None
        if properties is not None:
            protection = properties.get("DeletionProtectionEnabled")
            regions = properties.get("MultiRegionProperties")
        else:
            keyword = (
                "deletion_protection"
                if qualified == ALPHA_CLUSTER
                else "deletion_protection_enabled"
            )
            protection = self.ev.keyword(node, keyword)
            regions = self.ev.keyword(node, "multi_region_properties")
        state = self._protection(protection)
        if protection is None and qualified == ALPHA_CLUSTER:
            # The L2 enables it by default while the removal policy is the default RETAIN.
            state = "enabled" if self.ev.keyword(node, "removal_policy") is None else "absent"
        witness, peers = self._multi_region(regions, name)
        return DsqlCluster(
            name=name,
            location=self.at.location(node, qualified),
            deletion_protection=state,
            protection_location=self.at.location(protection) if protection is not None else None,
            multi_region=regions is not None,
            witness_region=witness,
            peers=peers,
        )

    def _cfn_properties(self, node: cst.Call) -> dict[str, cst.BaseExpression]:
        """``CfnResource(..., properties={...})`` as a name -> value mapping."""
        properties = self.ev.keyword(node, "properties")
        return self.ev.entries(properties) if isinstance(properties, cst.Dict) else {}

    def _protection(self, node: cst.BaseExpression | None) -> str:
        if node is None:
            return "absent"
        if isinstance(node, cst.Name) and node.value in BOOLEANS:
            return BOOLEANS[node.value]
        value = self.ev.value_of(node)
        if isinstance(value, Literal) and isinstance(value.value, str):
            return {"true": "enabled", "false": "disabled"}.get(value.value.lower(), "unknown")
        return "unknown"

    def _multi_region(
        self, node: cst.BaseExpression | None, own: str
    ) -> tuple[str, tuple[str, ...]]:
        """(witness Region, peer clusters in scope) of ``MultiRegionPropertiesProperty``/dict."""
        if node is None:
            return "", ()
        entries = self.ev.fields(node)
        witness = entries.get("witness_region") or entries.get("witnessRegion")
        listed = entries.get("clusters")
        peers = set()
        elements = listed.elements if isinstance(listed, cst.List | cst.Tuple) else ()
        for element in elements:
            value = self.ev.value_of(element.value)
            owner = getattr(value, "owner", value)
            if isinstance(owner, Construct) and owner.cfn_type == catalog.DSQL_CLUSTER:
                peers.add(owner.name)
        return self.ev.str_of(witness) or "", tuple(sorted(peers - {own}))

    # -- compute and roles ---------------------------------------------------------------------

    def _role_of(self, node: cst.Call, name: str, implicit: str, managed: tuple[str, ...]) -> str:
        """The role a compute construct runs as: its ``role``/``task_role``, or the implicit
        role CDK creates (recorded here); "" when the role is imported (unknowable)."""
        keyword = "task_role" if implicit.endswith("TaskRole") else "role"
        given = self.ev.keyword(node, keyword)
        if given is None:
            role = f"{name}/{implicit}"
            here = self.at.location(node)
            policies = tuple(Value(AWS_MANAGED_ARN + p, here) for p in managed)
            self.roles.setdefault(role, IamRole(role, here, policies))
            return role
        value = self.ev.value_of(given)
        if isinstance(value, Construct) and value.declared and value.cfn_type == "AWS::IAM::Role":
            return value.name
        return ""

    def _function(self, node: cst.Call, qualified: str) -> None:
        self._lambda(node, qualified, role_here=True)

    def _factory_function(self, node: cst.Call, qualified: str) -> None:
        """Compute built by a project factory that receives its environment here: a function
        under the construct id passed here, whose role the factory decides (unknown here, so
        no rule claims a permission is missing)."""
        self._lambda(node, qualified, role_here=False)

    def _lambda(self, node: cst.Call, qualified: str, role_here: bool) -> None:
        name = self.ev.construct_id(node)
        if not name:
            return
        role = ""
        if role_here:
            vpc = self.ev.keyword(node, "vpc") is not None
            managed = LAMBDA_POLICIES + ((LAMBDA_VPC_POLICY,) if vpc else ())
            role = self._role_of(node, name, "ServiceRole", managed)
        environment = self.ev.option(node, "environment")
        self._compute.append(
            Compute(
                name=name,
                kind="lambda",
                location=self.at.location(node, qualified),
                role=role,
                env_owners=(name,),
                env_location=self.at.location(environment) if environment is not None else None,
            )
        )

    def _task_definition(self, node: cst.Call, qualified: str) -> None:
        name = self.ev.construct_id(node)
        if not name:
            return
        self._containers.setdefault(name, [])
        self._compute.append(
            Compute(
                name=name,
                kind="ecs",
                location=self.at.location(node, qualified),
                role=self._role_of(node, name, "TaskRole", ()),
                env_owners=(name,),
            )
        )

    def _role(self, node: cst.Call, qualified: str) -> None:
        name = self.ev.construct_id(node)
        if name:
            policies = self.ev.keyword(node, "managed_policies")
            elements = policies.elements if isinstance(policies, cst.List | cst.Tuple) else ()
            managed = tuple(
                v for v in (self._managed_policy(e.value) for e in elements) if v is not None
            )
            self.roles[name] = IamRole(name, self.at.location(node, qualified), managed)

    def _managed_policy(self, node: cst.BaseExpression) -> Value | None:
        """An attached managed policy: AWS managed (known), local (its statements name the
        role), or anything else ("" text: unknowable)."""
        here = self.at.location(node)
        call = node if isinstance(node, cst.Call) else None
        if isinstance(node, cst.Name):
            bound = self.ev.bound_expression(node)
            call = bound if isinstance(bound, cst.Call) else None
        if call is None:
            return Value("", here)
        qualified = self.ev.qualified(call.func)
        if qualified in catalog.POLICIES:
            return None
        if qualified == catalog.MANAGED_POLICY + ".from_aws_managed_policy_name":
            name = self.ev.str_of(self.ev.argument(call, 0, "managed_policy_name"))
            return Value(AWS_MANAGED_ARN + name if name else "", here)
        if qualified == catalog.MANAGED_POLICY + ".from_managed_policy_arn":
            arn = self.ev.str_of(self.ev.argument(call, 2, "managed_policy_arn"))
            return Value(arn or "", here)
        return Value("", here)

    def _method(self, node: cst.Call, func: cst.Attribute) -> None:
        method = func.attr.value
        receiver = self.ev.value(func.value)
        if not isinstance(receiver, Construct) or not receiver.declared:
            return
        if receiver.cfn_type in ddb.TABLE_TYPES:
            self.tables.method(node, method, receiver.name, self._owner)
        if method == "add_container" and receiver.cfn_type == catalog.TASK_DEFINITION:
            container = self.ev.construct_id(node, first=True)
            self._containers.setdefault(receiver.name, []).append(container)
            environment = self.ev.keyword(node, "environment")
            if environment is not None:
                self._env_locations.setdefault(receiver.name, self.at.location(environment))
        elif method == "add_managed_policy" and receiver.name in self.roles:
            argument = self.ev.argument(node, 0, "policy")
            policy = self._managed_policy(argument) if argument is not None else None
            if policy is not None:
                role = self.roles[receiver.name]
                self.roles[receiver.name] = IamRole(
                    role.name, role.location, (*role.managed_policies, policy)
                )

    def compute(self) -> tuple[Compute, ...]:
        """Compute resources, ECS task definitions with the containers added to them later."""
        return tuple(
            replace(
                compute,
                env_location=self._env_locations.get(compute.name),
                containers=tuple(c for c in self._containers.get(compute.name, ()) if c),
            )
            if compute.kind == "ecs"
            else compute
            for compute in self._compute
        )
