/** The ledger's API (a Lambda function) and its reporting jobs (an ECS task), on the DSQL cluster. */
import * as cdk from 'aws-cdk-lib';
import type { CfnCluster } from 'aws-cdk-lib/aws-dsql';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

const HANDLER = `
exports.main = async () => ({ statusCode: 200 });
`;

/** What the service needs from the cluster stack. */
export interface LedgerServiceStackProps extends cdk.StackProps {
  readonly cluster: CfnCluster;
}

export class LedgerServiceStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props: LedgerServiceStackProps) {
    super(scope, id, props);
    const settings = {
      DSQL_ENDPOINT: props.cluster.attrEndpoint,
      DSQL_CLUSTER_ARN: props.cluster.attrResourceArn,
      DSQL_DATABASE: 'postgres',
    };
    const connect = new PolicyStatement({
      actions: ['dsql:DbConnect'],
      resources: [props.cluster.attrResourceArn],
    });

    const handler = new lambda.Function(this, 'LedgerHandler', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.main',
      code: lambda.Code.fromInline(HANDLER),
      environment: { ...settings, LOG_LEVEL: 'INFO' },
    });
    handler.addToRolePolicy(connect);

    const jobs = new ecs.FargateTaskDefinition(this, 'LedgerJobs', {
      cpu: 256,
      memoryLimitMiB: 512,
    });
    jobs.addContainer('jobs', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
      environment: settings,
    });
    jobs.addToTaskRolePolicy(connect);
  }
}
