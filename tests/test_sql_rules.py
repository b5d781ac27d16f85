"""The SQL family: stable ids for dsql-lint's rule names, severities that agree with dsql-lint's
own levels, rewrites that dsql-lint accepts, and a catch-all for rules newer than the catalogue."""

from __future__ import annotations

from scanner.config import Config
from scanner.facts import FileFacts, SqlDiagnostic
from scanner.inputs.sql import lint as sql_input
from scanner.model import Location
from scanner.pipeline.analyze import run_file_rules
from scanner.rules import BY_ID, matching
from scanner.rules.sql._common import message
from scanner.rules.sql.catalogue import LINT_RULES

# Ids are stable forever: this table may only ever grow at the end.
MAPPING = """
SQL000 dsql-lint
SQL001 serial_type
SQL002 array_type
SQL003 foreign_key_match_partial
SQL004 foreign_key_enforced
SQL005 foreign_key_not_valid
SQL006 check_not_valid
SQL007 temp_table
SQL008 partition_by
SQL009 create_table_as
SQL010 tablespace
SQL011 identity_type
SQL012 identity_cache
SQL013 identity_cache_missing
SQL014 numeric_bounds
SQL015 index_async
SQL016 index_concurrently
SQL017 index_using
SQL018 index_sort_direction
SQL019 index_volatile_function
SQL020 sequence_type
SQL021 sequence_cache
SQL022 sequence_cache_missing
SQL023 add_column_constraint
SQL024 collation
SQL025 transaction_isolation
SQL026 set_transaction
SQL027 at_unsupported_alter_column_set_type
SQL028 at_unsupported_alter_column_set_not_null
SQL029 at_unsupported_add_primary_key
SQL030 at_unsupported_add_unique
SQL031 at_unsupported_primary_key_using_index
SQL032 at_unsupported_row_level_security
SQL033 at_unsupported_replica_identity
SQL034 validate_constraint_async
SQL035 at_unsupported_rewrite_rule
SQL036 unsupported_temp_view
SQL037 unsupported_materialized_view
SQL038 unsupported_create_trigger
SQL039 unsupported_create_extension
SQL040 unsupported_create_function_non_sql
SQL041 unsupported_create_database
SQL042 unsupported_create_policy
SQL043 unsupported_savepoint
SQL044 unsupported_release_savepoint
SQL045 unsupported_rollback_to_savepoint
SQL046 unsupported_declare_cursor
SQL047 unsupported_create_type
SQL048 unsupported_create_server
SQL049 unsupported_vacuum
SQL050 unsupported_alter_index
SQL051 unsupported_alter_view_as_query
SQL052 unsupported_copy_from_file
SQL053 unsupported_lock_table
SQL054 unsupported_alter_aggregate
SQL055 unsupported_alter_function_property
SQL056 unsupported_alter_policy
SQL057 unsupported_alter_type
SQL058 unsupported_alter_role_property
SQL059 unsupported_alter_role_set
SQL060 unsupported_alter_user
SQL061 unsupported_drop_materialized_view
SQL062 unsupported_drop_type
SQL063 unsupported_drop_trigger
SQL064 unsupported_drop_policy
SQL065 unsupported_listen
SQL066 unsupported_unlisten
SQL067 unsupported_notify
SQL068 unsupported_prepare
SQL069 unsupported_deallocate
SQL070 unsupported_discard
SQL071 unsupported_partition_of
SQL072 unsupported_on_commit
SQL073 unsupported_create_table_with_storage_parameters
SQL074 multi_ddl_transaction
SQL075 mixed_ddl_dml_transaction
SQL076 serial_sequence_idiom
SQL077 alter_add_unique_collapse
SQL078 alter_add_primary_key_collapse
SQL079 primary_key_removal
SQL080 identity_add_generated_collapse
SQL081 alter_column_set_compression_strip
SQL082 truncate
SQL083 parse_error
"""


def test_ids_and_names_are_the_stable_mapping():
    expected = [tuple(line.split()) for line in MAPPING.strip().splitlines()]
    assert [(r.id, r.name) for r in matching("SQL")] == expected
    assert [r.id for r in LINT_RULES] == [pair[0] for pair in expected[1:]]
    assert all(BY_ID[rule_id].name == name for rule_id, name in expected)


def test_every_rule_is_documented_for_sql_and_application_code():
    for rule in matching("SQL"):
        assert rule.kinds == ("app", "sql") and rule.family == "SQL"
        assert rule.reads == ("sql_diagnostics",) and rule.since == "0.1.0"
        assert rule.requirements and rule.rationale and rule.remediation
        files = {(example.kind, example.file_name) for example in rule.examples}
        assert files == {("sql", "migration.sql"), ("app", "service.py"), ("app", "service.ts")}, (
            rule.id
        )


def test_severities_are_dsql_lints_levels():
    """Each firing example, linted by the real dsql-lint: its level is the rule's severity."""
    rules = LINT_RULES
    texts = [rule.examples[0].source for rule in rules]
    for rule, report in zip(rules, sql_input.lint(texts), strict=True):
        statuses = {d.status for d in report.diagnostics if d.rule == rule.name}
        assert {sql_input.LEVELS[s] for s in statuses} == {rule.severity}, rule.id


def test_documented_rewrites_are_accepted_by_dsql_lint():
    """The DSQL-correct rewrite of every rule reports nothing at all, not just not itself."""
    texts = [rule.examples[1].source for rule in LINT_RULES]
    for rule, report in zip(LINT_RULES, sql_input.lint(texts), strict=True):
        assert report.diagnostics == (), (rule.id, report.diagnostics)


def _facts(*names: str) -> FileFacts:
    diagnostics = tuple(
        SqlDiagnostic(name, "Something DSQL rejects.", Location("m.sql", i + 1), "Do this.")
        for i, name in enumerate(names)
    )
    return FileFacts(kind="sql", path="m.sql", sql_diagnostics=diagnostics)


def test_unknown_dsql_lint_rule_is_the_catch_all_with_its_name():
    raw = run_file_rules(_facts("serial_type", "json_column_v2"), Config())
    assert sorted((r.rule, r.location.line, r.message) for r in raw) == [
        ("SQL000", 2, "dsql-lint rule json_column_v2: Something DSQL rejects. Do this."),
        ("SQL001", 1, "Something DSQL rejects. Do this."),
    ]


def test_message_joins_dsql_lints_message_and_suggestion():
    location = Location("m.sql")
    assert message(SqlDiagnostic("x", "Index: i", location, "Use ASYNC.")) == (
        "Index: i. Use ASYNC."
    )
    assert message(SqlDiagnostic("x", "Bad.", location)) == "Bad."


def test_sql_rules_apply_to_sql_and_app_facts_only():
    for kind, expected in (("sql", 1), ("app", 1), ("cfn", 0), ("cdk", 0)):
        facts = FileFacts(kind=kind, path="x", sql_diagnostics=_facts("truncate").sql_diagnostics)
        assert len(run_file_rules(facts, Config())) == expected, kind
