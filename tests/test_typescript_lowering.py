"""TypeScript and JavaScript read like their Python twins: small snippets in, facts out.

Each test is a construct a rule example in TypeScript needed (tests/fixtures/rules/*/*.ts) that the
lowering once spelled differently from what the Python input's collectors understand. The facts
come from the input's own module API (the real tree-sitter parse, the real lowering, the real
collectors); one end-to-end test runs the installed ``dsql-scan`` on a file.
"""

from __future__ import annotations

import textwrap

from scanner.facts import FileFacts
from scanner.inputs.typescript import module
from tests.conftest import run_cli, write


def facts(source: str, path: str = "stack.ts") -> FileFacts:
    """The facts of one TS/JS module, as the input reads it."""
    found, _ = module.facts_of(textwrap.dedent(source).lstrip("\n"), path)
    return found


def test_json_stringify_takes_a_value_not_props():
    """``JSON.stringify({ username })`` is ``json.dumps({...})``: the secret's template keys are
    seen, so a username/password secret next to DSQL is a database credential."""
    found = facts(
        """
        import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
        import { Construct } from 'constructs';

        export function credentials(scope: Construct) {
          return new secretsmanager.Secret(scope, 'AuroraCredentials', {
            generateSecretString: {
              secretStringTemplate: JSON.stringify({ username: 'ledger_admin' }),
              generateStringKey: 'password',
            },
          });
        }
        """
    )
    assert [(c.kind, c.location.line) for c in found.credentials] == [("orphan-secret", 5)]


def test_json_stringify_of_other_keys_is_no_credential():
    found = facts(
        """
        const secretsmanager = require('aws-cdk-lib/aws-secretsmanager');

        function partner(scope) {
          return new secretsmanager.Secret(scope, 'Partner', {
            generateSecretString: {
              secretStringTemplate: JSON.stringify({ client: 'partner' }),
              generateStringKey: 'apiKey',
            },
          });
        }
        """,
        "partner.js",
    )
    assert found.credentials == ()


def test_installed_scan_reads_typescript_with_preview(tmp_path):
    write(
        tmp_path,
        {
            "lib/secret.ts": """
            import { aws_dsql as dsql, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
            import { Construct } from 'constructs';

            export function database(scope: Construct) {
              new dsql.CfnCluster(scope, 'Ledger', { deletionProtectionEnabled: true });
              return new secretsmanager.Secret(scope, 'AuroraCredentials', {
                generateSecretString: {
                  secretStringTemplate: JSON.stringify({ username: 'ledger_admin' }),
                  generateStringKey: 'password',
                },
              });
            }
            """
        },
    )
    run = run_cli(
        "scan",
        "--preview",
        "--no-cache",
        "--select",
        "RDS005",
        "--format",
        "json",
        ".",
        cwd=tmp_path,
    )
    assert run.code == 1, run.stderr
    assert [(f["rule"], f["line"]) for f in run.json()["findings"]] == [("RDS005", 6)]


def test_object_keys_are_located_where_they_are_written():
    """An environment variable's name is located at its key, not somewhere after the value
    before it (a key had no position of its own: ``x!.y`` before it shifted it a line up)."""
    found = facts(
        """
        import * as lambda from 'aws-cdk-lib/aws-lambda';
        import * as rds from 'aws-cdk-lib/aws-rds';

        export function api(scope: any, cluster: rds.DatabaseCluster, code: lambda.Code) {
          return new lambda.Function(scope, 'Api', {
            runtime: lambda.Runtime.NODEJS_20_X,
            handler: 'index.handler',
            code,
            environment: {
              DB_SECRET_ARN: cluster.secret!.secretArn,
              'AURORA_SECRET_ARN': 'arn:aws:secretsmanager:us-east-1:111122223333:secret:db',
            },
          });
        }
        """
    )
    located = {
        s.name: (s.name_location.line, s.name_location.column, s.location.line) for s in found.sinks
    }
    assert located == {"DB_SECRET_ARN": (10, 7, 10), "AURORA_SECRET_ARN": (11, 7, 11)}


FACTORY_TS = """
import { Stack } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';
import { ledgerFunction } from './functions';

export class ApiStack extends Stack {
  constructor(scope: any, cluster: rds.DatabaseCluster) {
    super(scope, 'Api');
    ledgerFunction(this, 'Handler', {
      environment: { DB_HOST: cluster.clusterEndpoint.hostname, LOG_LEVEL: 'INFO' },
    });
  }
}
"""

FACTORY_PY = """
from aws_cdk import Stack
from aws_cdk import aws_rds as rds

from infra.functions import ledger_function


class ApiStack(Stack):
    def __init__(self, scope, cluster: rds.DatabaseCluster):
        super().__init__(scope, "Api")
        ledger_function(
            self,
            "Handler",
            {"environment": {"DB_HOST": cluster.cluster_endpoint.hostname, "LOG_LEVEL": "INFO"}},
        )
"""


def test_a_factorys_props_object_sets_the_environment():
    """The app's own functions take their props as one object (``ledgerFunction(this, 'Api',
    { environment })``, a TypedDict in Python): its ``environment`` is set at the call, as the
    ``environment=`` keyword of a Python factory is."""
    from scanner.inputs.python import module as python_module

    typescript = facts(FACTORY_TS, "lib/api-stack.ts")
    python, _ = python_module.facts_of(textwrap.dedent(FACTORY_PY).lstrip("\n"), "infra/api.py")
    for found, line in ((typescript, 9), (python, 13)):
        sinks = {s.name: (s.location.line, bool(s.rds_targets)) for s in found.sinks}
        assert sinks == {"DB_HOST": (line, True), "LOG_LEVEL": (line, False)}


def test_aws_sdk_v2_clients_are_the_services_of_v3():
    """The legacy apps a migration starts from often use the AWS SDK v2 (``aws-sdk``): its
    ``RDSDataService`` (from the package or its per-service module) and ``RDS.Signer`` are the
    Data API client and the RDS token signer, as v3's are."""
    found = facts(
        """
        const AWS = require('aws-sdk');
        import RDSDataService from 'aws-sdk/clients/rdsdataservice';

        const data = new AWS.RDSDataService({ region: 'us-east-1' });
        const other = new RDSDataService();

        export async function balances(resourceArn: string, secretArn: string, host: string) {
          await other.beginTransaction({ resourceArn, secretArn }).promise();
          const signer = new AWS.RDS.Signer({ hostname: host, port: 5432, username: 'app' });
          const token = signer.getAuthToken({});
          return data.executeStatement({ resourceArn, secretArn, sql: 'SELECT 1' }).promise();
        }
        """,
        "service.ts",
    )
    calls = sorted((c.location.line, c.service, c.method) for c in found.api_calls)
    assert calls == [
        (4, "rds-data", "client"),
        (5, "rds-data", "client"),
        (8, "rds-data", "begin_transaction"),
        (9, "rds", "client"),
        (10, "rds", "generate_db_auth_token"),
        (11, "rds-data", "execute_statement"),
    ]


def test_a_class_of_fields_alone_is_a_typed_configuration():
    """A class with fields and no base, constructor or instance method is a record (a Python
    dataclass): a typed configuration whose field initialisers declare what they read."""
    found = facts(
        """
        export class DsqlSettings {
          readonly endpoint: string = process.env.DSQL_ENDPOINT!;
          readonly clusterArn = process.env['DSQL_CLUSTER_ARN']!;
          readonly database: string = process.env.DSQL_DATABASE ?? 'postgres';

          static load(): DsqlSettings {
            return new DsqlSettings();
          }
        }

        export class Repository {
          readonly endpoint = process.env.DSQL_ENDPOINT!;

          describe(): string {
            return this.endpoint;
          }
        }
        """,
        "settings.ts",
    )
    assert [(t.name, t.kind, t.location.line) for t in found.config_types] == [
        ("DsqlSettings", "dataclass", 1)
    ]
    (settings,) = found.config_types
    assert settings.fields == ("endpoint", "cluster_arn", "database")
    assert settings.env_names == ("DSQL_CLUSTER_ARN", "DSQL_DATABASE", "DSQL_ENDPOINT")
    assert sorted(read.name for read in found.env_reads) == [
        "DSQL_CLUSTER_ARN",
        "DSQL_DATABASE",
        "DSQL_ENDPOINT",
        "DSQL_ENDPOINT",
    ]


def test_require_destructured_by_shorthand_imports_the_names():
    """``const { RDSDataClient } = require('@aws-sdk/client-rds-data')``, CommonJS's usual
    import, binds the name as ``{ RDSDataClient: RDSDataClient }`` does."""
    found = facts(
        """
        const { RDSDataClient } = require('@aws-sdk/client-rds-data');
        const { DsqlSigner: Signer, } = require('@aws-sdk/dsql-signer');

        const client = new RDSDataClient({});
        const signer = new Signer({ hostname: 'abc.dsql.us-east-1.on.aws', region: 'us-east-1' });

        module.exports = { client, signer };
        """,
        "service.js",
    )
    calls = sorted((c.location.line, c.service, c.method) for c in found.api_calls)
    assert calls == [(4, "rds-data", "client"), (5, "dsql", "client")]


def test_javascript_escapes_read_as_the_same_characters():
    """``\\u{...}``, surrogate pairs and letters Python would take for escapes of its own
    (``\\N``, ``\\U``) are JS strings like any other: the module is analysed, and a value built
    from them is the text JavaScript would see."""
    source = """
        const label = '1\\u{FE0F}\\u{20E3} \\uD83D\\uDE00 \\N \\U';
        const banner = `ledger ${label} \\u{1F600}`;
        export const host = process.env['RDS_\\u{48}OST'];
        """
    found = facts(source, "app.ts")
    assert [read.name for read in found.env_reads] == ["RDS_HOST"]


def test_a_module_the_lowering_cannot_read_is_scan001_never_a_traceback(tmp_path):
    """Deeply nested values beyond what the analysis walks are refused with a reason, and the
    other files of the tree are still scanned."""
    nested = "[" * 300 + "1" + "]" * 300
    write(
        tmp_path,
        {
            "deep.ts": f"export const x = (pool) => pool.query('SELECT 1', {nested});\n",
            "api.ts": "export const arn = process.env.AURORA_CLUSTER_ARN;\n",
        },
    )
    run = run_cli("scan", ".", "--format", "json", "--no-cache", cwd=tmp_path)
    assert run.code == 1 and "Traceback" not in run.stderr, run.stderr
    found = {(f["rule"], f["path"]): f["message"] for f in run.json()["findings"]}
    assert found[("SCAN001", "deep.ts")].endswith("source nested too deeply to analyse")
    assert ("RDS008", "api.ts") in found
