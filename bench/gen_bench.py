#!/usr/bin/env python3
"""Generation benchmark: 10,000 SLOs over 100 service files, native and Sloth formats, written in
two YAML styles (mixed, as people write YAML, and plain block YAML), through sloforge (generate
and check) and slokit; plus one small spec end to end. Every figure is the median of RUNS runs
after one warm-up run; instructions are counted once per command (perf's hardware counter where
the machine has one, else callgrind). Writes a Markdown section to stdout.

Environment: BENCH_RUNS (default 5); BENCH_MAX_LOAD: wait (at most BENCH_WAIT seconds, default
600) until the 1-minute load average is below it before each group of runs, on a shared
machine; BENCH_SKIP_INSTRUCTIONS=1 skips the instruction counts; SLOKIT: the slokit binary
(default bench/.tools/bin/slokit, where `make bench` installs it)."""
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
MAX_LOAD = float(os.environ.get("BENCH_MAX_LOAD", "0") or 0)
WAIT = float(os.environ.get("BENCH_WAIT", "600"))
COUNT_INSTRUCTIONS = os.environ.get("BENCH_SKIP_INSTRUCTIONS", "") == ""
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORK = os.path.join(HERE, "scratch")
SLOFORGE = os.path.join(ROOT, "target", "release", "sloforge")
# What slokit writes is rules only: sloforge's comparable output leaves out its promtool tests,
# Grafana dashboards and runbooks.
RULES_ONLY = ["--no-tests", "--no-dashboards", "--no-runbooks"]
WITH_TESTS = ["--no-dashboards", "--no-runbooks"]
SLOKIT = os.environ.get("SLOKIT") or os.path.join(HERE, ".tools", "bin", "slokit")
STYLES = [("mixed", "fleet-mixed"), ("plain", "fleet")]
LOADS = []


def quiet():
    """Waits for a quiet machine when BENCH_MAX_LOAD asks for one; records the load."""
    deadline = time.time() + WAIT
    while MAX_LOAD and os.getloadavg()[0] >= MAX_LOAD and time.time() < deadline:
        time.sleep(5)
    LOADS.append(os.getloadavg()[0])


def timed(cmd, cwd):
    """One run under GNU time: (wall s, cpu s, peak RSS MiB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        full = ["/usr/bin/time", "-o", t.name, "-f", "%e %U %S %M"] + cmd
        start = time.perf_counter()
        p = subprocess.run(full, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - start
        if p.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
        fields = t.read().split()
        return wall, float(fields[1]) + float(fields[2]), int(fields[3]) / 1024


def measure(cmd, cwd, prepare=None, runs=RUNS):
    quiet()
    if prepare:
        prepare()
    timed(cmd, cwd)
    results = []
    for _ in range(runs):
        if prepare:
            prepare()
        results.append(timed(cmd, cwd))
    return tuple(statistics.median(r[i] for r in results) for i in range(3))


def alternating(first, second, cwd, prepare_first, prepare_second, rounds=7):
    """Median wall times of `first` and `second` run in turns, `rounds` each (after one warm-up
    of each): both see the same machine, whatever else runs on it."""
    quiet()
    walls = ([], [])
    for i in range(rounds + 1):
        for k, (cmd, prepare) in enumerate([(first, prepare_first), (second, prepare_second)]):
            prepare()
            wall = timed(cmd, cwd)[0]
            if i > 0:
                walls[k].append(wall)
    return statistics.median(walls[0]), statistics.median(walls[1])


def perf_works():
    if not shutil.which("perf"):
        return False
    p = subprocess.run(["perf", "stat", "-x,", "-e", "instructions:u", "true"], capture_output=True, text=True)
    return p.returncode == 0 and re.search(r"^\d+,", p.stderr, re.M) is not None


INSTRUCTIONS_TOOL = None
PENDING = []


def instructions(cmd, cwd, prepare=None):
    """A slot for the instructions the command executes, counted by `count_pending` after every
    timing (a count takes a core for minutes, which would load the timings)."""
    slot = [None]
    PENDING.append((slot, cmd, cwd, prepare))
    return slot


def count_pending():
    for slot, cmd, cwd, prepare in PENDING:
        slot[0] = count(cmd, cwd, prepare)


def count(cmd, cwd, prepare=None):
    """Instructions the command executes (user space, all threads), or None."""
    global INSTRUCTIONS_TOOL
    if not COUNT_INSTRUCTIONS:
        return None
    if INSTRUCTIONS_TOOL is None:
        INSTRUCTIONS_TOOL = "perf" if perf_works() else ("callgrind" if shutil.which("valgrind") else "")
    if prepare:
        prepare()
    if INSTRUCTIONS_TOOL == "perf":
        p = subprocess.run(["perf", "stat", "-x,", "-e", "instructions:u"] + cmd, cwd=cwd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        m = re.search(r"^(\d+),", p.stderr, re.M)
        return int(m.group(1)) if p.returncode == 0 and m else None
    if INSTRUCTIONS_TOOL == "callgrind":
        p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd, cwd=cwd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        m = re.search(r"Collected\s*:\s*([\d,]+)", p.stderr)
        return int(m.group(1).replace(",", "")) if p.returncode == 0 and m else None
    return None


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f"{kb / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {mem}, {platform.system()} {platform.release()}"


def rules_of(out):
    """The rule files under `out` without their first line (which names the source file)."""
    rules = {}
    for d, _, files in os.walk(out):
        for name in files:
            if name.endswith(".yaml"):
                with open(os.path.join(d, name)) as f:
                    rules[os.path.relpath(os.path.join(d, name), out)] = f.read().split("\n", 1)[-1]
    return rules


def same_output():
    """Whether the mixed and the plain fleet give the same rules and tests (sloforge) and the
    same rules (slokit)."""
    lines = []
    for fmt in ["native", "sloth"]:
        outs = []
        for _, fleet in STYLES:
            out = os.path.join(WORK, f"same-{fleet}-{fmt}")
            shutil.rmtree(out, ignore_errors=True)
            subprocess.run([SLOFORGE, "generate", os.path.join(WORK, fleet, fmt), "-o", out], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            outs.append(rules_of(out))
            shutil.rmtree(out, ignore_errors=True)
        same = outs[0] == outs[1]
        lines.append(f"sloforge, {fmt}: {'the same' if same else 'DIFFERENT'} {len(outs[0])} files")
    if os.path.exists(SLOKIT):
        texts = []
        for _, fleet in STYLES:
            out = os.path.join(WORK, f"same-slokit-{fleet}.yaml")
            subprocess.run([SLOKIT, "generate", "-i", os.path.join(WORK, fleet, "sloth"), "-o", out], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with open(out) as f:
                texts.append(f.read())
            os.remove(out)
        lines.append(f"slokit: {'the same' if texts[0] == texts[1] else 'DIFFERENT'} rules")
    return "; ".join(lines)


def ms(s):
    return f"{s * 1000:.0f} ms"


def mega(slot):
    n = slot[0] if slot else None
    return "—" if n is None else f"{n / 1e6:,.0f} M"


def main():
    for style, fleet in STYLES:
        path = os.path.join(WORK, fleet)
        if not os.path.isdir(os.path.join(path, "native")):
            subprocess.run([sys.executable, os.path.join(HERE, "synth.py"), path, "100", "100", "--style", style],
                           check=True)
    out = os.path.join(WORK, "out")

    def clean():
        shutil.rmtree(out, ignore_errors=True)

    slokit_out = os.path.join(WORK, "slokit-out")

    def clean_slokit():
        shutil.rmtree(slokit_out, ignore_errors=True)
        os.makedirs(slokit_out)

    load_before = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    tables = {}
    for style, fleet in STYLES:
        rows = []
        for fmt in ["native", "sloth"]:
            specs = os.path.join(WORK, fleet, fmt)
            gen = [SLOFORGE, "generate", specs, "-o", out] + RULES_ONLY
            rows.append((f"sloforge generate, {fmt} (rules only, `--no-tests --no-dashboards --no-runbooks`)", measure(gen, WORK, clean),
                         instructions(gen, WORK, clean)))
            rows.append((f"sloforge check, {fmt} (rules only)",
                         measure([SLOFORGE, "check", specs, "-o", out] + RULES_ONLY, WORK, None), [None]))
            rows.append((f"sloforge generate, {fmt} (rules + generated promtool tests)",
                         measure([SLOFORGE, "generate", specs, "-o", out] + WITH_TESTS, WORK, clean), [None]))
            rows.append((f"sloforge check, {fmt} (rules + tests)",
                         measure([SLOFORGE, "check", specs, "-o", out] + WITH_TESTS, WORK, None), [None]))
            rows.append((f"sloforge generate, {fmt} (everything: rules, tests, dashboards, runbooks)",
                         measure([SLOFORGE, "generate", specs, "-o", out], WORK, clean), [None]))
        if os.path.exists(SLOKIT):
            specs = os.path.join(WORK, fleet, "sloth")
            cmd = [SLOKIT] + os.environ.get("SLOKIT_CMD", "generate -i {specs} -o {out}/rules.yaml").format(
                specs=specs, out=slokit_out).split()
            rows.append(("slokit 1.9.0 generate, sloth", measure(cmd, WORK, clean_slokit),
                         instructions(cmd, WORK, clean_slokit)))
        tables[style] = rows
    small = os.path.join(ROOT, "examples", "quickstart", "api.yaml")
    small_cmd = [SLOFORGE, "generate", small, "-o", "-"]
    small_row = ("sloforge generate, one small spec to stdout (process start to exit)",
                 measure(small_cmd, ROOT, None, runs=max(RUNS, 20)), instructions(small_cmd, ROOT))
    turns = None
    if os.path.exists(SLOKIT):
        specs = os.path.join(WORK, "fleet-mixed", "sloth")
        cmd = [SLOKIT] + os.environ.get("SLOKIT_CMD", "generate -i {specs} -o {out}/rules.yaml").format(
            specs=specs, out=slokit_out).split()
        turns = alternating([SLOFORGE, "generate", specs, "-o", out] + RULES_ONLY, cmd, WORK, clean, clean_slokit)
    load_after = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    same = same_output()
    count_pending()

    print("## Generation\n")
    wait = f"; runs started only below a 1-minute load of {MAX_LOAD:g}" if MAX_LOAD else ""
    print(f"Machine: {machine()}; load average before the runs {load_before}, after {load_after} (1/5/15 min); "
          f"1-minute load when each group of runs started: {min(LOADS):.2f}–{max(LOADS):.2f}{wait}.  \n"
          f"Each time: median of {RUNS} runs after one warm-up run (the small spec: {max(RUNS, 20)} runs). "
          f"Instructions: {instructions_note()}.\n")
    print("Input: `python3 bench/synth.py bench/scratch/fleet-mixed 100 100 --style mixed` and "
          "`python3 bench/synth.py bench/scratch/fleet 100 100`: 100 services × 100 ratio SLOs = 10,000 SLOs, "
          "each once in the native format and once in Sloth `prometheus/v1` format. The mixed fleet is written "
          "as people write YAML: plain, single- and double-quoted scalars (with escapes), flow mappings and "
          "sequences (some over several lines, a fifth of the services entirely in flow style), full-line and "
          "trailing comments, anchors and aliases, `<<` merge keys (native only: slokit does not expand them), "
          "`|-`/`>-` block scalars, `---`/`...` and one file in five with two services (80 files). The plain fleet "
          "holds the same values in plain block YAML, one service a file (100 files). "
          f"Both fleets give the same output: {same}.\n")
    for style, _ in STYLES:
        print(f"### {style.capitalize()}-style fleet\n")
        print("| command | wall | CPU (user+sys) | peak RSS | instructions |")
        print("|---|---:|---:|---:|---:|")
        rows = tables[style] + ([small_row] if style == "mixed" else [])
        for name, (wall, cpu, rss), ins in rows:
            print(f"| {name} | {ms(wall)} | {ms(cpu)} | {rss:.1f} MiB | {mega(ins)} |")
        print()
    mixed = {name: (r, ins) for name, r, ins in tables["mixed"]}
    plain = {name: (r, ins) for name, r, ins in tables["plain"]}
    parts = []
    for fmt in ["native", "sloth"]:
        key = f"sloforge generate, {fmt} (rules only, `--no-tests --no-dashboards --no-runbooks`)"
        (m, mi), (p, pi) = mixed[key], plain[key]
        ins = f", instructions {mi[0] / pi[0]:.2f}×" if mi[0] and pi[0] else ""
        parts.append(f"{fmt} wall {m[0] / p[0]:.2f}×, CPU {m[1] / p[1]:.2f}×{ins}")
    print(f"Mixed against plain style, sloforge generate (rules only): {'; '.join(parts)}.")
    slokit_key = "slokit 1.9.0 generate, sloth"
    if slokit_key in mixed:
        for style, table in [("mixed", mixed), ("plain", plain)]:
            (k, ki) = table[slokit_key]
            (s, si) = table["sloforge generate, sloth (rules only, `--no-tests --no-dashboards --no-runbooks`)"]
            ins = f", instructions {ki[0] / si[0]:.1f}×" if ki and ki[0] and si[0] else ""
            print(f"slokit / sloforge on the same {style} Sloth files (rules only): wall {k[0] / s[0]:.1f}×, "
                  f"CPU {k[1] / s[1]:.1f}×, peak RSS {k[2] / s[2]:.1f}×{ins}.")
    else:
        print("\nslokit was not available (bench/.tools/bin/slokit); no ratio measured.")
    if turns:
        print(f"\nIn turns (7 rounds, each round one run of each, medians) on the mixed Sloth files, rules only: "
              f"sloforge {ms(turns[0])}, slokit 1.9.0 {ms(turns[1])}: slokit / sloforge {turns[1] / turns[0]:.2f}×.")
    print()
    targets(mixed, small_row, turns)
    print()


def instructions_note():
    if not COUNT_INSTRUCTIONS:
        return "not counted (BENCH_SKIP_INSTRUCTIONS)"
    if INSTRUCTIONS_TOOL == "perf":
        return "`perf stat -e instructions:u`, one run"
    if INSTRUCTIONS_TOOL == "callgrind":
        return ("`valgrind --tool=callgrind`, one run (the machine has no hardware counter for perf); all threads, "
                "user space, including the dynamic loader")
    return "not counted (neither perf with a hardware counter nor valgrind)"


def targets(mixed, small_row, turns=None):
    """The issue's generation targets against this run's figures, on the mixed fleet."""
    native = mixed["sloforge generate, native (rules only, `--no-tests --no-dashboards --no-runbooks`)"][0]
    sloth = mixed["sloforge generate, sloth (rules only, `--no-tests --no-dashboards --no-runbooks`)"][0]
    small = small_row[1]
    yes = lambda ok: "yes" if ok else "no"
    print("### Against the targets (mixed-style fleet)\n")
    print("| target | measured | met |")
    print("|---|---|---|")
    print(f"| 10,000 SLOs ≤ 0.4 s wall | native {native[0]:.2f} s, Sloth {sloth[0]:.2f} s (rules only) | "
          f"{yes(max(native[0], sloth[0]) <= 0.4)} |")
    print(f"| ≤ 100 MiB peak | native {native[2]:.0f} MiB, Sloth {sloth[2]:.0f} MiB | {yes(max(native[2], sloth[2]) <= 100)} |")
    slokit = mixed.get("slokit 1.9.0 generate, sloth")
    if slokit:
        k = slokit[0]
        ratio = k[0] / sloth[0]
        cpu_ratio = k[1] / sloth[1] if sloth[1] else float("inf")
        if turns:
            ratio = turns[1] / turns[0]
            shown = f"{ratio:.2f}× wall in turns ({k[0] / sloth[0]:.1f}× in the table), {cpu_ratio:.1f}× CPU"
        else:
            shown = f"{ratio:.1f}× wall, {cpu_ratio:.1f}× CPU"
        print(f"| ≥ 8× faster than slokit 1.9.0 (same Sloth files, same run) | {shown} | {yes(ratio >= 8)} |")
    print(f"| one small spec ≤ 10 ms | {small[0] * 1000:.1f} ms | {yes(small[0] <= 0.010)} |")
    print()
    print("How generation is organised for speed: every spec file is read and parsed on its own core, a "
          "native `Service` document or a Sloth `prometheus/v1` document without unknown keys in one typed "
          "pass (the located tree, which reports such keys with their locations, only for the others); the "
          "documents are read by a fast reader of the YAML spec files are written in (block and flow "
          "collections, plain, quoted and block scalars, comments, anchors, aliases and merge keys), which "
          "leaves anything it does not read to the full YAML parser and is tested, on generated documents "
          "too, and fuzzed to give the full parser's result, locations included; each "
          "core then validates, compiles, renders and writes the services of a few documents at a time and "
          "frees them (`generate`/`check` into a directory, when no routing or OpenSLO document needs the "
          "whole fleet), so memory stays flat as the fleet grows; plain selectors are read without the full PromQL parser and each distinct "
          "PromQL skeleton is parsed once; annotation templates of plain text and `[[ name ]]` render "
          "without the template engine; matcher regexes are compiled once per pattern; rule files are "
          "written by a direct YAML writer; the binary allocates with jemalloc, whose per-thread caches "
          "take the many small strings and maps each core builds and frees faster than glibc's malloc.")


if __name__ == "__main__":
    main()
