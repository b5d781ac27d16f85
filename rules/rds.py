"""RDS: residual Aurora RDS (FR-001, FR-003, FR-007, SC-004).

Each rule reads facts only; the CloudFormation and Python inputs describe CDK constructs with the
CloudFormation types they synthesize to, so one check serves templates and CDK code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from scanner.config import Config
from scanner.facts import RDS_PREFIX, FileFacts, Sink, Target
from scanner.model import Hit, Location, Severity
from scanner.rules.base import Example, rule

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


def check_iam_actions(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for statement in facts.statements:
        if statement.effect.lower() != "allow" or statement.not_action:
            continue  # NotAction: the statement's grants are not enumerable actions
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
                f"{grant.method}() grants Aurora RDS access; use the DSQL cluster's "
                "grant_connect() or a dsql:DbConnect policy statement",
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


def _sink_hit(sink: Sink, config: Config) -> Hit | None:
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
    if sink.kind == "env" and not sink.wired_to_dsql and _legacy_name(sink.name, config):
        resolved = [described(t) + arrival(t) for t in sink.targets if t.via]
        value = f" (its value is {', '.join(resolved)}, no DSQL value)" if resolved else ""
        return Hit(
            sink.name_location,
            f"environment variable '{sink.name}' is a legacy Aurora RDS setting{value}; replace "
            f"it with the DSQL settings ({DSQL_SETTINGS})",
        )
    return None


def check_references(facts: FileFacts, config: Config) -> Iterator[Hit]:
    for sink in facts.sinks:
        hit = _sink_hit(sink, config)
        if hit is not None:
            yield hit
    for read in facts.env_reads:
        if _legacy_name(read.name, config):
            yield Hit(
                read.location,
                f"code reads the legacy Aurora RDS setting '{read.name}' from the environment; "
                f"read the DSQL settings ({DSQL_SETTINGS}) instead",
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
            them, which is what this rule lets you verify.""",
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
            rds-db:connect and rds:* permissions left on a role widen it for no purpose. Wildcard
            services (rds*:*, *) are reported by DSQL005; NotAction statements are not
            enumerable and are not judged here.""",
        remediation="""Remove the rds, rds-data and rds-db actions; grant dsql:DbConnect on the
            DSQL cluster ARN (CDK: cluster.grant_connect(role)).""",
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
            the stack from deleting it. Legacy names (RDS_/AURORA_ with SECRET, CLUSTER_ARN,
            RESOURCE_ARN, ENDPOINT, HOST; configurable with legacy-env-patterns) are reported
            unless their value is wired to the DSQL cluster.""",
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
)
