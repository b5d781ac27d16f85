"""Generated JavaScript and TypeScript that discovery leaves out, and why.

A JavaScript or TypeScript repository carries much code nobody wrote by hand: declaration files
(``.d.ts``: types only, no values a rule could judge), minified bundles, installed packages and
build output. Parsing them costs time and reports nothing the sources do not (or reports the
sources' findings twice), so discovery skips them with a reason that ``--verbose`` and the
review's scope show. These rules apply to the JavaScript and TypeScript suffixes only: a
template in the same place keeps the walk's other rules.

Minified bundles do not always say so in their names (``vue.global.prod.js``, prettier's
plugins, aws-cdk-lib's own ``lib/*.js``), so a ``.js``, ``.mjs`` or ``.cjs`` file is also judged
by its first ``HEAD_BYTES``: at least ``MINIFIED_MIN`` characters of non-blank lines that
average more than ``MINIFIED_LINE`` characters mean minified code. Measured on the 14,379 such
files of 22 npm packages (aws-cdk-lib, aws-sdk v2, @aws-sdk/client-rds, core-js, lodash,
date-fns, moment, highlight.js, jquery, rxjs, zod, drizzle-orm, pg, prettier, vue, chart.js,
typescript...; bundled ``node_modules/`` left out): the 714 files the rule picks are all minified
(683 aws-cdk-lib modules, 26 of prettier's plugins, vue's 4 production builds, chart.js's UMD
build), while the hand-written file with the longest lines averages 359 characters a line (a
highlight.js grammar whose keyword list is one line of 14,858). The longest single line is no
sign: hand-written grammars, tests and TypeScript's own compiled ``typescript.js`` have lines of
5,000 to 32,000 characters. A source map comment (``//# sourceMappingURL=data:...``, one huge
line that ``tsc --inlineSourceMap`` appends, as ``cdk init`` projects do) is not counted. Small
files are never called minified (a one-line list of exports is no bundle, and costs nothing to
parse): of aws-cdk-lib's 2,975 modules 2,493 average over 500 characters a line, but only those
683 are large enough. The rule errs towards reading: prettier's minified YAML plugin averages 484
characters a line in its head, and is read. ``benchmarks/minified.py`` repeats the measurement.
"""

from __future__ import annotations

JS_TS_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".jsx")
# Bundlers write these; a hand-written source never is one.
CONTENT_CHECKED = (".js", ".mjs", ".cjs")
MINIFIED_NAMES = (".min.js", ".min.mjs", ".min.cjs")
DECLARATIONS = (".d.ts", ".d.mts", ".d.cts")
# Directories whose JavaScript is installed or built, never written here; the walk already
# skips them whole (``DEFAULT_EXCLUDES``): this is for files named to ``--lenient-paths``.
GENERATED_DIRECTORIES = ("node_modules", "dist", "build")
HEAD_BYTES = 64 * 1024  # a license header of a few dozen lines cannot hide a bundle in this
MINIFIED_LINE = 500  # characters a non-blank line, on average
# Characters of non-blank lines in the head: a smaller file is no bundle, and cheap to parse.
MINIFIED_MIN = 8192
SOURCE_MAP_COMMENTS = ("//# sourceMappingURL=", "//@ sourceMappingURL=")

ASSET = "cdk.out asset (a bundled copy of source code)"
DECLARATION = "TypeScript declarations ({suffix} file: types only, no values)"
MINIFIED_NAME = "minified JavaScript ({suffix})"
MINIFIED_CONTENT = "minified JavaScript (lines of {average:,} characters on average)"
IN_DIRECTORY = "in {directory}/, excluded by default"


def is_js_ts(name: str) -> bool:
    """A JavaScript or TypeScript file, by its name."""
    return name.lower().endswith(JS_TS_SUFFIXES)


def by_name(name: str) -> str:
    """Why a JavaScript or TypeScript file is generated, by its name alone; "" if it is not."""
    lowered = name.lower()
    suffix = next((s for s in DECLARATIONS if lowered.endswith(s)), "")
    if suffix:
        return DECLARATION.format(suffix=suffix)
    suffix = next((s for s in MINIFIED_NAMES if lowered.endswith(s)), "")
    return MINIFIED_NAME.format(suffix=suffix) if suffix else ""


def by_location(rel: str) -> str:
    """Why a JavaScript or TypeScript file is generated, by the directories on its reporting
    path: installed packages, build output, a cloud assembly's bundled assets; "" if none."""
    parts = rel.split("/")[:-1]
    for index, part in enumerate(parts):
        if part in GENERATED_DIRECTORIES:
            return IN_DIRECTORY.format(directory=part)
        if part.startswith("asset.") and index and parts[index - 1] == "cdk.out":
            return ASSET
    return ""


def needs_content(name: str) -> bool:
    """Whether a file's head must be read to tell a minified bundle (see ``by_content``)."""
    lowered = name.lower()
    return lowered.endswith(CONTENT_CHECKED) and not by_name(lowered)


def average_line(head: bytes) -> tuple[int, int]:
    """(characters, average characters a line) of the non-blank lines of ``head``, source map
    comments left out. Characters, not bytes: a hand-written file of Chinese messages has
    three bytes to a character."""
    total = lines = 0
    for line in head.decode("utf-8", "replace").split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith(SOURCE_MAP_COMMENTS):
            continue
        total += len(stripped)
        lines += 1
    return total, total // lines if lines else 0


def by_content(head: bytes) -> str:
    """Why a ``.js``/``.mjs``/``.cjs`` file whose first ``HEAD_BYTES`` are ``head`` is a
    minified bundle; "" if it is not."""
    total, average = average_line(head)
    if total >= MINIFIED_MIN and average > MINIFIED_LINE:
        return MINIFIED_CONTENT.format(average=average)
    return ""
