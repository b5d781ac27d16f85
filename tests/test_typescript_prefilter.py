"""The TypeScript/JavaScript gate is sound: a module it skips yields nothing a rule reads in full.

The claim in scanner.inputs.typescript.gate is checked against real code: the project's TS/JS
examples and fixtures, a spread of the npm packages `make test` installs (aws-cdk-lib's compiled
JavaScript, constructs, the TypeScript compiler's own sources), and the benchmark's npm corpus
(rxjs, zod, pg-protocol, drizzle-orm, the AWS SDK's RDS client, pg: fetched at pinned versions,
see benchmarks/npm_corpus.py). Each skipped module is lowered and analysed in full, and what it
would have contributed is held to the gate's promise; then the decisions one by one.
"""

from __future__ import annotations

import dataclasses

import pytest

from scanner.config import Config
from scanner.facts import DATABASE_FIELD_TOKENS, FileFacts, field_tokens
from scanner.inputs import catalog
from scanner.inputs.guards import ParseFailure
from scanner.inputs.python import app, sql
from scanner.inputs.python import gate as python_gate
from scanner.inputs.typescript import gate, lower, parse
from scanner.inputs.typescript import module as typescript
from scanner.project.context import RELATIONAL_ENGINE, _database_env
from scanner.project.health import health_named
from tests.conftest import python_output, write
from tests.real_code import NODE_MODULES, npm_scripts, real_scripts

# What a skipped module may still hold under full analysis, because no rule reads it: the
# gate's docstring says why for each (``config_types`` and ``symbol_links`` are judged below).
JUDGED_ELSEWHERE = frozenset(
    {"kind", "path", "namespace", "env_reads", "engines", "functions", "config_types",
     "symbol_links"}
)  # fmt: skip


def read_by_rules(facts: FileFacts, in_app: bool = False) -> list[str]:
    """What of a module's full facts a rule (or the project's health-check judgement, or the
    resolution of a CDK app's symbols, for a module in one) reads."""
    found = [
        f.name
        for f in dataclasses.fields(facts)
        if f.name not in JUDGED_ELSEWHERE and getattr(facts, f.name)
    ]
    config = Config()
    found += [f"env read {r.name}" for r in facts.env_reads if _database_env(r.name, config)]
    found += [f"engine {e.value}" for e in facts.engines if RELATIONAL_ENGINE.search(e.value)]
    for function in facts.functions:
        if health_named(function.name):
            found.append(f"health check {function.name}")
        for step in function.steps:
            if step.kind == "connect" or (
                step.kind == "query" and python_gate.LOOKS_LIKE_SQL.match(step.text)
            ):
                found.append(f"{step.kind} in {function.name}")
    for config_type in facts.config_types:  # DSQL012 judges a type with a database field
        if in_app or any(field_tokens(f) & DATABASE_FIELD_TOKENS for f in config_type.fields):
            found.append(f"configuration type {config_type.name}")
    if in_app and facts.symbol_links:
        found.append("symbol links")
    return found


def _text(path):
    return path.read_text(encoding="utf-8", errors="replace")


def _tree(text, name):
    try:
        return parse.parse(text, name)
    except ParseFailure:
        return None


def _rel(path):
    """The module as a scan names it (its folder kept: a folder's ``index`` is its package)."""
    return f"{path.parent.name}/{path.name}"


def _skipped(paths, every_inert=1, scope=None):
    """The modules the gate skips: all those its syntax step skipped (the finer decision), and
    every n-th of those its words alone skipped."""
    scope = scope or gate.Scope()
    chosen = []
    inert = 0
    for path in paths:
        text = _text(path)
        verdict = gate.by_words(text, _rel(path), scope)
        if verdict is None:
            tree = _tree(text, path.name)
            grammar = parse.grammar_of(path.name)
            if tree is not None and not gate.by_syntax(tree, grammar, text, scope):
                chosen.append(path)
        elif verdict is False:
            inert += 1
            if inert % every_inert == 0:
                chosen.append(path)
    return chosen


def assert_nothing_read(path, in_app=False):
    text = _text(path)
    name = _rel(path)
    tree = _tree(text, name)
    if tree is None:
        pytest.skip("does not parse: SCAN001 before any facts")
    try:
        facts, suppressions = typescript.analysed(tree, text, name)
    except ParseFailure:
        pytest.skip("the lowering cannot read it (SCAN001 when analysed): nothing either way")
    assert read_by_rules(facts, in_app) == []
    assert suppressions == ()
    assert typescript.facts_of(text, name, in_app=in_app) == (FileFacts(kind="app", path=name), ())


def _short(path):
    return "/".join(path.parts[-3:])


FILES = real_scripts()
NPM = npm_scripts()
installed = pytest.mark.skipif(
    not NODE_MODULES.is_dir(), reason="npm packages not installed: run make test"
)


@installed
def test_the_corpus_exercises_every_outcome():
    verdicts = [gate.by_words(_text(p), _rel(p)) for p in FILES]
    assert len(FILES) > 300
    assert 50 < verdicts.count(False) < len(FILES) - 50
    assert verdicts.count(None) > 20 and verdicts.count(True) > 50


@installed
@pytest.mark.parametrize("path", _skipped(FILES), ids=_short)
def test_skipped_modules_yield_nothing_a_rule_reads(path):
    assert_nothing_read(path)


@pytest.mark.parametrize("path", _skipped(NPM, every_inert=4), ids=_short)
def test_skipped_modules_of_the_npm_corpus_yield_nothing_a_rule_reads(path):
    assert_nothing_read(path)


IN_APP = gate.Scope(in_app=True)


@pytest.mark.parametrize("path", _skipped((FILES + NPM)[::10], scope=IN_APP), ids=_short)
def test_skipped_modules_in_a_cdk_app_hand_no_symbol_to_the_app(path):
    assert_nothing_read(path, in_app=True)


def test_the_npm_corpus_holds_modules_the_rules_read():
    """drizzle-orm's dialects and sessions send SQL (savepoints, migrations' CREATE TABLE):
    the gate lets them through, and the analysis reads their SQL."""
    if not NPM:
        pytest.skip("the npm corpus cannot be had here")
    session = next(p for p in NPM if _short(p) == "drizzle-orm/node-postgres/session.js")
    text = _text(session)
    assert gate.matters(text, session.name, parse.parse(text, session.name), "javascript")
    facts, _ = typescript.facts_of(text, session.name)
    assert any(s.text.lower().startswith("savepoint") for s in facts.sql)


# -- the tables the gate derives from ----------------------------------------------------------


def test_the_words_cover_what_the_collectors_resolve_against():
    assert app.TOKEN_METHODS | {catalog.AUTH_TOKEN_METHOD} <= gate.TOKEN_METHODS
    assert set(gate.QUERY_SPELLINGS) >= app.QUERY_METHODS | sql.SQL_METHODS
    assert set(gate.QUERY_SPELLINGS) >= set(lower.QUERY_ALIASES)
    assert set(gate.FIELD_WORDS) == DATABASE_FIELD_TOKENS
    assert {"boto3", "aioboto3", "botocore"} == gate.BOTO_ROOTS
    for member in (*lower.MEMBER_ALIASES, *catalog.ENVIRONMENT_METHODS, *gate.TOKEN_METHODS):
        assert gate.strong(f"x.{member}(a)"), member
        assert gate.strong(f"x.{_camel(member)}(a)"), member
    for name in app.CONNECTORS:  # a driver's connection is a fact only with DSQL evidence
        assert gate.strong(name), name
    for client in lower.SDK_CLIENTS:  # the SDK module of every client is an import the gate reads
        module = client.rpartition(".")[0]
        assert gate._sdk(module) or gate._sdk(client), client
        assert gate.DATABASE.search(client) or gate.strong(client), client


def _camel(snake):
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


@pytest.mark.parametrize(
    "name",
    ["healthCheck", "HealthCheck", "pingDb", "doPROBE", "getHEALTH", "readinessProbe", "$ping",
     "checkHealthz", "heartbeat_v2", "db_liveness", "isHealthy", "pingpong", "PINGx", "mapping"],
)  # fmt: skip
def test_a_health_named_function_has_a_health_word(name):
    if health_named(typescript_name(name)):
        assert gate.weak(f"function {name}() {{}}")


def typescript_name(raw):
    from scanner.inputs import names

    return names.snake(raw)


@pytest.mark.parametrize(
    "name",
    ["dbHost", "myDBHost", "getDB", "x2Db", "$db", "'db-host'", "pgPool", "DATABASE_URL",
     "postgresUrl", "dsn", "DbHost", "dbs", "ädb", "MYDB_HOST", "sqlite"],
)  # fmt: skip
def test_a_database_field_has_a_field_word(name):
    spelled = typescript_name(name.strip("'")) if name[0] != "'" else name.strip("'")
    if field_tokens(spelled) & DATABASE_FIELD_TOKENS:
        assert gate.weak(f"interface C {{ {name}: string }}")


def test_every_pattern_is_one_some_grammar_reads():
    import tree_sitter

    for pattern in (*gate.MAIN, *gate.LITERALS):
        valid = 0
        for grammar in ("typescript", "tsx", "javascript"):
            try:
                tree_sitter.Query(parse.language(grammar), pattern)
                valid += 1
            except tree_sitter.QueryError:
                pass
        assert valid, pattern


# -- the decisions, one by one -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "strong"),
    [
        ("import * as rds from 'aws-cdk-lib/aws-rds';", True),
        ("import { Stack } from '@aws-cdk/core';", True),
        ("const host = 'abc.dsql.us-east-1.on.aws';", True),
        ("// dsql-scan: ignore[RDS008] reviewed", True),
        ("const t = await signer.getDbConnectAuthToken();", True),
        ("const t = generateDb_connectAuthToken();", True),
        ("fn.addEnvironment('DB_HOST', host);", True),
        ("import { RDSDataClient } from '@aws-sdk/client-rds-data';", False),
        ("mapColumnsInAliasedSQLToAlias(x);", False),
        ("the records of these words go forwards", False),
    ],
)
def test_strong_words(text, strong):
    assert gate.strong(text) is strong


@pytest.mark.parametrize(
    ("source", "matters"),
    [
        # a query method and a literal that starts SQL
        ("export async function f(pool) { await pool.query('SELECT 1'); }", True),
        ("export async function f(pool, q) { await pool.query(q); }", False),
        ("export async function f(pool) { await pool.query('  ' + 'SELECT ' + x); }", True),
        ("export async function f(pool) { await pool.query('\\n  select 1'); }", True),
        ("export async function f(pool) { await pool.query('\\x53ELECT 1'); }", True),
        ("export async function f(pool) { await pool.query('/* c */' + ' x'); }", True),
        ("export async function f(c) { await c.unsafe(`${x} from t`); }", False),
        ("export const r = (db) => db.execute(sql`select ${1}`);", True),
        ("export const r = (db) => db.execute(sql`${x}`);", False),
        ("export const r = (db) => (0, db.query)('select 1');", False),
        ("export const r = (db) => (db.query)('select 1');", True),
        ("export const r = (db) => (db.query as any)('select 1');", True),
        ("export const q = db.query; const s = 'select 1';", False),
        # the SQL must reach the query: in its arguments, or bound to a name or attribute
        ("const q = 'SELECT 1';\nexport const r = (db) => db.query(q);", True),
        ("export function f(db) { return db.query({ text: 'SELECT 1', values: [] }); }", True),
        ("export function f(db) { return db.query(build('SELECT 1')); }", True),
        (
            "export class R { constructor() { this.q = 'DELETE FROM t'; } run(db) { return db.query(this.q); } }",
            True,
        ),
        ("export function f(db, x) { if (x === 'select') { return db.query(x); } }", False),
        ("export function f(db, x) { db.query(x); throw new Error('Select failed'); }", False),
        ("export function f(db, x) { db.query(x); return { type: 'select' }; }", False),
        (
            "export const f = (db, x) => { db.query(x); const s = () => { return 'select'; }; };",
            False,
        ),
        ("export const f = (db) => db.query(x);\nexport default 'select 1';", True),
        ("export const o = { f: () => 'select 1' };\nexport const g = (db) => db.query(o);", True),
        ("export const x = api.fetch('/status');", False),
        ("export class A { #execute(s) {} f() { return this.#execute('SELECT 1'); } }", True),
        ("export class A { #query(s) {} f() { return this.#query('SELECT 1'); } }", False),
        ("export function f(c) { return c.execDriverSql('SELECT 1'); }", True),
        # health checks
        ("export async function healthCheck() { return true; }", True),
        ("export const readinessProbe = async () => true;", True),
        ("export class Db { ping() { return 1; } }", True),
        ("export const o = { ping() { return 1; } };", True),
        ("export const pingCount = 3;", False),
        # engine settings
        ("export const cfg = { dbEngine: 'aurora-postgresql' };", True),
        ("export const cfg = { 'db-engine': `postgres` };", True),
        ("export const cfg = { engine: 'jinja2' };", False),
        ("export let engine = 'mysql' as const;", True),
        ("export enum E { engine = 'postgres' }", True),
        # configuration types
        ("export interface Settings { dbHost: string; port: number }", True),
        ("export interface Settings { host: string; port: number }", False),
        ("export type Settings = { databaseUrl: string };", True),
        ("export class Settings { pgHost = 'x'; }", True),
        ("export class Service { pgHost = 'x'; run() {} }", False),
        ("import { z } from 'zod';\nexport const E = z.object({ DB_HOST: z.string() });", True),
        ("import { z } from 'zod';\nexport const E = z.object({ PORT: z.string() });", False),
        ("export const E = schema({ DB_HOST: 1 });", False),
        # environment reads, hosts, SDK clients
        ("export const h = process.env.RDS_HOST;", True),
        ("export const h = process.env['AURORA_ENDPOINT'];", True),
        ("export const { AURORA_HOST: host } = process.env;", True),
        ("export const h = process.env.MYDSQLHOST;", True),
        ("export const h = process.env.LOG_LEVEL; // rds", False),
        ("export const h = process.env[name]; // rds", True),
        ("export const h = process.env[name]; export const db = 1;", False),
        ("const KEY = 'RDS_DB_HOST'; export const h = process.env[KEY];", True),
        ("export const url = 'https://mydb.abc.us-east-1.rds.amazonaws.com';", True),
        ("export const rds = 'words';", False),
        ("import { RDSDataClient } from '@aws-sdk/client-rds-data';", True),
        ("const AWS = require('aws-sdk');\nexport const c = new AWS.RDS();", True),
        ("import RDS = require('aws-sdk/clients/rdsdataservice');", True),
        ("import { RDSClient } from './RDSClient';\nexport const c = new RDSClient({});", False),
    ],
)
def test_weak_words_are_decided_by_the_syntax(source, matters):
    verdict = gate.by_words(source, "m.ts")
    assert verdict is not True
    tree = parse.parse(source, "m.ts")
    assert (verdict is None and gate.by_syntax(tree, "typescript", source)) is matters


@pytest.mark.parametrize(
    ("source", "read"),
    [
        ("export async function f(pool) { await pool.query('SELECT 1'); }", "sql"),
        ("export async function f(pool) { await pool.query('SELECT 1'); }", "query in f"),
        ("export const cfg = { dbEngine: 'aurora-postgresql' };", "engine aurora-postgresql"),
        ("export interface Settings { dbHost: string }", "configuration type Settings"),
        ("export const h = process.env.RDS_HOST;", "env read RDS_HOST"),
        ("export const url = 'db.abc.us-east-1.rds.amazonaws.com';", "hosts"),
        ("import { RDSDataClient } from '@aws-sdk/client-rds-data';\n"
         "export const c = new RDSDataClient({});", "api_calls"),
        ("export async function healthCheck() { return true; }", "health check health_check"),
    ],
)  # fmt: skip
def test_what_the_gate_lets_through_is_read(source, read):
    """Each decision's example holds what the rules read (so none of them is vacuous)."""
    facts, _ = typescript.facts_of(source, "m.ts")
    assert read in read_by_rules(facts)


def test_in_a_cdk_app_every_configuration_type_and_barrel_matters():
    props = "export interface ApiProps { readonly data: DataStack; }\n"
    tree = parse.parse(props, "props.ts")
    assert gate.by_words(props, "lib/props.ts") is False
    assert gate.by_words(props, "lib/props.ts", IN_APP) is None
    assert gate.by_syntax(tree, "typescript", props, IN_APP)
    facts, _ = typescript.facts_of(props, "lib/props.ts", in_app=True)
    assert facts.symbol_links and facts.config_types
    assert typescript.facts_of(props, "lib/props.ts") == (
        FileFacts(kind="app", path="lib/props.ts"),
        (),
    )
    barrel = "export * from './api-stack';\n"
    assert gate.by_words(barrel, "lib/index.ts", IN_APP) is True
    assert gate.by_words(barrel, "lib/index.ts") is False
    helper = "export function add(a: number, b: number) { return a + b; }\n"
    assert not gate.by_syntax(parse.parse(helper, "m.ts"), "typescript", helper, IN_APP)


def test_where_a_module_lies_tells_the_gate_and_keys_its_cached_result(tmp_path):
    """A module in a CDK app (a ``cdk.json`` above it) keeps its configuration types and links,
    and the result cache keys on where it lies (``Input.placement``)."""
    from scanner.inputs import typescript as typescript_input
    from scanner.pipeline.analyze import analyze_files
    from scanner.pipeline.discover import explore

    props = "import type { DataStack } from './data-stack';\nexport interface ApiProps { data: DataStack }\n"
    write(
        tmp_path,
        {
            "infra/cdk.json": '{"app": "npx ts-node bin/app.ts"}\n',
            "infra/lib/props.ts": props,
            "infra/lib/index.ts": "export * from './props';\n",
            "service/props.ts": props,
        },
    )
    config = Config(root=tmp_path)
    candidates = [c for c in explore((), config).candidates if c.input == "typescript"]
    facts = {a.path: a.facts for a in analyze_files(candidates, config)}
    assert facts["infra/lib/props.ts"].config_types and facts["infra/lib/props.ts"].symbol_links
    assert facts["infra/lib/index.ts"].symbol_links
    assert facts["service/props.ts"] == FileFacts(kind="app", path="service/props.ts")
    placed = typescript_input.INPUT.placement_of
    assert placed(tmp_path / "infra" / "lib", tmp_path).startswith("cdk-app:")
    assert placed(tmp_path / "service", tmp_path) == ""


def test_environment_reads_matter_when_the_configuration_names_variables_of_its_own():
    source = "export const endpoint = process.env.CLUSTER_ENDPOINT;\n"
    custom = dataclasses.replace(
        Config(), dsql=dataclasses.replace(Config().dsql, required_env=("CLUSTER_ENDPOINT",))
    )
    assert gate.by_words(source, "m.ts", gate.scope_of(custom)) is True
    facts, _ = typescript.facts_of(source, "m.ts", custom)
    assert [r.name for r in facts.env_reads] == ["CLUSTER_ENDPOINT"]
    assert typescript.facts_of(source, "m.ts", Config())[0].env_reads == ()
    settings = "export interface Settings { endpoint: string }\n"
    assert typescript.facts_of(settings, "m.ts", custom)[0].config_types
    assert not typescript.facts_of(settings, "m.ts", Config())[0].config_types


def test_a_skipped_module_is_checked_without_importing_libcst():
    probe = (
        "import sys\n"
        "from scanner.inputs.typescript import module\n"
        "plain, _ = module.facts_of('export const add = (a, b) => a + b;\\n', 'm.ts')\n"
        "weak, _ = module.facts_of('export const q = (db, s) => db.query(s);\\n', 'm.ts')\n"
        "print(plain.kind, weak.kind, 'libcst' in sys.modules)\n"
    )
    assert python_output(probe).split() == ["app", "app", "False"]


def test_a_syntax_error_in_a_skipped_module_is_still_refused_with_its_position():
    with pytest.raises(ParseFailure) as refused:
        typescript.facts_of("export const add = (a, b) => a +;\n", "m.ts")
    assert refused.value.reason.startswith("syntax error")
    assert refused.value.line == 1
