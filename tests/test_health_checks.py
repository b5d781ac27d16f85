"""DSQL011 through helpers: a health check is judged with everything it calls.

End-to-end cases run the installed ``dsql-scan`` on a small application package written here
(a database module with the helpers, a health module that imports them); expected lines are
found by searching the sources. The linking itself (scanner.project.health) is tested on facts.
"""

from __future__ import annotations

import json

from scanner.facts import FileFacts, FunctionSummary, Step
from scanner.inputs.python.app import _absolute
from scanner.model import Location
from scanner.project.health import MAX_DEPTH, health_checks, health_named
from tests.conftest import run_cli, write
from tests.limits import run_limited

DATABASE = """
import boto3
import psycopg


def _token(host: str) -> str:
    return boto3.client("dsql").generate_db_connect_auth_token(host, "us-east-1")


class Database:
    def __init__(self, host: str) -> None:
        self.host = host

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(host=self.host, user="app", password=_token(self.host))

    def ping(self):
        with self.connect() as connection:
            cursor = connection.cursor()
            cursor.execute("SELECT 1")
            return cursor.fetchone()
"""
HEALTH = """
import logging
import sys

from app.db import Database

logger = logging.getLogger(__name__)


def _report(error: Exception) -> None:
    print(f"database unreachable: {error}", file=sys.stderr)


def health_check(host: str) -> bool:
    try:
        Database(host).ping()
    except Exception as error:
        _report(error)
        return False
    logger.info("database reachable")
    return True
"""


def line_of(path, text: str) -> int:
    source = path.read_text(encoding="utf-8")
    assert source.count(text) == 1, text
    return source[: source.index(text)].count("\n") + 1


def dsql011(root, *paths: str) -> list[tuple[str, int, str]]:
    done = run_cli(
        "scan", "--no-cache", "--select", "DSQL011", "--format", "json", *paths, cwd=root
    )
    assert done.code in (0, 1), done.stderr
    found = json.loads(done.stdout)["findings"]
    return [(f["path"], f["line"], f["message"]) for f in found]


def package(tmp_path, health: str = HEALTH, database: str = DATABASE):
    files = {"app/__init__.py": "", "app/db.py": database, "app/health.py": health}
    return write(tmp_path, {**files, "pyproject.toml": "[tool.dsql-scan]\n"})


def test_a_complete_check_through_helpers_of_another_module_is_clean(tmp_path):
    package(tmp_path)
    assert dsql011(tmp_path) == []
    # pre-commit names only the health module: the helpers' module is context, and still linked
    assert dsql011(tmp_path, "app/health.py") == []


def test_a_missing_success_log_is_named_at_the_health_check(tmp_path):
    package(tmp_path, HEALTH.replace('    logger.info("database reachable")\n', ""))
    health, db = tmp_path / "app/health.py", tmp_path / "app/db.py"
    assert dsql011(tmp_path) == [
        (
            "app/health.py",
            line_of(health, "def health_check"),
            f"health_check() at app/health.py:{line_of(health, 'def health_check')} runs SELECT 1"
            f" (in Database.ping() at app/db.py:{line_of(db, 'def ping')}) and logs failures but"
            " never logs success after the query; a health check must connect with an IAM token,"
            " run SELECT 1 and log both outcomes",
        )
    ]


def test_a_failure_reported_only_by_a_helper_outside_the_except_is_not_logged(tmp_path):
    package(tmp_path, HEALTH.replace("        _report(error)\n", "        pass\n"))
    [(path, line, message)] = dsql011(tmp_path)
    assert (path, line) == (
        "app/health.py",
        line_of(tmp_path / "app/health.py", "def health_check"),
    )
    assert "and logs success but never logs a failure (in an except block)" in message


def test_a_success_log_before_the_query_is_no_success_log(tmp_path):
    early = HEALTH.replace("    try:\n", '    logger.info("checking")\n    try:\n', 1)
    package(tmp_path, early.replace('    logger.info("database reachable")\n', ""))
    [(_, _, message)] = dsql011(tmp_path)
    assert message.split("; ")[0].endswith("never logs success after the query")


def test_a_helper_with_a_real_query_is_no_health_check(tmp_path):
    package(tmp_path, database=DATABASE.replace("SELECT 1", "SELECT count(*) FROM accounts"))
    [(path, line, message)] = dsql011(tmp_path)
    assert (path, line) == (
        "app/health.py",
        line_of(tmp_path / "app/health.py", "def health_check"),
    )
    assert " runs SELECT count(*) FROM accounts (in Database.ping() at app/db.py:" in message
    assert "but never runs a trivial query (SELECT 1);" in message


def test_a_health_check_that_never_reaches_dsql_is_named(tmp_path):
    unrelated = HEALTH.replace("from app.db import Database", "from app.cache import Database")
    package(tmp_path, unrelated)
    health = tmp_path / "app/health.py"
    [(path, line, message)] = dsql011(tmp_path)
    assert (path, line) == ("app/health.py", line_of(health, "def health_check"))
    assert message.startswith(
        f"health_check() at app/health.py:{line} logs failures but never connects to Aurora DSQL,"
        " never runs a query and never logs success after the query;"
    )


def test_recursive_and_mutually_recursive_helpers_end(tmp_path):
    cyclic = """
    import logging

    import psycopg

    from app.db import Database

    logger = logging.getLogger(__name__)


    def health_check(host, tries=3):
        try:
            return retry(host, tries)
        except psycopg.Error:
            logger.exception("down")
            raise
        finally:
            logger.info("checked")


    def retry(host, tries):
        if tries:
            return health_check(host, tries - 1) or retry(host, tries - 1)
        return Database(host).ping()
    """
    package(tmp_path, cyclic)
    done = run_limited("scan", "--no-cache", "--select", "DSQL011", cwd=tmp_path, seconds=60)
    line = line_of(tmp_path / "app/health.py", "def health_check")
    # the log in finally runs either way: it is no success log
    assert f"app/health.py:{line}:5: DSQL011" in done.stdout
    assert "logs failures but never logs success after the query" in done.stdout


def test_the_report_is_byte_identical_across_runs_and_job_counts(tmp_path):
    package(tmp_path, HEALTH.replace('    logger.info("database reachable")\n', ""))
    runs = [
        run_cli("scan", "--no-cache", "--jobs", jobs, "--format", "json", cwd=tmp_path).stdout
        for jobs in ("1", "2", "1")
    ]
    assert runs[0] == runs[1] == runs[2]
    assert "DSQL011" in runs[0]


# --- the linking, on facts ---------------------------------------------------------------------


def summary(name: str, path: str, *steps: Step, line: int = 1) -> FunctionSummary:
    return FunctionSummary(name, Location(path=path, line=line), steps)


def judged(*files: FileFacts) -> dict[str, tuple[bool, bool, bool, bool]]:
    return {
        f"{h.location.path}:{h.function}": (
            h.connects,
            h.trivial_query,
            h.logs_success,
            h.logs_failure,
        )
        for h in health_checks(files)
    }


def test_a_chain_of_helpers_is_followed_to_the_depth_bound_and_no_further():
    def chain(length: int) -> FileFacts:
        functions = [
            summary(f"step{i}", "m.py", Step("call", 2, f"step{i + 1}"), line=i)
            for i in range(length)
        ]
        last = summary(f"step{length}", "m.py", Step("connect", 3), Step("query", 4, "SELECT 1"))
        return FileFacts(kind="app", path="m.py", functions=(*functions, last))

    assert judged(chain(MAX_DEPTH - 1))["m.py:step0"][:2] == (True, True)
    assert "m.py:step0" not in judged(chain(MAX_DEPTH + 5))  # beyond the bound: not reached


def test_an_import_finds_the_nearest_module_of_that_name():
    probe = (Step("connect", 2), Step("query", 3, "SELECT 1"))
    near_ping = summary("ping", "svc/app/db.py", *probe)
    near = FileFacts(kind="app", path="svc/app/db.py", functions=(near_ping,))
    far = FileFacts(kind="app", path="other/app/db.py", functions=(summary("ping", "other"),))
    check = summary(
        "health",
        "svc/app/health.py",
        Step("call", 5, "ping", "app.db"),
        Step("failure-log", 7, in_except=True),
        Step("success-log", 8),
    )
    caller = FileFacts(kind="app", path="svc/app/health.py", functions=(check,))
    for files in ((near, far, caller), (caller, far, near)):
        assert judged(*files)["svc/app/health.py:health"] == (True, True, True, True)


def test_relative_imports_resolve_from_the_importing_file():
    assert _absolute(".db.ping", "svc/app/health.py") == "svc.app.db.ping"
    assert _absolute("..db.ping", "svc/app/health.py") == "svc.db.ping"
    assert _absolute("...db.ping", "app/health.py") == ""  # above the scanned tree
    assert _absolute("app.db.ping", "svc/app/health.py") == "app.db.ping"


def test_health_names():
    assert all(map(health_named, ("health_check", "Db.ping", "readinessProbe", "healthz")))
    assert not any(map(health_named, ("mapping", "shipping_cost", "typing", "check_user")))


def test_long_call_chains_and_import_cycles_stay_bounded(tmp_path):
    chain = "\n\n".join(f"def step{i}():\n    return step{i + 1}()" for i in range(3000))
    files = {
        "pyproject.toml": "[tool.dsql-scan]\n",
        "app/__init__.py": "",
        "app/chain.py": f"import psycopg\n\n\n{chain}\n\n\ndef step3000():\n    return step0()\n",
        "app/settings.py": 'import os\n\nENDPOINT = os.environ["DSQL_ENDPOINT"]\n',
        # two modules whose health checks call each other
        "app/a.py": "from app.b import health_b\n\n\ndef health_a():\n    return health_b()\n",
        "app/b.py": "from app.a import health_a\n\n\ndef health_b():\n    return health_a()\n",
    }
    write(tmp_path, files)
    done = run_limited("scan", "--no-cache", "--select", "DSQL011", cwd=tmp_path, seconds=60)
    assert done.code == 1, done.stderr
    assert "app/a.py:4:5: DSQL011 warning health_a() at app/a.py:4 never connects" in done.stdout


def test_cached_modules_link_like_fresh_ones(tmp_path):
    package(tmp_path, HEALTH.replace('    logger.info("database reachable")\n', ""))
    env = {"DSQL_SCAN_CACHE_DIR": str(tmp_path / ".cache")}
    scan = ("scan", "--select", "DSQL011", "--format", "json", "app/health.py")
    fresh = run_cli(*scan, cwd=tmp_path, env=env)
    assert run_cli(*scan, cwd=tmp_path, env=env).stdout == fresh.stdout  # all from the cache
    assert "never logs success after the query" in fresh.stdout
    # only the health module changes: the helpers' summaries come from the cache, still linked
    package(tmp_path)
    assert json.loads(run_cli(*scan, cwd=tmp_path, env=env).stdout)["findings"] == []
