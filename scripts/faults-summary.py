#!/usr/bin/env python3
# Sums the per-iteration lines of fault-campaign logs (go test -v output of
# tests/faults, several chunks) into one table per fault, in Markdown.
# Usage: scripts/faults-summary.py camp-*.log
import re, sys, statistics
rows = {}
pat = re.compile(r'iteration\s+(\d+) (\S+)\s+(\S+) -> (\S+)\s+takeover\s+([\d.]+)s stall\s+([\d.]+)s samples\s+(\d+) violations (\d+) lost (\S+)\s*(.*)')
total = 0
for f in sys.argv[1:]:
    for line in open(f):
        m = pat.search(line)
        if not m:
            continue
        total += 1
        _, fault, frm, to, tk, st, samples, viol, lost, rest = m.groups()
        r = rows.setdefault(fault, dict(n=0, viol=0, lost=0, prob=0, tk=[], st=[], samples=0))
        r['n'] += 1; r['viol'] += int(viol); r['lost'] += lost == 'true'; r['samples'] += int(samples)
        r['prob'] += 1 if rest.strip() else 0
        r['tk'].append(float(tk)); r['st'].append(float(st))
print(f"{total} iterations")
print("| fault | iterations | violations | lost writes | iterations with problems | median / worst takeover (s) | median / worst stall (s) | samples |")
print("|---|---|---|---|---|---|---|---|")
for k in sorted(rows):
    r = rows[k]
    tk = [x for x in r['tk'] if x > 0]
    tks = f"{statistics.median(tk):.2f} / {max(tk):.2f}" if tk else "-"
    print(f"| {k} | {r['n']} | {r['viol']} | {r['lost']} | {r['prob']} | {tks} | {statistics.median(r['st']):.2f} / {max(r['st']):.2f} | {r['samples']} |")
