"""RDS005: secrets, target attachments, rotation schedules and managed master passwords that
exist for the Aurora RDS database. Aurora DSQL authenticates with short-lived IAM tokens, so they
are dead weight and a leak risk once nothing reads them; the credential facts decide what belongs
to the RDS database (from the secret's shape and wiring, never its name).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule
from scanner.rules.rds._common import subject

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config
    from scanner.facts import FileFacts


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
    "generated-password": "{name}generates the Aurora RDS database's password",
}


RULE = rule(
    id="RDS005",
    name="rds-credentials",
    title="Aurora RDS credentials still managed",
    severity=Severity.ERROR,
    reads=("credentials",),
    since="0.1.0",
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
)
