"""Ledger repository on Aurora DSQL (PostgreSQL protocol, IAM authentication)."""

from db import connect


def balance(account_id: str) -> int:
    with connect() as connection:
        row = connection.execute(
            "SELECT balance FROM accounts WHERE id = %s", (account_id,)
        ).fetchone()
    return row[0]


def transfer(source: str, target: str, amount: int) -> None:
    with connect() as connection, connection.transaction():
        connection.execute(
            "UPDATE accounts SET balance = balance - %s WHERE id = %s", (amount, source)
        )
        connection.execute(
            "UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount, target)
        )
