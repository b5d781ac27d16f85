/** Ledger repository on the RDS Data API (the legacy data path). */
import {
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';

const CLUSTER_ARN = process.env.AURORA_CLUSTER_ARN;
const SECRET_ARN = process.env.AURORA_DB_SECRET_ARN;
const DATABASE = 'ledger';

const dataApi = new RDSDataClient({});

export async function balance(accountId: string): Promise<number> {
  const response = await dataApi.send(
    new ExecuteStatementCommand({
      resourceArn: CLUSTER_ARN,
      secretArn: SECRET_ARN,
      database: DATABASE,
      sql: 'SELECT balance FROM accounts WHERE id = :id',
      parameters: [{ name: 'id', value: { stringValue: accountId } }],
    }),
  );
  return response.records?.[0]?.[0]?.longValue ?? 0;
}

export async function transfer(source: string, target: string, amount: number): Promise<void> {
  const transaction = await dataApi.send(
    new BeginTransactionCommand({
      resourceArn: CLUSTER_ARN,
      secretArn: SECRET_ARN,
      database: DATABASE,
    }),
  );
  const transactionId = transaction.transactionId;
  try {
    await dataApi.send(
      new BatchExecuteStatementCommand({
        resourceArn: CLUSTER_ARN,
        secretArn: SECRET_ARN,
        database: DATABASE,
        sql: 'UPDATE accounts SET balance = balance + :delta WHERE id = :id',
        parameterSets: [
          [
            { name: 'id', value: { stringValue: source } },
            { name: 'delta', value: { longValue: -amount } },
          ],
          [
            { name: 'id', value: { stringValue: target } },
            { name: 'delta', value: { longValue: amount } },
          ],
        ],
        transactionId,
      }),
    );
    await dataApi.send(
      new CommitTransactionCommand({ resourceArn: CLUSTER_ARN, secretArn: SECRET_ARN, transactionId }),
    );
  } catch (error) {
    await dataApi.send(
      new RollbackTransactionCommand({ resourceArn: CLUSTER_ARN, secretArn: SECRET_ARN, transactionId }),
    );
    throw error;
  }
}
