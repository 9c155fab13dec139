#!/usr/bin/env python3
"""Rescores a model that `capacity export-model` wrote, with Hugging Face transformers alone, and
checks that it stores the bits its run recorded.

    capacity export-model results/S/checkpoints/KEY.ckpt --out /tmp/hf/KEY
    capacity export results/S KEY --out /tmp/hf/KEY.jsonl
    /tmp/hfvenv/bin/python scripts/hf/check_export.py /tmp/hf/KEY /tmp/hf/KEY.jsonl

The JSONL file (docs/export.md) gives the run's recorded metrics and what the evaluator scores:
one line per rendering with its text and its name, value and first-chunk spans. Nothing of
capacity's model or evaluator is used: the script encodes each text with the exported tokenizer
(and checks the ids against the recorded ones), runs `AutoModelForCausalLM` on the window
<|endoftext|> [<|domain|>] text, sums the cross-entropy (nats) over each span, averages as
docs/science.md defines p1, p2 (the value loss per person) and p3, recomputes the learned bits
from those formulas and R = bits / params, and compares each with the record: within 1e-5
relative, or 1e-5 absolute where the recorded value is below 1 (a loss near 0).

Not a dependency of the package and not part of `make test`: it needs torch and transformers,
e.g. `python3 -m venv /tmp/hfvenv && /tmp/hfvenv/bin/pip install torch transformers`.
Exit status 0 when every figure agrees, 1 otherwise.
"""
import argparse, json, math, sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

NAT = 1 / math.log(2)  # bits per nat


def read_export(path):
    """The header and the score lines of a `capacity export` file (the windows are not read)."""
    header, scores = None, []
    with open(path) as f:
        for line in f:
            o = json.loads(line)
            if o["type"] == "header":
                header = o
            elif o["type"] == "score":
                scores.append(o)
            else:
                break
    if header is None or header.get("status") != "ok" or "metrics" not in header:
        sys.exit(f"{path}: expected the export of a run recorded as ok (a header with metrics)")
    return header, scores


def span_losses(model, windows, batch=256):
    """Per window, the cross-entropy (nats) of token i given tokens < i, for i >= 1."""
    out = []
    for start in range(0, len(windows), batch):
        chunk = windows[start:start + batch]
        n = max(len(w) for w in chunk)
        ids = torch.tensor([w + [0] * (n - len(w)) for w in chunk])  # right padding: causal, unseen
        with torch.no_grad():
            logits = model(input_ids=ids).logits.double()
        logp = torch.log_softmax(logits[:, :-1], dim=-1)
        nll = -logp.gather(2, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
        out += [nll[j, :len(w) - 1].tolist() for j, w in enumerate(chunk)]
    return out


def learned_bits(info, people, p1, value_per_person, p3):
    """docs/science.md: the name, value and (bioD) diversity terms, in bits."""
    name = people * (info["log2NamePool"] - p1 * NAT) if info["kind"] != "random" else 0.0
    value = people * (info["log2ValueSpace"] - value_per_person * NAT)
    diversity = 0.0
    if info["kind"] == "bioD":
        log2d = math.log2(info["diversity"])
        if log2d < info["log2ChunkSpace"] - 1e-12:
            diversity = info["attributes"] * info["diversity"] * (info["log2ChunkSpace"] - log2d - p3 * NAT)
    return name + value + diversity


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir", help="a directory written by capacity export-model")
    ap.add_argument("export", help="the run's `capacity export` JSONL file")
    args = ap.parse_args()

    header, scores = read_export(args.export)
    info, m = header["information"], header["metrics"]
    if info["kind"] == "random":
        sys.exit(f"{args.export}: random(N, S, V) runs are not checked here (their bits are per sequence)")
    torch.set_num_threads(max(1, torch.get_num_threads()))
    tok = AutoTokenizer.from_pretrained(args.model_dir)
    model = AutoModelForCausalLM.from_pretrained(args.model_dir, dtype=torch.float32).eval()
    print(f"{args.model_dir}: {type(model).__name__}, {sum(p.numel() for p in model.parameters())} parameters, "
          f"{len(scores)} renderings of run {header['key']}")

    # The tokenizer: each text's ids are the recorded ones after the special-token prefix.
    windows, mismatched = [], 0
    for s in scores:
        ids = tok(s["text"], add_special_tokens=False)["input_ids"]
        prefix = s["tokens"][:s["nameSpan"][0]]  # <|endoftext|> [<|domain|>]
        if prefix + ids != s["tokens"]:
            mismatched += 1
        windows.append(prefix + ids)
    losses = span_losses(model, windows)

    def span(l, a, b):  # token i is predicted at position i - 1
        return sum(l[a - 1:b - 1])

    per_person = {}
    for s, l in zip(scores, losses):
        p = per_person.setdefault(s["person"], {"name": [], "value": [], "first": []})
        p["name"].append(span(l, *s["nameSpan"]))
        p["value"].append(sum(span(l, a, b) for a, b in s["valueSpans"]))
        p["first"].append([span(l, a, b) for a, b in s.get("firstChunkSpans", [])])
    mean = lambda xs: sum(xs) / len(xs)
    p1 = mean([mean(p["name"]) for p in per_person.values()])
    value = mean([mean(p["value"]) for p in per_person.values()])
    firsts = [x for p in per_person.values() for sample in p["first"] for x in sample]
    p3 = mean(firsts) if firsts else 0.0
    bits = learned_bits(info, info["people"], p1, value, p3)
    ratio = bits / m["paramsPaper"]

    rows = [("p1 (nats)", p1, m.get("p1Nats")), ("value loss per person (nats)", value, m.get("valueNatsPerPerson")),
            ("p3 (nats)", p3, m.get("p3Nats")), ("bits", bits, m["bits"]["total"]), ("R (bits/param)", ratio, m["capacityRatio"])]
    ok = mismatched == 0
    print(f"tokenizer: {len(scores) - mismatched} of {len(scores)} texts encode to the recorded ids")
    for label, got, want in rows:
        if want is None:
            continue
        diff = abs(got - want)
        tolerance = 1e-5 * (abs(want) if abs(want) >= 1 else 1)
        ok &= diff <= tolerance
        print(f"{label:30} HF {got:.9g}  recorded {want:.9g}  |diff| {diff:.2e}  {'ok' if diff <= tolerance else 'DIFFERS'}")
    print("agree" if ok else "DISAGREE")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
