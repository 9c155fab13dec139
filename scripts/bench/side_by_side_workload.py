#!/usr/bin/env python3
"""capacity against PyTorch eager and torch.compile on the workload shapes (`capacity bench
--workload`: the widths 8-128 and 1-8 windows a step the committed scenarios train), one thread,
as the runner trains them one per core. Each round runs `capacity bench --workload --json`, then
`pytorch_bench.py --workload` eager, then compiled, alternating; the best tokens/s of each over
the rounds is kept (interference only ever slows a run down). Prints a markdown table with % of
one core's measured peak and the ratios.

Not part of the package or of `make test`; needs PyTorch in a virtual environment outside the
repository (see pytorch_bench.py; torch.compile needs a C++ compiler). Run with nothing else on
the machine:

    /tmp/venv/bin/python scripts/bench/side_by_side_workload.py --capacity .build/release/capacity --rounds 3
"""
import argparse, json, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--capacity", required=True, help="path to the capacity binary")
    ap.add_argument("--baseline", help="a second capacity binary (e.g. main before a change), timed in the same rounds")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    tools = [("capacity", a.capacity)] + ([("baseline", a.baseline)] if a.baseline else [])
    best, flops, peak, batch = {}, {}, 0.0, {}
    for r in range(a.rounds):
        for tool, binary in tools:
            for row in run_json([binary, "bench", "--workload", "--json", "--threads", str(a.threads), "--steps", str(a.steps)]):
                key = (tool, row["name"])
                best[key] = max(best.get(key, 0), row["tokens_per_s"])
                flops[row["name"]] = row["flops_per_token"]
                batch[row["name"]] = row["batch"]
                peak = max(peak, row["peak_gflops"])
        for compiled in (False, True):
            cmd = [sys.executable, os.path.join(HERE, "pytorch_bench.py"), "--workload", "--json",
                   "--threads", str(a.threads), "--steps", str(a.steps)] + (["--compile"] if compiled else [])
            for row in run_json(cmd):
                key = ("compile" if compiled else "eager", row["name"])
                best[key] = max(best.get(key, 0), row["tokens_per_s"])
        print(f"round {r + 1}/{a.rounds} done", file=sys.stderr)
    names = [n for n in dict.fromkeys(k[1] for k in best if k[0] == "capacity")]
    print(f"peak (best of the rounds): {peak:.1f} GFLOP/s on {a.threads} thread(s)")
    head = "| shape | B | capacity tok/s (% of peak) |" + (" baseline | capacity / baseline |" if a.baseline else "")
    head += " eager | torch.compile | vs eager | vs compile |"
    print(head)
    print("|---|---|---|" + ("---|---|" if a.baseline else "") + "---|---|---|---|")
    for n in names:
        c = best[("capacity", n)]
        pct = 100 * c * flops[n] / 1e9 / peak
        row = f"| {n} | {batch[n]} | {c / 1e3:.1f}K ({pct:.0f}%) |"
        if a.baseline:
            b = best[("baseline", n)]
            row += f" {b / 1e3:.1f}K | {c / b:.2f}× |"
        e, p = best[("eager", n)], best[("compile", n)]
        row += f" {e / 1e3:.1f}K | {p / 1e3:.1f}K | {c / e:.2f}× | {c / p:.2f}× |"
        print(row)


if __name__ == "__main__":
    main()
