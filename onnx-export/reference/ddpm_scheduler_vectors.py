"""Runs diffusers' own ``DDPMScheduler`` (v0.27.2, unmodified) over every configuration the library offers and
writes its outputs as the Java tests' reference vectors.

    pip install diffusers==0.27.2 torch numpy      # or any diffusers whose scheduling_ddpm.py is the same
    python onnx-export/reference/ddpm_scheduler_vectors.py --out testdata/reference/ddpm_diffusers.json

For each configuration (beta schedule, ``variance_type``, ``clip_sample`` and ``clip_sample_range``,
``thresholding`` with its ratio and ``sample_max_value``) the scheduler is given a custom timestep list and stepped
from every entry of it, the last included (diffusers' step from t = 0 to t = -1), on a unit-scale batch and on a
large one (|x| up to about 400). The noise of each step is drawn by the scheduler from a generator seeded with
``NOISE_SEED``; the same draw is stored as ``z``.

Writes one JSON file: ``inputs`` (``x_t``, ``eps``, ``v``, ``v_learned``, ``z``, and their ``large_`` variants, each
``{"shape": [...], "data": [...]}``), and ``cases``, a list of ``{"config": {...}, "input": "unit" | "large",
"timestep": t, "prev_timestep": t', "prev_sample": ..., "pred_original_sample": ...}``. The linear schedule is
diffusers' own indexing (0..T-1); part B's indexing of the library is that plus one.
"""

import argparse
import json

import torch
from diffusers import DDPMScheduler

NOISE_SEED = 1234
SHAPE = (2, 3, 6, 5)

COSINE_TIMESTEPS = [999, 990, 960, 690, 660, 500, 250, 31, 30, 2, 1, 0]
LINEAR_TIMESTEPS = [299, 298, 289, 150, 140, 10, 2, 1, 0]

CONFIGS = [
    # diffusers' defaults on IF's schedule
    dict(beta_schedule="squaredcos_cap_v2", variance_type="fixed_small"),
    dict(beta_schedule="squaredcos_cap_v2", variance_type="fixed_small", clip_sample=False),
    dict(beta_schedule="squaredcos_cap_v2", variance_type="fixed_large", clip_sample=True, clip_sample_range=2.0),
    dict(beta_schedule="squaredcos_cap_v2", variance_type="fixed_large", clip_sample=False),
    dict(beta_schedule="squaredcos_cap_v2", variance_type="learned", clip_sample=False),
    # the IF study: learned range, nothing clipped
    dict(beta_schedule="squaredcos_cap_v2", variance_type="learned_range", clip_sample=False),
    # IF stage I's scheduler config: thresholding on (it wins over clip_sample)
    dict(beta_schedule="squaredcos_cap_v2", variance_type="learned_range", clip_sample=True, thresholding=True,
         dynamic_thresholding_ratio=0.95, sample_max_value=1.5),
    # IF stage II's: clipping, no thresholding
    dict(beta_schedule="squaredcos_cap_v2", variance_type="learned_range", clip_sample=True),
    # diffusers' thresholding defaults
    dict(beta_schedule="squaredcos_cap_v2", variance_type="fixed_small", thresholding=True),
    # part B's linear schedule (T = 300)
    dict(beta_schedule="linear", num_train_timesteps=300, variance_type="fixed_large", clip_sample=False),
    dict(beta_schedule="linear", num_train_timesteps=300, variance_type="fixed_small"),
]


def pack(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def inputs():
    g = torch.Generator().manual_seed(14)
    unit = {
        "x_t": torch.randn(*SHAPE, generator=g),
        "eps": torch.randn(*SHAPE, generator=g) * 0.9,
        "v": torch.rand(*SHAPE, generator=g) * 2 - 1,
        "v_learned": torch.rand(*SHAPE, generator=g) * 0.02 + 1e-4,
    }
    large = {
        "x_t": torch.randn(*SHAPE, generator=g) * 140,
        "eps": torch.randn(*SHAPE, generator=g) * 100,
        "v": unit["v"],
        "v_learned": unit["v_learned"],
    }
    z = torch.randn(*SHAPE, generator=torch.Generator().manual_seed(NOISE_SEED))
    return unit, large, z


def run(config, timesteps, data):
    scheduler = DDPMScheduler(**config)
    scheduler.set_timesteps(timesteps=timesteps)
    learned = config["variance_type"] in ("learned", "learned_range")
    v = data["v_learned"] if config["variance_type"] == "learned" else data["v"]
    model_output = torch.cat([data["eps"], v], dim=1) if learned else data["eps"]
    out = []
    for i, t in enumerate(scheduler.timesteps.tolist()):
        generator = torch.Generator().manual_seed(NOISE_SEED)
        step = scheduler.step(model_output, t, data["x_t"], generator=generator)
        prev = timesteps[i + 1] if i + 1 < len(timesteps) else -1
        out.append((t, prev, step.prev_sample, step.pred_original_sample))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="testdata/reference/ddpm_diffusers.json")
    args = parser.parse_args()
    import diffusers

    unit, large, z = inputs()
    result = {"diffusers": diffusers.__version__, "torch": torch.__version__, "inputs": {"z": pack(z)}, "cases": []}
    for name, data in (("unit", unit), ("large", large)):
        for key, value in data.items():
            result["inputs"][("" if name == "unit" else "large_") + key] = pack(value)
    for config in CONFIGS:
        full = dict(DDPMScheduler(**config).config)
        keep = ["beta_schedule", "num_train_timesteps", "variance_type", "clip_sample", "clip_sample_range",
                "thresholding", "dynamic_thresholding_ratio", "sample_max_value"]
        stored = {k: full[k] for k in keep}
        timesteps = LINEAR_TIMESTEPS if config["beta_schedule"] == "linear" else COSINE_TIMESTEPS
        for name, data in (("unit", unit), ("large", large)):
            for t, prev, prev_sample, x0 in run(config, timesteps, data):
                result["cases"].append({"config": stored, "input": name, "timestep": t, "prev_timestep": prev,
                                        "prev_sample": pack(prev_sample), "pred_original_sample": pack(x0)})
    with open(args.out, "w") as f:
        json.dump(result, f, separators=(",", ":"))
    print(f"wrote {len(result['cases'])} steps of diffusers {diffusers.__version__} to {args.out}")


if __name__ == "__main__":
    main()
