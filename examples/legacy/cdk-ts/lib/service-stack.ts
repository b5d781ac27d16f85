/** The ledger's API (a Lambda function) and its reporting jobs (an ECS task), on the data stack's cluster. */
import {
  ArnFormat,
  Stack,
  StackProps,
  aws_ec2 as ec2,
  aws_ecs as ecs,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_rds as rds,
  aws_secretsmanager as secretsmanager,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';

const HANDLER = `
exports.main = async () => ({ statusCode: 200 });
`;

/** What the service needs from the data stack. */
export interface LedgerServiceStackProps extends StackProps {
  readonly vpc: ec2.IVpc;
  readonly cluster: rds.DatabaseCluster;
  readonly dbSecret: secretsmanager.ISecret;
  readonly proxy: rds.DatabaseProxy;
}

export class LedgerServiceStack extends Stack {
  constructor(scope: Construct, id: string, props: LedgerServiceStackProps) {
    super(scope, id, props);

    const handler = new lambda.Function(this, 'LedgerHandler', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.main',
      code: lambda.Code.fromInline(HANDLER),
      vpc: props.vpc,
      environment: {
        DB_HOST: props.cluster.clusterEndpoint.hostname,
        AURORA_DB_SECRET_ARN: props.dbSecret.secretArn,
        AURORA_CLUSTER_ARN: props.cluster.clusterArn,
        RDS_PROXY_ENDPOINT: props.proxy.endpoint,
        LOG_LEVEL: 'INFO',
      },
    });
    props.dbSecret.grantRead(handler);
    props.cluster.grantDataApiAccess(handler);
    props.proxy.grantConnect(handler, 'ledger_app');
    handler.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['rds-data:ExecuteStatement', 'rds-data:BatchExecuteStatement'],
        resources: [props.cluster.clusterArn],
      }),
    );
    handler.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['rds-db:connect'],
        resources: [
          Stack.of(this).formatArn({
            service: 'rds-db',
            resource: 'dbuser',
            resourceName: `${props.cluster.clusterResourceIdentifier}/reporting`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    handler.connections.allowToDefaultPort(props.cluster, 'Lambda to PostgreSQL');

    const jobs = new ecs.FargateTaskDefinition(this, 'LedgerJobs', {
      cpu: 256,
      memoryLimitMiB: 512,
    });
    jobs.addContainer('jobs', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
      environment: {
        RDS_HOSTNAME: 'orbit-aurora.cluster-c1x2y3z4.us-east-1.rds.amazonaws.com',
      },
      secrets: { DB_PASSWORD: ecs.Secret.fromSecretsManager(props.dbSecret, 'password') },
    });
  }
}
