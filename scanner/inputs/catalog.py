"""What CDK, SDK and driver names mean: the one vocabulary every source language resolves to.

Pure data and small lookups, no parser. Names are canonical: Python's qualified names as libcst
computes them through any import style (``from aws_cdk import aws_rds as rds`` ->
``aws_cdk.aws_rds.DatabaseCluster``, CDK v1's ``aws_cdk.core`` folded into v2's ``aws_cdk``),
and TypeScript's imports mapped onto the same names (``aws-cdk-lib/aws-rds`` ``DatabaseCluster``
is ``aws_cdk.aws_rds.DatabaseCluster``, ``defaultDatabaseName`` is ``default_database_name``:
see ``scanner.inputs.names``). Constructs are described by the CloudFormation type they
synthesize to, so rules judge CDK source and templates alike.
"""

from __future__ import annotations

import re

RDS = "aws_cdk.aws_rds."
SECRET = "AWS::SecretsManager::Secret"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
TASK_DEFINITION = "AWS::ECS::TaskDefinition"
SECURITY_GROUP = "AWS::EC2::SecurityGroup"
VPC_ENDPOINT = "AWS::EC2::VPCEndpoint"

# L2 constructs (and the L1 ones the generic ``Cfn*`` rule below cannot name) -> CloudFormation.
CONSTRUCTS: dict[str, str] = {
    RDS + "DatabaseCluster": "AWS::RDS::DBCluster",
    RDS + "DatabaseClusterFromSnapshot": "AWS::RDS::DBCluster",
    RDS + "ServerlessCluster": "AWS::RDS::DBCluster",
    RDS + "ServerlessClusterFromSnapshot": "AWS::RDS::DBCluster",
    RDS + "DatabaseInstance": "AWS::RDS::DBInstance",
    RDS + "DatabaseInstanceFromSnapshot": "AWS::RDS::DBInstance",
    RDS + "DatabaseInstanceReadReplica": "AWS::RDS::DBInstance",
    RDS + "ClusterInstance.provisioned": "AWS::RDS::DBInstance",
    RDS + "ClusterInstance.serverless_v2": "AWS::RDS::DBInstance",
    RDS + "SubnetGroup": "AWS::RDS::DBSubnetGroup",
    RDS + "ParameterGroup": "AWS::RDS::DBParameterGroup",
    RDS + "OptionGroup": "AWS::RDS::OptionGroup",
    RDS + "DatabaseProxy": "AWS::RDS::DBProxy",
    RDS + "DatabaseProxyEndpoint": "AWS::RDS::DBProxyEndpoint",
    RDS + "DatabaseSecret": SECRET,
    "aws_cdk.aws_dsql_alpha.Cluster": "AWS::DSQL::Cluster",
    "aws_cdk.aws_lambda.Function": LAMBDA_FUNCTION,
    "aws_cdk.aws_lambda.DockerImageFunction": LAMBDA_FUNCTION,
    "aws_cdk.aws_lambda_python_alpha.PythonFunction": LAMBDA_FUNCTION,
    "aws_cdk.aws_lambda_nodejs.NodejsFunction": LAMBDA_FUNCTION,
    "aws_cdk.aws_ecs.TaskDefinition": TASK_DEFINITION,
    "aws_cdk.aws_ecs.FargateTaskDefinition": TASK_DEFINITION,
    "aws_cdk.aws_ecs.Ec2TaskDefinition": TASK_DEFINITION,
    "aws_cdk.aws_ec2.SecurityGroup": SECURITY_GROUP,
    "aws_cdk.aws_ec2.InterfaceVpcEndpoint": VPC_ENDPOINT,
    "aws_cdk.aws_iam.Role": "AWS::IAM::Role",
    "aws_cdk.aws_secretsmanager.Secret": SECRET,
    "aws_cdk.aws_ssm.StringParameter": "AWS::SSM::Parameter",
    "aws_cdk.aws_dynamodb.Table": "AWS::DynamoDB::Table",
    "aws_cdk.aws_dynamodb.TableV2": "AWS::DynamoDB::GlobalTable",
}

# Construct classes whose children's logical ids start below them (a stack's own id is no part)
STACKS = frozenset(
    {"aws_cdk.Stack", "aws_cdk.NestedStack", "aws_cdk.aws_cloudformation.NestedStack"}
)

DSQL_CLUSTER = "AWS::DSQL::Cluster"
# CDK attributes of a DSQL cluster -> the CloudFormation attribute they read ("" is its Ref).
DSQL_ATTRIBUTES: dict[str, str] = {
    "ref": "",
    "attr_identifier": "Identifier",
    "attr_endpoint": "Endpoint",
    "attr_resource_arn": "ResourceArn",
    "attr_vpc_endpoint": "VpcEndpoint",
    "attr_vpc_endpoint_service_name": "VpcEndpointServiceName",
    "cluster_identifier": "Identifier",
    "cluster_endpoint": "Endpoint",
    "cluster_arn": "ResourceArn",
    "vpc_endpoint_service_name": "VpcEndpointServiceName",
}

# Interfaces used as parameter types (``cluster: rds.IDatabaseCluster``).
INTERFACES: dict[str, str] = {
    RDS + "IDatabaseCluster": "AWS::RDS::DBCluster",
    RDS + "IServerlessCluster": "AWS::RDS::DBCluster",
    RDS + "IDatabaseInstance": "AWS::RDS::DBInstance",
    RDS + "IDatabaseProxy": "AWS::RDS::DBProxy",
    "aws_cdk.aws_dsql_alpha.ICluster": "AWS::DSQL::Cluster",
}

# Module -> CloudFormation service prefix, for the generic ``aws_cdk.<module>.Cfn<Type>`` rule.
CFN_SERVICES: dict[str, str] = {
    "aws_rds": "RDS",
    "aws_dsql": "DSQL",
    "aws_ec2": "EC2",
    "aws_iam": "IAM",
    "aws_lambda": "Lambda",
    "aws_ecs": "ECS",
    "aws_secretsmanager": "SecretsManager",
    "aws_ssm": "SSM",
    "aws_dynamodb": "DynamoDB",
}
CFN_CLASS = re.compile(r"^aws_cdk\.(aws_\w+)\.Cfn(\w+)$")
CFN_RESOURCE = "aws_cdk.CfnResource"
CONSTRUCT_CLASS = re.compile(r"^(?:aws_cdk(?:\.aws_\w+)?|constructs)\.[A-Z]\w*$")

# Methods on an RDS construct that create another one; the first argument is its construct id.
CHILD_CONSTRUCTS: dict[str, str] = {
    "add_proxy": "AWS::RDS::DBProxy",
    "add_endpoint": "AWS::RDS::DBProxyEndpoint",
}
ID_FIRST = frozenset(
    {
        RDS + "ClusterInstance.provisioned",
        RDS + "ClusterInstance.serverless_v2",
    }
)

# Engine helpers -> the engine value they configure. A prefix entry covers every member.
ENGINE_PREFIXES: tuple[tuple[str, str], ...] = (
    (RDS + "DatabaseClusterEngine.aurora_postgres", "aurora-postgresql"),
    (RDS + "DatabaseClusterEngine.AURORA_POSTGRESQL", "aurora-postgresql"),
    (RDS + "DatabaseClusterEngine.aurora_mysql", "aurora-mysql"),
    (RDS + "DatabaseClusterEngine.AURORA_MYSQL", "aurora-mysql"),
    (RDS + "DatabaseClusterEngine.aurora", "aurora"),
    (RDS + "DatabaseClusterEngine.AURORA", "aurora"),
    (RDS + "AuroraPostgresEngineVersion.", "aurora-postgresql"),
    (RDS + "AuroraMysqlEngineVersion.", "aurora-mysql"),
    (RDS + "AuroraEngineVersion.", "aurora"),
    (RDS + "DatabaseInstanceEngine.postgres", "postgres"),
    (RDS + "DatabaseInstanceEngine.POSTGRES", "postgres"),
    (RDS + "DatabaseInstanceEngine.mysql", "mysql"),
    (RDS + "DatabaseInstanceEngine.MYSQL", "mysql"),
    (RDS + "DatabaseInstanceEngine.maria_db", "mariadb"),
    (RDS + "DatabaseInstanceEngine.MARIADB", "mariadb"),
)
MYSQL_FAMILY = frozenset({"aurora", "aurora-mysql", "mysql", "mariadb"})
POSTGRES_PORT, MYSQL_PORT = 5432, 3306

# Keys that make a secret's JSON a database credential, next to "password".
DB_SECRET_KEYS = frozenset(
    {"username", "engine", "host", "port", "dbname", "dbClusterIdentifier", "dbInstanceIdentifier"}
)
ECS_SECRET = "aws_cdk.aws_ecs.Secret.from_secrets_manager"
SECRETS_MANAGER_SECRET = "aws_cdk.aws_secretsmanager.Secret"
# Databases other than RDS that keep their credentials in Secrets Manager (their L1 and L2
# modules, alpha ones included): a username/password secret they use is theirs.
NON_RDS_DATABASES = tuple(
    f"aws_cdk.aws_{module}{separator}"
    for module in ("redshift", "redshiftserverless", "docdb", "docdb_elastic", "neptune")
    for separator in "._"
)
SECRET_ATTACH = "attach"  # secret.attach(target): the secret belongs to that database
# Keyword arguments that describe a secret rather than hold its contents.
SECRET_LABELS = frozenset({"description", "secret_name", "id"})
# Turning a secret into plain text that CloudFormation writes into the resource's configuration.
SECRET_VALUE = "aws_cdk.SecretValue"
PLAIN_SECRET_VALUES = frozenset({SECRET_VALUE + ".unsafe_plain_text", SECRET_VALUE + ".plain_text"})
UNWRAP_METHODS = frozenset({"unsafe_unwrap", "to_string"})
# Members of a Secrets Manager secret that no other CDK construct has: enough to know that a
# value from another module is a secret's value before the resolution stage says whose.
SECRET_ONLY_ATTRIBUTES = frozenset({"secret_value_from_json"})
SECRET_VALUE_ATTRIBUTES = frozenset({"secret_value", "secret_value_from_json"})

CREDENTIAL_HELPERS = frozenset(
    RDS + f"{owner}.{method}"
    for owner in ("Credentials", "SnapshotCredentials")
    for method in (
        "from_generated_secret",
        "from_generated_password",
        "from_secret",
        "from_password",
        "from_username",
    )
)
ROTATION_METHODS: dict[str, str] = {
    "add_rotation_single_user": "RotationSingleUser",  # the construct id CDK gives it
    "add_rotation_multi_user": "",  # the caller names it (first argument)
}
# Methods whose receiver can only be an RDS construct: reported even when it is not resolved.
RDS_ONLY_METHODS = frozenset({*ROTATION_METHODS, "add_proxy", "grant_data_api_access"})

POLICY_STATEMENT = "aws_cdk.aws_iam.PolicyStatement"
ROLE = "aws_cdk.aws_iam.Role"
MANAGED_POLICY = "aws_cdk.aws_iam.ManagedPolicy"
POLICIES = frozenset({"aws_cdk.aws_iam.Policy", MANAGED_POLICY})
EFFECTS = {"aws_cdk.aws_iam.Effect.ALLOW": "Allow", "aws_cdk.aws_iam.Effect.DENY": "Deny"}

PORT = "aws_cdk.aws_ec2.Port"
PORT_CONSTANTS: dict[str, tuple[str, int | None, int | None]] = {
    "POSTGRES": ("tcp", 5432, 5432),
    "MYSQL_AURORA": ("tcp", 3306, 3306),
    "MSSQL": ("tcp", 1433, 1433),
    "HTTP": ("tcp", 80, 80),
    "HTTPS": ("tcp", 443, 443),
    "SSH": ("tcp", 22, 22),
}
ALL_TRAFFIC = ("-1", None, None)
# Connections methods: (port argument index or None for the owner's default port,
# whether the rule opens ingress on the argument instead of on the receiver).
CONNECTION_METHODS: dict[str, tuple[int | None, bool]] = {
    "allow_from": (1, False),
    "allow_from_any_ipv4": (0, False),
    "allow_internally": (0, False),
    "allow_to": (1, True),
    "allow_default_port_from": (None, False),
    "allow_default_port_from_any_ipv4": (None, False),
    "allow_default_port_internally": (None, False),
    "allow_to_default_port": (None, True),
}

ENVIRONMENT_METHODS = frozenset({"add_container", "add_environment"})
OUTPUT = "aws_cdk.CfnOutput"
SSM_PARAMETER = "aws_cdk.aws_ssm.StringParameter"

BOTO3_CLIENTS = frozenset(
    {"boto3.client", "boto3.Session.client", "boto3.session.Session.client", "boto3.session.client"}
)
BOTO3_SESSIONS = frozenset(
    {"boto3.Session", "boto3.session.Session", "aioboto3.Session", "botocore.session.get_session"}
)
CLIENT_FACTORY_METHODS = frozenset({"client", "create_client"})
# Typed clients (mypy-boto3 stubs) name the service in their module.
STUB_CLIENTS = re.compile(r"^mypy_boto3_(\w+?)\.(?:client\.)?\w+Client$")
AUTH_TOKEN_METHOD = "generate_db_auth_token"
# The AWS services whose clients are facts: the RDS ones (residue) and DSQL (tokens). Clients of
# other services (S3, SQS...) are not recorded, which is also what lets the module prefilter
# (scanner.inputs.python.module.TRIGGERS) skip code that only talks to other services.
DATABASE_SERVICES = frozenset({"rds", "rds-data", "dsql"})
ENV_READERS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault", "os.environ.pop"})
# Environment schemas: calls that declare settings by name, one keyword argument each (zod's
# ``z.object({ DSQL_ENDPOINT: z.string() })``, envalid's ``cleanEnv(process.env, { DSQL_ENDPOINT:
# str() })``): a typed configuration as much as a dataclass is. One given the environment as its
# first argument (envalid's) reads every name it declares from it.
CONFIG_SCHEMAS: dict[str, str] = {
    **dict.fromkeys(
        ("zod.z.object", "zod.object", "zod.z.strict_object", "zod.strict_object"), "zod"
    ),
    **dict.fromkeys(("envalid.clean_env", "envalid.custom_clean_env"), "envalid"),
}
ENVIRON = "os.environ"
RDS_HOST = re.compile(
    r"(?<![\w.-])((?:[a-z0-9-]+\.)+rds\.amazonaws\.com(?:\.cn)?)(?![\w-])", re.IGNORECASE
)


def normalise(name: str) -> str:
    """Fold CDK v1's ``aws_cdk.core`` into v2's ``aws_cdk`` so one table serves both."""
    if name.startswith("aws_cdk.core."):
        return "aws_cdk." + name[len("aws_cdk.core.") :]
    return name


def construct_type(name: str) -> str:
    """CloudFormation type a construct class (or factory) synthesizes to, or ""."""
    if name in CONSTRUCTS:
        return CONSTRUCTS[name]
    match = CFN_CLASS.match(name)
    if match and match.group(1) in CFN_SERVICES:
        return f"AWS::{CFN_SERVICES[match.group(1)]}::{match.group(2)}"
    return ""


def imported_construct_type(name: str) -> str:
    """``DatabaseCluster.from_database_cluster_attributes`` & co: a reference, not a declaration."""
    owner, _, method = name.rpartition(".")
    if method.startswith("from_") and owner in CONSTRUCTS:
        return CONSTRUCTS[owner]
    return ""


def engine_value(name: str) -> str:
    """Engine a helper configures (``aurora-postgresql``...), or ""."""
    for prefix, value in ENGINE_PREFIXES:
        if name == prefix or (prefix.endswith(".") and name.startswith(prefix)):
            return value
    return ""


def default_port(engine: str) -> int:
    return MYSQL_PORT if engine in MYSQL_FAMILY else POSTGRES_PORT


def stub_service(name: str) -> str:
    """``mypy_boto3_rds_data.RDSDataServiceClient`` -> ``rds-data``."""
    match = STUB_CLIENTS.match(name)
    return match.group(1).replace("_", "-") if match else ""


def is_known(name: str) -> bool:
    """Does the catalogue give ``name`` a meaning (used to resolve star-imported names)?"""
    return bool(
        construct_type(name)
        or imported_construct_type(name)
        or engine_value(name)
        or name in CREDENTIAL_HELPERS
        or name in EFFECTS
        or name in (POLICY_STATEMENT, CFN_RESOURCE, OUTPUT, SSM_PARAMETER, PORT)
        or name.startswith(PORT + ".")
    )


# The database drivers whose calls open a connection (scanner.inputs.python.app).
DRIVERS = frozenset(
    {
        "psycopg.connect",
        "psycopg.Connection.connect",
        "psycopg.AsyncConnection.connect",
        "psycopg2.connect",
        "asyncpg.connect",
        "asyncpg.create_pool",
        "psycopg_pool.ConnectionPool",
        "psycopg_pool.AsyncConnectionPool",
        "sqlalchemy.create_engine",
        "sqlalchemy.ext.asyncio.create_async_engine",
        # node-postgres and postgres.js (TypeScript and JavaScript, see scanner.inputs.names)
        "pg.Client",
        "pg.Pool",
        "postgres",
        # knex and drizzle take the driver's settings in a ``connection`` mapping or URL
        "knex",
        "knex.knex",
        "drizzle_orm.node_postgres.drizzle",
        "drizzle_orm.postgres_js.drizzle",
    }
)
# sqlalchemy's ``text()``: the SQL it wraps is linted like an execute-style call's.
TEXT_CONSTRUCTS = frozenset(
    {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text"}
)
