/** The ledger's one Aurora DSQL cluster: serverless, no VPC, IAM-token access only. */
import { CfnOutput, Stack, aws_dsql as dsql, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';

export class LedgerClusterStack extends Stack {
  public readonly cluster: dsql.CfnCluster;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.cluster = new dsql.CfnCluster(this, 'LedgerDsqlCluster', {
      deletionProtectionEnabled: true,
    });

    new CfnOutput(this, 'DsqlEndpoint', { value: this.cluster.attrEndpoint });
  }
}
