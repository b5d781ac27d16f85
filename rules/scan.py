"""SCAN: findings about the scan itself (unparseable input, suppressions that do not hold up).

These rules have no check over facts: the engine raises them while reading files and applying
suppressions. They are declared here so that they are documented, selectable and reported like
every other rule.
"""

from __future__ import annotations

from scanner.model import Severity
from scanner.rules.base import Example, rule

RULES = (
    rule(
        id="SCAN001",
        name="parse-error",
        title="File cannot be parsed",
        severity=Severity.ERROR,
        kinds=("cfn", "cdk", "app", "sql"),
        requirements=("SC-004",),
        rationale="""A file that cannot be read is a file whose Aurora RDS references nobody has
            checked. The review cannot claim "no RDS reference remains" over it, so the scan
            reports it (with the parser's reason and position) and fails.""",
        remediation="""Fix the syntax at the reported position, or exclude the file in the
            configuration if it is not part of the application or its infrastructure.""",
        examples=(
            Example(
                """
                AWSTemplateFormatVersion: "2010-09-09"
                Resources:
                  Cluster:
                    Type: AWS::RDS::DBCluster
                    Properties: [unclosed
                """,
                fires=1,
            ),
            Example(
                """
                AWSTemplateFormatVersion: "2010-09-09"
                Resources:
                  Ledger:
                    Type: AWS::DSQL::Cluster
                """,
                fires=0,
            ),
            Example(
                """
                import boto3


                def handler(event:
                    return boto3.client("dsql")
                """,
                fires=1,
                kind="app",
                lines=(4,),
            ),
        ),
    ),
    rule(
        id="SCAN002",
        name="unused-suppression",
        title="Suppression matches nothing",
        severity=Severity.WARNING,
        kinds=("cfn", "cdk", "app", "sql"),
        requirements=("SC-004",),
        rationale="""A suppression that suppresses nothing is stale: the problem was fixed or
            moved. Left in place it would silently hide the next, unrelated finding.""",
        remediation="Delete the suppression.",
        examples=(
            Example(
                """
                Resources:
                  Ledger:
                    Type: AWS::DSQL::Cluster
                    Metadata:
                      dsql-scan:
                        ignore:
                          - id: RDS001
                            reason: cut over next sprint
                    Properties:
                      DeletionProtectionEnabled: true
                """,
                fires=1,
                lines=(7,),
            ),
            Example(
                """
                Resources:
                  Legacy:
                    Type: AWS::RDS::DBCluster
                    Metadata:
                      dsql-scan:
                        ignore:
                          - id: RDS001
                            reason: kept until the data copy is verified (LEDGER-42)
                """,
                fires=0,
            ),
            Example(
                """
                import boto3

                client = boto3.client("dsql")  # dsql-scan: ignore[RDS009] Data API until LEDGER-7
                """,
                fires=1,
                kind="app",
                lines=(3,),
            ),
            Example(
                """
                import boto3

                # dsql-scan: ignore[RDS009] the reporting job keeps the Data API until LEDGER-7
                client = boto3.client("rds-data")
                """,
                fires=0,
                kind="app",
            ),
        ),
    ),
    rule(
        id="SCAN003",
        name="suppression-without-reason",
        title="Suppression has no reason",
        severity=Severity.WARNING,
        kinds=("cfn", "cdk", "app", "sql"),
        requirements=("SC-004",),
        rationale="""The migration review lists every suppression with its reason; a reviewer
            cannot sign off an exception nobody explained.""",
        remediation="Add a reason: `reason: ...` in metadata, or text after `ignore[ID]` in code.",
        examples=(
            Example(
                """
                Resources:
                  Legacy:
                    Type: AWS::RDS::DBCluster
                    Metadata:
                      dsql-scan:
                        ignore:
                          - id: RDS001
                """,
                fires=1,
                lines=(7,),
            ),
            Example(
                """
                Resources:
                  Legacy:
                    Type: AWS::RDS::DBCluster
                    Metadata:
                      dsql-scan:
                        ignore:
                          - id: RDS001
                            reason: deleted in the follow-up change LEDGER-43
                """,
                fires=0,
            ),
            Example(
                """
                import boto3

                client = boto3.client("rds-data")  # dsql-scan: ignore[RDS009]
                """,
                fires=1,
                kind="app",
                lines=(3,),
            ),
        ),
    ),
    rule(
        id="SCAN004",
        name="sql-not-checked",
        title="SQL file not checked: dsql-lint cannot run",
        severity=Severity.WARNING,
        kinds=("sql",),
        requirements=("FR-005", "SC-001", "SC-004"),
        rationale="""The SQL rules are AWS's dsql-lint. Where it is not installed (a pre-commit
            or CI environment set up with `pip install dsql-scan` alone), a migration with
            `SERIAL`, `TEXT[]` or `TRUNCATE` would otherwise pass the gate unread. Each `.sql`
            file in scope is therefore reported once, at warning level, so the default gate
            fails until the linter is there. SQL literals in Python code are not findings: a
            one-line note says they were not checked.""",
        remediation="""Install the SQL extra where the scan runs: `pip install 'dsql-scan[sql]'`
            (the shipped pre-commit hooks install it). Where SQL is knowingly out of scope,
            exclude the files (`exclude`) or ignore SCAN004 in the configuration, with a
            reason.""",
        examples=(
            Example(
                """
                -- dsql-lint is installed: the file is checked, and SQL001 reports the SERIAL
                CREATE TABLE accounts (id SERIAL PRIMARY KEY);
                """,
                fires=0,
                kind="sql",
            ),
        ),
    ),
)
