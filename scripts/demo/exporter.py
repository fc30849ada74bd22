#!/usr/bin/env python3
"""Synthetic exporter for the demo fleet (slo-specs/), and the webhook every demo receiver posts to.

GET  /metrics          every series the demo fleet's SLIs read, growing at 20 requests/s per service
POST /mode             body: the failure mode (see MODES); GET /mode shows the current one
POST /<receiver>       an Alertmanager webhook notification, printed one line per alert

Python 3 standard library only; listens on 127.0.0.1.
"""

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RATE = 20.0  # requests per second of every service
SERVICES = ["checkout", "payment", "cart", "catalog", "inference-gateway", "recommendations"]
MODES = """healthy                    every service well within its objectives
outage:SERVICE             every request of SERVICE fails and is slow (payment: its probe fails too;
                           recommendations: its model snapshot goes stale)
errors:SERVICE:PERCENT     PERCENT % of SERVICE's requests fail
slow:SERVICE:PERCENT       PERCENT % of SERVICE's requests are slower than every latency objective"""

# Healthy shares: a fifth of each SLO's error budget (tier-1 99.99 %, tier-2 99.9 %, the
# inference gateway 99.5 % and 99 %).
HEALTHY_ERRORS = {"checkout": 0.00002, "payment": 0.00002, "cart": 0.0002, "catalog": 0.0002, "inference-gateway": 0.001, "recommendations": 0.0}
HEALTHY_SLOW = {"checkout": 0.0002, "catalog": 0.0002, "inference-gateway": 0.002}

HTTP_BUCKETS = ["0.05", "0.1", "0.2", "0.5", "1.0", "2.5"]
INFERENCE_BUCKETS = ["0.25", "0.5", "1.0", "2.5", "5.0"]


def parse_mode(text):
    """(service, error share, slow share, down) of a mode; service None when healthy."""
    parts = text.strip().split(":")
    if parts == ["healthy"]:
        return (None, 0.0, 0.0, False)
    if len(parts) == 2 and parts[0] == "outage" and parts[1] in SERVICES:
        return (parts[1], 1.0, 1.0, True)
    if len(parts) == 3 and parts[0] in ("errors", "slow") and parts[1] in SERVICES:
        share = float(parts[2]) / 100.0
        if not 0.0 <= share <= 1.0:
            raise ValueError("PERCENT must be between 0 and 100")
        return (parts[1], share, 0.0, False) if parts[0] == "errors" else (parts[1], 0.0, share, False)
    raise ValueError("unknown mode %r; modes:\n%s" % (text.strip(), MODES))


class Fleet:
    def __init__(self, mode):
        self.lock = threading.Lock()
        self.last = time.monotonic()
        # Every count grows on its own: one derived by subtraction (requests - errors) can step
        # back by a rounding error, which Prometheus reads as a counter reset.
        self.ok = {s: 0.0 for s in SERVICES}
        self.errors = {s: 0.0 for s in SERVICES}
        self.fast = {s: 0.0 for s in SERVICES}
        self.slow = {s: 0.0 for s in SERVICES}
        self.mode_text = "healthy"
        self.mode = parse_mode("healthy")
        self.set_mode(mode)

    def shares(self, service):
        target, error, slow, _ = self.mode
        if service == target:
            return error, slow
        return HEALTHY_ERRORS.get(service, 0.0), HEALTHY_SLOW.get(service, 0.0)

    def advance(self):
        now = time.monotonic()
        n = RATE * (now - self.last)
        self.last = now
        for s in SERVICES:
            error, slow = self.shares(s)
            self.ok[s] += n * (1.0 - error)
            self.errors[s] += n * error
            self.fast[s] += n * (1.0 - slow)
            self.slow[s] += n * slow

    def set_mode(self, text):
        mode = parse_mode(text)
        with self.lock:
            self.advance()
            self.mode, self.mode_text = mode, text.strip()

    def down(self, service):
        return self.mode[0] == service and self.mode[3]

    def exposition(self):
        with self.lock:
            self.advance()
            ok, e, fa, sl = dict(self.ok), dict(self.errors), dict(self.fast), dict(self.slow)
        out = []

        def add(line):
            out.append(line)

        def histogram(name, labels, buckets, service, fast_seconds, slow_seconds):
            count = fa[service] + sl[service]
            for le in buckets:
                add('%s_bucket{%s,le="%s"} %.6f' % (name, labels, le, fa[service]))
            add('%s_bucket{%s,le="+Inf"} %.6f' % (name, labels, count))
            add("%s_sum{%s} %.6f" % (name, labels, fa[service] * fast_seconds + sl[service] * slow_seconds))
            add("%s_count{%s} %.6f" % (name, labels, count))

        add("# TYPE http_requests_total counter")
        for s in ("checkout", "catalog"):
            add('http_requests_total{job="%s",code="200"} %.6f' % (s, ok[s]))
            add('http_requests_total{job="%s",code="500"} %.6f' % (s, e[s]))
        add("# TYPE http_request_duration_seconds histogram")
        histogram("http_request_duration_seconds", 'job="checkout",route="/api/checkout"', HTTP_BUCKETS, "checkout", 0.04, 4.0)
        histogram("http_request_duration_seconds", 'job="catalog"', HTTP_BUCKETS, "catalog", 0.04, 4.0)
        add("# TYPE cart_operations_total counter")
        add('cart_operations_total{job="cart",instance="cart-0"} %.6f' % (ok["cart"] + e["cart"]))
        add("# TYPE cart_operations_errors_total counter")
        add('cart_operations_errors_total{job="cart",instance="cart-0"} %.6f' % e["cart"])
        add("# TYPE payment_authorizations_total counter")
        # A tenth of the authorisations are declined by the card issuer (not a server error).
        add('payment_authorizations_total{job="payment",outcome="approved"} %.6f' % (ok["payment"] * 0.9))
        add('payment_authorizations_total{job="payment",outcome="declined_card"} %.6f' % (ok["payment"] * 0.1))
        add('payment_authorizations_total{job="payment",outcome="declined_server"} %.6f' % e["payment"])
        add("# TYPE probe_success gauge")
        add('probe_success{job="blackbox",instance="https://pay.example.com/health"} %d' % (0 if self.down("payment") else 1))
        add("# TYPE inference_requests_total counter")
        gw = "inference-gateway"
        add('inference_requests_total{job="%s",status="200"} %.6f' % (gw, ok[gw]))
        add('inference_requests_total{job="%s",status="500"} %.6f' % (gw, e[gw] / 2))
        add('inference_requests_total{job="%s",status="timeout"} %.6f' % (gw, e[gw] / 2))
        add("# TYPE inference_request_duration_seconds histogram")
        histogram("inference_request_duration_seconds", 'job="%s"' % gw, INFERENCE_BUCKETS, gw, 0.3, 8.0)
        add("# TYPE recommendations_snapshot_timestamp_seconds gauge")
        age = 7200 if self.down("recommendations") else 600
        add('recommendations_snapshot_timestamp_seconds{job="recommendations"} %d' % int(time.time() - age))
        return "\n".join(out) + "\n"


def notification_lines(receiver, payload):
    stamp = time.strftime("%H:%M:%S")
    for a in payload.get("alerts", []):
        labels = a.get("labels", {})
        stage = labels.get("alert_tier") or ("budget " + labels["budget_stage"] if "budget_stage" in labels else "")
        yield "%s  %-22s %-8s %s/%s %s (%s, team %s)" % (
            stamp,
            receiver,
            a.get("status", "?").upper(),
            labels.get("service", "?"),
            labels.get("slo", "?"),
            stage,
            labels.get("severity", "?"),
            labels.get("team", "?"),
        )


def handler(fleet):
    class Handler(BaseHTTPRequestHandler):
        def reply(self, status, body, content_type="text/plain; charset=utf-8"):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == "/metrics":
                self.reply(200, fleet.exposition(), "text/plain; version=0.0.4; charset=utf-8")
            elif self.path == "/mode":
                self.reply(200, fleet.mode_text + "\n")
            else:
                self.reply(200, __doc__ + "\nModes:\n" + MODES + "\n")

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/mode":
                try:
                    fleet.set_mode(body.decode())
                except ValueError as e:
                    self.reply(400, "%s\n" % e)
                    return
                print("%s  mode: %s" % (time.strftime("%H:%M:%S"), fleet.mode_text), flush=True)
                self.reply(200, fleet.mode_text + "\n")
                return
            try:
                payload = json.loads(body)
            except ValueError:
                self.reply(400, "not JSON\n")
                return
            for line in notification_lines(self.path.strip("/"), payload):
                print(line, flush=True)
            self.reply(200, "")

        def log_message(self, *args):
            pass

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter, epilog="Modes:\n" + MODES)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--mode", default="healthy")
    p.add_argument("--check", action="store_true", help="only check the mode")
    args = p.parse_args()
    try:
        fleet = Fleet(args.mode)
    except ValueError as e:
        sys.exit("exporter: %s" % e)
    if args.check:
        return
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(fleet))
    print("%s  mode: %s" % (time.strftime("%H:%M:%S"), fleet.mode_text), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
