/**
 * Direct PostgreSQL connections for the reporting jobs (legacy: RDS IAM authentication).
 *
 * Mentions in comments are never findings: orbit-aurora.cluster-c1x2y3z4.us-east-1.rds.amazonaws.com,
 * "aurora-postgresql", signer.getAuthToken().
 */
import { Signer } from '@aws-sdk/rds-signer';
import { Client, Pool } from 'pg';

const {
  RDS_HOSTNAME = 'orbit-aurora.cluster-c1x2y3z4.us-east-1.rds.amazonaws.com',
  AWS_REGION = 'us-east-1',
} = process.env;
const DATABASE = { engine: 'aurora-postgresql', port: 5432, name: 'ledger' };
const USER = 'reporting';

// getAuthToken signs an RDS token (this comment is not a finding)
const signer = new Signer({
  hostname: RDS_HOSTNAME,
  port: DATABASE.port,
  username: USER,
  region: AWS_REGION,
});

/** One connection for a long report, with a token signed for it. */
export async function connect(): Promise<Client> {
  const token = await signer.getAuthToken();
  const client = new Client({
    host: RDS_HOSTNAME,
    port: DATABASE.port,
    database: DATABASE.name,
    user: USER,
    password: token,
    ssl: { rejectUnauthorized: true },
  });
  await client.connect();
  return client;
}

/** The dashboard's pool: every new connection signs a fresh token. */
export const pool = new Pool({
  host: RDS_HOSTNAME,
  port: DATABASE.port,
  database: DATABASE.name,
  user: USER,
  password: () => signer.getAuthToken(),
  ssl: { rejectUnauthorized: true },
  max: 4,
});

export async function largestAccounts(limit: number): Promise<Array<{ id: string; balance: number }>> {
  const result = await pool.query('SELECT id, balance FROM accounts ORDER BY balance DESC LIMIT $1', [
    limit,
  ]);
  return result.rows;
}
