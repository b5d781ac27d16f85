"""Values that cross a re-export: a package's ``__init__.py`` or a folder's ``index.ts``.

CDK apps import their stacks through a barrel (``from infra import ApiStack``; ``import {
ApiStack } from '../lib'`` with ``lib/index.ts`` saying ``export * from './api'``). The props
the app passes there reach the stack's module all the same: the secret handed to ApiStack is
the RDS cluster's, whichever way the name was re-exported (named, renamed or ``*``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli, write
from tests.typescript_cases import FIXTURES

TS_EXPECTED = [
    ("RDS008", "lib/api.ts", 18),  # DB_HOST = this.db.cluster (a typed parameter property)
    ("RDS008", "lib/api.ts", 19),  # DB_SECRET = props.secret, passed through the barrel
    ("RDS006", "lib/api.ts", 22),  # props.secret.grantRead(fn)
    ("RDS001", "lib/db.ts", 8),
    ("RDS003", "lib/db.ts", 9),
]
TS_BARRELS = {
    "star": "export * from './db';\nexport * from './api';\n",
    "named": "export { DbStack } from './db';\nexport { ApiStack } from './api';\n",
}


def findings(root: Path, *args: str) -> list[tuple[str, str, int]]:
    run = run_cli("scan", ".", "--no-cache", "--format", "json", "--select", "RDS", *args, cwd=root)
    assert run.code == 1, run.stderr
    return [(f["rule"], f["path"], f["line"]) for f in run.json()["findings"]]


@pytest.mark.parametrize("barrel", TS_BARRELS)
def test_typescript_props_cross_an_index_barrel(tmp_path, barrel):
    app = shutil.copytree(FIXTURES / "barrel", tmp_path / "app")
    (app / "lib" / "index.ts").write_text(TS_BARRELS[barrel], encoding="utf-8")
    assert findings(app, "--preview") == TS_EXPECTED


def test_a_renamed_re_export_is_the_same_class(tmp_path):
    app = shutil.copytree(FIXTURES / "barrel", tmp_path / "app")
    (app / "lib" / "index.ts").write_text(
        "export { DbStack as Database } from './db';\nexport * from './api';\n", encoding="utf-8"
    )
    entry = app / "bin" / "app.ts"
    text = entry.read_text(encoding="utf-8").replace("ApiStack, DbStack", "ApiStack, Database")
    entry.write_text(text.replace("new DbStack(", "new Database("), encoding="utf-8")
    assert findings(app, "--preview") == TS_EXPECTED


PY_APP = {
    "cdk.json": '{"app": "python3 app.py"}\n',
    "app.py": """\
        import aws_cdk as cdk

        from infra import ApiStack, DbStack

        app = cdk.App()
        db = DbStack(app, "Db")
        ApiStack(app, "Api", db=db, secret=db.cluster.secret)
        """,
    "infra/db.py": """\
        from aws_cdk import Stack
        from aws_cdk import aws_rds as rds


        class DbStack(Stack):
            def __init__(self, scope, construct_id):
                super().__init__(scope, construct_id)
                self.cluster = rds.DatabaseCluster(
                    self, "Ledger", engine=rds.DatabaseClusterEngine.AURORA_POSTGRESQL
                )
        """,
    "infra/api.py": """\
        from aws_cdk import Stack
        from aws_cdk import aws_lambda as lambda_


        class ApiStack(Stack):
            def __init__(self, scope, construct_id, *, db, secret):
                super().__init__(scope, construct_id)
                fn = lambda_.Function(
                    self,
                    "A",
                    runtime=lambda_.Runtime.PYTHON_3_12,
                    handler="index.main",
                    code=lambda_.Code.from_asset("src"),
                    environment={"DB_SECRET": secret.secret_arn},
                )
                secret.grant_read(fn)
        """,
}
PY_BARRELS = {
    "star": "from .api import *\nfrom .db import *\n",
    "named": "from .api import ApiStack\nfrom .db import DbStack\n",
}


@pytest.mark.parametrize("barrel", PY_BARRELS)
def test_python_props_cross_a_package_init(tmp_path, barrel):
    write(tmp_path, {**PY_APP, "infra/__init__.py": PY_BARRELS[barrel]})
    assert findings(tmp_path) == [
        ("RDS008", "infra/api.py", 14),  # DB_SECRET = the secret passed through the package
        ("RDS006", "infra/api.py", 16),
        ("RDS001", "infra/db.py", 8),
        ("RDS003", "infra/db.py", 9),
    ]
