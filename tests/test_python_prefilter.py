"""The Python gate is sound: a module it skips yields nothing a rule reads under full analysis.

The claim in scanner.inputs.python.gate is checked against real code: this project's own
modules, examples and fixtures, the installed libraries (click, jinja2, yaml, libcst,
cfn-lint...), and the benchmark's PyPI corpora (networkx, Django, SQLAlchemy, botocore and two
packages' CDK stacks, fetched at pinned versions, see benchmarks/pypi_corpus.py). Each skipped
module is analysed by libcst in full and what it would have contributed is held to the gate's
promise.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from scanner.config import Config
from scanner.facts import DATABASE_FIELD_TOKENS, FileFacts, field_tokens
from scanner.inputs import catalog, names
from scanner.inputs.guards import ParseFailure
from scanner.inputs.python import app, gate, sql
from scanner.inputs.python import module as python
from scanner.pipeline.analyze import analyze
from scanner.pipeline.discover import discover
from scanner.project.context import RELATIONAL_ENGINE, _database_env
from scanner.project.health import health_named
from scanner.run.cache import ResultCache, read_for_key
from tests.conftest import python_output, write
from tests.real_code import pypi_modules, real_modules

# What a skipped module may still hold under full analysis, because no rule reads it: the
# gate's docstring says why for each.
JUDGED_ELSEWHERE = frozenset({"kind", "path", "namespace", "env_reads", "engines", "functions"})
# Outside a CDK app, what a module hands to others links nowhere, and only a configuration type
# that models a database is judged (DSQL012).
LINKED_IN_APPS = frozenset({"symbol_links", "config_types"})


def read_by_rules(facts: FileFacts, in_app: bool = True) -> list[str]:
    """What of a module's full facts a rule (or the project's health-check judgement) reads."""
    ignored = JUDGED_ELSEWHERE if in_app else JUDGED_ELSEWHERE | LINKED_IN_APPS
    found = [
        f.name
        for f in dataclasses.fields(facts)
        if f.name not in ignored and getattr(facts, f.name)
    ]
    config = Config()
    found += [f"env read {r.name}" for r in facts.env_reads if _database_env(r.name, config)]
    found += [f"engine {e.value}" for e in facts.engines if RELATIONAL_ENGINE.search(e.value)]
    if not in_app:
        found += [
            f"database configuration {t.name}"
            for t in facts.config_types
            if any(field_tokens(f) & DATABASE_FIELD_TOKENS for f in t.fields)
        ]
    for function in facts.functions:
        if health_named(function.name):
            found.append(f"health check {function.name}")
        for step in function.steps:
            if step.kind == "connect" or (
                step.kind == "query" and gate.LOOKS_LIKE_SQL.match(step.text)
            ):
                found.append(f"{step.kind} in {function.name}")
    return found


def _text(path):
    return path.read_text(encoding="utf-8", errors="replace")


def skips(text: str, path: str, in_app: bool) -> str:
    """ "words" or "syntax" when the gate skips the module at that step, else ""."""
    verdict = gate.by_words(text, path, None, in_app)
    if verdict is False:
        return "words"
    if verdict is True:
        return ""
    tree = python.cpython_tree(text)
    return "syntax" if tree is not None and not gate.by_syntax(tree, verdict) else ""


def _skipped(paths, every_inert=1):
    """(module, in_app) pairs the gate skips, outside a CDK app (where it skips most): all those
    its syntax step skipped (the finer decision), and every n-th of those its words skipped."""
    chosen = []
    inert = 0
    for path in paths:
        step = skips(_text(path), str(path), in_app=False)
        inert += step == "words"
        if step == "syntax" or (step == "words" and inert % every_inert == 0):
            chosen.append(path)
    return chosen


def assert_nothing_read(path):
    text = _text(path)
    cpython = python.cpython_accepts(text)
    try:
        module = python.parse(text)
    except ParseFailure:  # a file that does not parse is SCAN001, before any facts
        # the shortcut checks syntax with CPython alone: it must never accept what libcst refuses
        assert not cpython
        pytest.skip("does not parse")
    facts, suppressions = python._extract(module, "m.py", text)
    assert suppressions == ()
    assert read_by_rules(facts, in_app=False) == []
    nothing = (FileFacts(kind="app", path="m.py"), ())
    assert python.facts_of(text, "m.py", Config(), in_app=False) == nothing
    if skips(text, str(path), in_app=True):  # skipped in a CDK app too
        assert read_by_rules(facts, in_app=True) == []
        assert python.facts_of(text, "m.py", Config(), in_app=True) == nothing


FILES = real_modules()


def test_the_corpus_exercises_every_outcome():
    steps = [skips(_text(p), str(p), in_app=False) for p in FILES]
    assert len(FILES) > 400
    assert min(steps.count("words"), steps.count("syntax"), steps.count("")) > 20, Counter(steps)


@pytest.mark.parametrize("path", _skipped(FILES), ids=lambda p: p.name)
def test_skipped_modules_yield_nothing_a_rule_reads(path):
    assert_nothing_read(path)


@pytest.mark.parametrize("path", _skipped(pypi_modules(), every_inert=8), ids=str)
def test_skipped_modules_of_the_pypi_corpora_yield_nothing_a_rule_reads(path):
    assert_nothing_read(path)


def test_the_strong_words_cover_what_the_collectors_resolve_calls_against():
    for name in catalog.DRIVERS | app.CONNECTORS:
        assert gate.strong(name) or name.split(".")[0] in gate.DRIVER_ROOTS, name
    assert set(gate.STRONG_WORDS) >= app.TOKEN_METHODS | {catalog.AUTH_TOKEN_METHOD}
    assert app.QUERY_METHODS | sql.SQL_METHODS <= gate.QUERY_METHODS
    assert sql.LOOKS_LIKE_SQL is gate.LOOKS_LIKE_SQL
    assert {b.rsplit(".", 1)[-1] for b in app.CONFIG_BASES} <= gate.CONFIG_BASES
    assert {d.rsplit(".", 1)[-1] for d in app.DATACLASS_DECORATORS} <= gate.CONFIG_DECORATORS


@pytest.mark.parametrize(
    ("text", "strong"),
    [
        ("HOST = os.environ['RDS_HOST']", True),
        ("from aws_cdk import aws_rds as rds", True),
        ("client = session.getRdsClient()", True),
        ("client = awsRDS()", True),
        ("boto3.client('rds-data')", True),
        ("import psycopg2", False),
        ("token = c.generate_db_connect_auth_token(host)", True),
        ("token = signer.generate_db_auth_token(host, 5432, user)", True),
        ("# dsql-scan: ignore[RDS001]", True),
        ("the records of these words go forwards", False),
        ("Inf. Process. Lett. 90, 2004, pg. 215-221", False),
        ("PG = nx.parse_graphml(s)", False),
    ],
)
def test_words_are_found_as_identifier_parts(text, strong):
    assert gate.strong(text) is strong


@pytest.mark.parametrize(
    ("source", "matters"),
    [
        ("import os\nHOST = os.environ['API_HOST']\n", False),
        ("def ping(conn):\n    conn.execute('SELECT 1')\n", True),
        ("def run(cursor):\n    cursor.execute(query)\n", False),
        ("def run(cursor):\n    cursor.execute('SELECT 1')\n", True),
        ("def run(cursor, q):\n    cursor.execute('  ' + q)\n", False),
        ("def run(cursor, q):\n    cursor.execute('  ' + 'SELECT ' + q)\n", True),
        ('def run(cursor, q):\n    """Select the rows."""\n    cursor.execute(q)\n', False),
        ("def run(cursor, q):\n    'Update a row.'\n    return cursor.execute(q)\n", False),
        ('def run(cursor, q):\n    cursor.execute(f"{q} SELECT 1")\n', True),
        ('def run(cursor):\n    cursor.execute("\\n  select 1")\n', True),
        ("def run(cursor):\n    cursor.execute('\\\n select 1')\n", True),
        ("def run(cursor):\n    cursor.execute('-- why\\nselect 1')\n", True),
        ("SQL = 'SELECT 1'\ndef run(cursor):\n    cursor.execute(SQL)\n", True),
        ("def run(c):\n    a, b = 'SELECT 1', 2\n    c.execute(a)\n", True),
        ("def run(c):\n    q = text('SELECT 1')\n    c.execute(q)\n", True),
        ("Q = {'ping': 'SELECT 1'}\ndef run(c):\n    c.execute(Q['ping'])\n", True),
        (
            "class Db:\n    ping = 'SELECT 1'\n    def run(self, c):\n        c.execute(self.ping)\n",
            True,
        ),
        (
            "class Db:\n    def __init__(self):\n        self.q = 'SELECT 1'\n"
            "    def run(self, c):\n        c.execute(self.q)\n",
            True,
        ),
        ("def run(c, kind, q):\n    if kind == 'select':\n        c.execute(q)\n", False),
        ("def run(c, q):\n    log.info('Select rows')\n    c.execute(q)\n", False),
        ("def run(c, q):\n    c.execute(q)\n    raise ValueError('Update failed')\n", False),
        ("def run(c):\n    with open('q.sql') as q:\n        c.execute(q.read())\n", False),
        ("def run(c, q='SELECT 1'):\n    c.execute(q)\n", False),  # parameters carry no text
        # a name is followed in the scope it is resolved in, as libcst resolves it
        ("def build():\n    sql = 'SELECT 1'\ndef run(c, sql):\n    c.execute(sql)\n", False),
        (
            "def build():\n    q = 'SELECT 1'\ndef run(c):\n    q = make()\n    c.execute(q)\n",
            False,
        ),
        ("q = 'SELECT 1'\ndef run(c, rows):\n    return [c.execute(q) for q in rows]\n", False),
        ("class Db:\n    q = 'SELECT 1'\n    def run(self, c):\n        c.execute(q)\n", False),
        ("def run(c, q):\n    c.execute(q, ['SELECT 1'])\n", False),  # the text is the first
        ("def run(c):\n    c.execute(sql='SELECT 1')\n", True),
        ("def run(c, p):\n    c.execute(params=p, query='SELECT 1')\n", True),
        ("def setup():\n    global Q\n    Q = 'SELECT 1'\ndef run(c):\n    c.execute(Q)\n", True),
        (
            "def run(c):\n    q = None\n    def choose():\n        nonlocal q\n"
            "        q = 'SELECT 1'\n    choose()\n    c.execute(q)\n",
            True,
        ),
        # a method of the caller's own class is a call of it: only a literal argument is SQL
        (
            "class Editor:\n    drop = 'DROP TABLE %s'\n    def execute(self, sql):\n"
            "        self.cursor.execute(sql)\n    def remove(self, t):\n"
            "        self.execute(self.drop % t)\n",
            False,
        ),
        (
            "class Db:\n    def execute(self, sql):\n        return sql\n"
            "    def ping(self):\n        self.execute('SELECT 1')\n",
            True,
        ),
        (
            "class Db:\n    def execute(self, sql):\n        return sql\n"
            "    def ping(self):\n        q = 'SELECT 1'\n        self.execute(q)\n",
            True,
        ),
        (
            "class Db:\n    drop = 'DROP TABLE t'\n    def run(self, c):\n"
            "        c.execute(self.drop)\n",
            True,
        ),
        ("import os  # psycopg2 is optional\n", False),
        # a driver import matters through a call that resolves to the driver's connect, or to
        # sqlalchemy's text() of a literal that looks like SQL
        ("import psycopg2\n", False),
        ("import psycopg2\nconnection = psycopg2.connect(host=HOST)\n", True),
        ("import os, \\\n    psycopg2\nc = psycopg2.connect()\n", True),
        ("from sqlalchemy import create_engine\n", False),
        ("from sqlalchemy import create_engine as ce\nengine = ce(URL)\n", True),
        (
            "import sqlalchemy.ext.asyncio\ne = sqlalchemy.ext.asyncio.create_async_engine(u)\n",
            True,
        ),
        ("import sqlalchemy as sa\nt = sa.Table('t', sa.MetaData())\n", False),
        ("from sqlalchemy import sql\n", False),
        ("from sqlalchemy import sql\nq = sql.text('SELECT 1')\n", True),
        ("from sqlalchemy import sql\nq = sql.text(build())\n", False),
        ("from sqlalchemy import text as t\ndef f():\n    q = 'SELECT 1'\n    return t(q)\n", True),
        ("from psycopg import *\n", True),  # any call may be the driver's
        ("from sqlalchemy.orm import Session\n", False),
        ("from .engine import create_engine\nengine = create_engine(URL)\n", False),
        ("from dataclasses import dataclass\n@dataclass\nclass Props:\n    size: int = 1\n", False),
        ("from dataclasses import dataclass\n@dataclass\nclass Db:\n    db_host: str\n", True),
        ("import attr\n@attr.s\nclass Props:\n    database = attr.ib()\n", True),
        ("def f(G, attr='weight'):\n    return G.edges(data=attr)\n", False),
        ("SETTINGS = {'ENGINE': 'django.db.backends.postgresql'}\n", True),
        ("engine = 'jinja2'\n", False),
        ("def health_check():\n    return True\n", True),
        ("def mapping(x):\n    return x\n", False),
        ("import pg\nclient = pg.Client()\n", True),
    ],
)
def test_weak_words_are_decided_by_the_syntax(source, matters):
    verdict = gate.by_words(source, "m.py", None, in_app=False)
    assert verdict is not True
    assert bool(verdict and gate.by_syntax(python.cpython_tree(source), verdict)) is matters
    if not matters:  # what the gate skips, full analysis finds nothing a rule reads in
        facts, _ = python._extract(python.parse(source), "m.py", source)
        assert read_by_rules(facts, in_app=False) == []


def test_an_engine_word_needs_a_relational_engine_in_the_text():
    assert gate.by_words("ENGINE = 'jinja2'\n", "m.py") is False
    assert gate.by_words("ENGINE = 'mysql'\n", "m.py") == {"engine"}


def test_environment_reads_matter_when_the_configuration_names_variables_of_its_own():
    source = "import os\nENDPOINT = os.environ['CLUSTER_ENDPOINT']\n"
    custom = dataclasses.replace(
        Config(), dsql=dataclasses.replace(Config().dsql, required_env=("CLUSTER_ENDPOINT",))
    )
    assert gate.by_words(source, "m.py", custom) is True
    facts, _ = python.facts_of(source, "m.py", custom)
    assert [r.name for r in facts.env_reads] == ["CLUSTER_ENDPOINT"]
    assert python.facts_of(source, "m.py", Config())[0].env_reads == ()


def test_in_a_cdk_app_configuration_types_and_package_inits_are_analysed_for_their_links():
    props = "from dataclasses import dataclass\n@dataclass\nclass Props:\n    size: int = 1\n"
    assert gate.by_syntax(python.cpython_tree(props), gate.by_words(props, "props.py"))
    exports = "from .stacks import DatabaseStack\n"
    assert gate.by_words(exports, "infra/__init__.py", in_app=True) is True
    assert gate.by_words(exports, "infra/__init__.py", in_app=False) is False
    assert gate.by_words(exports, "infra/stacks.py") is False


def test_a_cdk_json_above_a_module_decides_its_analysis_and_keys_its_cached_result(tmp_path):
    props = "from dataclasses import dataclass\n@dataclass\nclass Props:\n    port: int = 5432\n"
    write(tmp_path, {"infra/props.py": props})
    config = Config(root=tmp_path)

    def analysed() -> tuple[FileFacts, str]:
        (candidate,) = discover((str(tmp_path / "infra" / "props.py"),), config)
        cache = ResultCache.open(tmp_path / "cache", config)  # a run's: placements are per run
        key = cache.key(candidate, read_for_key(candidate, config.max_file_size)).name
        return analyze(candidate, config).facts, key

    outside, outside_key = analysed()
    write(tmp_path, {"infra/cdk.json": '{"app": "python3 app.py"}'})
    inside, inside_key = analysed()
    assert outside.config_types == () and outside.symbol_links == ()
    assert [t.name for t in inside.config_types] == ["Props"] and inside.symbol_links
    assert inside_key != outside_key
    assert names.app_placement(tmp_path / "infra", tmp_path).startswith("cdk-app:")
    assert names.app_placement(tmp_path, tmp_path) == ""


def test_an_inert_module_is_checked_without_importing_libcst():
    probe = (
        "import sys\n"
        "from scanner.inputs.python import module as python\n"
        "facts, _ = python.facts_of('import json\\nprint(json.dumps({}))\\n', 'm.py')\n"
        "weak, _ = python.facts_of('def f(G, attr):\\n    return attr\\n', 'm.py')\n"
        "print(facts.kind, weak.kind, 'libcst' in sys.modules)\n"
    )
    assert python_output(probe).split() == ["app", "app", "False"]


def test_a_syntax_error_in_an_inert_module_is_still_refused_with_its_position():
    with pytest.raises(ParseFailure) as refused:
        python.facts_of("import json\n\ndef broken(:\n    pass\n", "m.py")
    assert refused.value.reason.startswith("syntax error")
    assert (refused.value.line, refused.value.column) == (3, 12)


def test_syntax_newer_than_the_interpreter_is_judged_by_libcst():
    source = (
        "type Pair = tuple[int, int]\n\ndef first[T](items: list[T]) -> T:\n    return items[0]\n"
    )
    assert python.inert(source)
    assert python.facts_of(source, "m.py") == (FileFacts(kind="app", path="m.py"), ())


def test_clues_whose_syntax_the_text_cannot_hold_are_dropped_by_the_words():
    # a query call, but no string that starts like SQL; a driver named, but never imported
    assert gate.by_words("def run(c, q):\n    return c.execute(q)\n", "m.py") is False
    assert gate.by_words("# psycopg2 and asyncpg are optional\n", "m.py") is False
    assert gate.by_words("def run(c):\n    return c.execute('select 1')\n", "m.py") == {"query"}
    assert gate.by_words("import psycopg2\n", "m.py") == {"driver"}
