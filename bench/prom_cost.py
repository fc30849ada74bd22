#!/usr/bin/env python3
"""Rule cost and accuracy in a real Prometheus: sloforge's rules beside Sloth-shaped rules of the
same SLOs, on a synthetic reference workload, in the local Prometheus (loopback only).

Phases (all data under bench/scratch/, deleted at the end unless --keep):
  1. rules: sloforge's rules for bench/shop.yaml; a Sloth-shaped rule set of the same SLOs.
  2. grid: a short dry run of the rule backfill tells on which timestamps Prometheus evaluates
     the backfill group (the group's hash offset); the workload is placed on that grid.
  3. data: 20 pods x 5 handlers x 4 codes request counters and a per-pod latency histogram at a
     15 s resolution, streamed into an OpenMetrics file, turned into blocks by promtool.
  4. backfill: the recorded series that other rules read over ranges (sloforge's
     slo:sli_events:rate1m, Sloth's slo:sli_error:ratio_rate5m) by promtool over the whole range.
  5. accuracy: every window's error ratio of both rule sets, by instant queries on evaluation
     timestamps (at window edges on traffic and error-rate steps and in between), against the
     exact sum(errors)/sum(total) of the generator's own increments.
  6. live: Prometheus evaluates both rule sets, scraping the workload's continuation from an
     exporter on loopback; group evaluation times from /api/v1/rules, then samples loaded per
     rule from query statistics (stats=all).
The report goes to bench/RESULTS-prometheus.md (or --out).

Only the Python standard library; Prometheus and promtool from the system.
"""
import argparse
import atexit
import bisect
import datetime
import json
import math
import operator
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORK = os.path.join(HERE, "scratch", "prom")
SPEC = os.path.join(HERE, "shop.yaml")
SLOFORGE = os.path.join(ROOT, "target", "release", "sloforge")
SLOKIT = os.path.join(HERE, ".tools", "bin", "slokit")
SLOTH_SPEC = os.path.join(HERE, "shop.sloth.yaml")

# ---------------------------------------------------------------------------------------------
# Workload
STEP_MS = 15_000  # scrape interval
OFFSET_MS = 7_000  # scrapes land 7 s after the rule evaluation grid (never on it, as in production)
PHASE_H = 16.5  # the data starts at 16:30 of the synthetic day
PODS = 20
HANDLERS = (("/api/cart", 0.40), ("/api/catalog", 0.25), ("/api/checkout", 0.15), ("/api/search", 0.12), ("/api/user", 0.08))
CODES = ("200", "404", "500", "503")
RPS = (10.0, 100.0)  # whole service, night / day (06:00-18:00)
ERR = (0.0002, 0.002, 0.02)  # server-error ratio: day, night, night burst (01:00-03:00)
NOT_FOUND = 0.02
SLOW = (0.003, 0.03)  # share of requests slower than 250 ms: normal, slow evening (20:00-23:00)
LE = ("0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf")
STEPS = {  # hours of the synthetic day where a regime changes
    "availability": {6: "traffic x10 and error ratio /10 (night to day)", 18: "traffic /10 and error ratio x10 (day to night)", 1: "error ratio x10 (burst starts)", 3: "error ratio /10 (burst ends)"},
    "latency": {6: "traffic x10 (night to day)", 18: "traffic /10 (day to night)", 20: "slow share x10 (slow evening starts)", 23: "slow share /10 (slow evening ends)"},
}
WINDOWS = (("30m", 1800), ("1h", 3600), ("2h", 7200), ("6h", 21600), ("1d", 86400), ("3d", 259200), ("30d", 2592000))
SLOTH_WINDOWS = (("5m", 300),) + WINDOWS[:-1]

# The SLOs of bench/shop.yaml, as Sloth would take them.
SLOS = {
    "availability": {
        "objective": 99.9,
        "errors": 'sum(rate(http_requests_total{job="shop",code=~"5.."}[W]))',
        "total": 'sum(rate(http_requests_total{job="shop"}[W]))',
    },
    "latency": {
        "objective": 99.0,
        "errors": '(sum(rate(http_request_duration_seconds_count{job="shop"}[W])) - sum(rate(http_request_duration_seconds_bucket{job="shop",le="0.25"}[W])))',
        "total": 'sum(rate(http_request_duration_seconds_count{job="shop"}[W]))',
    },
}

WARMUP = 2  # live evaluation cycles dropped before the measured ones
PROCS = []


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(cmd, **kw):
    kw.setdefault("check", True)
    return subprocess.run(["nice", "-n", "10"] + cmd, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fmt_ts(ms):
    return f"{ms // 1000}.{ms % 1000:03d}"


def hour_of(ms, start):
    return (PHASE_H + (ms - start) / 3_600_000) % 24


# ---------------------------------------------------------------------------------------------
# Rules


def split_items(text):
    """Groups of a rule file as [(name, header_text, [rule item text])] (block-style YAML only)."""
    groups = []
    for line in text.splitlines(keepends=True):
        if line.startswith("- name: "):
            groups.append([line[len("- name: "):].strip(), line, []])
        elif not groups:
            continue
        elif re.match(r"^  - (record|alert): ", line):
            groups[-1][2].append(line)
        elif groups[-1][2] and (line.startswith("   ") or not line.strip()):
            groups[-1][2][-1] += line
        else:
            groups[-1][1] += line
    return groups


def item_field(item, field):
    """A scalar field of one rule item (plain, quoted or literal block scalar)."""
    lines = item.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^\s*(?:- )?" + field + r": ?(.*)$", line)
        if not m:
            continue
        v = m.group(1)
        if v in ("|", "|-", ">", ">-"):
            indent = len(lines[i + 1]) - len(lines[i + 1].lstrip())
            body = []
            for l in lines[i + 1:]:
                if l.strip() and len(l) - len(l.lstrip()) < indent:
                    break
                body.append(l[indent:])
            return ("\n" if v.startswith("|") else " ").join(body).strip()
        if v.startswith("'"):
            assert v.endswith("'"), f"multi-line quoted scalar in {field}"
            return v[1:-1].replace("''", "'")
        if v.startswith('"'):
            return json.loads(v)
        return v
    raise KeyError(field)


def sloth_rules(team):
    """A Sloth-shaped rule file (Sloth's documented output shape, prometheus/v1 spec)."""
    out = ["---\n# Sloth-shaped rules of bench/shop.yaml, written by bench/prom_cost.py from Sloth's documented output.\n\ngroups:\n"]
    exprs = {}
    for slo, d in SLOS.items():
        sid = f"shop-{slo}"
        ident = f'sloth_id="{sid}", sloth_service="shop", sloth_slo="{slo}"'
        budget = round(1 - d["objective"] / 100, 10)

        def labels(extra=()):
            kv = [("owner", team), ("sloth_id", sid), ("sloth_service", "shop"), ("sloth_slo", slo)] + list(extra)
            return "    labels:\n" + "".join(f"      {k}: {v}\n" for k, v in sorted(kv))

        def block(e):
            return "    expr: |\n" + "".join(f"      {l}\n" for l in e.split("\n"))

        out.append(f"- name: sloth-slo-sli-recordings-{sid}\n  rules:\n")
        for w, _ in SLOTH_WINDOWS:
            e = f"({d['errors'].replace('[W]', f'[{w}]')})\n/\n({d['total'].replace('[W]', f'[{w}]')})"
            exprs[(slo, w)] = e
            out.append(f"  - record: slo:sli_error:ratio_rate{w}\n" + block(e) + labels([("sloth_window", w)]))
        e = (f"sum_over_time(slo:sli_error:ratio_rate5m{{{ident}}}[30d])\n/ ignoring (sloth_window)\n"
             f"count_over_time(slo:sli_error:ratio_rate5m{{{ident}}}[30d])")
        exprs[(slo, "30d")] = e
        out.append("  - record: slo:sli_error:ratio_rate30d\n" + block(e) + labels([("sloth_window", "30d")]))

        out.append(f"- name: sloth-slo-meta-recordings-{sid}\n  rules:\n")
        meta = [
            ("slo:objective:ratio", f"vector({d['objective'] / 100})", ()),
            ("slo:error_budget:ratio", f"vector(1-{d['objective'] / 100})", ()),
            ("slo:time_period:days", "vector(30)", ()),
            ("slo:current_burn_rate:ratio", f"slo:sli_error:ratio_rate5m{{{ident}}}\n/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio{{{ident}}}", ()),
            ("slo:period_burn_rate:ratio", f"slo:sli_error:ratio_rate30d{{{ident}}}\n/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio{{{ident}}}", ()),
            ("slo:period_error_budget_remaining:ratio", f"1 - slo:period_burn_rate:ratio{{{ident}}}", ()),
            ("sloth_slo_info", "vector(1)", (("sloth_mode", "cli-gen-prom"), ("sloth_objective", f'"{d["objective"]}"'), ("sloth_spec", "prometheus/v1"), ("sloth_version", "v0.11.0"))),
        ]
        for rec, e, extra in meta:
            out.append(f"  - record: {rec}\n" + (block(e) if "\n" in e else f"    expr: {e}\n") + labels(extra))

        out.append(f"- name: sloth-slo-alerts-{sid}\n  rules:\n")
        for sev, pairs in (("page", (("5m", "1h", 14.4), ("30m", "6h", 6))), ("ticket", (("2h", "1d", 3), ("6h", "3d", 1)))):
            parts = []
            for short, long, f in pairs:
                parts.append(
                    "(\n"
                    f"    max(slo:sli_error:ratio_rate{short}{{{ident}}} > ({f} * {budget})) without (sloth_window)\n"
                    "    and\n"
                    f"    max(slo:sli_error:ratio_rate{long}{{{ident}}} > ({f} * {budget})) without (sloth_window)\n"
                    ")"
                )
            e = "\nor\n".join(parts)
            out.append(
                f"  - alert: Shop{slo.capitalize()}SLOBurn\n" + block(e)
                + f"    labels:\n      category: {slo}\n      severity: {'critical' if sev == 'page' else 'warning'}\n      sloth_severity: {sev}\n"
                + "    annotations:\n"
                + "      summary: '{{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is over expected.'\n"
                + f"      title: ({sev}) {{{{$labels.sloth_service}}}} {{{{$labels.sloth_slo}}}} SLO error budget burn rate is too high.\n"
            )
    return "".join(out), exprs


def rule_stats(text, group_of_slo):
    """Per SLO of a rule file: (rules, bytes, bytes of recording rules, bytes of alerting rules)."""
    stats = {}
    for name, header, items in split_items(text):
        slo = group_of_slo(name)
        if slo is None:
            continue
        r, b, br, ba = stats.get(slo, (0, 0, 0, 0))
        rec = sum(len(i.encode()) for i in items if i.startswith("  - record:"))
        al = sum(len(i.encode()) for i in items if i.startswith("  - alert:"))
        stats[slo] = (r + len(items), b + len(header.encode()) + rec + al, br + rec, ba + al)
    return stats


def slokit_compare(bench_text, out_dir):
    """slokit's rules for the same SLOs, when slokit is installed: rules and bytes per SLO, and
    whether its recording rules read what the measured Sloth-shaped rules read."""
    if not os.access(SLOKIT, os.X_OK):
        return None
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, "slokit.rules.yaml")
    version = subprocess.run([SLOKIT, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([SLOKIT, "generate", "-i", SLOTH_SPEC, "-o", out], capture_output=True, check=True)
    text = open(out).read()

    def records(t):
        return {(name.rsplit("-", 1)[1], item_field(it, "record")): re.sub(r"\s+", "", item_field(it, "expr")).replace("ignoring(sloth_window)", "")
                for name, _, items in split_items(t) for it in items if it.startswith("  - record:")}

    mine, theirs = records(bench_text), records(text)
    both = sorted(set(mine) & set(theirs))
    return {
        "version": version,
        "stats": rule_stats(text, lambda g: g.rsplit("-", 1)[1]),
        "same": [f"{k[0]} {k[1]}" for k in both if mine[k] == theirs[k]],
        "differ": [f"{k[0]} {k[1]}" for k in both if mine[k] != theirs[k]],
        "differ_all_constant": all(mine[k].startswith("vector(") and theirs[k].startswith("vector(") for k in both if mine[k] != theirs[k]),
        "only_bench": [f"{k[0]} {k[1]}" for k in sorted(set(mine) - set(theirs))],
        "only_slokit": [f"{k[0]} {k[1]}" for k in sorted(set(theirs) - set(mine))],
    }


# ---------------------------------------------------------------------------------------------
# Prometheus


class Prometheus:
    def __init__(self, name, tsdb, config):
        self.name, self.tsdb, self.config = name, tsdb, config
        self.proc = None

    def start(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.logf = open(os.path.join(WORK, f"{self.name}.log"), "ab")
        cmd = [
            "nice", "-n", "10", "prometheus",
            f"--config.file={self.config}",
            f"--storage.tsdb.path={self.tsdb}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--storage.tsdb.retention.time=30d",
        ]
        self.proc = subprocess.Popen(cmd, stdout=self.logf, stderr=subprocess.STDOUT, start_new_session=True)
        PROCS.append(self.proc)
        for _ in range(600):
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited ({self.proc.returncode}); see {self.logf.name}")
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("prometheus not ready after 120 s")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def api(self, path, params=None, timeout=300):
        data = urllib.parse.urlencode(params).encode() if params else None
        with urllib.request.urlopen(self.url + path, data=data, timeout=timeout) as r:
            body = json.load(r)
        if body.get("status") != "success":
            raise RuntimeError(f"{path}: {body}")
        return body["data"]

    def query(self, expr, t_ms, stats=False):
        p = {"query": expr, "time": fmt_ts(t_ms)}
        if stats:
            p["stats"] = "all"
        return self.api("/api/v1/query", p)

    def metric(self, name):
        with urllib.request.urlopen(self.url + "/metrics", timeout=10) as r:
            for line in r.read().decode().splitlines():
                if line.startswith(name + " ") or line.startswith(name + "{"):
                    return float(line.rsplit(" ", 1)[1])
        return None


def stop_all():
    for p in PROCS:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()


# ---------------------------------------------------------------------------------------------
# Workload generator


def poisson_cdf(lam):
    p = math.exp(-lam)
    c, k, cdf = p, 0, [p]
    while c < 1 - 1e-12 and k < 10_000:
        k += 1
        p *= lam / k
        c += p
        cdf.append(c)
    return cdf


def binomial(rnd, n, p):
    if n <= 0:
        return 0
    q = 1 - p
    pr = q**n
    c, k, u = pr, 0, rnd()
    while u > c and k < n:
        pr *= (n - k) / (k + 1) * p / q
        k += 1
        c += pr
    return k


class Workload:
    """Deterministic synthetic counters; sample j is at start + OFFSET + j*STEP and its increment
    holds the events of (t-STEP, t] under the regime of the synthetic hour of t."""

    def __init__(self, start):
        self.start = start
        podw = [1 + 0.15 * math.sin(1.7 * p) for p in range(PODS)]
        podw = [w / sum(podw) for w in podw]
        self.series = []  # [labels, code, pod, rng, tables, value]
        cache = {}
        for p in range(PODS):
            inst = f"10.1.0.{11 + p}:8080"
            for h, hw in HANDLERS:
                for code in CODES:
                    tabs = []
                    for key in range(6):
                        tr, er = divmod(key, 3)
                        frac = {"200": 1 - NOT_FOUND - ERR[er], "404": NOT_FOUND, "500": 0.7 * ERR[er], "503": 0.3 * ERR[er]}[code]
                        lam = round(RPS[tr] * STEP_MS / 1000 * podw[p] * hw * frac, 9)
                        if lam not in cache:
                            cache[lam] = poisson_cdf(lam)
                        tabs.append(cache[lam])
                    rng = random.Random(f"shop/{p}/{h}/{code}")
                    value = int(RPS[1] * podw[p] * hw * {"200": 0.97, "404": 0.02, "500": 0.0007, "503": 0.0003}[code] * rng.uniform(2e4, 2e5))
                    lab = f'{{job="shop",instance="{inst}",handler="{h}",code="{code}"}}'
                    self.series.append([lab, code, p, rng, tabs, value])
        self.pods = []  # [labels, rng, bucket values (len(LE)), count, sum]
        for p in range(PODS):
            rng = random.Random(f"shop/{p}/latency")
            n0 = int(RPS[1] * podw[p] * rng.uniform(2e4, 2e5))
            self.pods.append([f'job="shop",instance="10.1.0.{11 + p}:8080"', rng, [n0] * len(LE), n0, round(n0 * 0.07, 3)])
        self.next_j = 0
        self.lock = threading.Lock()

    def regime(self, j):
        h = hour_of(self.start + OFFSET_MS + j * STEP_MS, self.start)
        tr = 1 if 6 <= h < 18 else 0
        er = 0 if tr else (2 if 1 <= h < 3 else 1)
        lr = 1 if 20 <= h < 23 else 0
        return tr, er, lr

    @staticmethod
    def split(fast, slow):
        """Cumulative bucket increments for `fast` requests under 250 ms and `slow` above."""
        return (fast * 4 // 10, fast * 7 // 10, fast, fast + slow * 6 // 10, fast + slow * 9 // 10, fast + slow * 98 // 100, fast + slow)

    def bulk(self, n, om_path):
        """Samples 0..n-1 into an OpenMetrics file; returns per-sample totals for the exact ratios."""
        regs = [self.regime(j) for j in range(n)]
        keys = [tr * 3 + er for tr, er, _ in regs]
        ts = [" " + fmt_ts(self.start + OFFSET_MS + j * STEP_MS) + "\n" for j in range(n)]
        tot, err, slow_all = [0] * n, [0] * n, [0] * n
        pod_n = [[0] * n for _ in range(PODS)]
        with open(om_path, "w", buffering=1 << 22) as f:
            f.write("# TYPE http_requests counter\n")
            for s in self.series:
                lab, code, p, rng, tabs, v = s
                rnd, br = rng.random, bisect.bisect_right
                incs = [br(tabs[k], rnd()) for k in keys]
                prefix = "http_requests_total" + lab + " "
                vals = []
                for inc in incs:
                    v += inc
                    vals.append(v)
                f.write("".join([prefix + str(x) + t for x, t in zip(vals, ts)]))
                s[5] = v
                tot = list(map(operator.add, tot, incs))
                pod_n[p] = list(map(operator.add, pod_n[p], incs))
                if code.startswith("5"):
                    err = list(map(operator.add, err, incs))
            f.write("# TYPE http_request_duration_seconds histogram\n")
            for p, pod in enumerate(self.pods):
                lab, rng, buckets, count, total = pod
                rnd = rng.random
                slows = [binomial(rnd, pod_n[p][j], SLOW[regs[j][2]]) for j in range(n)]
                slow_all = list(map(operator.add, slow_all, slows))
                incs = [self.split(m - s, s) for m, s in zip(pod_n[p], slows)]
                for b, le in enumerate(LE):
                    v = buckets[b]
                    prefix = f'http_request_duration_seconds_bucket{{{lab},le="{le}"}} '
                    vals = []
                    for inc in incs:
                        v += inc[b]
                        vals.append(v)
                    f.write("".join([prefix + str(x) + t for x, t in zip(vals, ts)]))
                    buckets[b] = v
                vals = []
                for m in pod_n[p]:
                    count += m
                    vals.append(count)
                f.write("".join([f"http_request_duration_seconds_count{{{lab}}} {x}{t}" for x, t in zip(vals, ts)]))
                vals = []
                for m, s in zip(pod_n[p], slows):
                    total = round(total + 0.06 * (m - s) + 0.7 * s, 3)
                    vals.append(total)
                f.write("".join([f"http_request_duration_seconds_sum{{{lab}}} {x!r}{t}" for x, t in zip(vals, ts)]))
                pod[2:] = [buckets, count, total]
            f.write("# EOF\n")
        self.next_j = n
        return tot, err, slow_all

    def advance(self, now_ms):
        """Continue the workload up to the last sample time <= now (live phase)."""
        target = (now_ms - self.start - OFFSET_MS) // STEP_MS
        while self.next_j <= target:
            tr, er, lr = self.regime(self.next_j)
            key = tr * 3 + er
            pod_n = [0] * PODS
            for s in self.series:
                inc = bisect.bisect_right(s[4][key], s[3].random())
                s[5] += inc
                pod_n[s[2]] += inc
            for p, pod in enumerate(self.pods):
                slow = binomial(pod[1].random, pod_n[p], SLOW[lr])
                inc = self.split(pod_n[p] - slow, slow)
                pod[2] = [b + i for b, i in zip(pod[2], inc)]
                pod[3] += pod_n[p]
                pod[4] = round(pod[4] + 0.06 * (pod_n[p] - slow) + 0.7 * slow, 3)
            self.next_j += 1

    def exposition(self):
        with self.lock:
            self.advance(int(time.time() * 1000))
            out = ["# TYPE http_requests_total counter\n"]
            out += [f"http_requests_total{s[0]} {s[5]}\n" for s in self.series]
            out.append("# TYPE http_request_duration_seconds histogram\n")
            for lab, _, buckets, count, total in self.pods:
                out += [f'http_request_duration_seconds_bucket{{{lab},le="{le}"}} {b}\n' for le, b in zip(LE, buckets)]
                out.append(f"http_request_duration_seconds_count{{{lab}}} {count}\n")
                out.append(f"http_request_duration_seconds_sum{{{lab}}} {total!r}\n")
            return "".join(out).encode()


def serve(workload):
    class H(BaseHTTPRequestHandler):
        def do_GET(self):
            body = workload.exposition()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", free_port()), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


class Exact:
    def __init__(self, start, num, den):
        self.start = start
        self.pn, self.pd = [0], [0]
        for a, b in zip(num, den):
            self.pn.append(self.pn[-1] + a)
            self.pd.append(self.pd[-1] + b)
        self.n = len(num)

    def ratio(self, t_ms, w_s):
        """sum(errors)/sum(total) of the increments of samples in (t-w, t]; sample 0 is the first
        value seen and has no observable increment."""
        hi = min((t_ms - self.start - OFFSET_MS) // STEP_MS, self.n - 1)
        lo = max((t_ms - w_s * 1000 - self.start - OFFSET_MS) // STEP_MS + 1, 1)
        return (self.pn[hi + 1] - self.pn[lo]) / (self.pd[hi + 1] - self.pd[lo])


# ---------------------------------------------------------------------------------------------
# Phases


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0) / 1024 / 1024
    osr = dict(l.rstrip().split("=", 1) for l in open("/etc/os-release") if "=" in l)
    prom = subprocess.run(["prometheus", "--version"], capture_output=True, text=True).stdout.splitlines()[0] if shutil.which("prometheus") else "?"
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock"], capture_output=True, text=True).stdout.strip()
        rev += " (with uncommitted changes under src/)" if dirty else ""
    except OSError:
        rev = "?"
    return {
        "cpu": f"{cpu}, {os.cpu_count()} logical CPUs",
        "memory": f"{mem:.1f} GiB",
        "os": f"{osr.get('PRETTY_NAME', '?').strip(chr(34))}, Linux {platform.release()}",
        "prometheus": prom,
        "python": platform.python_version(),
        "sloforge": rev,
    }


def grid_offset(prom, level1):
    """Timestamp offset (ms within the minute) on which promtool evaluates the backfill group."""
    dry = os.path.join(WORK, "dry")
    shutil.rmtree(dry, ignore_errors=True)
    t = (int(time.time()) // 60 - 240) * 60
    run(["promtool", "tsdb", "create-blocks-from", "rules", f"--start={t}", f"--end={t + 300}", f"--url={prom.url}", f"--output-dir={dry}", "--eval-interval=60s", level1],
        cwd=WORK, capture_output=True)
    os.makedirs(os.path.join(dry, "wal"), exist_ok=True)
    out = run(["promtool", "tsdb", "dump", dry], capture_output=True, text=True).stdout
    ts = [int(l.rsplit(" ", 1)[1]) for l in out.splitlines() if l.startswith('{__name__="slo:sli_events:rate1m"')]
    shutil.rmtree(dry)
    if not ts:
        raise RuntimeError("dry run of the rule backfill wrote no samples")
    offs = {x % 60000 for x in ts}
    if len(offs) != 1:
        raise RuntimeError(f"backfill timestamps not on one grid: {sorted(offs)}")
    return offs.pop()


def move_blocks(src, tsdb):
    n = 0
    for d in sorted(os.listdir(src)):
        if os.path.exists(os.path.join(src, d, "meta.json")):
            shutil.move(os.path.join(src, d), os.path.join(tsdb, d))
            n += 1
    shutil.rmtree(src, ignore_errors=True)
    return n


def eval_times(slo, w_s, start, end):
    """Evaluation timestamps for one window: edges on every kind of step (start edge on the step,
    one minute before and after; end edge on the step and one minute after) and times away from
    any step. Returns [(t_ms, kind)]."""
    steps = STEPS[slo]
    full = w_s >= 30 * 86400
    lo = start + 120_000 if full else start + w_s * 1000 + 120_000  # first t with the whole window inside the data
    if full:
        lo = start + 12 * 3_600_000
    occ = {}
    k0 = 0
    while True:
        base = start + k0 * 86_400_000
        if base > end:
            break
        for h in steps:
            s = base + int(((h - PHASE_H) % 24) * 3_600_000)
            occ.setdefault(h, []).append(s)
        k0 += 1
    out = []

    def pick(cands):
        cands = [c for c in cands if lo <= c[0] <= end]
        if len(cands) <= 2:
            return cands
        return [cands[0], cands[-1]]

    for h, ss in occ.items():
        if not full:
            for d in (-60_000, 0, 60_000):
                out += pick([(s + w_s * 1000 + d, f"start {d // 60000:+d}m of {h:02d}:00") for s in sorted(ss)])
        for d in (0, 60_000):
            out += pick([(s + d, f"end {d // 60000:+d}m of {h:02d}:00") for s in sorted(ss)])
    # Away from steps: both edges at least 10 minutes from any step.
    all_steps = sorted(s for ss in occ.values() for s in ss)

    def near(x):
        i = bisect.bisect_left(all_steps, x)
        return any(abs(all_steps[j] - x) < 600_000 for j in (i - 1, i) if 0 <= j < len(all_steps))

    span = end - lo
    for i in range(6):
        t = lo + (span * (2 * i + 1)) // 12
        t -= (t - start) % 60_000
        for _ in range(200):
            if not near(t) and (full or not near(t - w_s * 1000)):
                break
            t += 7 * 60_000
        if lo <= t <= end:
            out.append((t, "away from steps"))
    out.append((end, "end of data"))
    seen, res = set(), []
    for t, kind in out:
        if t not in seen:
            seen.add(t)
            res.append((t, kind))
    return sorted(res)


def value_of(data, label=None, want=None):
    for r in data["result"]:
        if label is None or r["metric"].get(label) == want:
            return float(r["value"][1])
    return None


def backfill_running_totals(prom, t0, end, path):
    """OpenMetrics of `slo:sli_events:running_total` and `running_since` for every SLO: the
    backfilled one-minute records times 60, summed from the first evaluation at `t0`, added in
    the order and with the operations the rule uses (`rate * 60 + last`)."""
    d = prom.api("/api/v1/query_range", {"query": 'slo:sli_events:rate1m{service="shop"}', "start": t0 / 1000, "end": end / 1000, "step": "60"})
    want = (end - t0) // 60000 + 1
    fam_t, fam_s = [], []
    for r in sorted(d["result"], key=lambda r: (r["metric"]["slo"], r["metric"]["event"])):
        m = r["metric"]
        if len(r["values"]) != want:
            raise RuntimeError(f"{m}: {len(r['values'])} recorded rates, expected {want}")
        total = 0.0
        for ts, v in r["values"]:
            total = float(v) * 60 + total
            fam_t.append(f'slo:sli_events:running_total{{event="{m["event"]}",service="shop",slo="{m["slo"]}"}} {total!r} {ts}')
        if m["event"] == "total":
            fam_s += [f'slo:sli_events:running_since{{service="shop",slo="{m["slo"]}"}} {t0 / 1000!r} {ts}' for ts, _ in r["values"]]
    with open(path, "w") as f:
        f.write("# TYPE slo:sli_events:running_total gauge\n" + "\n".join(fam_t) + "\n")
        f.write("# TYPE slo:sli_events:running_since gauge\n" + "\n".join(fam_s) + "\n# EOF\n")
    return want


def running_continuity(prom, t0, end):
    """After the live phase: the live rules carried the backfilled totals over the gap, and each
    evaluation added exactly its recorded events."""
    g = next(g for g in prom.api("/api/v1/rules")["groups"] if g["name"] == "sloforge-shop-availability")
    t_l = rfc3339_ms(g["lastEvaluation"])
    sel = 'service="shop",slo="availability"'
    since = value_of(prom.query(f"slo:sli_events:running_since{{{sel}}}", t_l))
    now_total = value_of(prom.query(f'slo:sli_events:running_total{{{sel},event="total"}}', t_l))
    then_total = value_of(prom.query(f'slo:sli_events:running_total{{{sel},event="total"}}', end))
    live_sum = value_of(prom.query(f'sum_over_time(slo:sli_events:rate1m{{{sel},event="total"}}[{t_l - end - 1}ms]) * 60', t_l))
    n = int(value_of(prom.query(f'count_over_time(slo:sli_events:rate1m{{{sel},event="total"}}[{t_l - end - 1}ms])', t_l)))
    diff = abs((now_total - then_total) - live_sum) / max(live_sum, 1e-300)
    return {
        "live running totals (availability, `event=\"total\"`)":
            f"`running_since` {'kept' if since == t0 / 1000 else 'did NOT keep'} the backfill's start over the "
            f"{(t_l - end) / 60000:.0f}-minute live phase and its gap; the total grew by "
            f"{now_total - then_total:,.1f} over {n} live evaluations, the sum of their recorded events being "
            f"{live_sum:,.1f} (relative difference {diff:.1e})",
    }


def rfc3339_ms(s):
    """Milliseconds of Prometheus' `lastEvaluation` (RFC 3339 with nanoseconds)."""
    head, _, frac = s.rstrip("Z").partition(".")
    tz = ""
    for sign in "+-":
        if sign in frac:
            frac, tz = frac.split(sign, 1)[0], sign + frac.split(sign, 1)[1]
    dt = datetime.datetime.fromisoformat(head + (tz or "+00:00"))
    return int(dt.timestamp()) * 1000 + int((frac + "000")[:3])


def accuracy(prom, start, end, exact, sf_ratio_expr, sloth_exprs, hours):
    res = {}  # (slo, window) -> list of dicts
    for slo in SLOS:
        cache_sf = {}
        for w, w_s in WINDOWS:
            if w_s < 30 * 86400 and w_s * 1000 > end - start - 180_000:
                continue
            rows = []
            for t, kind in eval_times(slo, w_s, start, end):
                if t not in cache_sf:
                    cache_sf[t] = prom.query(sf_ratio_expr[slo], t)
                sf = value_of(cache_sf[t], "window", w)
                sl = value_of(prom.query(sloth_exprs[(slo, w)], t))
                ex = exact[slo].ratio(t, w_s)
                rows.append({"t": t, "kind": kind, "exact": ex, "sloforge": sf, "sloth": sl})
            res[(slo, w)] = rows
            log(f"accuracy {slo} {w}: {len(rows)} times")
    return res


def rel(v, ex):
    if v is None or ex == 0:
        return None
    return (v - ex) / ex


def live(prom, cycles, timeout_s):
    """Collect (lastEvaluation, evaluationTime) per group until every group has `cycles`
    evaluations after WARMUP ones."""
    seen = {}
    t_end = time.time() + timeout_s
    while time.time() < t_end:
        for g in prom.api("/api/v1/rules")["groups"]:
            if g.get("lastEvaluation", "").startswith("0001"):
                continue
            ev = seen.setdefault(g["name"], [])
            if not ev or ev[-1][0] != g["lastEvaluation"]:
                ev.append((g["lastEvaluation"], g["evaluationTime"], {r.get("name"): r.get("evaluationTime") for r in g["rules"]}))
        if seen and len(seen) >= 8 and all(len(v) >= cycles + WARMUP for v in seen.values()):
            return seen
        time.sleep(3)
    raise RuntimeError(f"live evaluation: not enough cycles within {timeout_s} s: { {k: len(v) for k, v in seen.items()} }")


def rule_costs(prom, reps):
    """Per group: samples loaded and query time of every rule's expression, at the group's last
    evaluation time, `reps` times; returns {group: [(samples, seconds) per repetition]}."""
    groups = prom.api("/api/v1/rules")["groups"]
    out = {}
    for rep in range(reps + 1):
        for g in groups:
            t = g["lastEvaluation"]
            samples, secs = 0, 0.0
            for r in g["rules"]:
                d = prom.api("/api/v1/query", {"query": r["query"], "time": t, "stats": "all"})
                samples += d["stats"]["samples"]["totalQueryableSamples"]
                secs += d["stats"]["timings"]["evalTotalTime"]
            if rep > 0:  # first repetition: warm-up
                out.setdefault(g["name"], []).append((samples, secs))
    return out


# ---------------------------------------------------------------------------------------------
# Report


def pct(x):
    return "n/a" if x is None else f"{x * 100:+.2f} %"


def report(path, info, timings, hours, n_samples, n_series, sf_stats, sl_stats, costs, evals, full_counts, acc, cycles, diag, slokit=None):
    L = []
    a = L.append
    a("## Rule cost and accuracy in a real Prometheus\n")
    a("Regenerate this section with `make bench-prometheus` (or `bench/prom_cost.sh`); it takes about "
      f"{timings['total'] / 60:.0f} minutes on the machine below.\n")
    summary_at = len(L)
    a("### Machine\n")
    for k in ("cpu", "memory", "os", "prometheus", "python", "sloforge"):
        a(f"- {k}: {info[k]}")
    a("")
    a("### Workload and method\n")
    a(f"- Reference workload, generated by `bench/prom_cost.py` (seeded, deterministic): service `shop`, "
      f"{PODS} pods × {len(HANDLERS)} handlers × {len(CODES)} status codes = {PODS * len(HANDLERS) * len(CODES)} request counters "
      f"plus a per-pod latency histogram ({len(LE)} buckets, `_count`, `_sum`: {PODS * (len(LE) + 2)} series); "
      f"{n_series} series, one sample every {STEP_MS // 1000} s for {hours:g} h ({n_samples / 1e6:.1f} M samples), "
      "loaded with `promtool tsdb create-blocks-from openmetrics`.")
    a(f"- Traffic {RPS[1]:g} req/s by day (06:00–18:00 of the synthetic day) and {RPS[0]:g} req/s by night, in steps (10× day/night). "
      f"Server errors (5xx): {ERR[0] * 100:g} % of requests by day, {ERR[1] * 100:g} % by night and {ERR[2] * 100:g} % in a night burst "
      f"01:00–03:00, so the errors are concentrated at night. Requests slower than 250 ms: {SLOW[0] * 100:g} %, "
      f"{SLOW[1] * 100:g} % from 20:00 to 23:00. Event counts are Poisson draws per series and sample.")
    a("- SLOs (`bench/shop.yaml`): availability 99.9 % over 30d (ratio of 5xx to all requests, four alert tiers) and "
      "latency 99 % over 30d (requests above the 250 ms bucket). sloforge's rules come from `sloforge generate`; the "
      "Sloth-shaped rules of the same SLOs are written by the bench from Sloth's documented output shape: per window "
      "5m…3d `slo:sli_error:ratio_rate<w>` = `sum(rate(errors[w])) / sum(rate(total[w]))`, the 30d ratio the mean of "
      "the recorded 5m ratios, the meta recordings and the page/ticket alerts.")
    a("- Prometheus evaluates a rule group on a grid offset by a hash of the group; scrapes land on their own grid. "
      f"The data is placed so that every scrape is {OFFSET_MS // 1000} s after a grid point, never on one, as on a real server.")
    a("- Accuracy: the series other rules read over ranges (sloforge's `slo:sli_events:rate1m`, Sloth's "
      "`slo:sli_error:ratio_rate5m`) are backfilled over the whole range with `promtool tsdb create-blocks-from rules` "
      "(one pass: they read only raw series). sloforge's running totals (`slo:sli_events:running_total`, "
      "`running_since`) read their own last value, which a one-pass backfill cannot evaluate: the bench writes them "
      "as the rule computes them when no evaluation is missed — each backfilled one-minute record times 60 added to "
      "the previous total, from the first evaluation — and loads them with `promtool tsdb create-blocks-from "
      "openmetrics`; the live phase below then runs the rule itself on top of them (see the observations). "
      "The window ratios are instant queries of the rules' own expressions on the backfill's evaluation timestamps — "
      "the value the rule records there. (Backfilling Sloth's 1d and 3d "
      "ratios for every minute of 3.5 days would re-read the raw counters for each of 5,000 steps; the instant "
      "query at the measured times is the same computation.) The exact ratio is Σerrors/Σtotal of the generator's own "
      "increments of the samples in (t−w, t].")
    a("- Evaluation times: window edges on every step of the workload (start edge one minute before, on and one "
      "minute after the step; end edge on and one minute after), plus times with both edges at least 10 minutes from "
      "any step, and the end of the data. 'Full' is the 30d SLO window, which covers all the data.")
    a(f"- Cost: Prometheus then evaluates both rule files live, scraping the workload's continuation from a loopback "
      f"exporter every 15 s, with the backfilled data behind it. Group evaluation time: `evaluationTime` of "
      f"`/api/v1/rules`, median of {cycles} cycles after {WARMUP} warm-up cycles (per SLO: the sum of its groups "
      f"in each cycle). Both rule files run in the same Prometheus, side by side; the load average of the shared "
      f"machine was {timings.get('load', '?')} during the live phase. Samples per evaluation cycle: every rule's "
      f"expression queried with `stats=all` at the group's last evaluation time, `totalQueryableSamples` summed over "
      f"the rules of the SLO (median of 5 repetitions after a warm-up; the count is deterministic). The live data has "
      f"a gap of {timings['gap'] / 60:.0f} minutes between the end of the backfill and the first live scrape "
      f"({timings['gap'] / 36 / hours:.1f} % of the range).")
    a("")

    a("### Cost per SLO and evaluation cycle\n")
    a("| SLO | rule set | rules | bytes (recording + alerting rules) | samples loaded / cycle | query time / cycle, ms (range) | group evaluation time, ms (range) |")
    a("|---|---|---:|---:|---:|---:|---:|")
    summary = {}
    for slo in SLOS:
        for rs, stats in (("sloforge", sf_stats), ("Sloth-shaped", sl_stats)):
            gs = [g for g in costs if (slo in g) and ((g.startswith("sloforge")) == (rs == "sloforge"))]
            samples = sum(statistics.median(s for s, _ in costs[g]) for g in gs)
            q = [sum(costs[g][i][1] for g in gs) * 1000 for i in range(min(len(costs[g]) for g in gs))]
            e = [sum(evals[g][WARMUP + i][1] for g in gs) * 1000 for i in range(cycles)]
            summary[(slo, rs)] = (samples, statistics.median(q), statistics.median(e))
            r, b, br, ba = stats[slo]
            a(f"| {slo} | {rs} | {r} | {b:,} ({br:,} + {ba:,}) | {samples:,.0f} | {statistics.median(q):.1f} ({min(q):.1f}–{max(q):.1f}) "
              f"| {statistics.median(e):.1f} ({min(e):.1f}–{max(e):.1f}) |")
    a("")
    for slo in SLOS:
        s1, q1, e1 = summary[(slo, "sloforge")]
        s2, q2, e2 = summary[(slo, "Sloth-shaped")]
        a(f"- {slo}: sloforge loads 1/{s2 / s1:,.0f} of the samples of the Sloth-shaped rules per cycle "
          f"({s1:,.0f} vs {s2:,.0f}); group evaluation {e2 / e1:,.0f}× faster ({e1:.1f} ms vs {e2:.1f} ms).")
    a("")
    if slokit:
        st = slokit["stats"]
        n_rec = len(slokit["same"]) + len(slokit["differ"])
        a(f"- {slokit['version']} (`slokit generate -i bench/shop.sloth.yaml`, the same SLOs in Sloth's format) writes "
          + ", ".join(f"{st[slo][0]} rules and {st[slo][1]:,} bytes for {slo}" for slo in SLOS if slo in st)
          + f". Its recording rules and the measured Sloth-shaped ones: {len(slokit['same'])} of {n_rec} with the same "
          "expression (ignoring whitespace and `ignoring (sloth_window)`)"
          + (f"; different: {', '.join(slokit['differ'])}" if slokit["differ"] else "")
          + (" (constants, no reads)" if slokit["differ"] and slokit.get("differ_all_constant") else "")
          + (f"; only in slokit's: {', '.join(slokit['only_slokit'])}" if slokit["only_slokit"] else "")
          + (f"; only in the measured set: {', '.join(slokit['only_bench'])}" if slokit["only_bench"] else "")
          + ". Its SLI rules read the same series over the same ranges, so the samples per cycle measured above "
          "apply to it; it was not evaluated separately.")
    sf_full, sl_full = full_counts
    a("- Samples per cycle grow with the number of raw series for the Sloth-shaped rules (every window re-reads them: "
      "the availability SLO reads 600 series, the latency SLO 40), while sloforge's are nearly fixed per SLO: its "
      "only raw read is one minute of each series; windows up to 6h sum the two recorded one-minute series, longer "
      "windows subtract from the running total the last one before the window's start (found within the 6h bridge, "
      "so that a gap in evaluation there is bridged: at most one sample per minute of the bridge per series, "
      "whatever the window), and carrying the totals over costs one sample per minute of the bridge.")
    for slo in SLOS:
        s1, s2 = summary[(slo, "sloforge")][0], summary[(slo, "Sloth-shaped")][0]
        f2 = 2 * (30 * 1440 + 1 - sl_full)
        # sloforge's full-window ratio looks up the totals (errors, total) before its start, one bridge of samples
        # each; with 3.5 days of data that range is still empty.
        f1 = 2 * 360
        a(f"- {slo}, projected to a full 30 days of history (not measured): the Sloth-shaped full-window ratio reads the "
          f"recorded 5m ratio series twice, one sample per minute of the window ({sl_full:,} here), so about "
          f"{s2 + f2:,.0f} samples per cycle with 30 days; sloforge's full-window ratio then also finds the two totals "
          f"before its start (one bridge, 360 samples, each; its other windows read no more with a longer history), "
          f"so about {s1 + f1:,.0f} (1/{(s2 + f2) / (s1 + f1):,.0f}).")
    a("")

    a("### Error ratio at the end of the data\n")
    a("| SLO | window | exact Σerrors/Σtotal | sloforge | error | Sloth-shaped | error |")
    a("|---|---|---:|---:|---:|---:|---:|")
    for slo in SLOS:
        for w in ("1d", "3d", "30d"):
            rows = acc.get((slo, w))
            if not rows:
                continue
            r = rows[-1]
            name = "full (30d)" if w == "30d" else w
            a(f"| {slo} | {name} | {r['exact']:.6f} | {r['sloforge']:.6f} | {pct(rel(r['sloforge'], r['exact']))} | {r['sloth']:.6f} | {pct(rel(r['sloth'], r['exact']))} |")
    a("")

    a("### Largest error against the exact ratio, per window\n")
    a("Largest |relative error| over the evaluation times of each kind (number of times in brackets); "
      "target: ≤ 1 % for every window, edges included.\n")
    a("| SLO | window | sloforge, edge on a step | sloforge, away from steps | Sloth-shaped, edge on a step | Sloth-shaped, away from steps |")
    a("|---|---|---:|---:|---:|---:|")
    worst = []
    for slo in SLOS:
        for w, _ in WINDOWS:
            rows = acc.get((slo, w))
            if not rows:
                continue
            cells = []
            for rs in ("sloforge", "sloth"):
                for edge in (True, False):
                    rr = [r for r in rows if (r["kind"] not in ("away from steps", "end of data")) == edge]
                    errs = [abs(rel(r[rs], r["exact"])) for r in rr if rel(r[rs], r["exact"]) is not None]
                    cells.append(f"{max(errs) * 100:.2f} % ({len(errs)})" if errs else "–")
                    if errs and edge:
                        r = max(rr, key=lambda r: abs(rel(r[rs], r["exact"]) or 0))
                        worst.append((slo, w, rs, r))
            a(f"| {slo} | {'full (30d)' if w == '30d' else w} | " + " | ".join(cells) + " |")
    a("")
    a("Worst edge case per window and rule set (time relative to the step of the synthetic day):\n")
    a("| SLO | window | rule set | where | exact | measured | error |")
    a("|---|---|---|---|---:|---:|---:|")
    for slo, w, rs, r in worst:
        a(f"| {slo} | {w} | {'sloforge' if rs == 'sloforge' else 'Sloth-shaped'} | {r['kind']} | {r['exact']:.6f} | {r[rs]:.6f} | {pct(rel(r[rs], r['exact']))} |")
    a("")

    a("### Observations that explain the errors\n")
    for k, v in diag.items():
        a(f"- {k}: {v}.")
    a("- Sloth-shaped windows: `rate()` over the raw counters counts the increments from the first sample inside "
      "the window and extrapolates them to the window's length, so the increment that straddles the start of the "
      "window is replaced by the window's average; next to a 10× step that is visible on the short windows.")
    a("- Sloth-shaped full window: the mean of the recorded 5m ratios weighs every 5 minutes alike, so the night "
      "(a tenth of the traffic, ten times the error ratio) counts as much as the day.")
    a("")
    a("### Targets\n")
    parts = []
    for slo in SLOS:
        r = summary[(slo, "Sloth-shaped")][0] / summary[(slo, "sloforge")][0]
        parts.append(f"{slo} 1/{r:,.0f} ({'met' if r >= 250 else 'MISSED'})")
    a("- Samples per SLO and cycle ≤ 1/250 of the Sloth-shaped rules on the reference workload: " + ", ".join(parts) + ".")
    b, ba = sf_stats["availability"][1], sf_stats["availability"][3]
    a(f"- Output ≤ 3 KB per ratio SLO with four tiers: {b:,} bytes — {'met' if b <= 3072 else 'MISSED'}."
      + ("" if b <= 3072 else f' Most of it is the four alerts ({ba:,} bytes, {ba / 3072:.0%} of 3 KB on their own; half of that their annotations: exact thresholds, budget spent, runbook and dashboard links) and the eight-window ratio rule. Below 3 KB would take recording and alerting rules shared by all SLOs, which loses the per-SLO alert names and annotation templates and the one group per SLO that Mimir and Cortex rulers shard on; recording the window counts instead (shorter text) would add 16 series per SLO, which costs Prometheus more than the bytes.'))
    sf_max = max((abs(rel(r["sloforge"], r["exact"]) or 0) for rows in acc.values() for r in rows), default=0)
    sl_max = max((abs(rel(r["sloth"], r["exact"]) or 0) for rows in acc.values() for r in rows), default=0)
    a(f"- Error vs exact ≤ 1 % for every window 30m…full, edges included: sloforge's largest error "
      f"{sf_max * 100:.2f} % — {'met' if sf_max <= 0.01 else 'MISSED'}; Sloth-shaped {sl_max * 100:.2f} %.")
    a("")
    # Summary, written where summary_at points.
    S = []
    for slo in SLOS:
        s1, q1, e1 = summary[(slo, "sloforge")]
        s2, q2, e2 = summary[(slo, "Sloth-shaped")]
        S.append(f"- {slo}: {s1:,.0f} samples loaded per evaluation cycle for sloforge's rules, {s2:,.0f} for the "
                 f"Sloth-shaped ones (1/{s2 / s1:,.0f}); group evaluation {e1:.0f} ms vs {e2:,.0f} ms; "
                 f"{sf_stats[slo][0]} rules and {sf_stats[slo][1]:,} bytes vs {sl_stats[slo][0]} rules and {sl_stats[slo][1]:,} bytes.")
    for slo in SLOS:
        per = []
        for w, _ in WINDOWS:
            rows = acc.get((slo, w))
            if rows:
                m1 = max(abs(rel(r["sloforge"], r["exact"]) or 0) for r in rows)
                m2 = max(abs(rel(r["sloth"], r["exact"]) or 0) for r in rows)
                per.append(f"{'full' if w == '30d' else w} {m1 * 100:.1f} % / {m2 * 100:.1f} %")
        S.append(f"- {slo}, largest error against the exact ratio, sloforge / Sloth-shaped: " + ", ".join(per) + ".")
    L[summary_at:summary_at] = ["### Summary\n"] + S + [""]

    a("### Run\n")
    a("| phase | seconds |")
    a("|---|---:|")
    for k, v in timings.items():
        if k not in ("total", "gap", "load"):
            a(f"| {k} | {v:.0f} |")
    a(f"| total | {timings['total']:.0f} |")
    a("")
    with open(path, "w") as f:
        f.write("\n".join(L))


# ---------------------------------------------------------------------------------------------


def render(raw, out):
    acc = {tuple(k.split(" ", 1)): v for k, v in raw["accuracy"].items()}
    rules = {rs: {k: tuple(v) for k, v in st.items()} for rs, st in raw["rules"].items()}
    report(out, raw["machine"], raw["timings"], raw["hours"], raw["samples_per_series"] * raw["series"], raw["series"],
           rules["sloforge"], rules["sloth"], raw["costs"], raw["evaluations"], tuple(raw["full_window_samples"]), acc,
           raw["cycles"], raw["observations"], raw.get("slokit"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=84, help="hours of backfilled data (default 84 = 3.5 days)")
    ap.add_argument("--cycles", type=int, default=5, help="live evaluation cycles measured after the warm-up one")
    ap.add_argument("--out", default=os.path.join(HERE, "RESULTS-prometheus.md"))
    ap.add_argument("--json", default=os.path.join(HERE, "scratch", "prom_cost.json"), help="raw figures")
    ap.add_argument("--keep", action="store_true", help="keep bench/scratch/prom (TSDB, logs)")
    ap.add_argument("--from-json", metavar="FILE", help="only write the report from the raw figures of an earlier run")
    args = ap.parse_args()
    if args.from_json:
        with open(args.from_json) as f:
            raw = json.load(f)
        if raw.get("slokit") is None:
            raw["slokit"] = slokit_compare(sloth_rules("storefront")[0], os.path.join(HERE, "scratch", "slokit"))
            shutil.rmtree(os.path.join(HERE, "scratch", "slokit"), ignore_errors=True)
            with open(args.from_json, "w") as f:
                json.dump(raw, f, indent=1)
        render(raw, args.out)
        return

    atexit.register(stop_all)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    t_all = time.time()
    timings = {}
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    info = machine()

    # 1. rules
    t = time.time()
    run([SLOFORGE, "generate", SPEC, "-o", os.path.join(WORK, "sloforge"), "--no-tests"], capture_output=True)
    sf_file = os.path.join(WORK, "sloforge", "rules", "shop.rules.yaml")
    sf_text = open(sf_file).read()
    sf_groups = split_items(sf_text)
    sf_ratio_expr, level1_items = {}, []
    for name, _, items in sf_groups:
        slo = name.rsplit("-", 1)[1]
        for it in items:
            if it.startswith("  - record: slo:sli_events:rate1m\n"):
                level1_items.append(it)
            if it.startswith("  - record: slo:sli_error:ratio\n"):
                sf_ratio_expr[slo] = item_field(it, "expr")
    assert set(sf_ratio_expr) == set(SLOS) and len(level1_items) == 2, "unexpected sloforge rule shape"
    team = "storefront"
    sl_text, sloth_exprs = sloth_rules(team)
    sl_file = os.path.join(WORK, "sloth.rules.yaml")
    open(sl_file, "w").write(sl_text)
    sl_items = [it for _, _, items in split_items(sl_text) for it in items if it.startswith("  - record: slo:sli_error:ratio_rate5m\n")]
    level1 = "level1.rules.yaml"
    with open(os.path.join(WORK, level1), "w") as f:
        f.write("groups:\n- name: bench-level1\n  interval: 1m\n  rules:\n" + "".join(level1_items + sl_items))
    run(["promtool", "check", "rules", sf_file, sl_file, os.path.join(WORK, level1)], capture_output=True)
    slokit = slokit_compare(sl_text, WORK)
    sf_stats = rule_stats(sf_text, lambda g: g.rsplit("-", 1)[1] if g.startswith("sloforge-shop-") else None)
    sl_stats = rule_stats(sl_text, lambda g: g.rsplit("-", 1)[1])
    timings["rules"] = time.time() - t

    tsdb = os.path.join(WORK, "tsdb")
    os.makedirs(tsdb)
    cfg_plain = os.path.join(WORK, "plain.yml")
    open(cfg_plain, "w").write("global:\n  scrape_interval: 15s\n  evaluation_interval: 1m\n")
    prom = Prometheus("prometheus", tsdb, cfg_plain)

    # 2. grid
    t = time.time()
    prom.start()
    off = grid_offset(prom, level1)
    prom.stop()
    now = int(time.time() * 1000)
    end = (now // 60000) * 60000 - 60000 + off
    if end > now:
        end -= 60000
    start = end - int(args.hours * 3_600_000)
    n = (end - start - OFFSET_MS) // STEP_MS + 1
    timings["grid"] = time.time() - t
    log(f"grid offset {off} ms; data {fmt_ts(start)} .. {fmt_ts(end)}, {n} samples per series")

    # 3. data
    t = time.time()
    wl = Workload(start)
    om = os.path.join(WORK, "raw.om")
    tot, err, slow = wl.bulk(n, om)
    exact = {"availability": Exact(start, err, tot), "latency": Exact(start, slow, tot)}
    n_series = len(wl.series) + PODS * (len(LE) + 2)
    timings["generate OpenMetrics"] = time.time() - t
    log(f"OpenMetrics: {os.path.getsize(om) / 1e6:.0f} MB in {timings['generate OpenMetrics']:.0f} s")
    t = time.time()
    blocks = os.path.join(WORK, "raw-blocks")
    run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=100000h", "--quiet", om, blocks])
    os.remove(om)
    move_blocks(blocks, tsdb)
    timings["promtool openmetrics"] = time.time() - t

    # 4. backfill of the range-read recordings
    t = time.time()
    prom.start()
    rb = os.path.join(WORK, "rule-blocks")
    run(["promtool", "tsdb", "create-blocks-from", "rules", "--max-block-duration=200h", f"--start={fmt_ts(start)}", f"--end={end // 1000 + 1}",
         f"--url={prom.url}", f"--output-dir={rb}", "--eval-interval=60s", level1], cwd=WORK, capture_output=True)
    prom.stop()
    move_blocks(rb, tsdb)
    timings["promtool rules backfill"] = time.time() - t

    # 4b. the running totals: what their rules record over the backfilled rates when no
    # evaluation is missed (they read their own last value, which a one-pass backfill cannot)
    t = time.time()
    prom.start()
    t0 = start + (off - start) % 60000
    running_om = os.path.join(WORK, "running.om")
    n_running = backfill_running_totals(prom, t0, end, running_om)
    prom.stop()
    rb = os.path.join(WORK, "running-blocks")
    run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=100000h", "--quiet", running_om, rb])
    move_blocks(rb, tsdb)
    timings["running totals backfill"] = time.time() - t
    log(f"running totals: {n_running} samples per series from {fmt_ts(t0)}")

    # 5. accuracy
    t = time.time()
    prom.start()
    chk = prom.query('timestamp(slo:sli_events:rate1m{service="shop",slo="availability",event="total"})', end)
    assert abs(value_of(chk) * 1000 - end) < 1, f"backfill grid mismatch: {chk}"
    chk = prom.query('timestamp(slo:sli_events:running_total{service="shop",slo="availability",event="total"})', end)
    assert abs(value_of(chk) * 1000 - end) < 1, f"running totals grid mismatch: {chk}"
    acc = accuracy(prom, start, end, exact, sf_ratio_expr, sloth_exprs, args.hours)
    sf_full = int(value_of(prom.query('count_over_time(slo:sli_events:rate1m{service="shop",slo="availability",event="total"}[30d])', end)))
    sl_full = int(value_of(prom.query('count_over_time(slo:sli_error:ratio_rate5m{sloth_id="shop-availability"}[30d])', end)))
    one = 'http_requests_total{job="shop",instance="10.1.0.11:8080",handler="/api/cart",code="200"}'
    raw_1m = int(value_of(prom.query(f"count_over_time({one}[1m])", end)))
    rec_30m = int(value_of(prom.query('count_over_time(slo:sli_events:rate1m{service="shop",slo="availability",event="total"}[30m])', end)))
    diag = {
        "raw samples of one counter in `[1m]` at an evaluation timestamp (sloforge's `rate(...[1m])`)":
            f"{raw_1m}, so {raw_1m - 1} of the {60000 // STEP_MS} increments of the minute; the rate is extrapolated to the "
            "minute, and the increment between the last sample before the window and the first one inside it is "
            "counted by no evaluation",
        "recorded `slo:sli_events:rate1m` samples in sloforge's `[30m]` window at an evaluation timestamp":
            f"{rec_30m} (a Prometheus 2 range includes both ends and the records lie on the evaluation grid, so the "
            "window sums one minute more than its length: the minute before its start)",
    }
    # Let Prometheus merge the overlapping backfilled blocks now, not during the live measurement.
    for _ in range(60):
        if (prom.metric("prometheus_tsdb_vertical_compactions_total") or 0) >= 1 and (prom.metric("prometheus_tsdb_blocks_loaded") or 9) <= 2:
            break
        time.sleep(5)
    prom.stop()
    timings["accuracy queries"] = time.time() - t

    # 6. live
    t = time.time()
    srv = serve(wl)
    cfg_live = os.path.join(WORK, "live.yml")
    open(cfg_live, "w").write(
        "global:\n  scrape_interval: 15s\n  evaluation_interval: 1m\n"
        f"rule_files:\n  - {sf_file}\n  - {sl_file}\n"
        "scrape_configs:\n  - job_name: shop\n    honor_labels: true\n"
        f"    static_configs:\n      - targets: ['127.0.0.1:{srv.server_address[1]}']\n"
    )
    prom.config = cfg_live
    prom.start()
    timings["gap"] = (time.time() * 1000 - end) / 1000
    load0 = open("/proc/loadavg").read().split()[0]
    evals = live(prom, args.cycles, (args.cycles + WARMUP) * 60 + 240)
    timings["load"] = f"{load0}–{open('/proc/loadavg').read().split()[0]} (1-minute average at its start and end) on {os.cpu_count()} CPUs"
    costs = rule_costs(prom, 5)
    diag.update(running_continuity(prom, t0, end))
    prom.stop()
    srv.shutdown()
    timings["live evaluation"] = time.time() - t
    timings["total"] = time.time() - t_all

    raw = {
        "machine": info, "timings": timings, "grid_offset_ms": off, "start_ms": start, "end_ms": end,
        "rules": {"sloforge": sf_stats, "sloth": sl_stats},
        "costs": costs, "evaluations": evals,
        "accuracy": {f"{k[0]} {k[1]}": v for k, v in acc.items()},
        "full_window_samples": [sf_full, sl_full], "observations": diag,
        "hours": args.hours, "samples_per_series": n, "series": n_series, "cycles": args.cycles,
        "slokit": slokit,
    }
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(raw, f, indent=1)
    render(raw, args.out)
    log(f"wrote {args.out} in {timings['total']:.0f} s")
    if not args.keep:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
