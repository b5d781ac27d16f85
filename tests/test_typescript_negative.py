"""Issue 18 negative controls in TypeScript and JavaScript: each reports nothing at all.

Every rule the scan runs by default is on: a local class named ``DatabaseCluster`` (not from
aws-cdk-lib, defined here or imported from the app's own module), ``aurora`` and ``rds`` in
comments, strings and templates, an EKS ``clusterEndpoint`` in a function's environment and the
code that reads it, a DynamoDB-only service (its table in ``DB_HOST``, a health check of its own)
and a Lambda function that only uses S3.
"""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import run_cli
from tests.typescript_cases import FIXTURES, cases, check

CASES = cases("negative")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_negative_control_reports_nothing(tmp_path, case):
    assert check(case, tmp_path / "app") == []


def test_the_same_name_imported_from_aws_rds_is_reported(tmp_path):
    """The control above is silent because of where ``DatabaseCluster`` comes from: imported
    from aws-cdk-lib/aws-rds instead of the app's own module, the same call is RDS001."""
    app = shutil.copytree(FIXTURES / "negative" / "local-class", tmp_path / "app")
    store = app / "store.ts"
    text = store.read_text(encoding="utf-8")
    store.write_text(text.replace("from './cluster'", "from 'aws-cdk-lib/aws-rds'"), "utf-8")
    run = run_cli("scan", ".", "--preview", "--format", "json", "--select", "RDS", cwd=app)
    found = [(f["rule"], f["path"], f["line"]) for f in run.json()["findings"]]
    assert found == [("RDS001", "store.ts", 20)]
