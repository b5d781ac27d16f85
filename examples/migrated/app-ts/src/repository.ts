/** Ledger repository on Aurora DSQL (PostgreSQL protocol, IAM authentication). */
import { connect } from './db';

export async function balance(accountId: string): Promise<number> {
  const client = await connect();
  try {
    const result = await client.query('SELECT balance FROM accounts WHERE id = $1', [accountId]);
    return Number(result.rows[0].balance);
  } finally {
    await client.end();
  }
}

export async function transfer(source: string, target: string, amount: number): Promise<void> {
  const client = await connect();
  try {
    await client.query('BEGIN');
    await client.query('UPDATE accounts SET balance = balance - $1 WHERE id = $2', [amount, source]);
    await client.query('UPDATE accounts SET balance = balance + $1 WHERE id = $2', [amount, target]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    await client.end();
  }
}
