"""Issue 18, CDK source in TypeScript and JavaScript: every pattern of the issue's scope list 3.

Each case under tests/fixtures/typescript/cdk/ is one small app (see tests/typescript_cases.py
for the ``// select:`` and ``// expect:`` markers): every import style (``import * as``, a
module alias of aws-cdk-lib, named imports with aliases, ``require`` whole and destructured,
CDK v1 ``@aws-cdk/*``, the DSQL alpha module), engines, generated credentials and secrets,
grants and policy statements, ``CfnResource`` and ``CfnCluster``, function, NodejsFunction and
ECS container environments, ingress and connections, outputs and SSM parameters.
"""

from __future__ import annotations

import pytest

from tests.typescript_cases import cases, check

CASES = cases("cdk")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_reports_exactly_its_marked_lines(tmp_path, case):
    check(case, tmp_path / "app")
