#!/usr/bin/env python3
"""The measuring half of scripts/bench.sh (which builds the runtimes and calls this).

Compiles the programs of bench/ with the stock ocamlc, runs a baseline runtime and a
candidate runtime alternately on each (N runs each), checks that every run of a program
printed the same output with exit status 0, and prints per program the median times, the
time ratio candidate/baseline, the peak RSS ratio, the 2-domain/1-domain speed-up of the
parallel programs, the start-up time and the geometric mean of the time ratios.

Each run goes through GNU time (/usr/bin/time -f %M) for its peak RSS: a child that this
Python process forks starts with Python's own pages, and Linux keeps the high-water mark
across exec, so os.wait4's ru_maxrss (or RUSAGE_CHILDREN's) would report at least Python's
RSS (about 16 MB) for every program; time's child is forked from a small process. User+sys
time comes from os.wait4 on time (which includes its reaped child), wall time from the clock
around the spawn and the wait.
"""

import argparse
import datetime
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# Sequential programs: name -> arguments of the smoke run (the default size, with no
# argument, runs about 0.5-2 s under the stock ocamlrun).
SEQUENTIAL = {
    "closures": ["20"],
    "int_loops": ["2000"],
    "nbody": ["1000"],
    "binary_trees": ["6"],
    "fannkuch": ["6"],
    "strings": ["100"],
    "hashtbl_map": ["500"],
    "objects": ["10000"],
    "exceptions": ["5000"],
    "printf_format": ["500"],
    "symbolic": ["50"],
    "effects": ["100"],
    "sort": ["500"],
}
# Parallel programs: `name D [total]`, the same total work on D domains; run with D = 1, 2.
# name -> the total of the smoke run.
PARALLEL = {
    "parallel_alloc": "20000",
    "parallel_prims": "20000",
    "parallel_major": "2000",
}
DOMAINS = (1, 2)
STARTUP = "empty"


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def load():
    try:
        return "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "load average unknown"


class Run:
    """One finished run: its output, status and costs (seconds, KB)."""

    def __init__(self, out, err, code, wall, cpu, rss_kb):
        self.out, self.err, self.code = out, err, code
        self.wall, self.cpu, self.rss_kb = wall, cpu, rss_kb


GNU_TIME = "/usr/bin/time"
measure_rss = True  # off for --smoke, which needs no GNU time


def run_once(cmd, env, scratch):
    out_path, err_path = os.path.join(scratch, "stdout"), os.path.join(scratch, "stderr")
    rss_path = os.path.join(scratch, "rss")
    if os.path.exists(rss_path):
        os.remove(rss_path)
    if measure_rss:
        cmd = [GNU_TIME, "-f", "%M", "-o", rss_path] + cmd
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped: Popen must not wait
    with open(out_path, "rb") as f:
        o = f.read()
    with open(err_path, "rb") as f:
        e = f.read()
    rss = None
    if measure_rss:
        with open(rss_path) as f:  # "Command exited with non-zero status N" may come first
            words = f.read().split()
        rss = int(words[-1]) if words and words[-1].isdigit() else None
    return Run(o, e, proc.returncode, wall, ru.ru_utime + ru.ru_stime, rss)


class Case:
    """A program with its arguments, measured under both runtimes (and `every`)."""

    def __init__(self, label, byte, args, group):
        self.label, self.byte, self.args, self.group = label, byte, args, group
        self.runs = {}  # runtime key -> [Run]
        self.failures = []

    def median(self, key, attr):
        runs = self.runs.get(key) or []
        if not runs or any(r.code != 0 for r in runs):
            return None
        values = [getattr(r, attr) for r in runs]
        return None if None in values else statistics.median(values)


def measure(case, runtimes, n, scratch):
    """Runs each runtime n times on the case, alternating which goes first."""
    for i in range(n):
        order = runtimes if i % 2 == 0 else list(reversed(runtimes))
        for key, argv, env in order:
            r = run_once(argv + [case.byte] + case.args, env, scratch)
            case.runs.setdefault(key, []).append(r)
            if r.code != 0:
                msg = r.err.decode(errors="replace").strip().splitlines()[:3]
                case.failures.append(f"{key} exited with status {r.code}: {' | '.join(msg)}")


def check_outputs(cases):
    """Every run of a program (and of a parallel program on any D) prints the same."""
    bad = []
    groups = {}
    for c in cases:
        groups.setdefault(c.group, []).append(c)
    for group, cs in groups.items():
        outs = {}
        for c in cs:
            for key, runs in c.runs.items():
                for r in runs:
                    outs.setdefault(r.out, []).append(f"{key} {c.label}")
        if len(outs) > 1:
            (ref, who), *others = outs.items()
            for out, w in others:
                bad.append(f"{group}: outputs differ: {first_difference(ref, out)} "
                           f"({', '.join(sorted(set(who)))} against {', '.join(sorted(set(w)))})")
        for c in cs:
            bad.extend(f"{c.label}: {f}" for f in c.failures)
    return bad


def first_difference(a, b):
    """Where two outputs part, as `line K: 'a' / 'b'`."""
    la, lb = a.decode(errors="replace").split("\n"), b.decode(errors="replace").split("\n")
    for k in range(max(len(la), len(lb))):
        x = la[k] if k < len(la) else "(end)"
        y = lb[k] if k < len(lb) else "(end)"
        if x != y:
            return f"line {k + 1}: {x[:80]!r} / {y[:80]!r}"
    return "(same lines)"


def compile_all(ocamlc, bench_dir, names, work):
    bytes_ = {}
    for name in names:
        d = os.path.join(work, name)  # one folder each: bench names must not shadow stdlib ones
        os.makedirs(d, exist_ok=True)
        shutil.copy(os.path.join(bench_dir, name + ".ml"), d)
        subprocess.run([ocamlc, "-o", name + ".byte", name + ".ml"], cwd=d, check=True)
        bytes_[name] = os.path.join(d, name + ".byte")
    return bytes_


def fmt(x, digits=2):
    return "failed" if x is None else f"{x:.{digits}f}"


def ratio(a, b):
    return None if a is None or b is None or b <= 0 else a / b


def fmt_ratio(r):
    return "-" if r is None else f"{r:.2f}x"


def geomean(xs):
    xs = [x for x in xs if x is not None and x > 0]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def report(cases, startup, base, cand, every, n, startup_runs, header):
    """Prints the markdown tables; returns the geometric mean of the time ratios."""
    lines, ratios = list(header), []
    B, C = base, cand
    seq = [c for c in cases if c.group in SEQUENTIAL]
    par = [c for c in cases if c.group in PARALLEL]
    if seq:
        lines.append(f"Sequential programs: median user+sys time (s) of {n} runs, peak RSS (MB).\n")
        head = f"| program | {B} (s) | {C} (s) | {C}/{B} | {B} RSS | {C} RSS | RSS ratio |"
        sep = "|---|---:|---:|---:|---:|---:|---:|"
        if every:
            head += " `every` (s) | `every`/production |"
            sep += "---:|---:|"
        lines += [head, sep]
        for c in seq:
            b, k = c.median(B, "cpu"), c.median(C, "cpu")
            rb, rk = c.median(B, "rss_kb"), c.median(C, "rss_kb")
            r = ratio(k, b)
            ratios.append(r)
            row = (f"| {c.label} | {fmt(b)} | {fmt(k)} | {fmt_ratio(r)} | {fmt(mb(rb), 1)} | "
                   f"{fmt(mb(rk), 1)} | {fmt_ratio(ratio(rk, rb))} |")
            if every:
                e = c.median("every", "cpu") if "every" in c.runs else None
                row += f" {fmt(e) if 'every' in c.runs else '-'} | {fmt_ratio(ratio(e, b))} |"
            lines.append(row)
    if par:
        lines.append(f"\nParallel programs: median wall time (s) of {n} runs (user+sys in brackets), "
                     "the same total work on D domains.\n")
        lines += [f"| program | D | {B} wall (s) | {C} wall (s) | {C}/{B} | {B} RSS | {C} RSS | RSS ratio |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for c in par:
            b, k = c.median(B, "wall"), c.median(C, "wall")
            rb, rk = c.median(B, "rss_kb"), c.median(C, "rss_kb")
            r = ratio(k, b)
            ratios.append(r)
            lines.append(f"| {c.group} | {c.args[0]} | {fmt(b)} ({fmt(c.median(B, 'cpu'))}) | "
                         f"{fmt(k)} ({fmt(c.median(C, 'cpu'))}) | {fmt_ratio(r)} | {fmt(mb(rb), 1)} | "
                         f"{fmt(mb(rk), 1)} | {fmt_ratio(ratio(rk, rb))} |")
        lines.append(f"\nSpeed-up of 2 domains over 1 (wall time, 1-domain / 2-domain):\n")
        lines += [f"| program | {B} | {C} |", "|---|---:|---:|"]
        for group in PARALLEL:
            by_d = {c.args[0]: c for c in par if c.group == group}
            if "1" in by_d and "2" in by_d:
                sb = ratio(by_d["1"].median(B, "wall"), by_d["2"].median(B, "wall"))
                sc = ratio(by_d["1"].median(C, "wall"), by_d["2"].median(C, "wall"))
                lines.append(f"| {group} | {fmt_ratio(sb)} | {fmt_ratio(sc)} |")
    if startup is not None:
        b, k = startup.median(B, "wall"), startup.median(C, "wall")
        lines.append(f"\nStart-up (an empty program, median wall time of {startup_runs} runs): "
                     f"{B} {fmt(None if b is None else b * 1000, 1)} ms, "
                     f"{C} {fmt(None if k is None else k * 1000, 1)} ms, {C}/{B} {fmt_ratio(ratio(k, b))}; "
                     f"peak RSS {fmt(mb(startup.median(B, 'rss_kb')), 1)} MB vs "
                     f"{fmt(mb(startup.median(C, 'rss_kb')), 1)} MB.")
    g = geomean(ratios)
    if ratios:
        lines.append(f"\nGeometric mean of the time ratios {C}/{B} over the {len(ratios)} rows above "
                     f"(sequential: user+sys, parallel: wall; start-up not included): **{fmt_ratio(g)}**")
    print("\n".join(lines))
    return g


def mb(kb):
    return None if kb is None else kb / 1024


def hardened_table(cases):
    """The table of docs/hardened.md: production against hardened (and `every`)."""
    out = ["| program | production (s) | hardened (s) | ratio | `every` (s) | ratio |",
           "|---|---:|---:|---:|---:|---:|"]
    rh, re_ = [], []
    for c in cases:
        attr = "wall" if c.group in PARALLEL else "cpu"
        p, h = c.median("production", attr), c.median("hardened", attr)
        r = ratio(h, p)
        rh.append(r)
        if "every" in c.runs:
            e = c.median("every", attr)
            re_.append(ratio(e, p))
            out.append(f"| {c.label} | {fmt(p)} | {fmt(h)} | {fmt_ratio(r)} | {fmt(e)} | {fmt_ratio(ratio(e, p))} |")
        else:
            out.append(f"| {c.label} | {fmt(p)} | {fmt(h)} | {fmt_ratio(r)} | - | - |")
    ge = geomean(re_)
    tail = f" **{fmt_ratio(ge)}** (of {len([x for x in re_ if x])}) |" if re_ else " |"
    out.append(f"| **geometric mean** | | | **{fmt_ratio(geomean(rh))}** | |{tail}")
    return "\n".join(out)


def write_hardened_doc(path, table, n, every, when):
    text = open(path).read()
    flags = "--hardened --every --write" if every else "--hardened --write"
    stamp = (f"Measured by `scripts/bench.sh {flags}`: median of {n} runs, user+sys time for the "
             "sequential programs and wall time for the parallel ones, on this project's machine "
             f"(shared with other builds), {when.strip()}")
    new = f"<!-- bench-table:begin -->\n{stamp}\n\n{table}\n<!-- bench-table:end -->"
    text, k = re.subn(r"<!-- bench-table:begin -->.*?<!-- bench-table:end -->", lambda m: new,
                      text, flags=re.S)
    if k != 1:
        sys.exit(f"bench: {path} has no bench-table markers")
    open(path, "w").write(text)
    log(f"table written to {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ocamlc", required=True)
    ap.add_argument("--bench-dir", required=True)
    ap.add_argument("--baseline", required=True, help="NAME=PATH of the baseline runtime")
    ap.add_argument("--candidate", required=True, help="NAME=PATH of the measured runtime")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--startup-runs", type=int, default=50)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--every", action="store_true", help="also the candidate with WARDEN_VERIFY=every")
    ap.add_argument("--every-max", type=float, default=10.0)
    ap.add_argument("--write", help="write the hardened table into this markdown file")
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--title", default="", help="a first line for the report (what was measured)")
    a = ap.parse_args()
    global measure_rss
    measure_rss = not a.smoke
    if measure_rss:
        probe = subprocess.run([GNU_TIME, "-f", "%M", "true"], capture_output=True, text=True) \
            if os.access(GNU_TIME, os.X_OK) else None
        if probe is None or probe.returncode != 0 or not probe.stderr.strip().isdigit():
            sys.exit(f"bench: GNU time is needed at {GNU_TIME} for the peak RSS (apt-get install time)")
    if a.write and (a.only or a.smoke):
        sys.exit("bench: --write measures the whole suite (no --only, no --smoke)")
    if a.runs < 1 or a.startup_runs < 1:
        sys.exit("bench: --runs and --startup-runs must be at least 1")
    base_name, base_path = a.baseline.split("=", 1)
    cand_name, cand_path = a.candidate.split("=", 1)
    known = set(SEQUENTIAL) | set(PARALLEL)
    for name in a.only:
        if name not in known:
            sys.exit(f"bench: unknown program {name} (known: {', '.join(sorted(known))})")
    seq = [p for p in SEQUENTIAL if not a.only or p in a.only]
    par = [p for p in PARALLEL if not a.only or p in a.only]
    runs = 1 if a.smoke else a.runs
    startup_runs = 3 if a.smoke else a.startup_runs

    env = dict(os.environ)
    env.pop("OCAMLRUNPARAM", None)  # the same default settings for both runtimes
    env.pop("WARDEN_VERIFY", None)
    runtimes = [(base_name, [base_path], env), (cand_name, [cand_path], env)]

    work = tempfile.mkdtemp(prefix="warden-bench.")
    try:
        byte = compile_all(a.ocamlc, a.bench_dir, seq + par + [STARTUP], work)
        header = [a.title] if a.title else []
        header.append(f"{datetime.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} CPUs; "
                      f"at the start: {load()}")
        log(f"start: {load()}")
        cases = []
        for name in seq:
            cases.append(Case(name, byte[name], SEQUENTIAL[name] if a.smoke else [], name))
        for name in par:
            for d in DOMAINS:
                args = [str(d)] + ([PARALLEL[name]] if a.smoke else [])
                cases.append(Case(f"{name} {d}", byte[name], args, name))
        for c in cases:
            if not a.smoke:
                log(f"{c.label}: {runs} run(s) each")
            measure(c, runtimes, runs, work)
            if a.every and not a.smoke:
                p = c.median(base_name, "wall" if c.group in PARALLEL else "cpu")
                if p is not None and p <= a.every_max:
                    every_env = dict(env, WARDEN_VERIFY="every")
                    measure(c, [("every", [cand_path], every_env)], runs, work)
        startup = None
        if not a.only:
            startup = Case(STARTUP, byte[STARTUP], [], STARTUP)
            log(f"start-up: {startup_runs} run(s) each")
            measure(startup, runtimes, startup_runs, work)
        header[-1] += f"; at the end: {load()}.\n"
        log(f"end: {load()}")
        bad = check_outputs(cases + ([startup] if startup else []))
        if a.smoke:
            for c in cases:
                last = c.runs[cand_name][0].out.decode(errors="replace").strip().splitlines()
                print(f"smoke: {c.label}: {last[-1] if last else '(no output)'}")
        else:
            report(cases, startup, base_name, cand_name, a.every, runs, startup_runs, header)
            if a.write:
                write_hardened_doc(a.write, hardened_table(cases), runs, a.every, header[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if bad:
        for b in bad:
            print(f"bench: FAIL: {b}", file=sys.stderr)
        sys.exit(1)
    n = len(cases) + (1 if startup else 0)
    log(f"{n} program runs compared, outputs identical ({cand_name} and {base_name})")


if __name__ == "__main__":
    main()
