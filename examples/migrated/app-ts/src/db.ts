/** PostgreSQL connections to Aurora DSQL, authenticated with short-lived IAM tokens. */
import { DsqlSigner } from '@aws-sdk/dsql-signer';
import { Client } from 'pg';
import { loadSettings } from './settings';

const SETTINGS = loadSettings();
const ROLE = 'ledger_app'; // a custom database role, mapped to the function's IAM role by AWS IAM GRANT

const signer = new DsqlSigner({ hostname: SETTINGS.endpoint, region: SETTINGS.region });

/** A new connection with a fresh token (tokens are valid for 15 minutes). */
export async function connect(): Promise<Client> {
  const token = await signer.getDbConnectAuthToken();
  const client = new Client({
    host: SETTINGS.endpoint,
    database: SETTINGS.database,
    user: ROLE,
    password: token,
    ssl: { rejectUnauthorized: true },
  });
  await client.connect();
  return client;
}

/** Run a trivial query against the cluster and log the outcome either way. */
export async function healthCheck(): Promise<boolean> {
  try {
    const client = await connect();
    try {
      await client.query('SELECT 1');
    } finally {
      await client.end();
    }
  } catch (error) {
    console.error('DSQL health check failed', error);
    return false;
  }
  console.info('DSQL health check succeeded');
  return true;
}
