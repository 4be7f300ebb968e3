"""Judges the anagrams and hybrids of ``IllusionSweep.java`` with two judges, under two counting rules.

    /usr/bin/python3 onnx-export/mnist/illusion_quality.py --table TABLE.csv --dir OUT [--sheets SHEETS] [--json F]

For each row of the table (``IllusionSweep``'s columns) it reads ``OUT/<id>/anagram-<i>.png`` (the digit ``a``
upright) with ``view-<i>.png`` (the digit ``b`` through the view), or ``hybrid-<i>.png`` (``b``, up close) with
``far-<i>.png`` (``a``, the hybrid's low-pass blur, from afar). Two judges of different architectures read each
image: ``classifier.py``'s CNN (``judge-60k.pt``) and ``judge_mlp.py``'s MLP (``judge-mlp.pt``). A reading counts

- ``argmax``: when the CNN's most likely digit is the wanted one (the rule of the older figures);
- ``confident``: when the CNN gives the wanted digit a probability > 0.9;
- ``agree``: when the CNN's and the MLP's most likely digits are both the wanted one;
- ``either``: when it counts under ``confident`` or under ``agree`` (the two rules of the issue read as one);

and an illusion reads both ways when both of its readings count. It prints one line per row and writes the figures
as JSON with ``--json``. ``--sheets DIR`` writes a contact sheet per row, ``DIR/<id>.png``: pairs of rows, the
images as generated above, the second reading below, each 3x, framed green where both ways count under
``confident``, orange where they count under ``agree`` only, grey otherwise.
"""

import argparse
import csv
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

import judge_mlp
from classifier import DigitClassifier, load_png

HERE = os.path.dirname(os.path.abspath(__file__))


def judges(cnn_path, mlp_path):
    cnn = DigitClassifier()
    cnn.load_state_dict(torch.load(cnn_path, map_location="cpu"))
    cnn.eval()
    return cnn, judge_mlp.load(mlp_path)


def read(cnn, mlp, images, wanted):
    """Per image: whether it counts as ``wanted`` under each rule."""
    x = torch.from_numpy(np.stack(images))[:, None]
    with torch.no_grad():
        pc = F.softmax(cnn(x), 1)
        pm = F.softmax(mlp(x), 1)
    c_arg = pc.argmax(1) == wanted
    return {
        "argmax": c_arg.numpy(),
        "confident": (pc[:, wanted] > 0.9).numpy(),
        "agree": (c_arg & (pm.argmax(1) == wanted)).numpy(),
        "either": ((pc[:, wanted] > 0.9) | (c_arg & (pm.argmax(1) == wanted))).numpy(),
        "cnn": pc.argmax(1).numpy(),
        "mlp": pm.argmax(1).numpy(),
    }


def sheet(first, second, ok_conf, ok_agree, path, per_row=10):
    from PIL import Image

    s, pad = 3, 2
    n = len(first)
    rows = (n + per_row - 1) // per_row
    cell = 28 * s + 2 * pad
    out = Image.new("RGB", (per_row * cell, rows * 2 * cell), (40, 40, 40))
    for i in range(n):
        col, r = i % per_row, i // per_row
        colour = (0, 200, 0) if ok_conf[i] else (255, 140, 0) if ok_agree[i] else (90, 90, 90)
        for k, img in enumerate((first[i], second[i])):
            x0, y0 = col * cell, (2 * r + k) * cell
            frame = Image.new("RGB", (cell, cell), colour)
            g = Image.fromarray((img * 255).round().astype(np.uint8), "L").resize((28 * s, 28 * s), Image.NEAREST)
            frame.paste(g.convert("RGB"), (pad, pad))
            out.paste(frame, (x0, y0))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    out.save(path)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--table", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--cnn", default=os.path.join(HERE, "judge-60k.pt"))
    p.add_argument("--mlp", default=os.path.join(HERE, "judge-mlp.pt"))
    p.add_argument("--sheets")
    p.add_argument("--json")
    p.add_argument("--markdown", action="store_true", help="also print the rows as a Markdown table")
    args = p.parse_args()
    torch.set_num_threads(1)
    cnn, mlp = judges(args.cnn, args.mlp)
    results = {}
    with open(args.table) as f:
        rows = [r for r in csv.DictReader(f) if r["id"] and not r["id"].startswith("#")]
    for row in rows:
        folder = os.path.join(args.dir, row["id"])
        hybrid = row["technique"] == "hybrid"
        names = ("hybrid", "far") if hybrid else ("anagram", "view")
        n = int(row["count"])
        paths = [os.path.join(folder, f"{names[0]}-{i}.png") for i in range(n)]
        if not all(os.path.exists(q) for q in paths):
            print(f"{row['id']}: not generated yet")
            continue
        first = [load_png(q) for q in paths]
        second = [load_png(os.path.join(folder, f"{names[1]}-{i}.png")) for i in range(n)]
        a, b = int(row["a"]), int(row["b"])
        # a hybrid shows b up close (the image itself) and a from afar (its low-pass)
        r1 = read(cnn, mlp, first, b if hybrid else a)
        r2 = read(cnn, mlp, second, a if hybrid else b)
        res = dict(row)
        for rule in ("argmax", "confident", "agree", "either"):
            res[rule] = {
                "first": float(r1[rule].mean()),
                "second": float(r2[rule].mean()),
                "both": float((r1[rule] & r2[rule]).mean()),
            }
        res["cnn_reads_first"] = np.bincount(r1["cnn"], minlength=10).tolist()
        res["cnn_reads_second"] = np.bincount(r2["cnn"], minlength=10).tolist()
        results[row["id"]] = res
        print(f"{row['id']}: n={n} both ways argmax {res['argmax']['both']:.3f} confident {res['confident']['both']:.3f}"
              f" agree {res['agree']['both']:.3f} either {res['either']['both']:.3f}  (confident first/second {res['confident']['first']:.2f}/"
              f"{res['confident']['second']:.2f})", flush=True)
        if args.sheets:
            both_conf = r1["confident"] & r2["confident"]
            both_agree = r1["agree"] & r2["agree"]
            sheet(first, second, both_conf, both_agree, os.path.join(args.sheets, row["id"] + ".png"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    if args.markdown:
        print("| illusion | settings | n | both ways: argmax | confident | agree | either |")
        print("|---|---|---|---|---|---|---|")
        for r in results.values():
            if r["technique"] == "hybrid":
                what = f"{r['a']} from afar / {r['b']} up close, hybrid"
                how = f"blur sigma {r['view'] or 'library'}, guidance {r['guidance']}"
            else:
                what = f"{r['a']} \u2194 {r['b']}, {r['view']}"
                how = f"guidance {r['guidance']}, weights {r['weight']} / {1 - float(r['weight']):g}"
            how += f", {r['sampler']} {r['steps']}, seed {r['seed']}"
            pct = lambda v: f"{100 * v:.1f}%".replace(".0%", "%")
            print(f"| {what} | {how} | {r['count']} | {pct(r['argmax']['both'])} | "
                  f"{pct(r['confident']['both'])} | {pct(r['agree']['both'])} | {pct(r['either']['both'])} |")


if __name__ == "__main__":
    main()
