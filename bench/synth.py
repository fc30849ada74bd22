#!/usr/bin/env python3
"""Writes a synthetic fleet: N services × M SLOs, once in sloforge's native format and once in
Sloth's prometheus/v1 format, with the same SLOs (ratio SLIs over counters).

    synth.py OUT [SERVICES [SLOS]] [--style plain|mixed]

`plain` (the default): one service per file, plain block YAML throughout.

`mixed`: the same services and SLOs, written as people write YAML: plain, single- and
double-quoted scalars (with escapes), flow mappings (`labels: {severity: page}`) and flow
sequences over several lines, full-line and trailing comments, anchors and aliases, `<<` merge
keys (native format only: slokit does not expand them), literal and folded block scalars
(`|-`, `>-`) for descriptions, `---` document starts and `...` ends, and one file in five holding
two services (80 files for 100 services). Fewer than 100 aliases a document: serde-saphyr's default budget
refuses more than ten aliases an anchor from 100 aliases on. Every value is the same as in the
plain fleet, so both give the same rules (apart from the source file named in each rule file's
first line), with sloforge and with slokit."""
import argparse
import os

OBJECTIVES = ["99.9", "99.5", "99.95", "99", "99.99"]


def objective(s, i):
    return OBJECTIVES[(s + i) % len(OBJECTIVES)]


def errors_sel(name, i):
    return f'http_requests_total{{job="{name}-h{i}",code=~"5.."}}'


def total_sel(name, i):
    return f'http_requests_total{{job="{name}-h{i}"}}'


def window_query(sel):
    return f"sum(rate({sel}[{{{{.window}}}}]))"


def description(i):
    return f"Requests of handler {i} without server errors"


def dq(s):
    """A double-quoted YAML scalar."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sq(s):
    """A single-quoted YAML scalar."""
    return "'" + s.replace("'", "''") + "'"


# --- plain style ---------------------------------------------------------------------------


def plain_native(s, slos):
    name = f"svc-{s:03d}"
    n = [f"apiVersion: sloforge.dev/v1\nkind: Service\nname: {name}\nteam: team-{s % 10}\nlabels:\n  domain: d{s % 7}\nslos:\n"]
    for i in range(slos):
        n.append(
            f"  - name: slo-{i:03d}\n    description: {description(i)}\n    objective: {objective(s, i)}\n"
            f"    sli:\n      ratio:\n        errors: {errors_sel(name, i)}\n"
            f"        total: {total_sel(name, i)}\n"
        )
    return "".join(n)


def plain_sloth(s, slos):
    name = f"svc-{s:03d}"
    t = [f"version: prometheus/v1\nservice: {name}\nlabels:\n  owner: team-{s % 10}\n  domain: d{s % 7}\nslos:\n"]
    for i in range(slos):
        t.append(
            f"  - name: slo-{i:03d}\n    objective: {objective(s, i)}\n    description: {description(i)}\n"
            f"    sli:\n      events:\n        error_query: {window_query(errors_sel(name, i))}\n"
            f"        total_query: {window_query(total_sel(name, i))}\n"
            f"    alerting:\n      name: Svc{s:03d}Slo{i:03d}Burn\n      page_alert:\n        labels:\n          severity: critical\n"
            f"      ticket_alert:\n        labels:\n          severity: warning\n"
        )
    return "".join(t)


# --- mixed style ---------------------------------------------------------------------------


def mixed_native(s, slos, json_style):
    """One native Service document in mixed style (without its `---`)."""
    name = f"svc-{s:03d}"
    api = ["apiVersion: sloforge.dev/v1", 'apiVersion: "sloforge.dev/v1"', "apiVersion: 'sloforge.dev/v1'"][s % 3]
    out = [
        f"# {name}: checkout handlers, owned by team-{s % 10}.\n",
        f"{api}\n",
        "kind: Service   # one service per document\n" if s % 2 else "kind: 'Service'\n",
        f"name: {name}\n" if s % 4 else f'name: "{name}"\n',
        f"team: {sq(f'team-{s % 10}')}\n",
        f"labels: &labels {{domain: d{s % 7}}}\n",
    ]
    if json_style:
        out.append("slos: [\n")
        items = []
        for i in range(slos):
            items.append(
                f"  {{name: slo-{i:03d}, description: {dq(description(i))}, objective: {objective(s, i)}, "
                f"sli: {{ratio: {{errors: {sq(errors_sel(name, i))}, total: {dq(total_sel(name, i))}}}}}}}"
            )
        out.append(",\n".join(items))
        out.append("\n]\n")
        return "".join(out)
    out.append("slos:\n")
    for i in range(slos):
        v = (s * 7 + i) % 8
        desc = description(i)
        obj = objective(s, i)
        err, tot = errors_sel(name, i), total_sel(name, i)
        if v == 0:
            out.append(
                f"  - name: slo-{i:03d}\n    description: {desc}\n    objective: {obj}   # percent of requests\n"
                f"    sli:\n      ratio:\n        errors: {err}\n        total: {tot}\n"
            )
        elif v == 1:
            out.append(
                f"  - name: {dq(f'slo-{i:03d}')}\n    description: {dq(desc)}\n    objective: {obj}\n"
                f"    sli:\n      ratio:\n        errors: {dq(err)}\n        total: {dq(tot)}\n"
            )
        elif v == 2:
            out.append(
                f"  - name: {sq(f'slo-{i:03d}')}\n    description: {sq(desc)}\n    objective: {obj}\n"
                f"    sli:\n      ratio:\n        errors: {sq(err)}\n        total: {sq(tot)}  # all requests\n"
            )
        elif v == 3:
            head, tail = desc.split(" without ")
            out.append(
                f"  - name: slo-{i:03d}\n    description: >-\n      {head}\n      without {tail}\n    objective: {obj}\n"
                f"    sli: {{ratio: {{errors: {sq(err)}, total: {sq(tot)}}}}}\n"
            )
        elif v == 4:
            out.append(
                f"  # handler {i}: 5xx responses are errors\n"
                f"  - name: slo-{i:03d}\n    description: |-\n      {desc}\n    objective: {obj}\n    labels: *labels\n"
                f"    sli:\n      ratio:\n        # server errors\n        errors: {err}\n        total: {tot}\n"
            )
        elif v == 5:
            out.append(
                f"  - {{name: slo-{i:03d}, description: {dq(desc)}, objective: {obj}, "
                f"sli: {{ratio: {{errors: {sq(err)}, total: {sq(tot)}}}}}}}\n"
            )
        elif v == 6:
            out.append(
                f"  - name: slo-{i:03d}\n    description: {desc}\n    objective: {obj}\n"
                f"    labels:\n      <<: *labels\n"
                f"    sli:\n      ratio: {{errors: {sq(err)},\n               total: {dq(tot)}}}\n"
            )
        else:
            out.append(
                f"  -\n    name: slo-{i:03d}\n\n    description: {sq(desc)}\n    objective: {obj}\n"
                f"    sli:\n      ratio:\n        errors: {dq(err)}   # 'quoted' # text\n        total: {sq(tot)}\n"
            )
    return "".join(out)


def mixed_sloth(s, slos, json_style):
    """One Sloth prometheus/v1 document in mixed style (without its `---`)."""
    name = f"svc-{s:03d}"
    version = ["version: prometheus/v1", 'version: "prometheus/v1"', "version: 'prometheus/v1'"][s % 3]
    out = [
        f"# {name}: checkout handlers, owned by team-{s % 10}.\n",
        f"{version}\n",
        f"service: {name}\n" if s % 4 else f'service: "{name}"\n',
        f"labels: {{owner: {sq(f'team-{s % 10}')}, domain: d{s % 7}}}\n",
    ]
    if json_style:
        out.append("slos: [\n")
        items = []
        for i in range(slos):
            items.append(
                f"  {{name: slo-{i:03d}, objective: {objective(s, i)}, description: {dq(description(i))}, "
                f"sli: {{events: {{error_query: {sq(window_query(errors_sel(name, i)))}, "
                f"total_query: {dq(window_query(total_sel(name, i)))}}}}}, "
                f"alerting: {{name: Svc{s:03d}Slo{i:03d}Burn, page_alert: {{labels: {{severity: critical}}}}, "
                f"ticket_alert: {{labels: {{severity: warning}}}}}}}}"
            )
        out.append(",\n".join(items))
        out.append("\n]\n")
        return "".join(out)
    out.append("slos:\n")
    for i in range(slos):
        v = (s * 7 + i) % 8
        desc = description(i)
        obj = objective(s, i)
        eq, tq = window_query(errors_sel(name, i)), window_query(total_sel(name, i))
        alert = f"Svc{s:03d}Slo{i:03d}Burn"
        if i == 0:
            # The first SLO of the document holds the anchors the others refer to.
            out.append(
                f"  - name: slo-{i:03d}\n    objective: {obj}\n    description: {desc}\n"
                f"    sli:\n      events:\n        error_query: {eq}\n        total_query: {tq}\n"
                f"    alerting:\n      name: {alert}\n      page_alert: &page\n        labels: {{severity: critical}}\n"
                f"      ticket_alert: &ticket\n        labels:\n          severity: warning   # business hours\n"
            )
        elif v == 0:
            out.append(
                f"  - name: slo-{i:03d}\n    objective: {obj}   # percent of requests\n    description: {desc}\n"
                f"    sli:\n      events:\n        error_query: {eq}\n        total_query: {tq}\n"
                f"    alerting:\n      name: {alert}\n      page_alert:\n        labels:\n          severity: critical\n"
                f"      ticket_alert:\n        labels:\n          severity: warning\n"
            )
        elif v == 1:
            out.append(
                f"  - name: {dq(f'slo-{i:03d}')}\n    objective: {obj}\n    description: {dq(desc)}\n"
                f"    sli:\n      events:\n        error_query: {dq(eq)}\n        total_query: {dq(tq)}\n"
                f"    alerting:\n      name: {dq(alert)}\n      page_alert: *page\n      ticket_alert: *ticket\n"
            )
        elif v == 2:
            out.append(
                f"  - name: {sq(f'slo-{i:03d}')}\n    objective: {obj}\n    description: {sq(desc)}\n"
                f"    sli:\n      events:\n        error_query: {sq(eq)}\n        total_query: {sq(tq)}  # all requests\n"
                f"    alerting:\n      name: {sq(alert)}\n      page_alert: {{labels: {{severity: 'critical'}}}}\n"
                f"      ticket_alert: {{labels: {{severity: \"warning\"}}}}\n"
            )
        elif v == 3:
            head, tail = desc.split(" without ")
            out.append(
                f"  - name: slo-{i:03d}\n    objective: {obj}\n    description: >-\n      {head}\n      without {tail}\n"
                f"    sli: {{events: {{error_query: {sq(eq)}, total_query: {sq(tq)}}}}}\n"
                f"    alerting: {{name: {alert}, page_alert: *page, ticket_alert: *ticket}}\n"
            )
        elif v == 4:
            out.append(
                f"  # handler {i}: 5xx responses are errors\n"
                f"  - name: slo-{i:03d}\n    objective: {obj}\n    description: |-\n      {desc}\n"
                f"    sli:\n      events:\n        # server errors\n        error_query: {eq}\n        total_query: {tq}\n"
                f"    alerting:\n      name: {alert}\n      page_alert:\n        labels: {{severity: critical}}\n      ticket_alert:\n        labels: {{severity: warning}}\n"
            )
        elif v == 5:
            out.append(
                f"  - {{name: slo-{i:03d}, objective: {obj}, description: {dq(desc)}, "
                f"sli: {{events: {{error_query: {sq(eq)}, total_query: {sq(tq)}}}}}, "
                f"alerting: {{name: {alert}, page_alert: *page, ticket_alert: *ticket}}}}\n"
            )
        elif v == 6:
            out.append(
                f"  - name: slo-{i:03d}\n    objective: {obj}\n    description: {desc}\n"
                f"    sli:\n      events: {{error_query: {sq(eq)},\n               total_query: {dq(tq)}}}\n"
                f"    alerting:\n      name: {alert}\n      page_alert: {{labels: {{severity: critical}}}}\n      ticket_alert: {{labels: {{severity: warning}}}}\n"
            )
        else:
            out.append(
                f"  -\n    name: slo-{i:03d}\n\n    objective: {obj}\n    description: {sq(desc)}\n"
                f"    sli:\n      events:\n        error_query: {dq(eq)}   # 'quoted' # text\n        total_query: {sq(tq)}\n"
                f"    alerting:\n      name: {alert}\n      page_alert:\n        labels:\n          severity: critical\n"
                f"      ticket_alert:\n        labels: {{severity: 'warning'}}\n"
            )
    return "".join(out)


def mixed_file(write, s, slos, two):
    """The text of one mixed-style file: service `s`, and `s + 1` too when `two`."""
    parts = [f"# Benchmark fleet, file {s:03d} (mixed YAML style)\n---\n", write(s, slos, False)]
    if two:
        parts.append("...\n" if s % 10 == 3 else "")
        parts.append("---\n")
        parts.append(write(s + 1, slos, s % 10 == 3))
    return "".join(parts)


def main(out, services=100, slos=100, style="plain"):
    native = os.path.join(out, "native")
    sloth = os.path.join(out, "sloth")
    os.makedirs(native, exist_ok=True)
    os.makedirs(sloth, exist_ok=True)
    s = 0
    while s < services:
        name = f"svc-{s:03d}"
        if style == "plain":
            texts = plain_native(s, slos), plain_sloth(s, slos)
            step = 1
        else:
            two = s % 5 == 3 and s + 1 < services
            texts = mixed_file(mixed_native, s, slos, two), mixed_file(mixed_sloth, s, slos, two)
            step = 2 if two else 1
        for d, text in zip((native, sloth), texts):
            with open(os.path.join(d, f"{name}.yaml"), "w") as f:
                f.write(text)
        s += step


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="Writes a synthetic SLO fleet.")
    ap.add_argument("out")
    ap.add_argument("services", nargs="?", type=int, default=100)
    ap.add_argument("slos", nargs="?", type=int, default=100)
    ap.add_argument("--style", choices=["plain", "mixed"], default="plain")
    a = ap.parse_args()
    main(a.out, a.services, a.slos, a.style)
