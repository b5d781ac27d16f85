"""Canonical names: TypeScript's spelling of modules and members mapped onto the catalogue's."""

from __future__ import annotations

import pytest

from scanner.inputs import names


@pytest.mark.parametrize(
    ("specifier", "canonical"),
    [
        ("aws-cdk-lib", "aws_cdk"),
        ("aws-cdk-lib/aws-rds", "aws_cdk.aws_rds"),
        ("aws-cdk-lib/aws-secretsmanager", "aws_cdk.aws_secretsmanager"),
        ("@aws-cdk/core", "aws_cdk"),
        ("@aws-cdk/aws-rds", "aws_cdk.aws_rds"),
        ("@aws-cdk/aws-dsql-alpha", "aws_cdk.aws_dsql_alpha"),
        ("constructs", "constructs"),
        ("@aws-sdk/client-rds-data", "aws_sdk.client_rds_data"),
        ("@aws-sdk/dsql-signer", "aws_sdk.dsql_signer"),
        ("pg", "pg"),
        ("node:process", "process"),
        ("./db", ".db"),
        ("../lib/db-stack", "..lib.db_stack"),
        ("../lib/db-stack.js", "..lib.db_stack"),
        ("./stacks/index", ".stacks"),
        ("../../x", "...x"),
    ],
)
def test_modules_take_the_catalogues_names(specifier, canonical):
    assert names.module(specifier) == canonical


@pytest.mark.parametrize(
    ("member", "canonical"),
    [
        ("defaultDatabaseName", "default_database_name"),
        ("grantDataApiAccess", "grant_data_api_access"),
        ("fromGeneratedSecret", "from_generated_secret"),
        ("auroraPostgres", "aurora_postgres"),
        ("allowFromAnyIpv4", "allow_from_any_ipv4"),
        ("attrResourceArn", "attr_resource_arn"),
        ("auroraDSQLPostgres", "aurora_dsql_postgres"),
        ("DatabaseCluster", "DatabaseCluster"),
        ("VER_15_4", "VER_15_4"),
        ("DB_HOST", "DB_HOST"),
        ("lambda", "lambda_"),
        ("from", "from_"),
        ("$el", "S_el"),
        ("x", "x"),
    ],
)
def test_members_are_spelled_as_jsii_spells_them_in_python(member, canonical):
    assert names.snake(member) == canonical


@pytest.mark.parametrize(
    ("path", "parts", "package"),
    [
        ("stacks/data_stack.py", ["stacks", "data_stack"], False),
        ("lib/data-stack.ts", ["lib", "data_stack"], False),
        ("lib/index.ts", ["lib"], True),
        ("pkg/__init__.py", ["pkg"], True),
        ("app.ts", ["app"], False),
        ("src/handler.mjs", ["src", "handler"], False),
    ],
)
def test_a_files_module_path_is_what_imports_spell(path, parts, package):
    assert names.module_parts(path) == parts
    assert names.is_package(path) is package
