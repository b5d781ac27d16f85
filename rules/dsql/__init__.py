"""DSQL: the Aurora DSQL target state (FR-001..FR-005).

The RDS family proves what is gone; this family proves what is there and right: one cluster,
protected against deletion, that every function talking to it can find through its environment
and may connect to with ``dsql:DbConnect`` on that cluster (and nothing broader), with IAM tokens
instead of secrets, the one database ``postgres``, and a template that cfn-lint accepts.

Most checks here judge links between resources (a function, its role, the policies reaching the
role, the cluster its environment names), so they are project checks over
``scanner.project.context``; their findings are still located at the resource concerned. One
rule per module (``dsql001_cluster_missing``...); what two or more of them share is in
``_common``.
"""
