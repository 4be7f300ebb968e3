"""Samples 500 digits from the averaged weights of time-model runs and judges them (on a GPU when torch sees one).

    /usr/bin/python3 onnx-export/mnist/judge_runs.py --judge onnx-export/mnist/judge-60k.pt RUN_DIR [RUN_DIR ...]

For each run folder of ``train.py --model time --ema R`` it takes the last ``epoch<N>_ema.pt`` snapshot and, when the
run stopped between snapshots (``--max-minutes``), the averaged weights in ``checkpoint.pt``; samples ``--count``
digits with the full 300-step DDPM chain of ``ddpm.sample`` (seeded, so runs compare on the same noise); rounds them
to 8-bit pixels as a PNG would; and prints the share the judge assigns to a digit with confidence > 0.9 and the count
per digit. ``--save DIR`` also writes each judged set of weights there as ``<run>-<label>.pt``; ``results.json`` lands
in ``--save`` (or the current folder).
"""

import argparse
import glob
import json
import os
import re

import numpy as np
import torch
import torch.nn.functional as F

import ddpm
import unet
from classifier import DigitClassifier


def candidates(run):
    """The (label, state dict) pairs of a run worth judging: its last EMA snapshot and a later checkpoint."""
    snaps = sorted(glob.glob(os.path.join(run, "epoch*_ema.pt")), key=lambda p: int(re.search(r"epoch(\d+)_", p).group(1)))
    out, last = [], None
    if snaps:
        last = int(re.search(r"epoch(\d+)_", snaps[-1]).group(1))
        out.append((f"epoch{last}", torch.load(snaps[-1], map_location="cpu")))
    ck = os.path.join(run, "checkpoint.pt")
    if os.path.exists(ck):
        c = torch.load(ck, map_location="cpu")
        if c.get("ema") is None:
            raise SystemExit(f"{ck}: the run kept no averaged weights (train.py --ema)")
        if last != c["epoch"] or c["batch_index"]:
            out.append((f"ckpt-e{c['epoch']}b{c['batch_index']}", {k: v.cpu() for k, v in c["ema"].items()}))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", help="run folders of train.py --model time --ema R")
    p.add_argument("--judge", required=True, help="classifier weights (classifier.py train)")
    p.add_argument("--count", type=int, default=500)
    p.add_argument("--seed", type=int, default=1, help="the sampling seed (report on a seed not looked at in tuning)")
    p.add_argument("--save", help="folder for the judged weights and results.json")
    args = p.parse_args()
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    judge = DigitClassifier()
    judge.load_state_dict(torch.load(args.judge, map_location="cpu"))
    judge.eval()
    results = {}
    for run in args.runs:
        settings = json.load(open(os.path.join(run, "settings.json")))
        for label, state in candidates(run):
            model = unet.build("time", settings["hidden"])
            model.load_state_dict(state)
            model.to(dev).eval()
            x = ddpm.sample(lambda x, t: model(x.to(dev), t.to(dev)).cpu(), args.count, torch.Generator().manual_seed(args.seed))
            with torch.no_grad():
                probs = F.softmax(judge(x.clamp(0, 1).mul(255).round().div(255)), 1)
            conf, pred = probs.max(1)
            counts = np.bincount(pred[conf > 0.9].numpy(), minlength=10)
            key = f"{os.path.basename(os.path.normpath(run))}:{label}"
            results[key] = dict(share=float((conf > 0.9).float().mean()), counts=counts.tolist(), hidden=settings["hidden"])
            print(key, results[key], flush=True)
            if args.save:
                os.makedirs(args.save, exist_ok=True)
                torch.save(state, os.path.join(args.save, key.replace(":", "-") + ".pt"))
    with open(os.path.join(args.save or ".", "results.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
