"""Runs diffusers' own ``DDPMScheduler`` (v0.27.2, unmodified) through whole runs and writes the timestep lists and
trajectories as the Java tests' reference vectors for ``DDPMScheduler`` as a ``Scheduler``.

    pip install diffusers==0.27.2 torch numpy      # or any diffusers whose scheduling_ddpm.py is the same
    python onnx-export/reference/ddpm_run_vectors.py --out testdata/reference/ddpm_runs.json

``timesteps``: for IF's scheduler config (cosine, ``timestep_spacing="leading"``), the list of
``set_timesteps(num_inference_steps=n)`` for several ``n``. ``runs``: a whole run per case, either from
``set_timesteps(n)`` or from a custom list (``set_timesteps(timesteps=[...])``, whose last step goes from the last
entry to -1): per step the timestep, ``previous_timestep``, the model output fed (noise, and variance channels for a learned
variance), the
noise the scheduler drew (``variance_noise``, from a generator seeded with ``NOISE_SEED``) and the ``prev_sample``.

Writes one JSON file ``{"timesteps": [{"n": n, "timesteps": [...]}], "runs": [{"config": {...}, "n" or "custom":
..., "x_T": tensor, "steps": [{"t", "prev_t", "model_output", "noise", "prev_sample"}]}]}``, each tensor
``{"shape": [...], "data": [...]}``.
"""

import argparse
import json

import torch
from diffusers import DDPMScheduler

NOISE_SEED = 77
SHAPE = (1, 2, 4, 3)

IF_CONFIG = dict(beta_schedule="squaredcos_cap_v2", variance_type="learned_range", clip_sample=True,
                 thresholding=True, dynamic_thresholding_ratio=0.95, sample_max_value=1.5)
COUNTS = [1, 2, 3, 4, 7, 20, 33, 50, 100, 1000]

RUNS = [
    dict(config=IF_CONFIG, n=5),
    dict(config=dict(beta_schedule="squaredcos_cap_v2", variance_type="learned_range", clip_sample=False), n=4),
    dict(config=dict(beta_schedule="squaredcos_cap_v2", variance_type="fixed_small"), custom=[990, 700, 300, 31, 0]),
]


def pack(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def run(case, g_inputs):
    scheduler = DDPMScheduler(**case["config"])
    if "custom" in case:
        scheduler.set_timesteps(timesteps=case["custom"])
    else:
        scheduler.set_timesteps(case["n"])
    generator = torch.Generator().manual_seed(NOISE_SEED)
    x = torch.randn(SHAPE, generator=g_inputs)
    out = {k: v for k, v in case.items()}
    out["config"] = {k: v for k, v in scheduler.config.items() if isinstance(v, (bool, int, float, str))}
    out["x_T"] = pack(x)
    steps = []
    for t in scheduler.timesteps:
        t = int(t)
        # a stand-in model output: noise estimate and variance value in [-1, 1], from their own generator
        eps = torch.randn(SHAPE, generator=g_inputs)
        v = torch.rand(SHAPE, generator=g_inputs) * 2 - 1
        learned = scheduler.config.variance_type in ("learned", "learned_range")
        model_output = torch.cat([eps, v], dim=1) if learned else eps
        state = generator.get_state()
        noise = torch.randn(SHAPE, generator=generator) if t > 0 else None
        generator.set_state(state)
        prev = scheduler.step(model_output, t, x, generator=generator).prev_sample
        steps.append({"t": t, "prev_t": int(scheduler.previous_timestep(t)), "model_output": pack(model_output),
                      "noise": pack(noise) if noise is not None else None, "prev_sample": pack(prev)})
        x = prev
    out["steps"] = steps
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    timesteps = []
    for n in COUNTS:
        s = DDPMScheduler(**IF_CONFIG)
        s.set_timesteps(n)
        timesteps.append({"n": n, "timesteps": [int(t) for t in s.timesteps]})
    g_inputs = torch.Generator().manual_seed(5)
    runs = [run(c, g_inputs) for c in RUNS]
    with open(args.out, "w") as f:
        json.dump({"timesteps": timesteps, "runs": runs}, f)


if __name__ == "__main__":
    main()
