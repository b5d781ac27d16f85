"""How the project model links compute, roles, policies, secrets and the cluster in templates.

Each case is a small real template scanned by the engine; the assertions name the rule, the
resource and the place, so that a wrong link shows up as a wrong (or missing) finding.
"""

from __future__ import annotations

from scanner.config import DsqlSettings
from tests.conftest import scan_tree, write

CLUSTER = """
  Ledger:
    Type: AWS::DSQL::Cluster
    Properties:
      DeletionProtectionEnabled: true
"""


def function(*env: str, name: str = "Api") -> str:
    """A Lambda function resource with the given environment variables (``NAME: value``)."""
    variables = "".join(f"          {line}\n" for line in env)
    return (
        f"\n  {name}:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        f"      Environment:\n        Variables:\n{variables}"
    )


def findings(tmp_path, template: str, **config):
    write(tmp_path, {"stack.yaml": "Resources:" + CLUSTER + template})
    result = scan_tree(tmp_path, **config)
    return [(f.rule, f.location.resource, f.location.pointer) for f in result.findings]


# --- Names are not evidence -----------------------------------------------------------------


def test_legacy_names_wired_to_dsql_are_not_rds_residue(tmp_path):
    write(
        tmp_path,
        {
            "vela.yaml": """
            Resources:
              VelaAuroraDsqlCluster:
                Type: AWS::DSQL::Cluster
                Properties:
                  DeletionProtectionEnabled: true
              AuroraApiRole:
                Type: AWS::IAM::Role
                Properties:
                  AssumeRolePolicyDocument:
                    Statement:
                      - Effect: Allow
                        Principal: {Service: lambda.amazonaws.com}
                        Action: sts:AssumeRole
                  Policies:
                    - PolicyName: aurora-access
                      PolicyDocument:
                        Statement:
                          - Effect: Allow
                            Action: dsql:DbConnect
                            Resource: !GetAtt VelaAuroraDsqlCluster.ResourceArn
              AuroraApi:
                Type: AWS::Lambda::Function
                Properties:
                  Role: !GetAtt AuroraApiRole.Arn
                  Environment:
                    Variables:
                      AURORA_DB_CLUSTER_ARN: !GetAtt VelaAuroraDsqlCluster.ResourceArn
                      AURORA_ENDPOINT: !GetAtt VelaAuroraDsqlCluster.Endpoint
                      AURORA_DB_NAME: postgres
            Outputs:
              AuroraClusterArn:
                Value: !GetAtt VelaAuroraDsqlCluster.ResourceArn
                Export: {Name: vela-aurora-cluster-arn}
            """
        },
    )
    result = scan_tree(tmp_path)
    assert [(f.rule, f.location.line) for f in result.findings] == []


def test_an_oauth_client_secret_is_never_a_database_credential(tmp_path):
    found = findings(
        tmp_path,
        """
  DbSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Description: OAuth client secret of the partner API
      GenerateSecretString:
        SecretStringTemplate: '{"client_id": "ledger"}'
        GenerateStringKey: client_secret
  Rotation:
    Type: AWS::SecretsManager::RotationSchedule
    Properties:
      SecretId: !Ref DbSecret
      RotationLambdaARN: arn:aws:lambda:us-east-1:111122223333:function:rotate-oauth"""
        + function(
            "DSQL_ENDPOINT: !GetAtt Ledger.Endpoint",
            "DB_SECRET_ARN: !Ref DbSecret",
            'DB_PASSWORD: "{{resolve:secretsmanager:partner/oauth:SecretString:client_secret}}"',
        ),
    )
    # only the plain-text copy of the OAuth secret is a finding, and not as RDS credentials
    pointer = "/Resources/Api/Properties/Environment/Variables/DB_PASSWORD"
    assert found == [("RDS011", "Api", pointer)]


def test_a_database_credential_is_one_whatever_its_name(tmp_path):
    found = findings(
        tmp_path,
        """
  Settings:
    Type: AWS::SecretsManager::Secret
    Properties:
      SecretString: '{"username": "ledger", "password": "", "host": "old-db"}'"""
        + function(
            "DSQL_ENDPOINT: !GetAtt Ledger.Endpoint",
            "SETTINGS: !Ref Settings",
            "MANAGED: arn:aws:secretsmanager:us-east-1:111122223333:secret:rds!cluster-0a1b-AbCdEf",
        ),
    )
    pointer = "/Resources/Api/Properties/Environment/Variables/"
    assert sorted(found) == [
        ("DSQL008", "Api", pointer + "MANAGED"),
        ("DSQL008", "Api", pointer + "SETTINGS"),
        # no Redshift, DocumentDB or Neptune database uses it: the RDS database's leftover
        ("RDS005", "Settings", "/Resources/Settings/Type"),
        ("RDS008", "Api", pointer + "SETTINGS"),
    ]


def test_secrets_on_compute_that_does_not_use_dsql_are_not_judged(tmp_path):
    found = findings(
        tmp_path,
        """
  Settings:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString:
        SecretStringTemplate: '{"username": "reports"}'
        GenerateStringKey: password"""
        + function("WAREHOUSE_SECRET: !Ref Settings", name="Reports"),
    )
    assert [f for f in found if f[0].startswith("DSQL")] == []
    # what the secret is remains an RDS question: no other database in scope uses it
    assert sorted(rule for rule, _, _ in found) == ["RDS005", "RDS008"]


# --- Roles and policies ---------------------------------------------------------------------

SAM = """
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: s3://ledger/api.zip
      Policies:
{policies}
"""


def sam(tmp_path, policies: str, **config):
    write(
        tmp_path,
        {
            "sam.yaml": "Transform: AWS::Serverless-2016-10-31\n"
            "Globals:\n  Function:\n    Environment:\n      Variables:\n"
            "        DSQL_ENDPOINT: !GetAtt Ledger.Endpoint\n"
            "Resources:" + CLUSTER + SAM.format(policies=policies),
        },
    )
    return [(f.rule, f.location.resource, f.location.line) for f in scan_tree(tmp_path).findings]


def test_sam_function_gets_globals_and_its_implicit_role(tmp_path):
    assert sam(tmp_path / "basic", "        - AWSLambdaBasicExecutionRole") == [
        ("DSQL004", "Api", 14)
    ]
    inline = """        - Statement:
            - Effect: Allow
              Action: dsql:DbConnect
              Resource: !GetAtt Ledger.ResourceArn"""
    assert sam(tmp_path / "inline", inline) == []


def test_aws_managed_full_access_is_too_broad_and_grants_connect(tmp_path):
    assert sam(tmp_path, "        - AmazonAuroraDSQLFullAccess") == [("DSQL005", "Api", 20)]


ROLE = """
  TaskRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: ecs-tasks.amazonaws.com}
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - %s
"""

TASK = """
  Worker:
    Type: AWS::ECS::TaskDefinition
    Properties:
      TaskRoleArn: !GetAtt TaskRole.Arn
      ExecutionRoleArn: arn:aws:iam::111122223333:role/ecsTaskExecutionRole
      ContainerDefinitions:
        - Name: worker
          Image: public.ecr.aws/ledger/worker:1
          Environment:
            - Name: DSQL_ENDPOINT
              Value: !GetAtt Ledger.Endpoint
        - Name: xray
          Image: public.ecr.aws/xray/aws-xray-daemon:3
"""


def test_ecs_task_role_is_judged(tmp_path):
    basic = "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
    assert findings(tmp_path / "a", ROLE % basic + TASK) == [
        ("DSQL004", "Worker", "/Resources/Worker/Type")
    ]
    local = (
        ROLE % "!Ref ConnectPolicy"
        + TASK
        + (
            """
  ConnectPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: dsql:DbConnect
            Resource: !Sub "arn:aws:dsql:${AWS::Region}:${AWS::AccountId}:cluster/${Ledger}"
"""
        )
    )
    assert findings(tmp_path / "b", local) == []


def test_customer_managed_policies_make_permissions_unknowable(tmp_path):
    external = "arn:aws:iam::111122223333:policy/platform-dsql-access"
    assert findings(tmp_path / "a", ROLE % external + TASK) == []
    imported = "!ImportValue platform-dsql-policy-arn"
    assert findings(tmp_path / "b", ROLE % imported + TASK) == []


def test_permission_on_another_cluster_does_not_count(tmp_path):
    other = """
  Reports:
    Type: AWS::DSQL::Cluster
    Properties:
      DeletionProtectionEnabled: true
  ConnectPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Roles: [!Ref TaskRole]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: dsql:DbConnect
            Resource: !GetAtt Reports.ResourceArn
"""
    basic = "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
    found = findings(tmp_path, ROLE % basic + TASK + other, **{"dsql": DsqlSettings(2)})
    assert found == [("DSQL004", "Worker", "/Resources/Worker/Type")]


def test_not_action_allowing_dsql_is_too_broad(tmp_path):
    found = findings(
        tmp_path,
        ROLE % "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
        + TASK
        + """
  Broad:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: all-but-iam
      Roles: [!Ref TaskRole]
      PolicyDocument:
        Statement:
          - Effect: Allow
            NotAction: iam:*
            Resource: "*"
""",
    )
    assert found == [("DSQL005", "Broad", "/Resources/Broad/Properties/PolicyDocument/Statement/0")]


def test_admin_connect_can_be_allowed_by_configuration(tmp_path):
    template = (
        ROLE % "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
        + TASK
        + """
  Admin:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: admin
      Roles: [!Ref TaskRole]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: dsql:DbConnect*
            Resource: !GetAtt Ledger.ResourceArn
"""
    )
    assert [r for r, *_ in findings(tmp_path / "a", template)] == ["DSQL006"]
    allowed = DsqlSettings(allow_admin_connect=True)
    assert findings(tmp_path / "b", template, dsql=allowed) == []


def test_database_url_names_the_database(tmp_path):
    found = findings(
        tmp_path,
        function(
            "DATABASE_URL: postgresql://admin@abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws/ledger"
        ),
    )
    assert found == [
        ("DSQL013", "Api", "/Resources/Api/Properties/Environment/Variables/DATABASE_URL")
    ]


def test_deletion_protection_from_a_parameter_default(tmp_path):
    write(
        tmp_path,
        {
            "stack.yaml": """
            Parameters:
              Protect:
                Type: String
                AllowedValues: ["true", "false"]
                Default: "false"
            Resources:
              Ledger:
                Type: AWS::DSQL::Cluster
                Properties:
                  DeletionProtectionEnabled: !Ref Protect
            """
        },
    )
    found = [(f.rule, f.location.line) for f in scan_tree(tmp_path).findings]
    assert found == [("DSQL007", 10)]
    relaxed = scan_tree(tmp_path, dsql=DsqlSettings(require_deletion_protection=False))
    assert relaxed.findings == ()


def test_wildcard_services_on_an_application_role_are_too_broad(tmp_path):
    found = findings(
        tmp_path,
        ROLE % "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
        + TASK
        + """
  Wide:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: wide
      Roles: [!Ref TaskRole]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: ["rds*:*", "*", "s3*:Get*", dsql:DbConnect]
            Resource: !GetAtt Ledger.ResourceArn
""",
    )
    action = "/Resources/Wide/Properties/PolicyDocument/Statement/0/Action/"
    assert found == [("DSQL005", "Wide", action + "0"), ("DSQL005", "Wide", action + "1")]


def test_a_cdk_cluster_and_its_synthesized_resource_are_one_cluster():
    """The Python input describes CDK clusters by construct id; cdk.out by construct path."""
    from scanner.config import Config
    from scanner.facts import DsqlCluster, FileFacts
    from scanner.model import Location
    from scanner.project.context import build
    from scanner.rules import BY_ID

    source = FileFacts(
        kind="cdk",
        path="infra/stack.py",
        clusters=(DsqlCluster("Ledger", Location("infra/stack.py", 12)),),
    )
    synthesized = FileFacts(
        kind="cfn",
        path="cdk.out/Data.template.json",
        clusters=(
            DsqlCluster(
                "LedgerA1B2C3",
                Location("cdk.out/Data.template.json", 5, construct_path="Data/Ledger/Resource"),
            ),
        ),
    )
    other = FileFacts(
        kind="cdk",
        path="infra/reports.py",
        clusters=(DsqlCluster("Reports", Location("infra/reports.py", 8)),),
    )
    count = BY_ID["DSQL002"].project_check
    root = Location(".")
    assert list(count(build((source, synthesized), root), Config())) == []
    hits = list(count(build((source, synthesized, other), root), Config()))
    assert [(h.location.path, h.location.line) for h in hits] == [("infra/reports.py", 8)]


def test_literal_numbers_do_not_hide_a_missing_endpoint(tmp_path):
    found = findings(
        tmp_path,
        function("DSQL_CLUSTER_ARN: !GetAtt Ledger.ResourceArn", "POOL_SIZE: 4", "TRACING: true"),
    )
    assert found == [("DSQL003", "Api", "/Resources/Api/Properties/Environment/Variables")]
    from_parameter = findings(
        tmp_path / "p",
        function(
            "DSQL_CLUSTER_ARN: !GetAtt Ledger.ResourceArn", "DSQL_ENDPOINT: !Ref EndpointParameter"
        ),
    )
    assert from_parameter == []
