"""RDS: residual Aurora RDS (FR-001, FR-003, FR-007, SC-004).

Each rule reads facts only; the CloudFormation and Python inputs describe CDK constructs with the
CloudFormation types they synthesize to, so one check serves templates and CDK code.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from fnmatch import fnmatchcase

from scanner.config import Config
from scanner.facts import RDS_PREFIX, FileFacts, Grant, IamStatement, Sink, Target
from scanner.model import Hit, Location, Severity
from scanner.rules.base import Example, rule

# A CDK app split over modules (rule examples): the data stack creates the database and its
# secret, app.py hands the stack to the API stack, which wires them (see resolve.symbols).
CDK_APP_FILES = (
    ("cdk.json", '{"app": "python3 app.py"}\n'),
    (
        "app.py",
        textwrap.dedent(
            """\
        import aws_cdk as cdk

        from stacks.api_stack import ApiStack
        from stacks.data_stack import DataStack

        app = cdk.App()
        data = DataStack(app, "Data")
        ApiStack(app, "Api", data=data)
        app.synth()
        """
        ),
    ),
    (
        "stacks/data_stack.py",
        textwrap.dedent(
            """\
        from aws_cdk import Stack
        from aws_cdk import aws_docdb as docdb
        from aws_cdk import aws_dsql as dsql
        from aws_cdk import aws_rds as rds


        class DataStack(Stack):
            def __init__(self, scope, construct_id, **kwargs):
                super().__init__(scope, construct_id, **kwargs)
                self.database = rds.DatabaseInstance(
                    self, "Orders", engine=rds.DatabaseInstanceEngine.POSTGRES
                )
                self.db_credentials = self.database.secret
                self.ledger = dsql.CfnCluster(self, "Ledger", deletion_protection_enabled=True)
                self.documents = docdb.DatabaseCluster(self, "Documents", master_user=None)
        """
        ),
    ),
)

API_STACK = """\
from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_


class ApiStack(Stack):
    def __init__(self, scope, construct_id, data, **kwargs):
        super().__init__(scope, construct_id, **kwargs)
        self.api = lambda_.Function(
            self,
            "Api",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="app.handler",
            code=lambda_.Code.from_asset("src"),
        )
"""


def api_stack(body: str) -> str:
    """The API stack of CDK_APP_FILES' app, its constructor ending with ``body`` (line 15 on)."""
    return API_STACK + textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8) + "\n"


CLUSTER_TYPES = frozenset({"AWS::RDS::DBCluster", "AWS::RDS::GlobalCluster"})
INSTANCE_TYPES = frozenset({"AWS::RDS::DBInstance"})
AURORA_ENGINES = frozenset({"aurora", "aurora-mysql", "aurora-postgresql"})
RDS_SERVICES = frozenset({"rds", "rds-data", "rds-db"})
RDS_GRANTS = frozenset({"grant_data_api_access", "grant_connect"})
LEGACY_PORTS = (5432, 3306)
DATA_API_SERVICE = "rds-data"
DATA_API_CALLS = frozenset(
    {
        "execute_statement",
        "batch_execute_statement",
        "begin_transaction",
        "commit_transaction",
        "rollback_transaction",
        "execute_sql",
    }
)
CLIENT_CREATION = "client"
AUTH_TOKEN = ("rds", "generate_db_auth_token")
DSQL_SETTINGS = "DSQL_ENDPOINT, DSQL_CLUSTER_ARN, DSQL_DATABASE"
DSQL_DATABASE = "postgres"  # the one database an Aurora DSQL cluster has


def subject(location: Location) -> str:
    """How a message names the offending thing: logical id, construct, or nothing."""
    name = location.resource or location.qualified_name
    return f"'{name}' " if name else ""


def _resources_of(facts: FileFacts, types: frozenset[str]) -> Iterator[Hit]:
    for resource in facts.resources:
        if resource.type in types:
            yield Hit(
                resource.location,
                f"Aurora RDS resource {subject(resource.location)}({resource.type}) is still "
                "declared; the migrated stack keeps its data in the AWS::DSQL::Cluster",
            )


def check_cluster(facts: FileFacts, config: Config) -> Iterator[Hit]:
    return _resources_of(facts, CLUSTER_TYPES)


def check_instance(facts: FileFacts, config: Config) -> Iterator[Hit]:
    return _resources_of(facts, INSTANCE_TYPES)


def check_engine(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for engine in facts.engines:
        if engine.value.strip().lower() in AURORA_ENGINES:
            yield Hit(
                engine.location,
                f"Aurora engine '{engine.value}' is configured; Aurora DSQL has no engine "
                "setting (it is PostgreSQL-compatible): remove the engine and its version",
            )


def check_supporting(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for resource in facts.resources:
        supporting = (
            resource.type.startswith(RDS_PREFIX)
            and resource.type not in CLUSTER_TYPES | INSTANCE_TYPES
        )
        if supporting or resource.detail == "rds-rotation-application":
            what = resource.detail or resource.type
            yield Hit(
                resource.location,
                f"RDS supporting resource {subject(resource.location)}({what}) only serves the "
                "Aurora RDS cluster; delete it with the cluster",
            )


CREDENTIAL_TEXT = {
    "secret": "secret {name}holds Aurora RDS credentials",
    "orphan-secret": "secret {name}holds database credentials (a username and a password) that "
    "no Redshift, DocumentDB or Neptune database in scope uses: the Aurora RDS credentials",
    "target-attachment": "secret target attachment {name}binds a secret to an RDS database",
    "rotation": "rotation schedule {name}rotates an RDS database secret",
    "managed-password": "ManageMasterUserPassword makes RDS create a master-user secret",
    "master-user-secret": "MasterUserSecret configures an RDS-managed master-user secret",
    "resolve": "a Secrets Manager dynamic reference feeds RDS credentials",
    "cdk-credentials": "{name}creates or reads Aurora RDS credentials",
    "database-secret": "DatabaseSecret {name}holds Aurora RDS credentials",
    "cdk-rotation": "{name}adds rotation to an RDS database secret",
}


def check_credentials(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for credential in facts.credentials:
        if not credential.for_rds:
            continue
        text = CREDENTIAL_TEXT.get(credential.kind, "{name}is an RDS credential artefact")
        yield Hit(
            credential.location,
            text.format(name=subject(credential.location))
            + "; Aurora DSQL authenticates with short-lived IAM tokens, so delete it once "
            "nothing reads it",
        )


def rds_service(action: str) -> str | None:
    """The RDS service an IAM action names literally (``rds-data:*`` -> ``rds-data``)."""
    service, sep, _ = action.strip().partition(":")
    service = service.lower()
    if not sep or "*" in service or "?" in service:
        return None
    return service if service in RDS_SERVICES else None


# What reading a secret takes: grant_read() and hand-written policies grant these two.
SECRET_READ_ACTIONS = ("secretsmanager:getsecretvalue", "secretsmanager:describesecret")
SECRET_READ_GRANTS = frozenset({"grant_read"})


def covers(pattern: str, action: str) -> bool:
    """Does an IAM action pattern (``*`` and ``?`` wildcards, any case) allow ``action``?"""
    escaped = pattern.strip().lower().replace("[", "[[]")
    return fnmatchcase(action, escaped)


def rds_secret_of(targets: tuple[Target, ...]) -> Target | None:
    """The first target that is a secret holding the RDS database's credentials."""
    return next((t for t in targets if t.rds_secret), None)


def _secret_reads(statement: IamStatement) -> Iterator[Hit]:
    """Actions that read an RDS credentials secret the statement's resources name."""
    secret = rds_secret_of(statement.resource_targets)
    if secret is None:
        return
    for action in statement.actions:
        if any(covers(action.text, read) for read in SECRET_READ_ACTIONS):
            yield Hit(
                action.location,
                f"IAM action '{action.text}' reads '{secret.name}'{arrival(secret)}, the secret "
                "that holds the Aurora RDS credentials; Aurora DSQL needs no password, so the permission is "
                "obsolete: remove it (and the secret, once nothing reads it)",
            )


def check_iam_actions(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for statement in facts.statements:
        if statement.effect.lower() != "allow" or statement.not_action:
            continue  # NotAction: the statement's grants are not enumerable actions
        yield from _secret_reads(statement)
        for action in statement.actions:
            service = rds_service(action.text)
            if service:
                yield Hit(
                    action.location,
                    f"IAM action '{action.text}' grants {service} permissions that only Aurora "
                    "RDS needs; grant dsql:DbConnect on the DSQL cluster ARN instead",
                )
    for grant in facts.grants:
        if grant.method in RDS_GRANTS and grant.target_type.startswith(RDS_PREFIX):
            yield Hit(
                grant.location,
                f"{grant.method}() grants Aurora RDS access{granter(grant)}; use "
                "the DSQL cluster's grant_connect() or a dsql:DbConnect policy statement",
            )
        elif grant.rds_secret and grant.method in SECRET_READ_GRANTS:
            secret = f"'{grant.target}', the secret that holds" if grant.target else "the secret of"
            yield Hit(
                grant.location,
                f"{grant.method}() lets {grant.grantee or 'the grantee'} read {secret} the "
                "Aurora RDS credentials; Aurora DSQL needs no password, so the "
                "permission is obsolete: remove the grant (and the secret, once nothing reads it)",
            )


def check_ingress(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for ingress in facts.ingress:
        if ingress.to_dsql_endpoint:
            continue
        ports = [port for port in LEGACY_PORTS if ingress.opens(port)]
        if ports:
            opened = " and ".join(str(p) for p in ports)
            yield Hit(
                ingress.location,
                f"security-group ingress opens port {opened} for the Aurora RDS database; "
                "Aurora DSQL is reached over its public or VPC endpoint, so remove the rule "
                "(or attach it to the DSQL interface VPC endpoint)",
            )


def _legacy_name(name: str, config: Config) -> bool:
    return any(re.search(p, name) for p in config.legacy_env_patterns)


def described(target: Target) -> str:
    """A target as messages name it: ``Cluster.Endpoint.Address``."""
    return f"{target.name}.{target.attribute}" if target.attribute else target.name


def arrival(target: Target) -> str:
    """How a value resolved from another file got here, for messages; "" for a local one."""
    return f" (via {target.via})" if target.via else ""


def granter(grant: Grant) -> str:
    """What a grant's granter from another module is, for messages; "" for a local one."""
    return f" on {grant.target} (via {grant.via})" if grant.via else ""


def _dsql_value(sink: Sink, uses_dsql: bool) -> bool:
    """Is the value the DSQL cluster's: wired to it, or its one database's name ("postgres")
    in a stack that uses a DSQL cluster?"""
    return sink.wired_to_dsql or (uses_dsql and sink.literal == DSQL_DATABASE)


def _sink_hit(sink: Sink, config: Config, uses_dsql: bool = False) -> Hit | None:
    where = {"env": "environment variable", "output": "Output", "export": "exported Output"}.get(
        sink.kind, "SSM parameter"
    )
    rds = sink.rds_targets
    if rds:
        target = rds[0]
        kind = (
            "secret" if target.rds_secret and not target.type.startswith(RDS_PREFIX) else "resource"
        )
        return Hit(
            sink.location,
            f"{where} '{sink.name}' carries {described(target)} of an Aurora RDS {kind}"
            f"{arrival(target)}; point it at the DSQL cluster (endpoint, identifier or ARN) or "
            "remove it",
        )
    if sink.kind == "env" and not _dsql_value(sink, uses_dsql) and _legacy_name(sink.name, config):
        resolved = [described(t) + arrival(t) for t in sink.targets if t.via]
        value = f" (its value is {', '.join(resolved)}, no DSQL value)" if resolved else ""
        return Hit(
            sink.name_location,
            f"environment variable '{sink.name}' is a legacy Aurora RDS setting{value}; replace "
            f"it with the DSQL settings ({DSQL_SETTINGS})",
        )
    return None


def check_references(facts: FileFacts, config: Config) -> Iterator[Hit]:
    uses_dsql = bool(facts.clusters) or any(sink.wired_to_dsql for sink in facts.sinks)
    for sink in facts.sinks:
        hit = _sink_hit(sink, config, uses_dsql)
        if hit is not None:
            yield hit
    for read in facts.env_reads:
        if _legacy_name(read.name, config):
            yield Hit(
                read.location,
                f"code reads the legacy Aurora RDS setting '{read.name}' from the environment; "
                f"read the DSQL settings ({DSQL_SETTINGS}) instead",
            )


def _unwrapped_secret(sink: Sink) -> str:
    """What a plain-text value reveals: the RDS database's credentials, a database
    credential, or some secret (decided from the wiring and the secret's shape, never names)."""
    secret = rds_secret_of(sink.targets)
    if secret is not None:
        return f"the Aurora RDS database's credentials from '{secret.name}'{arrival(secret)}"
    if any(t.is_rds for t in sink.targets):
        return "the Aurora RDS database's credentials"
    if sink.secret == "db":
        return "a database credential (not the Aurora RDS database's, as far as the scan sees)"
    return "a secret (not the Aurora RDS database's credentials)"


def check_plain_credentials(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for sink in facts.sinks:
        if sink.kind != "env" or sink.unwrapped is None:
            continue
        yield Hit(
            sink.unwrapped,
            f"environment variable '{sink.name}' holds {_unwrapped_secret(sink)} in plain "
            "text: anyone who may read the function's or task's configuration reads it; "
            "Aurora DSQL needs no password (connect with generate_db_connect_auth_token), and "
            "other secrets belong in ECS Secrets or are read at run time",
        )


def check_data_api(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for call in facts.api_calls:
        if call.service != DATA_API_SERVICE:
            continue
        if call.method == CLIENT_CREATION:
            yield Hit(
                call.location,
                "boto3 client for the RDS Data API ('rds-data'); Aurora DSQL has no Data API: "
                "connect with a PostgreSQL driver and an IAM token from the 'dsql' client",
            )
        elif call.method in DATA_API_CALLS:
            yield Hit(
                call.location,
                f"{call.method}() runs SQL through the RDS Data API, which Aurora DSQL does not "
                "have; run the statement over a PostgreSQL connection to the DSQL endpoint",
            )


def check_auth_token(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for call in facts.api_calls:
        if (call.service, call.method) == AUTH_TOKEN:
            yield Hit(
                call.location,
                "generate_db_auth_token() creates an Aurora RDS IAM token; DSQL tokens come "
                "from the 'dsql' client's generate_db_connect_auth_token()",
            )
    for host in facts.hosts:
        yield Hit(
            host.location,
            f"'{host.host}' is an Aurora RDS endpoint; connect to the DSQL cluster endpoint "
            "(<cluster id>.dsql.<region>.on.aws), read from DSQL_ENDPOINT",
        )


RDS_CLUSTER_TEMPLATE = """
Resources:
  LedgerCluster:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
"""

# The exporting stacks of RDS008's cross-stack examples (the importing stack is the example).
DSQL_EXPORTS = """\
Resources:
  Ledger:
    Type: AWS::DSQL::Cluster
    Properties:
      DeletionProtectionEnabled: true
Outputs:
  Endpoint:
    Value: !GetAtt Ledger.Endpoint
    Export:
      Name: Data:ExportsOutputFnGetAttLedgerEndpoint
  Arn:
    Value: !GetAtt Ledger.ResourceArn
    Export:
      Name: !Sub "${AWS::StackName}-ledger-arn"
"""
RDS_EXPORT = """\
Resources:
  Legacy:
    Type: AWS::RDS::DBCluster
Outputs:
  Host:
    Value: !GetAtt Legacy.Endpoint.Address
    Export:
      Name: Data:ExportsOutputFnGetAttLegacyEndpointAddress
"""
SECRET_EXPORT = """\
Resources:
  AuroraCredentials:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString:
        SecretStringTemplate: '{"username": "ledger_admin"}'
        GenerateStringKey: password
Outputs:
  Credentials:
    Value: !Ref AuroraCredentials
    Export:
      Name: Data:ExportsOutputRefAuroraCredentials
"""

# A project's function factory: RDS008's examples hand it their environment.
FUNCTION_FACTORY = """\
from aws_cdk import aws_lambda as lambda_


def ledger_function(scope, construct_id, *, environment):
    return lambda_.Function(
        scope,
        construct_id,
        runtime=lambda_.Runtime.PYTHON_3_12,
        handler="app.handler",
        code=lambda_.Code.from_asset("lambda"),
        environment=environment,
    )
"""

RULES = (
    rule(
        id="RDS001",
        name="rds-cluster",
        title="Aurora RDS cluster still declared",
        severity=Severity.ERROR,
        kinds=("cfn", "cdk"),
        requirements=("FR-001", "SC-001", "SC-004"),
        rationale="""The migration replaces the Aurora RDS cluster with exactly one Aurora DSQL
            cluster. A cluster left in the IaC keeps running, keeps costing, and keeps the old
            data path alive.""",
        remediation="""Delete the AWS::RDS::DBCluster / GlobalCluster (CDK DatabaseCluster,
            ServerlessCluster...) after the data has moved, and declare an AWS::DSQL::Cluster.""",
        examples=(
            Example(RDS_CLUSTER_TEMPLATE, fires=1, lines=(3,)),
            Example(
                """
                Resources:
                  Global:
                    Type: AWS::RDS::GlobalCluster
                """,
                fires=1,
                lines=(3,),
            ),
            Example(
                """
                Resources:
                  Ledger:
                    Type: AWS::DSQL::Cluster
                    Properties:
                      DeletionProtectionEnabled: true
                """,
                fires=0,
            ),
            Example(
                """
                from aws_cdk import CfnResource, Stack
                from aws_cdk import aws_rds as rds
                import aws_cdk.aws_rds as relational


                class LedgerStack(Stack):
                    def __init__(self, scope, construct_id, vpc):
                        super().__init__(scope, construct_id)
                        rds.DatabaseCluster(
                            self, "Ledger", engine=rds.DatabaseClusterEngine.AURORA_POSTGRESQL, vpc=vpc
                        )
                        relational.ServerlessCluster(
                            self, "Reports", engine=relational.DatabaseClusterEngine.AURORA_MYSQL, vpc=vpc
                        )
                        CfnResource(self, "Raw", type="AWS::RDS::DBCluster")
                """,
                fires=3,
                kind="cdk",
                lines=(9, 12, 15),
            ),
            Example(
                """
                \"\"\"Moves the ledger off rds.DatabaseCluster onto Aurora DSQL.\"\"\"

                from aws_cdk import Stack
                from aws_cdk import aws_dsql as dsql


                class DatabaseCluster:  # a local class that only shares the CDK name
                    def __init__(self, scope, name):
                        self.name = name


                class LedgerStack(Stack):
                    def __init__(self, scope, construct_id):
                        super().__init__(scope, construct_id)
                        # rds.DatabaseCluster(self, "Ledger") was removed by the migration
                        dsql.CfnCluster(self, "Ledger", deletion_protection_enabled=True)
                        DatabaseCluster(self, "Labels")
                """,
                fires=0,
                kind="cdk",
            ),
        ),
        check=check_cluster,
    ),
    rule(
        id="RDS002",
        name="rds-instance",
        title="Aurora RDS instance still declared",
        severity=Severity.ERROR,
        kinds=("cfn", "cdk"),
        requirements=("FR-001", "FR-007", "SC-004"),
        rationale="""Cluster instances (writer and readers) exist only to serve the Aurora RDS
            cluster. Aurora DSQL is serverless and has no instances to size or patch.""",
        remediation="""Delete the AWS::RDS::DBInstance resources (CDK ClusterInstance.provisioned /
            serverless_v2, DatabaseInstance) together with the cluster.""",
        examples=(
            Example(
                """
                Resources:
                  Writer:
                    Type: AWS::RDS::DBInstance
                    Properties:
                      DBInstanceClass: db.r6g.large
                """,
                fires=1,
                lines=(3,),
            ),
            Example(
                """
                Resources:
                  Table:
                    Type: AWS::DynamoDB::Table
                """,
                fires=0,
            ),
            Example(
                """
                from aws_cdk import aws_ec2 as ec2
                from aws_cdk import aws_rds as rds

                writer = rds.ClusterInstance.provisioned("writer", instance_type=ec2.InstanceType("r6g.large"))
                reader = rds.ClusterInstance.serverless_v2("reader")


                def reporting_replica(scope, vpc):
                    return rds.DatabaseInstance(
                        scope, "Reporting", engine=rds.DatabaseInstanceEngine.POSTGRES, vpc=vpc
                    )
                """,
                fires=3,
                kind="cdk",
                lines=(4, 5, 9),
            ),
            Example(
                """
                from aws_cdk import aws_ec2 as ec2


                def bastion(scope, vpc):
                    return ec2.Instance(
                        scope,
                        "Bastion",
                        vpc=vpc,
                        instance_type=ec2.InstanceType("t3.micro"),
                        machine_image=ec2.MachineImage.latest_amazon_linux2023(),
                    )
                """,
                fires=0,
                kind="cdk",
            ),
        ),
        check=check_instance,
    ),
    rule(
        id="RDS003",
        name="aurora-engine",
        title="Aurora engine configured",
        severity=Severity.ERROR,
        kinds=("cfn", "cdk", "app"),
        requirements=("FR-001", "SC-004"),
        rationale="""An Aurora engine value (aurora, aurora-mysql, aurora-postgresql) is the
            clearest sign of residual RDS: DSQL has no engine or engine-version setting.""",
        remediation="""Remove the engine and engine version with the RDS resource; connection code
            uses a PostgreSQL driver against the DSQL endpoint.""",
        examples=(
            Example(RDS_CLUSTER_TEMPLATE, fires=1, lines=(5,)),
            Example(
                """
                Resources:
                  Db:
                    Type: AWS::RDS::DBInstance
                    Properties:
                      Engine: !If [UseAurora, Aurora-MySQL, mysql]
                """,
                fires=1,
                lines=(5,),
            ),
            Example(
                """
                Resources:
                  Legacy:
                    Type: AWS::RDS::DBInstance
                    Properties:
                      Engine: postgres
                """,
                fires=0,
            ),
            Example(
                """
                from aws_cdk import aws_rds as rds

                ENGINE = rds.DatabaseClusterEngine.aurora_postgres(version=rds.AuroraPostgresEngineVersion.VER_16_4)


                def legacy_cluster(scope):
                    return rds.CfnDBCluster(scope, "Legacy", engine="aurora-mysql")
                """,
                fires=2,
                kind="cdk",
                lines=(3, 7),
            ),
            Example(
                """
                \"\"\"The reporting replica runs plain PostgreSQL, not aurora-postgresql.\"\"\"

                from aws_cdk import aws_rds as rds

                ENGINE = rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_16)
                """,
                fires=0,
                kind="cdk",
            ),
            Example(
                """
                import psycopg

                DATABASE = {
                    "engine": "aurora-postgresql",
                    "host": "localhost",
                }
                DB_ENGINE = "Aurora-MySQL"
                """,
                fires=2,
                kind="app",
                lines=(4, 7),
            ),
            Example(
                """
                DATABASE = {"engine": "postgresql", "host": "abc.dsql.us-east-1.on.aws"}
                NOTE = "migrated off aurora-postgresql in 2025"
                """,
                fires=0,
                kind="app",
            ),
        ),
        check=check_engine,
    ),
    rule(
        id="RDS004",
        name="rds-supporting-resource",
        title="RDS supporting resource still declared",
        severity=Severity.ERROR,
        kinds=("cfn", "cdk"),
        requirements=("FR-001", "FR-007", "SC-004"),
        rationale="""Subnet groups, parameter groups, proxies, endpoints and RDS rotation
            applications have no purpose without the Aurora RDS cluster and block its clean
            deletion.""",
        remediation="""Delete every other AWS::RDS::* resource and the SecretsManagerRDS*Rotation
            serverless application with the cluster.""",
        examples=(
            Example(
                """
                Resources:
                  Subnets:
                    Type: AWS::RDS::DBSubnetGroup
                  Params:
                    Type: AWS::RDS::DBClusterParameterGroup
                  Rotator:
                    Type: AWS::Serverless::Application
                    Properties:
                      Location:
                        ApplicationId: arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationSingleUser
                        SemanticVersion: 1.1.367
                """,
                fires=3,
                lines=(3, 5, 7),
            ),
            Example(
                """
                Mappings:
                  RotationSARMapping:
                    aws:
                      applicationId: arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationSingleUser
                Resources:
                  Rotator:
                    Type: AWS::Serverless::Application
                    Properties:
                      Location:
                        ApplicationId: !FindInMap [RotationSARMapping, !Ref AWS::Partition, applicationId]
                        SemanticVersion: 1.1.367
                """,
                fires=1,
                lines=(7,),
            ),
            Example(
                """
                Resources:
                  Cluster:
                    Type: AWS::RDS::DBCluster
                  Api:
                    Type: AWS::Serverless::Application
                    Properties:
                      Location: ./nested/api.yaml
                """,
                fires=0,
            ),
            Example(
                """
                from aws_cdk import aws_rds as rds
                from aws_cdk.aws_rds import DatabaseProxy as Proxy


                def database(scope, vpc, cluster: rds.DatabaseCluster):
                    rds.SubnetGroup(scope, "Subnets", vpc=vpc, description="ledger")
                    rds.ParameterGroup(scope, "Params", engine=cluster.engine)
                    Proxy(scope, "Proxy", proxy_target=rds.ProxyTarget.from_cluster(cluster), vpc=vpc)
                    cluster.add_proxy("AppProxy", vpc=vpc)
                """,
                fires=4,
                kind="cdk",
                lines=(6, 7, 8, 9),
            ),
            Example(
                """
                from aws_cdk import aws_ec2 as ec2


                def network(scope):
                    vpc = ec2.Vpc(scope, "Vpc", max_azs=2)
                    ec2.SecurityGroup(scope, "Api", vpc=vpc)
                """,
                fires=0,
                kind="cdk",
            ),
        ),
        check=check_supporting,
    ),
    rule(
        id="RDS005",
        name="rds-credentials",
        title="Aurora RDS credentials still managed",
        severity=Severity.ERROR,
        kinds=("cfn", "cdk"),
        requirements=("FR-003", "FR-007", "SC-004"),
        rationale="""Aurora DSQL authenticates with short-lived IAM tokens. Secrets, attachments,
            rotation schedules and managed master passwords that exist for the RDS database are
            dead weight and a leak risk once the cluster is gone, but only if nothing still reads
            them, which is what this rule lets you verify. A secret whose generated or literal
            JSON holds a username and a password (CDK DatabaseSecret, from_generated_secret, a
            hand-written SecretStringTemplate with GenerateStringKey password) is the RDS
            credentials even after the cluster is deleted, unless a Redshift, DocumentDB or
            Neptune database in the same template or module uses it. Names are not evidence.""",
        remediation="""Delete the secret, its target attachment and rotation schedule (CDK:
            Credentials.from_generated_secret, DatabaseSecret, add_rotation_*) after no code reads
            them; connect to DSQL with generate_db_connect_auth_token.""",
        examples=(
            Example(
                """
                Resources:
                  DbSecret:
                    Type: AWS::SecretsManager::Secret
                  Attach:
                    Type: AWS::SecretsManager::SecretTargetAttachment
                    Properties:
                      SecretId: !Ref DbSecret
                      TargetId: !Ref Cluster
                      TargetType: AWS::RDS::DBCluster
                  Rotation:
                    Type: AWS::SecretsManager::RotationSchedule
                    Properties:
                      SecretId: !Ref DbSecret
                      HostedRotationLambda:
                        RotationType: PostgreSQLSingleUser
                  Cluster:
                    Type: AWS::RDS::DBCluster
                    Properties:
                      ManageMasterUserPassword: true
                      MasterUserPassword: !Sub "{{resolve:secretsmanager:${DbSecret}:SecretString:password}}"
                """,
                fires=4,
                lines=(3, 5, 11, 19),
            ),
            Example(
                """
                Resources:
                  Attachment:
                    Type: AWS::SecretsManager::SecretTargetAttachment
                    Properties:
                      SecretId: arn:aws:secretsmanager:us-east-1:111122223333:secret:db
                      TargetId: !Ref Cluster
                      TargetType: AWS::RDS::DBCluster
                  Rotation:
                    Type: AWS::SecretsManager::RotationSchedule
                    Properties:
                      SecretId: !Ref Attachment
                      RotationLambdaARN: arn:aws:lambda:us-east-1:111122223333:function:rotate
                  Cluster:
                    Type: AWS::RDS::DBCluster
                """,
                fires=2,
                lines=(3, 9),
            ),
            Example(
                """
                Resources:
                  Instance:
                    Type: AWS::RDS::DBInstance
                    Properties:
                      MasterUserPassword: "{{resolve:secretsmanager:prod/ledger:SecretString:password}}"
                """,
                fires=1,
                lines=(5,),
            ),
            Example(
                """
                Resources:
                  OAuthClientSecret:
                    Type: AWS::SecretsManager::Secret
                    Properties:
                      Description: OAuth client secret for the partner API
                  Rotation:
                    Type: AWS::SecretsManager::RotationSchedule
                    Properties:
                      SecretId: !Ref OAuthClientSecret
                      RotationLambdaARN: arn:aws:lambda:us-east-1:111122223333:function:rotate
                """,
                fires=0,
            ),
            Example(
                """
                from aws_cdk import aws_rds as rds


                def database(scope, vpc):
                    cluster = rds.DatabaseCluster(
                        scope,
                        "Ledger",
                        engine=rds.DatabaseClusterEngine.AURORA_POSTGRESQL,
                        credentials=rds.Credentials.from_generated_secret("ledger_admin"),
                        vpc=vpc,
                    )
                    cluster.add_rotation_single_user()
                    rds.DatabaseSecret(scope, "AppUser", username="ledger_app", master_secret=cluster.secret)
                """,
                fires=3,
                kind="cdk",
                lines=(9, 12, 13),
            ),
            Example(
                """
                Resources:
                  AuroraCredentials:
                    Type: AWS::SecretsManager::Secret
                    Properties:
                      Name: ledger-aurora-credentials
                      GenerateSecretString:
                        SecretStringTemplate: '{"username": "ledger_admin"}'
                        GenerateStringKey: password
                        ExcludePunctuation: true
                  Ledger:
                    Type: AWS::DSQL::Cluster
                    Properties:
                      DeletionProtectionEnabled: true
                Outputs:
                  CredentialsArn:
                    Value: !Ref AuroraCredentials
                    Export:
                      Name: ledger-aurora-credentials-arn
                """,
                fires=1,
                lines=(3,),
            ),
            Example(
                """
                Resources:
                  WarehouseCredentials:
                    Type: AWS::SecretsManager::Secret
                    Properties:
                      GenerateSecretString:
                        SecretStringTemplate: '{"username": "analyst"}'
                        GenerateStringKey: password
                  Warehouse:
                    Type: AWS::Redshift::Cluster
                    Properties:
                      ClusterType: single-node
                      NodeType: ra3.xlplus
                      DBName: analytics
                      MasterUsername: analyst
                      MasterUserPassword: !Sub "{{resolve:secretsmanager:${WarehouseCredentials}:SecretString:password}}"
                  CatalogCredentials:
                    Type: AWS::SecretsManager::Secret
                    Properties:
                      GenerateSecretString:
                        SecretStringTemplate: '{"username": "catalog"}'
                        GenerateStringKey: password
                  CatalogAttachment:
                    Type: AWS::SecretsManager::SecretTargetAttachment
                    Properties:
                      SecretId: !Ref CatalogCredentials
                      TargetId: !Ref Catalog
                      TargetType: AWS::DocDB::DBCluster
                  Catalog:
                    Type: AWS::DocDB::DBCluster
                  PartnerOAuth:
                    Type: AWS::SecretsManager::Secret
                    Properties:
                      GenerateSecretString:
                        SecretStringTemplate: '{"client_id": "ledger"}'
                        GenerateStringKey: client_secret
                """,
                fires=0,
            ),
            Example(
                """
                import json

                from aws_cdk import aws_dsql as dsql
                from aws_cdk import aws_secretsmanager as secretsmanager


                def database(scope):
                    dsql.CfnCluster(scope, "Ledger", deletion_protection_enabled=True)
                    return secretsmanager.Secret(
                        scope,
                        "AuroraCredentials",
                        generate_secret_string=secretsmanager.SecretStringGenerator(
                            secret_string_template=json.dumps({"username": "ledger_admin"}),
                            generate_string_key="password",
                        ),
                    )
                """,
                fires=1,
                kind="cdk",
                lines=(9,),
            ),
            Example(
                """
                import json

                from aws_cdk import aws_docdb as docdb
                from aws_cdk import aws_ec2 as ec2
                from aws_cdk import aws_neptune_alpha as neptune
                from aws_cdk import aws_secretsmanager as secretsmanager


                class Catalog:
                    def __init__(self, scope, vpc):
                        self.login = secretsmanager.Secret(
                            scope,
                            "CatalogLogin",
                            generate_secret_string=secretsmanager.SecretStringGenerator(
                                secret_string_template=json.dumps({"username": "catalog"}),
                                generate_string_key="password",
                            ),
                        )
                        docdb.DatabaseCluster(
                            scope,
                            "Catalog",
                            master_user=docdb.Login(
                                username="catalog",
                                password=self.login.secret_value_from_json("password"),
                            ),
                            instance_type=ec2.InstanceType("r6g.large"),
                            vpc=vpc,
                        )
                        graph = neptune.DatabaseCluster(
                            scope, "Graph", vpc=vpc, instance_type=neptune.InstanceType.R6G_LARGE
                        )
                        graph_login = secretsmanager.Secret(
                            scope,
                            "GraphLogin",
                            generate_secret_string=secretsmanager.SecretStringGenerator(
                                secret_string_template=json.dumps({"username": "graph"}),
                                generate_string_key="password",
                            ),
                        )
                        graph_login.attach(graph)
                        secretsmanager.Secret(scope, "PartnerOAuth", description="password")
                """,
                fires=0,
                kind="cdk",
            ),
            Example(
                """
                from aws_cdk import Duration
                from aws_cdk import aws_secretsmanager as secretsmanager


                def partner_api_key(scope, rotator):
                    secret = secretsmanager.Secret(scope, "PartnerApiKey")
                    secret.add_rotation_schedule(
                        "Rotation", rotation_lambda=rotator, automatically_after=Duration.days(30)
                    )
                """,
                fires=0,
                kind="cdk",
            ),
        ),
        check=check_credentials,
    ),
    rule(
        id="RDS006",
        name="rds-iam-action",
        title="IAM grants Aurora RDS actions",
        severity=Severity.ERROR,
        kinds=("cfn", "cdk"),
        requirements=("FR-003", "SC-004"),
        rationale="""The migrated backend needs only dsql:DbConnect on its cluster. rds-data:*,
            rds-db:connect and rds:* permissions left on a role widen it for no purpose, and so
            does reading the RDS credentials secret (secretsmanager:GetSecretValue or
            DescribeSecret, or a wildcard covering them, on that secret; CDK
            secret.grant_read()). Wildcard services (rds*:*, *) are reported by DSQL005;
            NotAction statements are not enumerable and are not judged here.""",
        remediation="""Remove the rds, rds-data and rds-db actions and the permission to read the
            RDS secret; grant dsql:DbConnect on the DSQL cluster ARN (CDK:
            cluster.grant_connect(role)).""",
        examples=(
            Example(
                """
                Resources:
                  ApiRole:
                    Type: AWS::IAM::Role
                    Properties:
                      Policies:
                        - PolicyName: data
                          PolicyDocument:
                            Statement:
                              - Effect: Allow
                                Action: [rds-data:ExecuteStatement, "rds-db:connect"]
                                Resource: "*"
                  Extra:
                    Type: AWS::IAM::ManagedPolicy
                    Properties:
                      PolicyDocument:
                        Statement:
                          Effect: Allow
                          Action: rds:DescribeDBClusters
                          Resource: "*"
                """,
                fires=3,
                lines=(10, 10, 18),
            ),
            Example(
                """
                Resources:
                  ApiRole:
                    Type: AWS::IAM::Role
                    Properties:
                      Policies:
                        - PolicyName: data
                          PolicyDocument:
                            Statement:
                              - Effect: Allow
                                Action: dsql:DbConnect
                                Resource: !GetAtt Ledger.ResourceArn
                              - Effect: Deny
                                Action: rds:*
                                Resource: "*"
                """,
                fires=0,
            ),
            Example(
                """
                from aws_cdk import aws_iam as iam
                from aws_cdk import aws_rds as rds


                def permissions(api, cluster: rds.DatabaseCluster):
                    api.add_to_role_policy(
                        iam.PolicyStatement(
                            actions=["rds-data:ExecuteStatement", "rds-db:connect"], resources=["*"]
                        )
                    )
                    cluster.grant_data_api_access(api)
                """,
                fires=3,
                kind="cdk",
                lines=(8, 8, 11),
            ),
            Example(
                """
                from aws_cdk import aws_dsql as dsql
                from aws_cdk import aws_iam as iam


                def permissions(scope, api):
                    ledger = dsql.CfnCluster(scope, "Ledger")
                    # "rds-data:ExecuteStatement" left with the Aurora cluster
                    api.add_to_role_policy(
                        iam.PolicyStatement(actions=["dsql:DbConnect"], resources=[ledger.attr_resource_arn])
                    )
                    api.add_to_role_policy(
                        iam.PolicyStatement(effect=iam.Effect.DENY, actions=["rds:*"], resources=["*"])
                    )
                """,
                fires=0,
                kind="cdk",
            ),
            Example(
                """
                Resources:
                  AuroraCredentials:
                    Type: AWS::SecretsManager::Secret
                    Properties:
                      GenerateSecretString:
                        SecretStringTemplate: '{"username": "ledger_admin"}'
                        GenerateStringKey: password
                  PartnerKey:
                    Type: AWS::SecretsManager::Secret
                  ApiRole:
                    Type: AWS::IAM::Role
                  ApiPolicy:
                    Type: AWS::IAM::Policy
                    Properties:
                      PolicyName: api
                      Roles: [!Ref ApiRole]
                      PolicyDocument:
                        Statement:
                          - Effect: Allow
                            Action: [secretsmanager:GetSecretValue, secretsmanager:DescribeSecret]
                            Resource: !Ref AuroraCredentials
                          - Effect: Allow
                            Action: secretsmanager:Get*
                            Resource: [!Ref AuroraCredentials]
                          - Effect: Allow
                            Action: secretsmanager:GetSecretValue
                            Resource: !Ref PartnerKey
                """,
                fires=3,
                lines=(20, 20, 23),
            ),
            Example(
                """
                import json

                from aws_cdk import aws_iam as iam
                from aws_cdk import aws_rds as rds
                from aws_cdk import aws_secretsmanager as secretsmanager


                def permissions(scope, api, cluster: rds.DatabaseCluster):
                    credentials = secretsmanager.Secret(
                        scope,
                        "AuroraCredentials",
                        generate_secret_string=secretsmanager.SecretStringGenerator(
                            secret_string_template=json.dumps({"username": "ledger_admin"}),
                            generate_string_key="password",
                        ),
                    )
                    credentials.grant_read(api)
                    cluster.secret.grant_read(api)
                    api.add_to_role_policy(
                        iam.PolicyStatement(actions=["secretsmanager:*"], resources=[credentials.secret_arn])
                    )
                """,
                fires=3,
                kind="cdk",
                lines=(17, 18, 20),
            ),
            Example(
                """
                from aws_cdk import aws_iam as iam
                from aws_cdk import aws_secretsmanager as secretsmanager


                def permissions(scope, api):
                    partner = secretsmanager.Secret(scope, "PartnerApiKey")
                    partner.grant_read(api)
                    api.add_to_role_policy(
                        iam.PolicyStatement(
                            actions=["secretsmanager:GetSecretValue"], resources=[partner.secret_arn]
                        )
                    )
                """,
                fires=0,
                kind="cdk",
            ),
            Example(
                """
                Resources:
                  ApiPolicy:
                    Type: AWS::IAM::ManagedPolicy
                    Properties:
                      PolicyDocument:
                        Statement:
                          - Effect: Allow
                            Action: [secretsmanager:DescribeSecret, secretsmanager:GetSecretValue]
                            Resource: !ImportValue Data:ExportsOutputRefAuroraCredentials
                """,
                fires=2,
                lines=(8, 8),  # the secret is in data.yaml, the permission here
                extra_files=(("data.yaml", SECRET_EXPORT),),
            ),
            Example(
                api_stack(
                    """
                    data.database.grant_connect(self.api, "ledger_app")
                    """
                ),
                fires=1,
                kind="cdk",
                filename="stacks/api_stack.py",
                lines=(15,),
                extra_files=CDK_APP_FILES,
            ),
            Example(
                api_stack(
                    """
                    data.documents.grant_connect(self.api)
                    """
                ),
                fires=0,
                kind="cdk",
                filename="stacks/api_stack.py",
                extra_files=CDK_APP_FILES,
            ),
        ),
        check=check_iam_actions,
    ),
    rule(
        id="RDS007",
        name="rds-port-ingress",
        title="Security group opens the database port",
        severity=Severity.WARNING,
        kinds=("cfn", "cdk"),
        requirements=("FR-007", "SC-004"),
        rationale="""Ingress on 5432 or 3306 exists for the Aurora RDS cluster. Left behind, it
            keeps a database port open and blocks deleting the security group. Rules attached to
            a DSQL interface VPC endpoint are legitimate and not reported.""",
        remediation="""Delete the ingress rule and the RDS security group; reach DSQL through its
            endpoint (or an interface VPC endpoint whose security group allows 5432).""",
        examples=(
            Example(
                """
                Resources:
                  DbSg:
                    Type: AWS::EC2::SecurityGroup
                    Properties:
                      GroupDescription: db
                      SecurityGroupIngress:
                        - IpProtocol: tcp
                          FromPort: 5432
                          ToPort: 5432
                  Wide:
                    Type: AWS::EC2::SecurityGroupIngress
                    Properties:
                      GroupId: !Ref DbSg
                      IpProtocol: tcp
                      FromPort: 3000
                      ToPort: 4000
                """,
                fires=2,
                lines=(7, 13),
            ),
            Example(
                """
                Resources:
                  Db:
                    Type: AWS::RDS::DBCluster
                    Properties:
                      Engine: aurora-mysql
                  FromApi:
                    Type: AWS::EC2::SecurityGroupIngress
                    Properties:
                      GroupId: sg-0123456789abcdef0
                      IpProtocol: tcp
                      FromPort: !GetAtt Db.Endpoint.Port
                      ToPort: !GetAtt Db.Endpoint.Port
                """,
                fires=1,
                lines=(9,),
            ),
            Example(
                """
                Resources:
                  Web:
                    Type: AWS::EC2::SecurityGroup
                    Properties:
                      GroupDescription: web
                      SecurityGroupIngress:
                        - IpProtocol: tcp
                          FromPort: 443
                          ToPort: 443
                  EndpointSg:
                    Type: AWS::EC2::SecurityGroup
                    Properties:
                      GroupDescription: dsql endpoint
                      SecurityGroupIngress:
                        - IpProtocol: tcp
                          FromPort: 5432
                          ToPort: 5432
                  DsqlEndpoint:
                    Type: AWS::EC2::VPCEndpoint
                    Properties:
                      ServiceName: !Sub com.amazonaws.${AWS::Region}.dsql-fnh4
                      VpcEndpointType: Interface
                      SecurityGroupIds: [!Ref EndpointSg]
                """,
                fires=0,
            ),
            Example(
                """
                from aws_cdk import aws_ec2 as ec2
                from aws_cdk import aws_rds as rds


                def network(scope, vpc, api):
                    database = ec2.SecurityGroup(scope, "Database", vpc=vpc)
                    database.add_ingress_rule(ec2.Peer.ipv4("10.0.0.0/16"), ec2.Port.tcp(5432))
                    database.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp_range(3000, 4000))
                    cluster = rds.DatabaseCluster(
                        scope, "Ledger", engine=rds.DatabaseClusterEngine.AURORA_MYSQL, vpc=vpc
                    )
                    cluster.connections.allow_default_port_from(api)
                """,
                fires=3,
                kind="cdk",
                lines=(7, 8, 12),
            ),
            Example(
                """
                from aws_cdk import aws_ec2 as ec2


                def network(scope, vpc):
                    web = ec2.SecurityGroup(scope, "Web", vpc=vpc)
                    web.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.HTTPS)
                    endpoint_group = ec2.SecurityGroup(scope, "DsqlEndpoint", vpc=vpc)
                    endpoint_group.add_ingress_rule(ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.POSTGRES)
                    ec2.InterfaceVpcEndpoint(
                        scope,
                        "Dsql",
                        vpc=vpc,
                        service=ec2.InterfaceVpcEndpointService("com.amazonaws.us-east-1.dsql-fnh4"),
                        security_groups=[endpoint_group],
                    )
                """,
                fires=0,
                kind="cdk",
            ),
            Example(
                api_stack(
                    """
                    data.database.connections.allow_default_port_from(self.api)
                    """
                ),
                fires=1,
                kind="cdk",
                filename="stacks/api_stack.py",
                lines=(15,),
                extra_files=CDK_APP_FILES,
            ),
            Example(
                api_stack(
                    """
                    data.documents.connections.allow_default_port_from(self.api)
                    """
                ),
                fires=0,
                kind="cdk",
                filename="stacks/api_stack.py",
                extra_files=CDK_APP_FILES,
            ),
        ),
        check=check_ingress,
    ),
    rule(
        id="RDS008",
        name="rds-reference",
        title="Value carries an Aurora RDS reference",
        severity=Severity.ERROR,
        kinds=("cfn", "cdk", "app"),
        requirements=("FR-002", "FR-007", "SC-004"),
        rationale="""Environment variables, Outputs, Exports and SSM parameters that carry the RDS
            cluster's endpoint, ARN or secret keep consumers pointed at the old database and stop
            the stack from deleting it, whatever the name (DB_HOST, DB_PASSWORD, DATABASE_URL
            carrying an RDS attribute, the RDS secret or a field of it). Legacy names (an RDS or
            AURORA word with a connection-setting word: SECRET, CLUSTER, ARN, ENDPOINT, HOST,
            PORT, USER, PASSWORD, DB, DATABASE, NAME, URL...; configurable with
            legacy-env-patterns) are reported whatever their value, unless it is wired to the
            DSQL cluster (or is its database, postgres, in a stack that uses the cluster).""",
        remediation="""Point the value at the DSQL cluster (GetAtt Cluster.Endpoint / Identifier /
            ResourceArn; CDK: cluster.attr_endpoint) under a DSQL name such as DSQL_ENDPOINT, or
            remove it; application code reads the DSQL names instead of the legacy ones.""",
        examples=(
            Example(
                """
                Resources:
                  Api:
                    Type: AWS::Lambda::Function
                    Properties:
                      Environment:
                        Variables:
                          DB_HOST: !GetAtt Cluster.Endpoint.Address
                          AURORA_SECRET_ARN: arn:aws:secretsmanager:us-east-1:111122223333:secret:db
                  Cluster:
                    Type: AWS::RDS::DBCluster
                Outputs:
                  ClusterArn:
                    Value: !Sub "arn:aws:rds:${AWS::Region}:${AWS::AccountId}:cluster:${Cluster}"
                    Export:
                      Name: ledger-cluster-arn
                """,
                fires=3,
                lines=(7, 8, 13),
            ),
            Example(
                """
                Resources:
                  Attachment:
                    Type: AWS::SecretsManager::SecretTargetAttachment
                    Properties:
                      SecretId: arn:aws:secretsmanager:us-east-1:111122223333:secret:db
                      TargetId: !Ref Cluster
                      TargetType: AWS::RDS::DBCluster
                  Cluster:
                    Type: AWS::RDS::DBCluster
                  Api:
                    Type: AWS::Lambda::Function
                    Properties:
                      Environment:
                        Variables:
                          DB_SECRET_ARN: !Ref Attachment
                """,
                fires=1,
                lines=(15,),
            ),
            Example(
                """
                Resources:
                  Api:
                    Type: AWS::Lambda::Function
                    Properties:
                      Environment:
                        Variables:
                          AURORA_DB_CLUSTER_ARN: !GetAtt Ledger.ResourceArn
                          DSQL_ENDPOINT: !GetAtt Ledger.Endpoint
                  Ledger:
                    Type: AWS::DSQL::Cluster
                """,
                fires=0,
            ),
            Example(
                """
                from aws_cdk import aws_lambda as lambda_
                from aws_cdk import aws_rds as rds


                def api(scope, cluster: rds.DatabaseCluster, code):
                    return lambda_.Function(
                        scope,
                        "Api",
                        runtime=lambda_.Runtime.PYTHON_3_12,
                        handler="app.handler",
                        code=code,
                        environment={
                            "DB_HOST": cluster.cluster_endpoint.hostname,
                            "DB_SECRET_ARN": cluster.secret.secret_arn,
                            "AURORA_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:db",
                        },
                    )
                """,
                fires=3,
                kind="cdk",
                lines=(13, 14, 15),
            ),
            Example(
                """
                from aws_cdk import aws_dsql as dsql
                from aws_cdk import aws_lambda as lambda_


                def api(scope, code):
                    ledger = dsql.CfnCluster(scope, "Ledger")
                    return lambda_.Function(
                        scope,
                        "Api",
                        runtime=lambda_.Runtime.PYTHON_3_12,
                        handler="app.handler",
                        code=code,
                        environment={
                            "DSQL_ENDPOINT": ledger.attr_endpoint,
                            "AURORA_DB_CLUSTER_ARN": ledger.attr_resource_arn,
                            "DSQL_DATABASE": "postgres",
                        },
                    )
                """,
                fires=0,
                kind="cdk",
            ),
            Example(
                api_stack(
                    """
                    self.database = data.database
                    self.api.add_environment("DB_HOST", self.database.db_instance_endpoint_address)
                    self.api.add_environment("DB_SECRET_ARN", data.db_credentials.secret_arn)
                    """
                ),
                fires=2,
                kind="cdk",
                filename="stacks/api_stack.py",
                lines=(16, 17),
                extra_files=CDK_APP_FILES,
            ),
            Example(
                api_stack(
                    """
                    self.api.add_environment("AURORA_DB_ENDPOINT", data.ledger.attr_endpoint)
                    self.api.add_environment("AURORA_DB_CLUSTER_ARN", data.ledger.attr_resource_arn)
                    self.api.add_environment("DB_HOST", data.documents.cluster_endpoint.hostname)
                    """
                ),
                fires=0,
                kind="cdk",
                filename="stacks/api_stack.py",
                extra_files=CDK_APP_FILES,
            ),
            Example(
                """
                import os
                from os import getenv

                CLUSTER_ARN = os.environ["AURORA_CLUSTER_ARN"]
                HOST = getenv("RDS_HOSTNAME", "localhost")
                SECRET = os.environ.get("RDS_SECRET_ARN")
                """,
                fires=3,
                kind="app",
                lines=(4, 5, 6),
            ),
            Example(
                """
                import os

                ENDPOINT = os.environ["DSQL_ENDPOINT"]
                DATABASE = os.environ.get("DSQL_DATABASE", "postgres")
                NOTE = "AURORA_CLUSTER_ARN was replaced by DSQL_CLUSTER_ARN"
                """,
                fires=0,
                kind="app",
            ),
            Example(
                """
                Resources:
                  AuroraCredentials:
                    Type: AWS::SecretsManager::Secret
                    Properties:
                      GenerateSecretString:
                        SecretStringTemplate: '{"username": "ledger_admin"}'
                        GenerateStringKey: password
                  Ledger:
                    Type: AWS::DSQL::Cluster
                  Api:
                    Type: AWS::Lambda::Function
                    Properties:
                      Environment:
                        Variables:
                          AURORA_DB_SECRET_ARN: !Ref AuroraCredentials
                          DB_USER: !Sub "{{resolve:secretsmanager:${AuroraCredentials}:SecretString:username}}"
                          AURORA_DB_NAME: ledger
                          RDS_PORT: "5432"
                          AURORA_USER: ledger_app
                          DB_HOST: !GetAtt Ledger.Endpoint
                          DB_NAME: postgres
                          AURORA_DB_ENDPOINT: !GetAtt Ledger.Endpoint
                          PASSWORDS_HOST: vault.internal
                Outputs:
                  CredentialsArn:
                    Value: !Ref AuroraCredentials
                    Export:
                      Name: ledger-aurora-credentials-arn
                """,
                fires=6,
                lines=(15, 16, 17, 18, 19, 26),
            ),
            Example(
                """
                from aws_cdk import aws_dsql as dsql
                from aws_cdk import aws_lambda as lambda_
                from aws_cdk import aws_rds as rds


                def api(scope, code, cluster: rds.DatabaseCluster):
                    ledger = dsql.CfnCluster(scope, "Ledger")
                    password = cluster.secret.secret_value_from_json("password").unsafe_unwrap()
                    return lambda_.Function(
                        scope,
                        "Api",
                        runtime=lambda_.Runtime.PYTHON_3_12,
                        handler="app.handler",
                        code=code,
                        environment={
                            "DB_PASSWORD": password,
                            "DB_PORT": cluster.cluster_endpoint.port,
                            "DB_HOST": ledger.attr_endpoint,
                            "AURORA_DB_NAME": "postgres",
                            "DATABASE_URL": "postgresql://localhost/app",
                        },
                    )
                """,
                fires=2,
                kind="cdk",
                lines=(16, 17),
            ),
            Example(
                """
                Resources:
                  Api:
                    Type: AWS::Lambda::Function
                    Properties:
                      Environment:
                        Variables:
                          AURORA_DB_ENDPOINT: !ImportValue Data:ExportsOutputFnGetAttLedgerEndpoint
                          AURORA_DB_CLUSTER_ARN: !ImportValue
                            Fn::Sub: "${DataStackName}-ledger-arn"
                Parameters:
                  DataStackName:
                    Type: String
                    Default: Data
                """,
                fires=0,
                extra_files=(
                    (
                        "data.yaml",
                        DSQL_EXPORTS,
                    ),
                ),
            ),
            Example(
                """
                Resources:
                  Api:
                    Type: AWS::Lambda::Function
                    Properties:
                      Environment:
                        Variables:
                          DB_HOST: !ImportValue Data:ExportsOutputFnGetAttLegacyEndpointAddress
                """,
                fires=2,
                lines=(6, 7),  # the export in data.yaml, the import here
                extra_files=(
                    (
                        "data.yaml",
                        RDS_EXPORT,
                    ),
                ),
            ),
            Example(
                """
                from aws_cdk import Stack
                from aws_cdk import aws_rds as rds

                from infra.functions import ledger_function


                class ApiStack(Stack):
                    def __init__(self, scope, cluster: rds.DatabaseCluster):
                        super().__init__(scope, "Api")
                        ledger_function(
                            self,
                            "Handler",
                            environment={
                                "DB_HOST": cluster.cluster_endpoint.hostname,
                                "LOG_LEVEL": "INFO",
                            },
                        )
                """,
                fires=1,
                kind="cdk",
                filename="infra/api.py",
                lines=(14,),  # the factory in infra/functions.py passes the mapping on
                extra_files=(("infra/functions.py", FUNCTION_FACTORY),),
            ),
            Example(
                """
                from aws_cdk import Stack
                from aws_cdk import aws_dsql as dsql

                from infra.functions import ledger_function


                class ApiStack(Stack):
                    def __init__(self, scope):
                        super().__init__(scope, "Api")
                        ledger = dsql.CfnCluster(self, "Ledger", deletion_protection_enabled=True)
                        ledger_function(
                            self,
                            "Handler",
                            environment={"AURORA_DB_ENDPOINT": ledger.attr_endpoint},
                        )
                """,
                fires=0,
                kind="cdk",
                filename="infra/api.py",
                extra_files=(("infra/functions.py", FUNCTION_FACTORY),),
            ),
        ),
        check=check_references,
    ),
    rule(
        id="RDS009",
        name="rds-data-api",
        title="Application uses the RDS Data API",
        severity=Severity.ERROR,
        kinds=("app",),
        requirements=("FR-001", "SC-004"),
        rationale="""Aurora DSQL has no Data API. Code that creates an rds-data client or calls
            execute_statement, batch_execute_statement or the transaction calls on one still
            talks to the Aurora RDS cluster, wherever the client was created (module global,
            attribute, session) and whatever it was named.""",
        remediation="""Connect to the DSQL endpoint with a PostgreSQL driver (psycopg) and a token
            from boto3.client("dsql").generate_db_connect_auth_token(), and run the SQL over that
            connection.""",
        examples=(
            Example(
                """
                import boto3

                client = boto3.client("rds-data")


                def balances(cluster_arn, secret_arn):
                    session = boto3.Session(region_name="us-east-1")
                    reporting = session.client("rds-data")
                    reporting.begin_transaction(resourceArn=cluster_arn, secretArn=secret_arn)
                    return client.execute_statement(
                        resourceArn=cluster_arn, secretArn=secret_arn, sql="SELECT id, balance FROM accounts"
                    )
                """,
                fires=4,
                kind="app",
                lines=(3, 8, 9, 10),
            ),
            Example(
                """
                import boto3

                dsql = boto3.client("dsql", region_name="us-east-1")
                warehouse = boto3.client("redshift-data")
                dynamodb = boto3.client("dynamodb")


                def refresh(cluster):
                    warehouse.execute_statement(ClusterIdentifier=cluster, Database="dev", Sql="SELECT 1")
                    dynamodb.execute_statement(Statement="SELECT * FROM accounts")
                """,
                fires=0,
                kind="app",
            ),
        ),
        check=check_data_api,
    ),
    rule(
        id="RDS010",
        name="rds-iam-auth-token",
        title="Application authenticates against Aurora RDS",
        severity=Severity.ERROR,
        kinds=("app",),
        requirements=("FR-003", "SC-004"),
        rationale="""generate_db_auth_token() signs a token for an Aurora RDS endpoint, and a
            *.rds.amazonaws.com host in connection code points at the old cluster. Both keep the
            application on Aurora RDS after the infrastructure has moved.""",
        remediation="""Read the DSQL endpoint from DSQL_ENDPOINT and authenticate with
            boto3.client("dsql").generate_db_connect_auth_token() (or the admin variant for the
            admin role).""",
        examples=(
            Example(
                """
                import boto3
                import psycopg

                HOST = "ledger.cluster-c1x2y3z4.us-east-1.rds.amazonaws.com"


                def connect():
                    token = boto3.client("rds").generate_db_auth_token(DBHostname=HOST, Port=5432, DBUsername="app")
                    return psycopg.connect(host=HOST, user="app", password=token, sslmode="require")
                """,
                fires=2,
                kind="app",
                lines=(4, 8),
            ),
            Example(
                """
                \"\"\"Replaces the ledger.cluster-c1x2y3z4.us-east-1.rds.amazonaws.com endpoint.\"\"\"

                import os

                import boto3
                import psycopg


                def connect():
                    host = os.environ["DSQL_ENDPOINT"]  # formerly *.rds.amazonaws.com
                    token = boto3.client("dsql").generate_db_connect_auth_token(host, "us-east-1")
                    return psycopg.connect(host=host, user="admin", password=token, dbname="postgres")
                """,
                fires=0,
                kind="app",
            ),
        ),
        check=check_auth_token,
    ),
    rule(
        id="RDS011",
        name="plain-text-credential",
        title="Credential in plain configuration",
        severity=Severity.ERROR,
        kinds=("cfn", "cdk"),
        requirements=("FR-003", "SC-004"),
        rationale="""A {{resolve:secretsmanager:...}} dynamic reference, or CDK's
            secret_value_from_json(...).unsafe_unwrap(), SecretValue.unsafe_plain_text(...) or
            SecretValue.to_string(), in a Lambda or ECS environment writes the secret's value
            into the function's configuration, where every reader of the configuration (and
            every deployment log) sees it. For the Aurora RDS password it is also residue: DSQL
            authenticates with IAM tokens. The finding says whether the secret is the RDS
            database's credentials. ECS Secrets (ValueFrom, ecs.Secret.from_secrets_manager) are
            resolved by the container agent and are not reported.""",
        remediation="""Remove the RDS password and user from the environment and connect to DSQL
            with generate_db_connect_auth_token; pass any other secret by reference (its ARN,
            ECS Secrets) and read it at run time.""",
        examples=(
            Example(
                """
                Resources:
                  DbCredentials:
                    Type: AWS::SecretsManager::Secret
                    Properties:
                      GenerateSecretString:
                        SecretStringTemplate: '{"username": "ledger_admin"}'
                        GenerateStringKey: password
                  Api:
                    Type: AWS::Lambda::Function
                    Properties:
                      Environment:
                        Variables:
                          DB_PASSWORD: !Sub "{{resolve:secretsmanager:${DbCredentials}:SecretString:password}}"
                          PARTNER_KEY: "{{resolve:secretsmanager:partner/api-key}}"
                          DB_SECRET_ARN: !Ref DbCredentials
                """,
                fires=2,
                lines=(13, 14),
            ),
            Example(
                """
                Resources:
                  Worker:
                    Type: AWS::ECS::TaskDefinition
                    Properties:
                      ContainerDefinitions:
                        - Name: worker
                          Image: public.ecr.aws/docker/library/python:3.12
                          Environment:
                            - Name: DSQL_ENDPOINT
                              Value: abc.dsql.us-east-1.on.aws
                          Secrets:
                            - Name: PARTNER_KEY
                              ValueFrom: arn:aws:secretsmanager:us-east-1:111122223333:secret:partner
                """,
                fires=0,
            ),
            Example(
                """
                Resources:
                  Api:
                    Type: AWS::Lambda::Function
                    Properties:
                      Environment:
                        Variables:
                          DB_PASSWORD: !Join
                            - ""
                            - - "{{resolve:secretsmanager:"
                              - !ImportValue Data:ExportsOutputRefAuroraCredentials
                              - ":SecretString:password}}"
                """,
                fires=1,
                lines=(9,),
                extra_files=(("data.yaml", SECRET_EXPORT),),
            ),
            Example(
                """
                import json

                from aws_cdk import SecretValue
                from aws_cdk import aws_ecs as ecs
                from aws_cdk import aws_lambda as lambda_
                from aws_cdk import aws_secretsmanager as secretsmanager


                def api(scope, code, task: ecs.FargateTaskDefinition):
                    credentials = secretsmanager.Secret(
                        scope,
                        "AuroraCredentials",
                        generate_secret_string=secretsmanager.SecretStringGenerator(
                            secret_string_template=json.dumps({"username": "ledger_admin"}),
                            generate_string_key="password",
                        ),
                    )
                    user = credentials.secret_value_from_json("username")
                    lambda_.Function(
                        scope,
                        "Api",
                        runtime=lambda_.Runtime.PYTHON_3_12,
                        handler="app.handler",
                        code=code,
                        environment={
                            "DB_PASSWORD": credentials.secret_value_from_json("password").unsafe_unwrap(),
                            "DB_USER": user.to_string(),
                            "PARTNER_KEY": SecretValue.unsafe_plain_text("not-a-real-key").unsafe_unwrap(),
                            "DB_SECRET_ARN": credentials.secret_arn,
                        },
                    )
                    task.add_container(
                        "Worker",
                        image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/python:3.12"),
                        secrets={"DB_PASSWORD": ecs.Secret.from_secrets_manager(credentials, "password")},
                    )
                """,
                fires=3,
                kind="cdk",
                lines=(26, 27, 28),
            ),
            Example(
                """
                from aws_cdk import aws_ecs as ecs
                from aws_cdk import aws_secretsmanager as secretsmanager


                def worker(scope, task: ecs.FargateTaskDefinition):
                    partner = secretsmanager.Secret(scope, "PartnerApiKey")
                    task.add_container(
                        "Worker",
                        image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/python:3.12"),
                        environment={"PARTNER_KEY_ARN": partner.secret_arn},
                        secrets={"PARTNER_KEY": ecs.Secret.from_secrets_manager(partner)},
                    )
                """,
                fires=0,
                kind="cdk",
            ),
        ),
        check=check_plain_credentials,
    ),
)
