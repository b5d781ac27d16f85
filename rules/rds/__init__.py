"""RDS: residual Aurora RDS (FR-001, FR-003, FR-007, SC-004).

What is left of the Aurora RDS database once the migration to Aurora DSQL is done: clusters and
instances, their supporting resources, credentials and permissions, open ports, and the values and
code that still point at the old database. Each rule reads facts only; the CloudFormation and
Python inputs describe CDK constructs with the CloudFormation types they synthesize to, so one
check serves templates and CDK code. One rule per module; what two or more rules share is in
``_common``.
"""
