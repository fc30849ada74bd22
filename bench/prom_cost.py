#!/usr/bin/env python3
"""Rule cost and accuracy in a real Prometheus: the rules sloforge generates beside the rules
Sloth generates for the same SLOs, on a synthetic reference workload (loopback only).

Phases (all data under bench/scratch/prom, deleted at the end unless --keep):
  1. rules: `sloforge generate bench/shop.yaml` and `sloth generate -i bench/shop.sloth.yaml`;
     Prometheus loads both files once to report their groups, intervals and expressions.
  2. grid: a dry run of the rule backfill tells on which timestamps each rule group evaluates
     (Prometheus offsets every group by a hash of its file and name); the workload is placed
     relative to the grid of sloforge's first group.
  3. data: 20 pods x 5 handlers x 4 codes request counters and a per-pod latency histogram at a
     15 s resolution over 31 days, streamed into OpenMetrics files a few days at a time and turned
     into blocks by promtool.
  4. backfill: every recorded series that the measured window ratios read, level by level (a
     level reads only raw series or the levels below it), by `promtool tsdb create-blocks-from
     rules` over the whole range, each group on its own interval and evaluation grid.
  5. accuracy: every window's error ratio of both rule sets, by instant queries of the rules' own
     expressions at evaluation timestamps (at window edges on traffic and error-ratio steps and in
     between), against the exact sum(errors)/sum(total) of the generator's own increments.
  6. live: Prometheus evaluates both rule files, scraping the workload's continuation from an
     exporter on loopback; group evaluation times from prometheus_rule_group_last_duration_seconds,
     then the samples every rule loads, from query statistics (stats=all).
The report goes to bench/RESULTS-prometheus.md (or --out).

With --group-by LABEL (`instance`: 20 groups, one per pod), both SLOs of both rule sets are grouped by that label
(sloforge's `group_by`, Sloth's queries `sum by (instance) (…)`), the accuracy phase is left out, and
the cost table goes to bench/RESULTS-prometheus-groups.md. With --calendar PERIOD:ZONE (`month:America/New_York`),
sloforge's SLOs use that calendar window instead of the rolling 30d (Sloth's stay rolling: it has no calendar
windows), the accuracy phase is left out, and the cost table goes to bench/RESULTS-prometheus-calendar.md.

Only the Python standard library; prometheus, promtool and sloth from PATH (`make tools`).
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
SLOTH_SPEC = os.path.join(HERE, "shop.sloth.yaml")
SLOFORGE = os.path.join(ROOT, "target", "release", "sloforge")
TOOLS = ("prometheus", "promtool", "sloth")

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
SLOS = tuple(STEPS)
WINDOWS = (("5m", 300), ("30m", 1800), ("1h", 3600), ("2h", 7200), ("6h", 21600), ("1d", 86400), ("3d", 259200), ("30d", 2592000))
CHUNK_H = 96  # hours of workload per OpenMetrics file

WARMUP = 1  # live evaluation cycles dropped before the measured ones
PROCS = []
SLOTH_NAME = "Sloth"  # completed with the version read from the binary


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


def fmt_dur(ms):
    """A Prometheus duration: 1h, 1m, 30s, 250ms."""
    for unit, n in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms % n == 0:
            return f"{ms // n}{unit}"
    return f"{ms}ms"


def go_module_version(binary, module):
    """The version of `module` recorded in a Go binary's build information (what `go version -m`
    prints), without Go: `sloth version` of a `go install` build says only `dev`."""
    with open(binary, "rb") as f:
        data = f.read()
    m = re.search(rb"\nmod\t" + re.escape(module.encode()) + rb"\t(v[^\t\n]+)", data)
    return m.group(1).decode() if m else None


# ---------------------------------------------------------------------------------------------
# Rules


def split_items(text):
    """Groups of a rule file as [(name, header_text, [rule item text])] (block-style YAML as both
    generators write it)."""
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


def slo_of_group(name):
    m = re.search(r"-(" + "|".join(SLOS) + r")(?:-|$)", name)
    return m.group(1) if m else None


def rule_stats(text):
    """Per SLO of a rule file: rules, bytes, bytes of recording rules, bytes of alerting rules, and
    the intervals of its groups."""
    stats = {}
    for name, header, items in split_items(text):
        slo = slo_of_group(name)
        if slo is None:
            continue
        s = stats.setdefault(slo, {"rules": 0, "bytes": 0, "recording": 0, "alerting": 0, "recording rules": 0, "alerting rules": 0, "groups": 0})
        rec = [i for i in items if i.startswith("  - record:")]
        al = [i for i in items if i.startswith("  - alert:")]
        s["rules"] += len(items)
        s["recording rules"] += len(rec)
        s["alerting rules"] += len(al)
        s["groups"] += 1
        s["recording"] += sum(len(i.encode()) for i in rec)
        s["alerting"] += sum(len(i.encode()) for i in al)
        s["bytes"] += len(header.encode()) + sum(len(i.encode()) for i in items)
    return stats


NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


class RuleSet:
    """The groups of one generated rule file as Prometheus loaded them (/api/v1/rules)."""

    def __init__(self, tool, path, groups):
        self.tool, self.path = tool, path
        self.groups = []
        for g in groups:
            self.groups.append({
                "name": g["name"],
                "interval_ms": int(round(g["interval"] * 1000)),
                "slo": slo_of_group(g["name"]),
                "rules": [{"type": r["type"], "name": r["name"], "query": r["query"], "labels": r.get("labels") or {}} for r in g["rules"]],
            })
        self.recorded = {r["name"] for g in self.groups for r in g["rules"] if r["type"] == "recording"}

    def reads(self, query):
        return {t for t in NAME.findall(query) if t in self.recorded}

    def levels(self, roots, also=()):
        """The recorded names that `roots` (rule names) read, directly or not, and the recorded
        names `also` with what they read, by level: level 1 reads only raw series, level k also
        the levels below it."""
        deps = {}
        for g in self.groups:
            for r in g["rules"]:
                if r["type"] == "recording":
                    deps.setdefault(r["name"], set()).update(self.reads(r["query"]))
        need, todo = set(), [d for r in roots for d in deps.get(r, ())] + [n for n in also if n in deps]
        while todo:
            n = todo.pop()
            if n not in need:
                need.add(n)
                todo += deps[n]
        # A series that reads its own earlier values cannot be backfilled by one pass of promtool:
        # it is left out (and named in the report).
        self.stateful = sorted(n for n in need if self._cyclic(n, deps))
        need -= set(self.stateful)
        level = {}

        def lv(n):
            if n not in level:
                level[n] = 1 + max((lv(d) for d in deps[n] if d in need), default=0)
            return level[n]

        for n in need:
            lv(n)
        out = [set() for _ in range(max(level.values(), default=0))]
        for n in need:
            out[level[n] - 1].add(n)
        return out

    @staticmethod
    def _cyclic(n, deps):
        seen, todo = set(), list(deps[n])
        while todo:
            d = todo.pop()
            if d == n:
                return True
            if d not in seen:
                seen.add(d)
                todo += deps.get(d, ())
        return False

    def text_of(self, keep):
        """A rule file of the groups' recording rules that `keep(group, rule)` selects, each group
        with its name and interval (which fix its evaluation grid)."""
        out = []
        for g in self.groups:
            rules = [r for r in g["rules"] if keep(g, r)]
            if not rules:
                continue
            out.append(f"- name: {json.dumps(g['name'])}\n  interval: {fmt_dur(g['interval_ms'])}\n  rules:\n")
            for r in rules:
                out.append(f"  - record: {json.dumps(r['name'])}\n    expr: {json.dumps(r['query'])}\n")
                if r["labels"]:
                    out.append("    labels:\n" + "".join(f"      {json.dumps(k)}: {json.dumps(v)}\n" for k, v in sorted(r["labels"].items())))
        return "groups:\n" + "".join(out) if out else None


def grid_text(rs):
    """One constant recording rule per group of `rs`, in groups of the same names and intervals:
    what promtool records for it tells the group's evaluation timestamps."""
    out = []
    for g in rs.groups:
        out.append(f"- name: {json.dumps(g['name'])}\n  interval: {fmt_dur(g['interval_ms'])}\n  rules:\n"
                   f"  - record: bench_grid\n    expr: vector(1)\n    labels:\n      bench_group: {json.dumps(g['name'])}\n")
    return "groups:\n" + "".join(out)


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
            # The backfilled history is older than the default 15 days.
            "--storage.tsdb.retention.time=90d",
            # Keep the backfilled blocks as they are: merging the overlapping raw and recorded
            # blocks would rewrite the whole month of data during the measurements.
            "--no-storage.tsdb.allow-overlapping-compaction",
        ]
        self.proc = subprocess.Popen(cmd, stdout=self.logf, stderr=subprocess.STDOUT, start_new_session=True)
        PROCS.append(self.proc)
        for _ in range(1500):
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited ({self.proc.returncode}); see {self.logf.name}")
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("prometheus not ready after 300 s")

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
        p = {"query": expr, "time": fmt_ts(t_ms) if isinstance(t_ms, int) else t_ms}
        if stats:
            p["stats"] = "all"
        return self.api("/api/v1/query", p)

    def metrics(self):
        with urllib.request.urlopen(self.url + "/metrics", timeout=10) as r:
            return r.read().decode()

    def metric(self, name):
        for line in self.metrics().splitlines():
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

    def bulk(self, j0, j1, om_path):
        """Samples j0..j1-1 into an OpenMetrics file (after those before j0); returns the
        per-sample totals for the exact ratios."""
        assert j0 == self.next_j
        n = j1 - j0
        regs = [self.regime(j) for j in range(j0, j1)]
        keys = [tr * 3 + er for tr, er, _ in regs]
        ts = [" " + fmt_ts(self.start + OFFSET_MS + j * STEP_MS) + "\n" for j in range(j0, j1)]
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
        self.next_j = j1
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


def machine(sloth_version):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0) / 1024 / 1024
    osr = dict(l.rstrip().split("=", 1) for l in open("/etc/os-release") if "=" in l)
    prom = subprocess.run(["prometheus", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
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
        "sloth": f"{sloth_version} (github.com/slok/sloth, built with `go install`; the rules it writes say `sloth_version: dev`)",
        "python": platform.python_version(),
        "sloforge": rev,
    }


def dump_samples(block_dir):
    """(labels, timestamp ms) of every sample in a directory of blocks."""
    os.makedirs(os.path.join(block_dir, "wal"), exist_ok=True)
    out = run(["promtool", "tsdb", "dump", block_dir], capture_output=True, text=True).stdout
    res = []
    for line in out.splitlines():
        if not line.startswith("{"):
            continue
        labels, _, rest = line.rpartition("}")
        lab = dict(re.findall(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"', labels))
        res.append((lab, int(rest.split()[-1])))
    return res


def grids(prom, sets):
    """Evaluation offset (ms into the group's interval) of every group of every rule set, from a
    dry run of the rule backfill on the groups' own files and names."""
    dry = os.path.join(WORK, "dry")
    shutil.rmtree(dry, ignore_errors=True)
    t = (int(time.time()) // 3600 - 8) * 3600
    for rs in sets:
        with open(rs.path, "w") as f:
            f.write(grid_text(rs))
    run(["promtool", "tsdb", "create-blocks-from", "rules", f"--start={t}", f"--end={t + 3 * 3600}", f"--url={prom.url}",
         f"--output-dir={dry}", "--eval-interval=60s"] + [rs.path for rs in sets], capture_output=True)
    by_group = {}
    for lab, ts in dump_samples(dry):
        by_group.setdefault(lab.get("bench_group"), set()).add(ts)
    shutil.rmtree(dry)
    out = {}
    for rs in sets:
        for g in rs.groups:
            ts = by_group.get(g["name"])
            if not ts:
                raise RuntimeError(f"dry run of the rule backfill wrote nothing for group {g['name']}")
            offs = {x % g["interval_ms"] for x in ts}
            if len(offs) != 1:
                raise RuntimeError(f"group {g['name']}: backfill timestamps not on one grid: {sorted(offs)}")
            out[(rs.tool, g["name"])] = offs.pop()
    return out


def move_blocks(src, tsdb):
    n = 0
    for d in sorted(os.listdir(src)):
        if os.path.exists(os.path.join(src, d, "meta.json")):
            shutil.move(os.path.join(src, d), os.path.join(tsdb, d))
            n += 1
    shutil.rmtree(src, ignore_errors=True)
    return n


def last_on_grid(t_ms, offset, interval_ms):
    """The last evaluation time <= t of a group with this offset and interval."""
    return t_ms - (t_ms - offset) % interval_ms


def eval_times(slo, w_s, start, end, offset):
    """Evaluation timestamps for one window on the group's grid: edges on every kind of step
    (start edge one minute before, on and one minute after the step; end edge on and one minute
    after), times away from any step and the end of the data. Returns [(t_ms, kind)]."""
    steps = STEPS[slo]
    lo = start + w_s * 1000 + 2 * 3_600_000  # the whole window inside the data, slower groups' records included
    occ = {}
    k0 = 0
    while start + k0 * 86_400_000 <= end:
        base = start + k0 * 86_400_000
        for h in steps:
            occ.setdefault(h, []).append(base + int(((h - PHASE_H) % 24) * 3_600_000))
        k0 += 1

    def on_grid(t):  # the first evaluation at or after t
        return t + (offset - t) % 60_000

    def pick(cands):
        cands = [(on_grid(t), k) for t, k in cands if lo <= on_grid(t) <= end]
        return cands if len(cands) <= 2 else [cands[0], cands[-1]]

    out = []
    for h, ss in occ.items():
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
        t = on_grid(lo + (span * (2 * i + 1)) // 12)
        for _ in range(200):
            if not near(t) and not near(t - w_s * 1000):
                break
            t += 7 * 60_000
        if lo <= t <= end:
            out.append((t, "away from steps"))
    out.append((last_on_grid(end, offset, 60_000), "end of data"))
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


def rfc3339_ms(s):
    """Milliseconds of Prometheus' `lastEvaluation` (RFC 3339 with nanoseconds)."""
    head, _, frac = s.rstrip("Z").partition(".")
    tz = ""
    for sign in "+-":
        if sign in frac:
            frac, tz = frac.split(sign, 1)[0], sign + frac.split(sign, 1)[1]
    dt = datetime.datetime.fromisoformat(head + (tz or "+00:00"))
    return int(dt.timestamp()) * 1000 + int((frac + "000")[:3])


def window_rules(sf, sl, slo):
    """The rules that record each window's error ratio: sloforge's `slo:sli_error:ratio` (the
    window a label of its output or of the rule) and Sloth's `slo:sli_error:ratio_rate<w>`."""
    sf_rules = [r for g in sf.groups if g["slo"] == slo for r in g["rules"] if r["type"] == "recording" and r["name"] == "slo:sli_error:ratio"]
    sl_rules = {r["labels"].get("sloth_window"): r for g in sl.groups if g["slo"] == slo for r in g["rules"]
                if r["type"] == "recording" and r["name"].startswith("slo:sli_error:ratio_rate")}
    return sf_rules, sl_rules


def sloforge_windows(prom, rules, t):
    vals = {}
    for r in rules:
        for x in prom.query(r["query"], t)["result"]:
            w = x["metric"].get("window") or r["labels"].get("window")
            vals[w] = float(x["value"][1])
    return vals


def parse_dur(text):
    """Milliseconds of a Prometheus duration such as 1m, 1h30m or 4m59s999ms."""
    units = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000, "y": 31_536_000_000}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)(ms|s|m|h|d|w|y)", text))


def offset_of(text):
    m = re.search(r"\boffset (\w+)", text)
    return parse_dur(m.group(1)) if m else 0


def sloforge_coverage(sf, slo, offs):
    """For every window of sloforge's ratio rule: a function of the evaluation time t giving the
    end of the span of data the recorded value covers (its length is the window). A window read
    `offset d` ends at t - d; a window over the records of a slower group ends where that group's
    last record before it ends (that record's own offset before its evaluation)."""
    rule = next(r for g in sf.groups if g["slo"] == slo for r in g["rules"] if r["name"] == "slo:sli_error:ratio")
    slow = {r["name"]: (g, r) for g in sf.groups if g["slo"] == slo and g["interval_ms"] > 60_000 for r in g["rules"] if r["type"] == "recording"}
    out, prev = {}, 0
    for m in re.finditer(r'"window", "(\w+)"', rule["query"]):
        seg = rule["query"][prev:m.start()]
        prev = m.end()
        lag = offset_of(seg)
        reads = [n for n in slow if re.search(r"\b" + re.escape(n) + r"\b", seg)]
        if reads:
            g, r = slow[reads[0]]
            off, iv, lag2 = offs[("sloforge", g["name"])], g["interval_ms"], offset_of(r["query"])
            out[m.group(1)] = (lambda t, lag=lag, off=off, iv=iv, lag2=lag2: last_on_grid(t - lag, off, iv) - lag2)
        else:
            out[m.group(1)] = (lambda t, lag=lag: t - lag)
    return out


def accuracy(prom, start, end, exact, sf, sl, slo_offsets, offs):
    res = {}  # (slo, window) -> list of dicts
    for slo in SLOS:
        sf_rules, sl_rules = window_rules(sf, sl, slo)
        cover = sloforge_coverage(sf, slo, offs)
        cache = {}
        for w, w_s in WINDOWS:
            if w_s * 1000 > end - start - 3 * 3_600_000 or w not in sl_rules:
                continue
            rows = []
            for t, kind in eval_times(slo, w_s, start, end, slo_offsets[slo]):
                if t not in cache:
                    cache[t] = sloforge_windows(prom, sf_rules, t)
                sfv = cache[t].get(w)
                slv = value_of(prom.query(sl_rules[w]["query"], t))
                t_cov = cover[w](t)
                rows.append({"t": t, "kind": kind, "exact": exact[slo].ratio(t, w_s), "sloforge": sfv, "sloth": slv,
                             "covered_end": t_cov, "exact_covered": exact[slo].ratio(t_cov, w_s)})
            res[(slo, w)] = rows
            log(f"accuracy {slo} {w}: {len(rows)} times")
    return res


def rel(v, ex):
    if v is None or ex == 0:
        return None
    return (v - ex) / ex


GROUP_METRIC = re.compile(r'^prometheus_rule_group_last_(duration_seconds|evaluation_timestamp_seconds)\{rule_group="([^"]*)"\} (\S+)$')


def group_metrics(prom):
    """{"file;group": {"duration_seconds": s, "evaluation_timestamp_seconds": s}} from /metrics."""
    out = {}
    for line in prom.metrics().splitlines():
        m = GROUP_METRIC.match(line)
        if m:
            out.setdefault(m.group(2), {})[m.group(1)] = float(m.group(3))
    return out


def live(prom, keys, cycles, timeout_s):
    """(evaluation timestamp, prometheus_rule_group_last_duration_seconds) of every evaluation of
    the groups `keys` ("file;group") until each has had `cycles` after WARMUP ones."""
    seen = {k: [] for k in keys}
    t_end = time.time() + timeout_s
    while time.time() < t_end:
        m = group_metrics(prom)
        for k in keys:
            v = m.get(k, {})
            ts = v.get("evaluation_timestamp_seconds", 0)
            if ts > 0 and (not seen[k] or seen[k][-1][0] != ts):
                seen[k].append((ts, v["duration_seconds"]))
        if all(len(v) >= cycles + WARMUP for v in seen.values()):
            return seen
        time.sleep(3)
    raise RuntimeError(f"live evaluation: not enough cycles within {timeout_s} s: { {k: len(v) for k, v in seen.items()} }")


def rule_costs(prom, sets, times, reps):
    """Per group: samples loaded and query time of every rule's expression at `times[group]`,
    `reps` times after a warm-up; returns {(tool, group): [(samples, seconds) per repetition]}."""
    out = {}
    for rep in range(reps + 1):
        for rs in sets:
            for g in rs.groups:
                t = times[(rs.tool, g["name"])]
                samples, secs = 0, 0.0
                for r in g["rules"]:
                    d = prom.query(r["query"], t, stats=True)
                    samples += d["stats"]["samples"]["totalQueryableSamples"]
                    secs += d["stats"]["timings"]["evalTotalTime"]
                if rep > 0:
                    out.setdefault(f"{rs.tool} {g['name']}", []).append((samples, secs))
    return out


def copy_text(rs):
    """The groups of `rs` that run less often than every minute, copied into groups that run every
    minute and record under other names: Prometheus then measures what one of their evaluations
    costs within a short live phase."""
    out = []
    for g in rs.groups:
        if g["interval_ms"] <= 60_000:
            continue
        out.append(f"- name: {json.dumps('bench-copy-' + g['name'])}\n  interval: 1m\n  rules:\n")
        for r in g["rules"]:
            if r["type"] == "recording":
                out.append(f"  - record: {json.dumps('bench_copy:' + r['name'])}\n    expr: {json.dumps(r['query'])}\n")
    return "groups:\n" + "".join(out) if out else None


# ---------------------------------------------------------------------------------------------
# Report


def pct(x):
    return "n/a" if x is None else f"{x * 100:+.2f} %"


def fnum(x, fmt="{:,.6f}"):
    return "n/a" if x is None else fmt.format(x)


def cost_summary(raw, slo, tool):
    """Per SLO and rule set: samples per 1-minute cycle, per evaluation of the slower groups, per
    minute on average; query and group evaluation times per 1-minute cycle (median, min, max);
    evaluation time of one evaluation of the slower groups (median of their every-minute copies)."""
    groups = [g for g in raw["groups"][tool] if g["slo"] == slo]
    fast = [g for g in groups if g["interval_ms"] <= 60_000]
    slow = [g for g in groups if g["interval_ms"] > 60_000]
    key = lambda g: f"{tool} {g['name']}"
    costs, evals, cycles = raw["costs"], raw["evaluations"], raw["cycles"]
    s_fast = sum(statistics.median(s for s, _ in costs[key(g)]) for g in fast)
    s_slow = sum(statistics.median(s for s, _ in costs[key(g)]) for g in slow)
    per_min = s_fast + sum(statistics.median(s for s, _ in costs[key(g)]) * 60_000 / g["interval_ms"] for g in slow)
    q = [sum(costs[key(g)][i][1] for g in fast) * 1000 for i in range(min(len(costs[key(g)]) for g in fast))]
    e = [sum(evals[g["key"]][WARMUP + i][1] for g in fast) * 1000 for i in range(cycles)]
    e_slow = [sum(evals[g["copy_key"]][WARMUP + i][1] for g in slow) * 1000 for i in range(cycles)] if slow else None
    return {
        "samples": s_fast, "samples_slow": s_slow if slow else None, "per_minute": per_min,
        "query": (statistics.median(q), min(q), max(q)), "eval": (statistics.median(e), min(e), max(e)),
        "eval_slow": (statistics.median(e_slow), min(e_slow), max(e_slow)) if slow else None,
        "slow_intervals": sorted({g["interval_ms"] for g in slow}),
    }


def cost_rows(raw, names):
    """The rows of the cost table, one per SLO and rule set."""
    out = []
    stats = raw["rules"]
    for slo in SLOS:
        for tool in ("sloforge", "sloth"):
            st, c = stats[tool][slo], cost_summary(raw, slo, tool)
            gs = [g for g in raw["groups"][tool] if g["slo"] == slo]
            ivs = {}
            for g in gs:
                ivs[g["interval_ms"]] = ivs.get(g["interval_ms"], 0) + 1
            groups = ", ".join(f"{n} × {fmt_dur(iv)}" for iv, n in sorted(ivs.items()))
            out.append(f"| {slo} | {names[tool]} | {groups} | {st['rules']} ({st['recording rules']} + {st['alerting rules']}) | "
                       f"{st['bytes']:,} ({st['recording']:,} + {st['alerting']:,}) | {c['samples']:,.0f} | "
                       f"{'—' if c['samples_slow'] is None else format(c['samples_slow'], ',.0f')} | {c['per_minute']:,.0f} | "
                       f"{c['query'][0]:.1f} ({c['query'][1]:.1f}–{c['query'][2]:.1f}) | {c['eval'][0]:.1f} ({c['eval'][1]:.1f}–{c['eval'][2]:.1f}) |")
    return out


COST_HEADER = ("| SLO | rule set | groups | rules (recording + alerting) | bytes (recording + alerting rules) | samples loaded / 1-minute cycle | "
               "samples loaded / hourly evaluation | samples / minute, averaged | query time / cycle, ms (range) | group evaluation time / cycle, ms (range) |\n"
               "|---|---|---|---:|---:|---:|---:|---:|---:|---:|")


def report_groups(path, raw):
    """The cost table of a run with --group-by or --calendar, beside the plain one of bench/RESULTS-prometheus.md."""
    info, label = raw["machine"], raw.get("group_by")
    names = {"sloforge": "sloforge", "sloth": raw["sloth_name"]}
    if raw.get("calendar"):
        period, zone = raw["calendar"]
        L = ["## Rule cost of calendar SLOs in a real Prometheus\n",
             f"Regenerate with `bench/prom_cost.sh --calendar {period}:{zone}`; it took {raw['timings']['total'] / 60:.0f} minutes. "
             f"The workload, history and method are those of bench/RESULTS-prometheus.md (`make bench-prometheus`), with sloforge's "
             f"two SLOs on `window: {{calendar: {period}, timezone: {zone}}}` instead of the rolling 30d; {names['sloth']}'s stay rolling "
             "(it has no calendar windows) and are listed for scale. The accuracy phase is left out. The rolling rows of sloforge "
             "are in bench/RESULTS-prometheus.md.\n",
             "### Machine\n"]
        heading = "### Cost per SLO and evaluation, calendar windows\n"
    else:
        L = ["## Rule cost of grouped SLOs in a real Prometheus\n",
             f"Regenerate with `bench/prom_cost.sh --group-by {label}`; it took {raw['timings']['total'] / 60:.0f} minutes. "
             f"The workload, history and method are those of bench/RESULTS-prometheus.md (`make bench-prometheus`), with both SLOs "
             f"grouped by `{label}` ({raw['groups_count']} groups): sloforge's `group_by: [{label}]`, Sloth's queries `sum by ({label}) (…)`. "
             "The accuracy phase is left out (its exact ratios are the ungrouped ones).\n",
             "### Machine\n"]
        heading = f"### Cost per SLO and evaluation, {raw['groups_count']} groups\n"
    for k in ("cpu", "memory", "os", "prometheus", "sloth", "python", "sloforge"):
        L.append(f"- {k}: {info[k]}")
    L += ["", heading, COST_HEADER]
    L += cost_rows(raw, names)
    L.append("")
    for slo in SLOS:
        s1, s2 = cost_summary(raw, slo, "sloforge"), cost_summary(raw, slo, "sloth")
        L.append(f"- {slo}: per minute sloforge's rules load {s1['per_minute']:,.0f} samples, {names['sloth']}'s {s2['per_minute']:,.0f} "
                 f"(1/{s2['per_minute'] / s1['per_minute']:,.0f}); 1-minute group evaluation {s1['eval'][0]:.1f} ms vs {s2['eval'][0]:.1f} ms.")
    L.append("")
    with open(path, "w") as f:
        f.write("\n".join(L))


def report(path, raw):
    info, timings, hours, cycles = raw["machine"], raw["timings"], raw["hours"], raw["cycles"]
    sl_name = raw["sloth_name"]
    names = {"sloforge": "sloforge", "sloth": sl_name}
    acc = {tuple(k.split(" ", 1)): v for k, v in raw["accuracy"].items()}
    stats = raw["rules"]
    summary = {(slo, tool): cost_summary(raw, slo, tool) for slo in SLOS for tool in ("sloforge", "sloth")}
    L = []
    a = L.append
    a("## Rule cost and accuracy in a real Prometheus\n")
    a("Regenerate this section with `make bench-prometheus` (or `bench/prom_cost.sh` with the engines of "
      f"`make tools` on PATH); it took {timings['total'] / 60:.0f} minutes on the machine below.\n")
    summary_at = len(L)
    a("### Machine\n")
    for k in ("cpu", "memory", "os", "prometheus", "sloth", "python", "sloforge"):
        a(f"- {k}: {info[k]}")
    a("")

    a("### Workload and method\n")
    n_samples = raw["samples_per_series"] * raw["series"]
    a(f"- Reference workload, generated by `bench/prom_cost.py` (seeded, deterministic): service `shop`, "
      f"{PODS} pods × {len(HANDLERS)} handlers × {len(CODES)} status codes = {PODS * len(HANDLERS) * len(CODES)} request counters "
      f"plus a per-pod latency histogram ({len(LE)} buckets, `_count`, `_sum`: {PODS * (len(LE) + 2)} series); "
      f"{raw['series']} series, one sample every {STEP_MS // 1000} s for {hours:g} h ({hours / 24:.1f} days, {n_samples / 1e6:.1f} M samples), "
      f"written as OpenMetrics {CHUNK_H} hours at a time and loaded with `promtool tsdb create-blocks-from openmetrics`.")
    a(f"- Traffic {RPS[1]:g} req/s by day (06:00–18:00 of the synthetic day) and {RPS[0]:g} req/s by night, in steps (10× day/night). "
      f"Server errors (5xx): {ERR[0] * 100:g} % of requests by day, {ERR[1] * 100:g} % by night and {ERR[2] * 100:g} % in a night burst "
      f"01:00–03:00, so the errors are concentrated at night. Requests slower than 250 ms: {SLOW[0] * 100:g} %, "
      f"{SLOW[1] * 100:g} % from 20:00 to 23:00. Event counts are Poisson draws per series and sample.")
    a(f"- SLOs: availability 99.9 % over 30d (ratio of 5xx to all requests, four alert tiers) and latency 99 % over 30d "
      f"(requests above the 250 ms bucket). sloforge's rules: `sloforge generate bench/shop.yaml`. {sl_name}'s rules: "
      f"`sloth generate -i bench/shop.sloth.yaml`, the same SLOs in Sloth's `prometheus/v1` format (same objectives, "
      f"the same error and total series; Sloth's default 30-day windows and page/ticket alerts), unchanged. Both "
      f"files pass `promtool check rules`.")
    a(f"- Prometheus {raw['prometheus_version']} evaluates each rule group on a grid offset by a hash of the group's file "
      f"and name; scrapes land on their own grid. The data is placed so that every scrape is {OFFSET_MS // 1000} s "
      f"after an evaluation of sloforge's availability group, never on one, as on a real server; every other group "
      f"keeps the offset Prometheus gives it (sloforge's latency group evaluates "
      f"{raw['slo_offsets']['latency'] - raw['slo_offsets']['availability']:+,} ms from its availability group, modulo a minute).")
    bf = []
    for tool in ("sloforge", "sloth"):
        for k, lv in enumerate(raw["levels"][tool], 1):
            bf.append(f"{names[tool]} level {k}: " + ", ".join(f"`{n}` (every {fmt_dur(raw['level_intervals'][tool][n])})" for n in sorted(lv)))
    a("- History: the recorded series that the measured window ratios and the budget's coverage read (directly or through other recorded "
      "series; sloforge's coverage records themselves too) are backfilled over the whole range with `promtool tsdb create-blocks-from rules`, level by level "
      "(promtool evaluates every rule against the stored data only, so a rule reading another recorded series runs "
      "after that one is loaded), each in a group of its own group's file, name and interval, so that the "
      "backfilled samples lie on the evaluation grid the live Prometheus then continues: " + "; ".join(bf) + "."
      + "".join(f" Not backfilled, because they read their own earlier values, which one pass of promtool cannot evaluate: "
                f"{names[tool]}'s " + ", ".join(f"`{n}`" for n in v) + " (the windows that read them are wrong in the accuracy tables)."
                for tool, v in raw.get("not_backfilled", {}).items() if v))
    a("- Accuracy: the window ratios are instant queries of the rules' own expressions on their group's evaluation "
      "timestamps — the value the rule records there — with the backfilled series behind them. (Backfilling "
      "Sloth's 1d and 3d ratios for every minute of a month would re-read the raw counters for each of 44,000 "
      "steps; the instant query at the measured times is the same computation.) The exact ratio is "
      "Σerrors/Σtotal of the generator's own increments of the samples in (t−w, t]. sloforge's value at t covers a "
      "span of the same length that ends earlier: its windows up to 3d sum the one-minute records of the evaluations "
      "in (t−1m−w, t−1m] (`offset 1m`: records of earlier evaluations only), each holding the increments of the "
      "minute before its evaluation; its 30d window averages the hourly records in (t−1m−30d, t−1m], each the sum of "
      "the 60 one-minute records before its own evaluation (`offset 1m`), so that span ends one minute before the "
      "last hourly evaluation before t − 1m, 1 to 61 minutes before t. The tables give sloforge's error against "
      "both: against its span it measures the arithmetic, against (t−w, t] also the lag.")
    a("- Evaluation times: window edges on every step of the workload (start edge one minute before, on and one "
      "minute after the step; end edge on and one minute after; the first and the last occurrence of each in the "
      "data), plus times with both edges at least 10 minutes from any step, and the end of the data; all on the "
      "evaluation grid of sloforge's group of the SLO (the first evaluation at or after the named time). "
      "'30d' is the SLO window; the data covers it whole from day 30 on.")
    slow_note = ""
    if any(summary[(slo, "sloforge")]["samples_slow"] is not None for slo in SLOS):
        slow_note = (" A group that runs less often than every minute (sloforge's hourly group) does not run within "
                     "the few minutes of the live phase: its samples are counted at its last evaluation time on the "
                     "backfilled data, and its evaluation time is measured on a copy of its recording rules that "
                     "the same Prometheus evaluates every minute under other record names (the same expressions "
                     "on the same data; the copy's output is read by nothing).")
    a(f"- Cost: Prometheus then evaluates both rule files live, scraping the workload's continuation from a loopback "
      f"exporter every 15 s, with the backfilled month behind it. Group evaluation time: "
      f"`prometheus_rule_group_last_duration_seconds` of every evaluation, median of {cycles} cycles after {WARMUP} "
      f"warm-up cycles (per SLO: the sum of its groups in each cycle). Both rule files run in the same Prometheus, "
      f"side by side; the load average of the shared machine was {timings.get('load', '?')} during the live phase. "
      f"Samples per evaluation: every rule's expression queried with `stats=all` at its group's last evaluation "
      f"time, `totalQueryableSamples` summed over the rules of the SLO (median of 5 repetitions after a warm-up; "
      f"the count is deterministic) — the samples the evaluation loads, which "
      f"`prometheus_engine_query_samples_total` would count too but for all queries at once.{slow_note} The live "
      f"data has a gap of {timings['gap'] / 60:.0f} minutes between the end of the backfill and the first live scrape.")
    a("")

    a("### Cost per SLO and evaluation\n")
    a(COST_HEADER)
    for row in cost_rows(raw, names):
        a(row)
    a("")
    for slo in SLOS:
        s1, s2 = summary[(slo, "sloforge")], summary[(slo, "sloth")]
        line = (f"- {slo}: per minute sloforge's rules load 1/{s2['per_minute'] / s1['per_minute']:,.0f} of the samples of "
                f"{sl_name}'s ({s1['per_minute']:,.0f} vs {s2['per_minute']:,.0f}); its 1-minute groups evaluate "
                f"{s2['eval'][0] / s1['eval'][0]:,.0f}× faster ({s1['eval'][0]:.1f} ms vs {s2['eval'][0]:.1f} ms per cycle)")
        if s1["eval_slow"]:
            line += (f"; its hourly group loads {s1['samples_slow']:,.0f} samples and takes {s1['eval_slow'][0]:.1f} ms "
                     f"({s1['eval_slow'][1]:.1f}–{s1['eval_slow'][2]:.1f}) once an hour")
        a(line + ".")
    a("")

    a("### Error ratio at the end of the data\n")
    a("Each rule's value at the last evaluation of the data against the exact Σerrors/Σtotal over the window "
      "ending at that evaluation, (t−w, t], and, for sloforge, over the span its value covers (see the method: "
      "the windows end one evaluation earlier, the 30d window at its last hourly record).\n")
    a(f"| SLO | window | exact (t−w, t] | {sl_name} | error | sloforge | error | exact over sloforge's span | error |")
    a("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for slo in SLOS:
        for w, _ in WINDOWS:
            rows = acc.get((slo, w))
            if not rows:
                continue
            r = rows[-1]
            a(f"| {slo} | {w} | {r['exact']:.6f} | {fnum(r['sloth'])} | {pct(rel(r['sloth'], r['exact']))} | {fnum(r['sloforge'])} | "
              f"{pct(rel(r['sloforge'], r['exact']))} | {r['exact_covered']:.6f} | {pct(rel(r['sloforge'], r['exact_covered']))} |")
    a("")

    def errs_of(rows, tool, ex):
        return [abs(rel(r[tool], r[ex])) for r in rows if rel(r[tool], r[ex]) is not None]

    a("### Largest error against the exact ratio, per window\n")
    a("Largest |relative error| over the evaluation times of each kind (number of times in brackets): window edges "
      "on a step of the workload, and times away from steps. Target: ≤ 1 % for every window, edges included.\n")
    a(f"| SLO | window | {sl_name} vs (t−w, t], edge | away | sloforge vs (t−w, t], edge | away | sloforge vs its span, edge | away |")
    a("|---|---|---:|---:|---:|---:|---:|---:|")
    worst = []
    for slo in SLOS:
        for w, _ in WINDOWS:
            rows = acc.get((slo, w))
            if not rows:
                continue
            cells = []
            for tool, ex in (("sloth", "exact"), ("sloforge", "exact"), ("sloforge", "exact_covered")):
                for edge in (True, False):
                    rr = [r for r in rows if (r["kind"] not in ("away from steps", "end of data")) == edge]
                    errs = errs_of(rr, tool, ex)
                    missing = sum(1 for r in rr if r[tool] is None)
                    cells.append((f"{max(errs) * 100:.2f} % ({len(errs)})" if errs else "–") + (f", {missing} without a value" if missing else ""))
                    if errs and edge:
                        r = max((r for r in rr if r[tool] is not None), key=lambda r: abs(rel(r[tool], r[ex]) or 0))
                        worst.append((slo, w, tool, ex, r))
            a(f"| {slo} | {w} | " + " | ".join(cells) + " |")
    a("")
    a("Worst edge case per window (time relative to the step of the synthetic day):\n")
    a("| SLO | window | rule set, against | where | exact | measured | error |")
    a("|---|---|---|---|---:|---:|---:|")
    for slo, w, tool, ex, r in worst:
        against = "(t−w, t]" if ex == "exact" else "its span"
        a(f"| {slo} | {w} | {names[tool]}, {against} | {r['kind']} | {r[ex]:.6f} | {r[tool]:.6f} | {pct(rel(r[tool], r[ex]))} |")
    a("")

    a("### Observations that explain the errors\n")
    for k, v in raw["observations"].items():
        a(f"- {k}: {v}.")
    a(f"- {sl_name}'s windows: `rate()` over the raw counters counts the increments from the first sample inside "
      "the window and extrapolates them to the window's length, so the increment that straddles the start of the "
      "window is replaced by the window's average; next to a 10× step that is visible on the short windows.")
    a(f"- {sl_name}'s 30d window: the mean of the recorded 5m ratios weighs every 5 minutes alike, so the night "
      "(a tenth of the traffic, ten times the error ratio) counts as much as the day.")
    a("")

    a("### Targets\n")
    parts = []
    for slo in SLOS:
        r = summary[(slo, "sloth")]["per_minute"] / summary[(slo, "sloforge")]["per_minute"]
        parts.append(f"{slo} 1/{r:,.0f} ({'met' if r >= 250 else 'MISSED'})")
    total = sum(summary[(slo, "sloth")]["per_minute"] for slo in SLOS) / sum(summary[(slo, "sloforge")]["per_minute"] for slo in SLOS)
    a(f"- Samples per minute ≤ 1/250 of {sl_name}'s rules on the reference workload: the workload (both SLOs) 1/{total:,.0f} "
      f"({'met' if total >= 250 else 'MISSED'}); per SLO " + ", ".join(parts) + ". Sloth's latency rules read the 20 pods' "
      "threshold bucket and `_count` only, a tenth of the series its availability rules read, while sloforge's cost per SLO "
      "hardly depends on the raw series: most of it is summing the recorded one-minute rates over the windows up to 3 days.")
    b, ba = stats["sloforge"]["availability"]["bytes"], stats["sloforge"]["availability"]["alerting"]
    a(f"- Output ≤ 3 KB per ratio SLO with four tiers: {b:,} bytes — {'met' if b <= 3072 else 'MISSED'}."
      + ("" if b <= 3072 else f" Most of it is the four alerts ({ba:,} bytes, {ba / 3072:.0%} of 3 KB on their own; half of that their annotations: exact thresholds, budget spent, runbook and dashboard links). Below 3 KB would take recording and alerting rules shared by all SLOs, which loses the per-SLO alert names and annotation templates and the one group per SLO that Mimir and Cortex rulers shard on."))
    mx = {k: max((abs(rel(r[tool], r[ex]) or 0) for rows in acc.values() for r in rows), default=0)
          for k, tool, ex in (("sf", "sloforge", "exact_covered"), ("sf_t", "sloforge", "exact"), ("sl", "sloth", "exact"))}
    a(f"- Error vs exact ≤ 1 % for every window 5m…30d, edges included: sloforge's largest error against the span "
      f"its value covers {mx['sf'] * 100:.2f} % — {'met' if mx['sf'] <= 0.01 else 'MISSED'}; against the window ending at "
      f"the evaluation {mx['sf_t'] * 100:.2f} % (the one-minute lag at a 10× step); {sl_name} {mx['sl'] * 100:.2f} %.")
    a("")

    S = []
    for slo in SLOS:
        s1, s2 = summary[(slo, "sloforge")], summary[(slo, "sloth")]
        st1, st2 = stats["sloforge"][slo], stats["sloth"][slo]
        line = (f"- {slo}: {s1['per_minute']:,.0f} samples loaded per minute by sloforge's rules, {s2['per_minute']:,.0f} by "
                f"{sl_name}'s (1/{s2['per_minute'] / s1['per_minute']:,.0f}); group evaluation {s1['eval'][0]:.0f} ms vs "
                f"{s2['eval'][0]:,.0f} ms per minute")
        if s1["eval_slow"]:
            line += f" (sloforge's hourly group: {s1['samples_slow']:,.0f} samples and {s1['eval_slow'][0]:.0f} ms once an hour, counted in the samples per minute)"
        line += f"; {st1['rules']} rules and {st1['bytes']:,} bytes vs {st2['rules']} rules and {st2['bytes']:,} bytes."
        S.append(line)
    for slo in SLOS:
        per = []
        for w, _ in WINDOWS:
            rows = acc.get((slo, w))
            if rows:
                m1 = max(abs(rel(r["sloforge"], r["exact_covered"]) or 0) for r in rows)
                m0 = max(abs(rel(r["sloforge"], r["exact"]) or 0) for r in rows)
                m2 = max(abs(rel(r["sloth"], r["exact"]) or 0) for r in rows)
                per.append(f"{w} {m1 * 100:.1f} % ({m0 * 100:.1f} %) / {m2 * 100:.1f} %")
        S.append(f"- {slo}, largest error against the exact ratio, sloforge against the span its value covers (against "
                 f"the window ending at the evaluation) / {sl_name}: " + ", ".join(per) + ".")
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


def diagnostics(prom, sf, levels, end, diag):
    """What sloforge's raw read and two of its windows load at the end of the data, into `diag`."""
    level1 = next(r for g in sf.groups if g["slo"] == "availability" for r in g["rules"] if r["name"] in levels["sloforge"][0])
    loaded = prom.query(level1["query"], end, stats=True)["stats"]["samples"]["totalQueryableSamples"]
    n_raw = int(value_of(prom.query('count(http_requests_total{job="shop"}) + count(http_requests_total{job="shop",code=~"5.."})', end)))
    m = re.search(r"\[([0-9a-z]+)\]", level1["query"])
    read = (f"`rate()` over `[{m.group(1)}]`" if m else "each counter's last sample now and one base window earlier, once "
            "for the difference (`s - s offset 1m`) and once for the counter-reset check (`s < s offset 1m`)")
    diag[f"samples sloforge's raw read (`{level1['name']}`, availability) loads at an evaluation"] = (
        f"{loaded:,} for the {n_raw} raw series its two selectors match, {loaded / n_raw:.0f} per series: {read}; "
        "each evaluation takes the increments of the samples of the minute before it, exactly once")
    rule = next(r for g in sf.groups if g["slo"] == "availability" for r in g["rules"] if r["name"] == "slo:sli_error:ratio")
    prev = 0
    for m in re.finditer(r'"window", "(\w+)"', rule["query"]):
        seg, prev = rule["query"][prev:m.start()], m.end()
        sel = re.search(r'(?:sum|avg)_over_time\(([^()]*event="total"[^()]*)\)', seg)
        if m.group(1) in ("30m", "30d") and sel:
            k = int(value_of(prom.query(f"count_over_time({sel.group(1)})", end)) or 0)
            diag[f"records that sloforge's {m.group(1)} window reads at an evaluation (`{sel.group(1).split('{')[0]}`, `{sel.group(1).split('}', 1)[1].strip()}`)"] = str(k)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hours", type=float, default=744, help="hours of backfilled data (default 744 = 31 days)")
    ap.add_argument("--cycles", type=int, default=4, help="live evaluation cycles measured after the warm-up ones")
    ap.add_argument("--out", default=os.path.join(HERE, "RESULTS-prometheus.md"))
    ap.add_argument("--json", default=os.path.join(HERE, "scratch", "prom_cost.json"), help="raw figures")
    ap.add_argument("--keep", action="store_true", help="keep bench/scratch/prom (TSDB, logs)")
    ap.add_argument("--from-json", metavar="FILE", help="only write the report from the raw figures of an earlier run")
    ap.add_argument("--group-by", metavar="LABEL", help="group both SLOs by this label of the workload (`instance`: 20 groups, one per pod)")
    ap.add_argument("--calendar", metavar="PERIOD:ZONE", help="sloforge's SLOs on this calendar window (`month:America/New_York`)")
    args = ap.parse_args()
    if args.calendar:
        period, _, zone = args.calendar.partition(":")
        args.calendar = (period, zone or "UTC")
    if args.calendar and args.out == os.path.join(HERE, "RESULTS-prometheus.md"):
        args.out = os.path.join(HERE, "RESULTS-prometheus-calendar.md")
    if args.group_by and args.out == os.path.join(HERE, "RESULTS-prometheus.md"):
        args.out = os.path.join(HERE, "RESULTS-prometheus-groups.md")
    if args.from_json:
        with open(args.from_json) as f:
            raw = json.load(f)
        (report_groups if raw.get("group_by") or raw.get("calendar") else report)(args.out, raw)
        return
    for t in TOOLS:
        if not shutil.which(t):
            sys.exit(f"prom_cost: `{t}` is not on PATH: run `make tools`, then `make bench-prometheus` (which puts .tools/ first on PATH)")

    atexit.register(stop_all)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    t_all = time.time()
    timings = {}
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    sloth_version = go_module_version(shutil.which("sloth"), "github.com/slok/sloth") or "(unknown version)"
    sl_name = f"Sloth {sloth_version}"
    info = machine(sloth_version)
    prom_version = re.search(r"version (\S+?)(?:\+\S*)? ", info["prometheus"] + " ")
    prom_version = prom_version.group(1) if prom_version else "?"

    # 1. rules
    t = time.time()
    spec, sloth_spec = SPEC, SLOTH_SPEC
    if args.group_by:
        label = args.group_by
        spec, sloth_spec = os.path.join(WORK, "shop.grouped.yaml"), os.path.join(WORK, "shop.grouped.sloth.yaml")
        text = open(SPEC).read().replace("    window: 30d\n", f"    window: 30d\n    group_by: [{label}]\n")
        open(spec, "w").write(text)
        open(sloth_spec, "w").write(open(SLOTH_SPEC).read().replace("sum(rate(", f"sum by ({label}) (rate("))
    if args.calendar:
        period, zone = args.calendar
        spec = os.path.join(WORK, "shop.calendar.yaml")
        open(spec, "w").write(open(SPEC).read().replace("    window: 30d\n", f"    window: {{calendar: {period}, timezone: {zone}}}\n"))
    run([SLOFORGE, "generate", spec, "-o", os.path.join(WORK, "sloforge"), "--no-tests"], capture_output=True)
    sf_file = os.path.join(WORK, "sloforge", "rules", "shop.rules.yaml")
    sl_file = os.path.join(WORK, "sloth", "shop.rules.yaml")
    os.makedirs(os.path.dirname(sl_file))
    run(["sloth", "generate", "-i", sloth_spec, "-o", sl_file], capture_output=True)
    texts = {sf_file: open(sf_file).read(), sl_file: open(sl_file).read()}
    run(["promtool", "check", "rules", sf_file, sl_file], capture_output=True)
    stats = {"sloforge": rule_stats(texts[sf_file]), "sloth": rule_stats(texts[sl_file])}
    tsdb = os.path.join(WORK, "tsdb")
    os.makedirs(tsdb)
    cfg_plain = os.path.join(WORK, "plain.yml")
    open(cfg_plain, "w").write("global:\n  scrape_interval: 15s\n  evaluation_interval: 1m\n")
    cfg_rules = os.path.join(WORK, "rules.yml")
    open(cfg_rules, "w").write(f"global:\n  scrape_interval: 15s\n  evaluation_interval: 1m\nrule_files:\n  - {sf_file}\n  - {sl_file}\n")
    prom = Prometheus("prometheus", tsdb, cfg_rules).start()
    loaded = prom.api("/api/v1/rules")["groups"]
    prom.stop()
    sf = RuleSet("sloforge", sf_file, [g for g in loaded if g["file"] == sf_file])
    sl = RuleSet("sloth", sl_file, [g for g in loaded if g["file"] == sl_file])
    sets = (sf, sl)
    for rs in sets:
        missing = [slo for slo in SLOS if not any(g["slo"] == slo for g in rs.groups)]
        if missing or any(g["slo"] is None for g in rs.groups):
            raise RuntimeError(f"{rs.tool}: groups {[g['name'] for g in rs.groups]} do not name each SLO of the bench")
    levels = {
        # The budget's coverage records too (the budget reads them over the whole SLO window).
        "sloforge": sf.levels({"slo:sli_error:ratio"}, also={n for n in sf.recorded if n.startswith("slo:sli_coverage:")}),
        "sloth": sl.levels({r["name"] for g in sl.groups for r in g["rules"] if r["name"].startswith("slo:sli_error:ratio_rate")}),
    }
    level_intervals = {rs.tool: {r["name"]: g["interval_ms"] for g in rs.groups for r in g["rules"] if r["type"] == "recording"} for rs in sets}
    timings["rules"] = time.time() - t
    log("levels: " + "; ".join(f"{k}: {[sorted(x) for x in v]}" for k, v in levels.items()))

    # 2. grid
    t = time.time()
    prom.config = cfg_plain
    prom.start()
    offs = grids(prom, sets)
    prom.stop()
    for p, text in texts.items():
        open(p, "w").write(text)

    def first_group(slo):
        return next(g for g in sf.groups if g["slo"] == slo and g["interval_ms"] == 60_000)

    slo_offsets = {slo: offs[("sloforge", first_group(slo)["name"])] for slo in SLOS}
    off = slo_offsets["availability"]
    now = int(time.time() * 1000)
    end = (now // 60000) * 60000 - 60000 + off
    if end > now:
        end -= 60000
    start = end - int(args.hours * 3_600_000)
    n = (end - start - OFFSET_MS) // STEP_MS + 1
    timings["grid"] = time.time() - t
    log(f"grid offsets {offs}; data {fmt_ts(start)} .. {fmt_ts(end)}, {n} samples per series")

    # 3. data, a few days at a time: two promtool processes convert files while the next one is written
    t = time.time()
    wl = Workload(start)
    tot, err, slow = [], [], []
    per_chunk = CHUNK_H * 3_600_000 // STEP_MS
    pending, gen_s = [], 0.0
    blocks = os.path.join(WORK, "raw-blocks")

    def reap(keep):
        while len(pending) > keep:
            proc, om = pending.pop(0)
            if proc.wait() != 0:
                raise RuntimeError(f"promtool failed on {om}")
            os.remove(om)

    for i, j0 in enumerate(range(0, n, per_chunk)):
        om = os.path.join(WORK, f"raw-{i}.om")
        t1 = time.time()
        c_tot, c_err, c_slow = wl.bulk(j0, min(j0 + per_chunk, n), om)
        gen_s += time.time() - t1
        tot += c_tot
        err += c_err
        slow += c_slow
        reap(1)
        pending.append((subprocess.Popen(["nice", "-n", "10", "promtool", "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=100000h",
                                          "--quiet", om, os.path.join(blocks, str(i))]), om))
    reap(0)
    for d in sorted(os.listdir(blocks)):
        move_blocks(os.path.join(blocks, d), tsdb)
    shutil.rmtree(blocks, ignore_errors=True)
    exact = {"availability": Exact(start, err, tot), "latency": Exact(start, slow, tot)}
    n_series = len(wl.series) + PODS * (len(LE) + 2)
    timings["workload: generate OpenMetrics"] = gen_s
    timings["workload: generate and promtool openmetrics (overlapped)"] = time.time() - t
    log(f"workload in {time.time() - t:.0f} s ({gen_s:.0f} s generating)")

    # 4. backfill of the recorded series the window ratios read, level by level
    for k in range(max(len(v) for v in levels.values())):
        t = time.time()
        files = []
        for rs in sets:
            names = levels[rs.tool][k] if k < len(levels[rs.tool]) else set()
            text = rs.text_of(lambda g, r: r["type"] == "recording" and r["name"] in names)
            if text:
                open(rs.path, "w").write(text)
                files.append(rs.path)
        prom.start()
        rb = os.path.join(WORK, "rule-blocks")
        run(["promtool", "tsdb", "create-blocks-from", "rules", "--max-block-duration=162h", f"--start={fmt_ts(start)}", f"--end={end // 1000 + 1}",
             f"--url={prom.url}", f"--output-dir={rb}", "--eval-interval=60s"] + files, cwd=WORK, capture_output=True)
        prom.stop()
        move_blocks(rb, tsdb)
        timings[f"promtool rules backfill, level {k + 1}"] = time.time() - t
    for p, text in texts.items():
        open(p, "w").write(text)

    # 5. accuracy
    t = time.time()
    prom.start()
    for rs in sets:
        for g in rs.groups:
            for r in g["rules"]:
                if not any(r["name"] in lv for lv in levels[rs.tool]) or r["type"] != "recording":
                    continue
                sel = r["name"] + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(r["labels"].items())) + "}"
                d = prom.query(f"{sel}[{fmt_dur(2 * g['interval_ms'])}]", end)
                last = max((round(float(v[0]) * 1000) for x in d["result"] for v in x["values"]), default=None)
                want = last_on_grid(end, offs[(rs.tool, g["name"])], g["interval_ms"])
                if last is None or abs(last - want) > 1:
                    raise RuntimeError(f"{rs.tool} {r['name']}: last backfilled sample at {last}, expected {want}")
    acc, diag = {}, {}
    if not args.group_by and not args.calendar:
        acc = accuracy(prom, start, end, exact, sf, sl, slo_offsets, offs)
        diagnostics(prom, sf, levels, end, diag)
    groups_count = None
    if args.group_by:
        q = f'count(count by ({args.group_by}) (http_requests_total{{job="shop"}}))'
        groups_count = int(value_of(prom.query(q, end)) or 0)
    prom.stop()
    timings["accuracy queries"] = time.time() - t

    # 6. live
    t = time.time()
    srv = serve(wl)
    copy_file = os.path.join(WORK, "copies.rules.yaml")
    copies = copy_text(sf)
    rule_files = [sf_file, sl_file] + ([copy_file] if copies else [])
    if copies:
        open(copy_file, "w").write(copies)
    cfg_live = os.path.join(WORK, "live.yml")
    open(cfg_live, "w").write(
        "global:\n  scrape_interval: 15s\n  evaluation_interval: 1m\n"
        "rule_files:\n" + "".join(f"  - {f}\n" for f in rule_files) +
        "scrape_configs:\n  - job_name: shop\n    honor_labels: true\n"
        f"    static_configs:\n      - targets: ['127.0.0.1:{srv.server_address[1]}']\n"
    )
    groups = {}
    for rs in sets:
        groups[rs.tool] = []
        for g in rs.groups:
            groups[rs.tool].append({"name": g["name"], "slo": g["slo"], "interval_ms": g["interval_ms"], "key": f"{rs.path};{g['name']}",
                                    "copy_key": f"{copy_file};bench-copy-{g['name']}" if g["interval_ms"] > 60_000 else None})
    keys = [g["copy_key"] if g["copy_key"] else g["key"] for gs in groups.values() for g in gs]
    prom.config = cfg_live
    prom.start()
    timings["gap"] = (time.time() * 1000 - end) / 1000
    load0 = open("/proc/loadavg").read().split()[0]
    evals = live(prom, keys, args.cycles, (args.cycles + WARMUP) * 60 + 240)
    timings["load"] = f"{load0}–{open('/proc/loadavg').read().split()[0]} (1-minute average at its start and end) on {os.cpu_count()} CPUs"
    times = {}
    for g in prom.api("/api/v1/rules")["groups"]:
        tool = "sloforge" if g["file"] == sf_file else "sloth" if g["file"] == sl_file else None
        if tool:
            og = next(x for x in (sf if tool == "sloforge" else sl).groups if x["name"] == g["name"])
            times[(tool, g["name"])] = g["lastEvaluation"] if not g["lastEvaluation"].startswith("0001") else \
                last_on_grid(end, offs[(tool, g["name"])], og["interval_ms"])
    costs = rule_costs(prom, sets, times, 5)
    prom.stop()
    srv.shutdown()
    timings["live evaluation"] = time.time() - t
    timings["total"] = time.time() - t_all

    raw = {
        "machine": info, "prometheus_version": prom_version, "sloth_name": sl_name, "timings": timings,
        "grid_offsets_ms": {f"{k[0]} {k[1]}": v for k, v in offs.items()}, "slo_offsets": slo_offsets, "start_ms": start, "end_ms": end,
        "rules": stats, "groups": groups, "levels": {k: [sorted(x) for x in v] for k, v in levels.items()}, "level_intervals": level_intervals,
        "not_backfilled": {rs.tool: rs.stateful for rs in sets},
        "costs": costs, "evaluations": evals, "cost_times": {f"{k[0]} {k[1]}": v for k, v in times.items()},
        "accuracy": {f"{k[0]} {k[1]}": v for k, v in acc.items()}, "observations": diag,
        "hours": args.hours, "samples_per_series": n, "series": n_series, "cycles": args.cycles,
        "group_by": args.group_by, "groups_count": groups_count, "calendar": args.calendar,
    }
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(raw, f, indent=1)
    (report_groups if args.group_by or args.calendar else report)(args.out, raw)
    log(f"wrote {args.out} in {timings['total']:.0f} s")
    if not args.keep:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
