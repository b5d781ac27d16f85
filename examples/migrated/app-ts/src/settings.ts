/** Every DSQL setting the environment provides, in one typed configuration. */

export interface DsqlSettings {
  /** The cluster endpoint: the host to connect to and the host the token is signed for. */
  readonly endpoint: string;
  readonly clusterArn: string;
  /** Always `postgres`: a DSQL cluster has exactly one database. */
  readonly database: string;
  readonly region: string;
}

function required(name: string, value: string | undefined): string {
  if (!value) {
    throw new Error(`${name} is not set: the service stack passes it to every compute resource`);
  }
  return value;
}

export function loadSettings(): DsqlSettings {
  return {
    endpoint: required('DSQL_ENDPOINT', process.env.DSQL_ENDPOINT),
    clusterArn: required('DSQL_CLUSTER_ARN', process.env.DSQL_CLUSTER_ARN),
    database: process.env.DSQL_DATABASE ?? 'postgres',
    region: process.env.AWS_REGION ?? 'us-east-1',
  };
}
