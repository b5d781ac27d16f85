"""Generated JavaScript and TypeScript is skipped, each file or directory with its reason.

Declaration files, minified bundles (by name or by their lines), installed packages, build
output and a cloud assembly's bundled assets hold nothing a reviewer wrote; hand-written code
with long lines, compiled code with an inline source map and an explicitly named file are read.
Everything runs the installed command with ``--verbose`` on a tree the test writes.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from scanner.pipeline import generated
from tests.limits import assert_no_traceback, run_limited
from tests.test_unread_scope import _scope_rows

HANDLER = """\
const { RDSDataClient, ExecuteStatementCommand } = require("@aws-sdk/client-rds-data");

exports.handler = async (event) => {
  const client = new RDSDataClient({});
  return client.send(new ExecuteStatementCommand({ sql: event.sql }));
};
"""
# What esbuild --minify makes of a module: one statement after another on one line.
MINIFIED_STATEMENT = (
    'var r=require("@aws-sdk/client-rds-data");exports.h{n}=async e=>{{let t=new '
    "r.RDSDataClient({{}});return t.send(new r.ExecuteStatementCommand({{sql:e.sql,"
    'database:"app{n}"}}))}};'
)
LICENSE = "/*! app bundle | (c) Example | MIT License */\n/*! includes @aws-sdk | Apache-2.0 */\n"
# A hand-written grammar: one keyword list makes a line of 15,000 characters in a file of 50
# lines (highlight.js's Stata grammar has this shape: the longest-lined hand-written file of the
# 15,000 measured, at 359 characters a line on average).
KEYWORDS = " ".join(f"keyword{n:04}" for n in range(1250))
RULES = "".join(f'      {{ scope: "rule{n}", begin: /\\brule{n}\\b/ }},\n' for n in range(40))
GRAMMAR = f"""\
/** A grammar for the query language: its keywords, then its rules. */
export default function grammar(hljs) {{
  const KEYWORDS = "{KEYWORDS}";
  return {{
    name: "Query",
    keywords: KEYWORDS,
    contains: [
{RULES}      hljs.C_LINE_COMMENT_MODE,
    ],
  }};
}}
"""


TEMPLATE = "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n"


def minified_bundle(statements: int = 120) -> str:
    """A bundle as a minifier writes it: license comments, then one line of statements."""
    return LICENSE + "".join(MINIFIED_STATEMENT.format(n=n) for n in range(statements)) + "\n"


def compiled_with_source_map() -> str:
    """What ``tsc --inlineSourceMap`` (``cdk init``'s setting) writes: ordinary lines, then one
    huge comment holding the map and the sources."""
    source_map = {"version": 3, "sources": ["stack.ts"], "sourcesContent": [HANDLER * 40]}
    encoded = base64.b64encode(json.dumps(source_map).encode()).decode()
    return HANDLER + f"//# sourceMappingURL=data:application/json;base64,{encoded}\n"


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _verbose(root: Path, *args: str) -> dict[str, str]:
    """path -> what --verbose says of it ("skipped: REASON" or "not read: ...")."""
    run = run_limited("scan", *args, "-v", "--no-cache", cwd=root)
    assert_no_traceback(run)
    assert run.code in (0, 1), run.stdout + run.stderr
    said = {}
    for line in run.stdout.splitlines():
        for verb in ("skipped", "not read"):
            if line.startswith(f"{verb} "):
                path, _, note = line[len(verb) + 1 :].partition(": ")
                said[path] = f"{verb}: {note}"
    return said


def _analysed(root: Path, *args: str) -> set[str]:
    """The JS/TS files a scan read, from the review's scope (every file, with what happened)."""
    run = run_limited("review", *args, "-o", "scope.md", cwd=root)
    assert_no_traceback(run)
    rows = _scope_rows((root / "scope.md").read_text(encoding="utf-8"))
    return {p for p, said in rows.items() if said.startswith("analysed") and p.endswith(SCRIPTS)}


SCRIPTS = (".ts", ".js", ".mjs", ".cjs", ".mts", ".cts", ".tsx", ".jsx")
TREE = {
    "lib/stack.ts": 'new rds.DatabaseCluster(this, "Ledger", {});\n',
    "lib/stack.d.ts": "export declare class LedgerStack {}\n",
    "lib/types.d.mts": "export type Id = string;\n",
    "lib/types.d.cts": "export type Id = string;\n",
    "lib/stack.js": compiled_with_source_map(),
    "lambda/handler.js": HANDLER,
    "lambda/grammar.mjs": GRAMMAR,
    "lambda/messages.cjs": "module.exports = {\n"
    + "".join(f'  m{n}: "{"数据库连接已关闭" * 24}",\n' for n in range(40))
    + "};\n",
    "vendor/jquery.min.js": "!function(e){}(window);\n",
    "vendor/esm.min.mjs": "export{};\n",
    "vendor/cjs.min.cjs": "module.exports={};\n",
    "vendor/app.bundle.js": minified_bundle(),
    "vendor/app.bundle.cjs": minified_bundle(),
    "node_modules/aws-cdk-lib/index.js": HANDLER,
    "dist/handler.js": HANDLER,
    "build/handler.js": HANDLER,
    "packages/api/dist/index.js": HANDLER,
    "cdk.out/asset.1a2b3c/index.js": HANDLER,
}


def test_generated_javascript_and_typescript_are_skipped_with_their_reasons(tmp_path):
    said = _verbose(_write(tmp_path, TREE), ".")
    average = generated.average_line(minified_bundle().encode())[1]
    assert average > generated.MINIFIED_LINE
    assert said == {
        "build/": "skipped: excluded by default",
        "cdk.out/asset.1a2b3c/": "skipped: cdk.out asset (a bundled copy of source code)",
        "dist/": "skipped: excluded by default",
        "node_modules/": "skipped: excluded by default",
        "packages/api/dist/": "skipped: excluded by default",
        "lib/stack.d.ts": "skipped: TypeScript declarations (.d.ts file: types only, no values)",
        "lib/types.d.mts": "skipped: TypeScript declarations (.d.mts file: types only, no values)",
        "lib/types.d.cts": "skipped: TypeScript declarations (.d.cts file: types only, no values)",
        "vendor/jquery.min.js": "skipped: minified JavaScript (.min.js)",
        "vendor/esm.min.mjs": "skipped: minified JavaScript (.min.mjs)",
        "vendor/cjs.min.cjs": "skipped: minified JavaScript (.min.cjs)",
        "vendor/app.bundle.js": f"skipped: minified JavaScript (lines of {average:,} characters on average)",
        "vendor/app.bundle.cjs": f"skipped: minified JavaScript (lines of {average:,} characters on average)",
    }
    # read: hand-written code, compiled code whose one huge line is its source map, a
    # grammar whose keyword list is one long line, messages of three bytes a character
    assert _analysed(tmp_path, ".") == {
        "lib/stack.ts", "lib/stack.js", "lambda/handler.js", "lambda/grammar.mjs",
        "lambda/messages.cjs",
    }  # fmt: skip


def test_the_read_files_come_close_to_the_limits_they_stay_under(tmp_path):
    """The files above that are read would be skipped by a cruder rule: the longest line
    (the grammar, the source map) or bytes counted as characters (the messages)."""
    grammar = GRAMMAR.encode()
    assert max(len(line) for line in grammar.splitlines()) > 5000
    assert generated.by_content(grammar) == ""
    compiled = compiled_with_source_map().encode()
    assert max(len(line) for line in compiled.splitlines()) > 5000
    assert generated.by_content(compiled) == ""
    messages = TREE["lambda/messages.cjs"].encode()
    assert len(messages) / messages.count(b"\n") > generated.MINIFIED_LINE
    assert generated.by_content(messages) == ""
    one_line_exports = ("export { " + ", ".join(f"check{n}" for n in range(60)) + " };\n").encode()
    assert generated.average_line(one_line_exports)[1] > generated.MINIFIED_LINE
    assert generated.by_content(one_line_exports) == ""  # under MINIFIED_MIN: no bundle


def test_a_named_file_is_read_wherever_it_is_and_whatever_it_holds(tmp_path):
    """Named files are the user's choice, as for every other skip of the walk."""
    _write(tmp_path, TREE)
    named = ("dist/handler.js", "vendor/app.bundle.js", "lib/stack.d.ts", "vendor/jquery.min.js")
    assert _verbose(tmp_path, *named) == {}
    assert _analysed(tmp_path, *named) == set(named)


def test_files_named_to_lenient_paths_are_judged_like_found_ones(tmp_path):
    """pre-commit names every committed file: a committed dist/ bundle is skipped like one the
    walk meets, while a template under build/ keeps being scanned as it always was."""
    _write(tmp_path, {**TREE, "build/stack.yaml": TEMPLATE})
    named = (
        "dist/handler.js",
        "packages/api/dist/index.js",
        "node_modules/aws-cdk-lib/index.js",
        "cdk.out/asset.1a2b3c/index.js",
        "vendor/app.bundle.js",
        "lib/stack.d.ts",
        "lib/stack.ts",
        "build/stack.yaml",
    )
    said = _verbose(tmp_path, "--lenient-paths", *named)
    assert said == {
        "dist/handler.js": "skipped: in dist/, excluded by default",
        "packages/api/dist/index.js": "skipped: in dist/, excluded by default",
        "node_modules/aws-cdk-lib/index.js": "skipped: in node_modules/, excluded by default",
        "cdk.out/asset.1a2b3c/index.js": "skipped: cdk.out asset (a bundled copy of source code)",
        "vendor/app.bundle.js": said["vendor/app.bundle.js"],
        "lib/stack.d.ts": "skipped: TypeScript declarations (.d.ts file: types only, no values)",
    }
    lenient = run_limited("scan", "--lenient-paths", *named, "--no-cache", cwd=tmp_path)
    assert "2 file(s) scanned" in lenient.stdout  # lib/stack.ts and build/stack.yaml
    assert said["vendor/app.bundle.js"].startswith("skipped: minified JavaScript (lines of ")
    run = run_limited("scan", "--lenient-paths", "build/stack.yaml", "--no-cache", cwd=tmp_path)
    assert "1 file(s) scanned" in run.stdout


def test_a_link_to_a_bundle_is_skipped_and_the_bundle_is_never_counted(tmp_path):
    _write(tmp_path, {"vendor/app.bundle.js": minified_bundle(), "src/app.ts": "export {};\n"})
    os.symlink(tmp_path / "vendor" / "app.bundle.js", tmp_path / "src" / "vendored.js")
    run = run_limited("scan", ".", "--format", "json", "--no-cache", cwd=tmp_path)
    assert_no_traceback(run)
    assert run.json()["summary"]["files_not_read"] == {}
    assert _analysed(tmp_path, ".") == {"src/app.ts"}
    said = _verbose(tmp_path, ".")
    assert said["src/vendored.js"].startswith("skipped: minified JavaScript")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("a.d.ts", "TypeScript declarations (.d.ts file: types only, no values)"),
        ("A.D.TS", "TypeScript declarations (.d.ts file: types only, no values)"),
        ("a.min.js", "minified JavaScript (.min.js)"),
        ("a.ts", ""),
        ("admin.js", ""),
        ("a.min.ts", ""),
        ("d.ts", ""),
    ],
)
def test_names_of_generated_files(name, reason):
    assert generated.by_name(name) == reason


@pytest.mark.parametrize(
    ("rel", "reason"),
    [
        ("dist/a.js", "in dist/, excluded by default"),
        ("a/node_modules/b/c.js", "in node_modules/, excluded by default"),
        ("cdk.out/asset.x/a.js", "cdk.out asset (a bundled copy of source code)"),
        ("asset.x/a.js", ""),
        ("src/dist.js", ""),
        ("distribution/a.js", ""),
        ("builder/a.js", ""),
    ],
)
def test_directories_of_generated_files(rel, reason):
    assert generated.by_location(rel) == reason
