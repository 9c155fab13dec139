#!/usr/bin/env python3
"""capacity against PyTorch (eager, CPU) on the three `capacity bench` configurations, in the same
minutes: for each round and thread count, `capacity bench --json` then `pytorch_bench.py --json`,
alternating, and the best tokens/s of each over the rounds (interference from other processes only
ever slows a run down). Prints a markdown table with the ratios and % of the measured peak.

Not part of the package or of `make test`; needs PyTorch in a virtual environment outside the
repository (see pytorch_bench.py). Run with nothing else on the machine:

    /tmp/venv/bin/python scripts/bench/side_by_side.py --capacity .build/release/capacity --rounds 2
"""
import argparse, json, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--capacity", required=True, help="path to the capacity binary")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", default="2,1", help="comma-separated thread counts")
    a = ap.parse_args()
    threads = [int(t) for t in a.threads.split(",")]
    best = {}  # (tool, threads, name) -> tokens/s
    peak = {}
    bits = None
    for r in range(a.rounds):
        for t in threads:
            for row in run_json([a.capacity, "bench", "--json", "--threads", str(t), "--steps", str(a.steps)]):
                key = ("capacity", t, row["name"])
                best[key] = max(best.get(key, 0), row["tokens_per_s"])
                peak[t] = max(peak.get(t, 0), row["peak_gflops"])
                peak[(t, row["name"])] = row["flops_per_token"]
                bits = row.get("peak_fma_bits")
            for row in run_json([sys.executable, os.path.join(HERE, "pytorch_bench.py"), "--json",
                                 "--threads", str(t), "--steps", str(a.steps)]):
                key = ("pytorch", t, row["name"])
                best[key] = max(best.get(key, 0), row["tokens_per_s"])
            print(f"round {r + 1}/{a.rounds}, {t} thread(s) done", file=sys.stderr)
    names = sorted({k[2] for k in best}, key=lambda n: [int(x) for x in n.split("-")[1:]])
    print(f"peak ({bits}-bit FMA, best of the rounds): " +
          ", ".join(f"{peak[t]:.1f} GFLOP/s on {t} thread(s)" for t in threads))
    head = "| config |" + "".join(f" capacity, {t} thr | PyTorch, {t} thr | ratio |" for t in threads)
    print(head)
    print("|---|" + "---|---|---|" * len(threads))
    for n in names:
        cells = []
        for t in threads:
            c, p = best[("capacity", t, n)], best[("pytorch", t, n)]
            pct = 100 * c * peak[(t, n)] / 1e9 / peak[t]
            cells.append(f" {c / 1e3:.2f}K ({pct:.0f}% of peak) | {p / 1e3:.2f}K | {c / p:.2f}× |")
        print(f"| {n} |" + "".join(cells))


if __name__ == "__main__":
    main()
