#!/usr/bin/env python3
"""Compares a sweep run as a Slurm job array with the same sweep run by a plain `capacity run`.

    compare-runs.py PLAIN_DIR SHARDED_DIR --shards N

PLAIN_DIR holds runs.jsonl; SHARDED_DIR must hold exactly runs.shard-i-of-N.jsonl for i in 0..N-1,
each with only its own runs (index % N == i) and no key twice. Every line must parse (no torn line
left). Then both must have the same keys and, run by run, the same record: every number compared
as its IEEE-754 bit pattern (integers exactly), except the timing fields, which measure the
machine and not the result: finishedAt, wallSeconds, metrics.tokensPerSecond.
Exit status 0 when equal, 1 otherwise; prints what differs.
"""
import argparse
import json
import os
import re
import struct
import sys

TIMING = {("finishedAt",), ("wallSeconds",), ("metrics", "tokensPerSecond")}


class F64:
    """A JSON number as its IEEE-754 binary64 bit pattern (equality is bit equality)."""
    __slots__ = ("bits", "text")

    def __init__(self, text):
        # Swift writes finite doubles as shortest round-trip decimals: Python parses them back
        # to the same double. (Non-finite values are strings: "nan", "inf".)
        self.text = text
        self.bits = struct.unpack("<Q", struct.pack("<d", float(text)))[0]

    def __eq__(self, other):
        return isinstance(other, F64) and self.bits == other.bits

    def __repr__(self):
        return f"{self.text} (0x{self.bits:016x})"


def load(path):
    records = []
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        raise SystemExit(f"{path}: the last line has no newline (a torn write was not repaired)")
    for n, line in enumerate(data.split(b"\n")[:-1], 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line, parse_float=F64))
        except ValueError as e:
            raise SystemExit(f"{path}: line {n} is not valid JSON ({e})")
    return records


def strip(value, path=()):
    if isinstance(value, dict):
        return {k: strip(v, path + (k,)) for k, v in value.items() if path + (k,) not in TIMING}
    if isinstance(value, list):
        return [strip(v, path) for v in value]
    return value


def diff(a, b, path=""):
    if type(a) != type(b):
        return [f"{path or '.'}: {a!r} vs {b!r}"]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'plain' if k in a else 'sharded'}")
            else:
                out += diff(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} vs {b!r}"]


def count_numbers(value):
    if isinstance(value, dict):
        return sum(count_numbers(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_numbers(v) for v in value)
    return 1 if isinstance(value, (int, F64)) and not isinstance(value, bool) else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("plain")
    p.add_argument("sharded")
    p.add_argument("--shards", type=int, required=True)
    args = p.parse_args()
    problems = []

    plain_files = sorted(f for f in os.listdir(args.plain) if f.startswith("runs") and f.endswith(".jsonl"))
    if plain_files != ["runs.jsonl"]:
        problems.append(f"{args.plain}: expected runs.jsonl alone, found {plain_files}")
    plain = {}
    for r in load(os.path.join(args.plain, "runs.jsonl")):
        if r["key"] in plain:
            problems.append(f"plain: key {r['key']} twice")
        plain[r["key"]] = r

    expected = [f"runs.shard-{i}-of-{args.shards}.jsonl" for i in range(args.shards)]
    found = sorted(f for f in os.listdir(args.sharded) if f.startswith("runs") and f.endswith(".jsonl"))
    if sorted(expected) != found:
        problems.append(f"{args.sharded}: expected {sorted(expected)}, found {found}")
    sharded, per_shard = {}, []
    for i, name in enumerate(expected):
        path = os.path.join(args.sharded, name)
        rows = load(path) if os.path.exists(path) else []
        per_shard.append(len(rows))
        for r in rows:
            if r["spec"]["index"] % args.shards != i:
                problems.append(f"{name}: run {r['key']} has index {r['spec']['index']}, not shard {i}'s")
            if r["key"] in sharded:
                problems.append(f"{name}: key {r['key']} already recorded by another line or shard")
            sharded[r["key"]] = r

    only_plain = sorted(set(plain) - set(sharded))
    only_sharded = sorted(set(sharded) - set(plain))
    if only_plain:
        problems.append(f"keys only in the plain run: {only_plain}")
    if only_sharded:
        problems.append(f"keys only in the sharded run: {only_sharded}")
    numbers = 0
    for key in sorted(set(plain) & set(sharded)):
        a, b = strip(plain[key]), strip(sharded[key])
        if a["status"] != "ok" or b["status"] != "ok":
            problems.append(f"{key}: status {a['status']} (plain) / {b['status']} (sharded)")
        d = diff(a, b)
        problems += [f"{key}{x}" for x in d[:10]]
        numbers += count_numbers(a)

    if not plain:
        problems.append("no runs at all")
    if problems:
        print("MISMATCH")
        for x in problems:
            print("  " + x)
        return 1
    print(f"equal: {len(plain)} runs, same keys; shards hold {'+'.join(map(str, per_shard))} runs; "
          f"{numbers} numbers bit-identical run by run (timings excluded: finishedAt, wallSeconds, tokensPerSecond)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
