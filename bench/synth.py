#!/usr/bin/env python3
"""Writes a synthetic fleet: N services × M SLOs, once in sloforge's native format and once in
Sloth's prometheus/v1 format, with the same SLOs (ratio SLIs over counters)."""
import os
import sys

def main(out, services=100, slos=100):
    native = os.path.join(out, "native")
    sloth = os.path.join(out, "sloth")
    os.makedirs(native, exist_ok=True)
    os.makedirs(sloth, exist_ok=True)
    objectives = ["99.9", "99.5", "99.95", "99", "99.99"]
    for s in range(services):
        name = f"svc-{s:03d}"
        n = [f"apiVersion: sloforge.dev/v1\nkind: Service\nname: {name}\nteam: team-{s % 10}\nlabels:\n  domain: d{s % 7}\nslos:\n"]
        t = [f"version: prometheus/v1\nservice: {name}\nlabels:\n  owner: team-{s % 10}\n  domain: d{s % 7}\nslos:\n"]
        for i in range(slos):
            obj = objectives[(s + i) % len(objectives)]
            job = f"{name}-h{i}"
            n.append(
                f"  - name: slo-{i:03d}\n    description: Requests of handler {i} without server errors\n    objective: {obj}\n"
                f"    sli:\n      ratio:\n        errors: http_requests_total{{job=\"{job}\",code=~\"5..\"}}\n"
                f"        total: http_requests_total{{job=\"{job}\"}}\n"
            )
            t.append(
                f"  - name: slo-{i:03d}\n    objective: {obj}\n    description: Requests of handler {i} without server errors\n"
                f"    sli:\n      events:\n        error_query: sum(rate(http_requests_total{{job=\"{job}\",code=~\"5..\"}}[{{{{.window}}}}]))\n"
                f"        total_query: sum(rate(http_requests_total{{job=\"{job}\"}}[{{{{.window}}}}]))\n"
                f"    alerting:\n      name: Svc{s:03d}Slo{i:03d}Burn\n      page_alert:\n        labels:\n          severity: critical\n"
                f"      ticket_alert:\n        labels:\n          severity: warning\n"
            )
        with open(os.path.join(native, f"{name}.yaml"), "w") as f:
            f.write("".join(n))
        with open(os.path.join(sloth, f"{name}.yaml"), "w") as f:
            f.write("".join(t))

if __name__ == "__main__":
    out = sys.argv[1]
    services = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    slos = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    main(out, services, slos)
