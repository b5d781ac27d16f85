"""Ledger repository on the RDS Data API (the legacy data path)."""

import os

import boto3

CLUSTER_ARN = os.environ["AURORA_CLUSTER_ARN"]
SECRET_ARN = os.environ["DB_SECRET_ARN"]
DATABASE = "ledger"

data_api = boto3.client("rds-data")


def balance(account_id: str) -> int:
    response = data_api.execute_statement(
        resourceArn=CLUSTER_ARN,
        secretArn=SECRET_ARN,
        database=DATABASE,
        sql="SELECT balance FROM accounts WHERE id = :id",
        parameters=[{"name": "id", "value": {"stringValue": account_id}}],
    )
    return response["records"][0][0]["longValue"]


def transfer(source: str, target: str, amount: int) -> None:
    transaction = data_api.begin_transaction(
        resourceArn=CLUSTER_ARN, secretArn=SECRET_ARN, database=DATABASE
    )
    transaction_id = transaction["transactionId"]
    try:
        data_api.batch_execute_statement(
            resourceArn=CLUSTER_ARN,
            secretArn=SECRET_ARN,
            database=DATABASE,
            sql="UPDATE accounts SET balance = balance + :delta WHERE id = :id",
            parameterSets=[
                [
                    {"name": "id", "value": {"stringValue": source}},
                    {"name": "delta", "value": {"longValue": -amount}},
                ],
                [
                    {"name": "id", "value": {"stringValue": target}},
                    {"name": "delta", "value": {"longValue": amount}},
                ],
            ],
            transactionId=transaction_id,
        )
        data_api.commit_transaction(
            resourceArn=CLUSTER_ARN, secretArn=SECRET_ARN, transactionId=transaction_id
        )
    except Exception:
        data_api.rollback_transaction(
            resourceArn=CLUSTER_ARN, secretArn=SECRET_ARN, transactionId=transaction_id
        )
        raise
