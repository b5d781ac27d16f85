"""SQL: Aurora DSQL SQL compatibility, judged by AWS's dsql-lint.

dsql-lint decides; these declarations give each of its rules a stable dsql-scan id, a severity
(dsql-lint's own level: ERROR for what its fixer cannot rewrite, WARNING for a rewrite with a
caveat, INFO -> note for a mechanical rewrite; where dsql-lint's level depends on the statement,
the higher one), the requirements it evidences, DSQL-specific rationale and remediation, and
examples that run through the real dsql-lint in the test suite.

Ids are stable forever: SQL001-SQL083 follow dsql-lint 0.2.22's rule declaration order. A rule
name that a newer dsql-lint introduces is reported as SQL000 (``dsql-lint``) with its name in the
message until it gets its own id here (the next free number). Ids are never renumbered or reused.

The family is table-driven: ``catalogue`` is one row per dsql-lint rule, ``_common`` builds a
rule from a row (its check, its examples in SQL and in application code), and
``sql000_dsql_lint`` is the catch-all for the rules the table does not know.
"""
