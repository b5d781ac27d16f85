/**
 * The ledger's data tier: Aurora PostgreSQL behind a proxy, in a VPC of its own.
 *
 * This comment talks about rds.DatabaseCluster, aurora-postgresql, rds-data:ExecuteStatement
 * and port 5432 on purpose: words in comments are never findings.
 */
import * as cdk from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** A local class that only shares its name with the CDK construct: never reported. */
class DatabaseCluster {
  constructor(readonly name: string) {}
}

export class LedgerDataStack extends cdk.Stack {
  public readonly vpc: ec2.Vpc;
  public readonly cluster: rds.DatabaseCluster;
  public readonly dbSecret: secretsmanager.ISecret;
  public readonly proxy: rds.DatabaseProxy;

  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);
    // The rds.DatabaseCluster below is what the migration removes (a comment: no finding).
    const labels = new DatabaseCluster('ledger');
    this.vpc = new ec2.Vpc(this, 'DataVpc', { maxAzs: 2, natGateways: 0 });
    const dbSecurityGroup = new ec2.SecurityGroup(this, 'PostgresSecurityGroup', {
      vpc: this.vpc,
    });
    dbSecurityGroup.addIngressRule(
      ec2.Peer.ipv4(this.vpc.vpcCidrBlock),
      ec2.Port.tcp(5432),
      'PostgreSQL from the VPC',
    );
    const subnetGroup = new rds.SubnetGroup(this, 'PostgresSubnets', {
      description: `Subnets of the ${labels.name} database`,
      vpc: this.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    });
    this.cluster = new rds.DatabaseCluster(this, 'LedgerAurora', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({
        version: rds.AuroraPostgresEngineVersion.VER_16_4,
      }),
      credentials: rds.Credentials.fromGeneratedSecret('ledger_admin'),
      writer: rds.ClusterInstance.provisioned('primary'),
      readers: [rds.ClusterInstance.serverlessV2('replica')],
      serverlessV2MinCapacity: 0.5,
      serverlessV2MaxCapacity: 4,
      vpc: this.vpc,
      subnetGroup,
      securityGroups: [dbSecurityGroup],
      defaultDatabaseName: 'ledger',
      enableDataApi: true,
    });
    this.cluster.addRotationSingleUser();
    this.dbSecret = this.cluster.secret!;
    this.proxy = this.cluster.addProxy('PostgresProxy', {
      secrets: [this.dbSecret],
      vpc: this.vpc,
    });

    new cdk.CfnOutput(this, 'AuroraEndpoint', { value: this.cluster.clusterEndpoint.hostname });
  }
}
