"""RDS007: security-group ingress on the database ports (5432, 3306) that exists for the Aurora
RDS cluster. Left behind it keeps a database port open and blocks deleting the security group;
ingress to a DSQL interface VPC endpoint is legitimate and not reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Hit, Severity
from scanner.rules.base import Example, rule
from scanner.rules.rds._common import CDK_APP_FILES, api_stack

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scanner.config import Config
    from scanner.facts import FileFacts


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


LEGACY_PORTS = (5432, 3306)


RULE = rule(
    id="RDS007",
    name="rds-port-ingress",
    title="Security group opens the database port",
    severity=Severity.WARNING,
    reads=("ingress",),
    since="0.1.0",
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
)
