"""Runs diffusers' own ``DDIMScheduler`` and ``DPMSolverMultistepScheduler`` (v0.27.2, unmodified) through whole
sampling runs and writes every step as the Java tests' reference vectors.

    pip install diffusers==0.27.2 torch numpy      # or any diffusers whose two scheduler files are the same
    python onnx-export/reference/make_scheduler_reference.py --out testdata/reference

Writes ``ddim_diffusers.json`` and ``dpmsolver_multistep_diffusers.json``. Each run uses one of the library's two
schedules (IF's ``squaredcos_cap_v2`` with T = 1000, part B's ``linear`` 1e-4..0.02 with T = 300), calls
``set_timesteps(n)`` and then ``step`` at every timestep, feeding a deterministic stand-in for a model:

    model_output(k) = 0.6 * sample + 0.4 * roll(E, k)            (k = the step's index in the run)

where ``roll(E, k)`` is ``torch.roll(E.flatten(), k)`` reshaped (element ``i`` is ``E[(i - k) mod size]``). A
learned-variance run appends ``V`` as the second half of the channels (6 channels for 3): the DPM-Solver scheduler
drops it itself (``variance_type="learned_range"``), DDIM's is split off first, as ``IFPipeline`` does. DDIM with
``eta > 0`` and DPM-Solver's ``sde-dpmsolver++`` get ``variance_noise = roll(Z, k)``. An SDEdit run starts at index ``start`` from
``add_noise(X0, Z, timesteps[start])``.

Each file holds ``inputs``, ``linear_betas`` (DPM-Solver's file: upstream's float32 betas of the linear schedule), (``x_T``, ``E``, ``Z``, ``V``, ``X0``, each ``{"shape", "data"}``) and ``cases``: the
diffusers config (``config``; the linear schedule in diffusers' own indexing 0..T-1: part B's timestep is that plus
one), the step settings (``eta``, ``use_clipped_model_output``), ``num_inference_steps``, ``learned_variance``,
``start``, the ``timesteps`` upstream set, the ``add_noise`` result of an SDEdit run, and ``steps``: for each step
recorded (all of them in runs of up to 10 steps; the first two, every fifth and the last in longer ones) its ``index``,
``timestep``, ``prev_sample`` and ``pred_original_sample`` (for DPM-Solver the converted model output, the data
prediction the solver integrates).
"""

import argparse
import json
import os

import numpy as np
import torch
from diffusers import DDIMScheduler, DPMSolverMultistepScheduler

SHAPE = (2, 3, 3, 3)
SCHEDULES = {
    "cosine": dict(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2"),
    "linear": dict(num_train_timesteps=300, beta_schedule="linear", beta_start=1e-4, beta_end=0.02),
}
SPACINGS = ["leading", "trailing", "linspace"]
THRESHOLDING = dict(thresholding=True, dynamic_thresholding_ratio=0.95, sample_max_value=1.5)

# (config, step settings, num_inference_steps, learned variance, start index)
DDIM_RUNS = (
    [(dict(timestep_spacing=s, clip_sample=False), dict(eta=0.0), n, False, 0) for s in SPACINGS for n in (10, 20, 50)]
    + [(dict(timestep_spacing=s, clip_sample=False), dict(eta=0.5), 20, False, 0) for s in SPACINGS]
    + [
        # diffusers' defaults: leading, clip_sample on (range 1)
        (dict(), dict(eta=0.0), 10, False, 0),
        (dict(timestep_spacing="trailing", **THRESHOLDING), dict(eta=1.0), 20, False, 0),
        (dict(set_alpha_to_one=False, steps_offset=1, clip_sample_range=2.0), dict(eta=0.0), 10, False, 0),
        (dict(timestep_spacing="linspace"), dict(eta=0.3, use_clipped_model_output=True), 10, False, 0),
        (dict(timestep_spacing="trailing", clip_sample=False), dict(eta=0.0), 20, True, 0),
        (dict(timestep_spacing="trailing", clip_sample=False), dict(eta=0.0), 20, False, 8),
        (dict(timestep_spacing="leading", clip_sample=False), dict(eta=0.5), 7, False, 0),
        (dict(timestep_spacing="trailing", clip_sample=False), dict(eta=0.0), 7, False, 0),
    ]
)

DPM_RUNS = (
    [(dict(timestep_spacing=s), n, False, 0) for s in SPACINGS for n in (10, 20, 50)]
    + [
        (dict(timestep_spacing="leading", steps_offset=1), 10, False, 0),
        (dict(solver_type="heun"), 10, False, 0),
        (dict(solver_type="heun"), 20, False, 0),
        (dict(lower_order_final=False), 10, False, 0),
        (dict(euler_at_final=True), 20, False, 0),
        (dict(final_sigmas_type="sigma_min"), 10, False, 0),
        (dict(final_sigmas_type="sigma_min"), 20, False, 0),
        (dict(THRESHOLDING), 20, False, 0),
        (dict(variance_type="learned_range"), 20, True, 0),
        (dict(solver_order=1), 10, False, 0),
        (dict(lambda_min_clipped=-5.1), 20, False, 0),
        (dict(timestep_spacing="trailing"), 20, False, 8),
        (dict(timestep_spacing="trailing"), 7, False, 0),
        # order 3, the SDE variant, Karras sigmas, Lu's lambdas, more lists that end at -1
        (dict(solver_order=3), 10, False, 0),
        (dict(solver_order=3), 20, False, 0),
        (dict(solver_order=3, timestep_spacing="trailing"), 50, False, 0),
        (dict(solver_order=3, lower_order_final=False), 10, False, 0),
        (dict(solver_order=3, lambda_min_clipped=-5.1, timestep_spacing="leading", steps_offset=1), 20, False, 0),
        (dict(algorithm_type="sde-dpmsolver++"), 10, False, 0),
        (dict(algorithm_type="sde-dpmsolver++"), 20, False, 0),
        (dict(algorithm_type="sde-dpmsolver++", solver_type="heun"), 20, False, 0),
        (dict(algorithm_type="sde-dpmsolver++", solver_order=1, timestep_spacing="trailing"), 10, False, 0),
        (dict(algorithm_type="sde-dpmsolver++", final_sigmas_type="sigma_min"), 10, False, 0),
        (dict(algorithm_type="sde-dpmsolver++", timestep_spacing="trailing"), 20, False, 8),
        (dict(use_karras_sigmas=True), 10, False, 0),
        (dict(use_karras_sigmas=True, solver_order=3), 20, False, 0),
        (dict(use_karras_sigmas=True, algorithm_type="sde-dpmsolver++"), 20, False, 0),
        (dict(use_lu_lambdas=True), 10, False, 0),
        (dict(use_lu_lambdas=True, solver_order=3), 20, False, 0),
        (dict(use_lu_lambdas=True, final_sigmas_type="sigma_min"), 20, False, 0),
        (dict(lambda_min_clipped=-5.1, timestep_spacing="trailing"), 20, False, 0),
        (dict(lambda_min_clipped=-3.0), 10, False, 0),
        (dict(timestep_spacing="trailing", solver_order=3), 7, False, 0),
        (dict(timestep_spacing="trailing", algorithm_type="sde-dpmsolver++"), 7, False, 0),
        (dict(timestep_spacing="trailing", final_sigmas_type="sigma_min"), 14, False, 0),
    ]
)


DATA = {}  # the inputs, for dpm_step's SDE noise


def pack(t):
    t = t.detach().to(torch.float32).contiguous()
    # the shortest decimal of each float32 reads back as the same float32
    return {"shape": list(t.shape), "data": [float(repr(np.float32(v))) for v in t.reshape(-1).tolist()]}


def linear_betas():
    """Upstream's betas of the linear schedule (torch.linspace's own float32 values, which differ from the library's
    in the last place of some), so that a replay can isolate the scheduler from the schedule."""
    return pack(DPMSolverMultistepScheduler(**SCHEDULES["linear"]).betas)["data"]


def roll(t, k):
    return torch.roll(t.flatten(), k).reshape(t.shape)


def inputs():
    g = torch.Generator().manual_seed(17)
    return {
        "x_T": torch.randn(*SHAPE, generator=g),
        "E": torch.randn(*SHAPE, generator=g),
        "Z": torch.randn(*SHAPE, generator=g),
        "V": torch.rand(*SHAPE, generator=g) * 2 - 1,
        "X0": torch.rand(*SHAPE, generator=g) * 2 - 1,
    }


def recorded(k, n):
    return n <= 10 or k < 2 or k % 5 == 4 or k == n - 1


def model_output(data, sample, k, learned):
    eps = 0.6 * sample + 0.4 * roll(data["E"], k)
    return torch.cat([eps, data["V"]], dim=1) if learned else eps


def stored_config(scheduler, keys):
    full = dict(scheduler.config)
    return {k: full[k] for k in keys if k in full}


def case(scheduler, keys, n, learned, start, data, settings, run_step):
    scheduler.set_timesteps(n)
    timesteps = scheduler.timesteps.tolist()
    c = dict(config=stored_config(scheduler, keys), num_inference_steps=n, learned_variance=learned, start=start,
             timesteps=timesteps, steps=[], **settings)
    sample = data["x_T"]
    if start > 0:
        sample = scheduler.add_noise(data["X0"], data["Z"], torch.tensor([timesteps[start]]))
        c["add_noise"] = pack(sample)
    for k in range(start, len(timesteps)):
        prev_sample, x0 = run_step(scheduler, model_output(data, sample, k, learned), timesteps[k], sample, k)
        if recorded(k, len(timesteps)):
            c["steps"].append(dict(index=k, timestep=timesteps[k], prev_sample=pack(prev_sample),
                                   pred_original_sample=pack(x0)))
        sample = prev_sample
    return c


DDIM_KEYS = ["num_train_timesteps", "beta_schedule", "beta_start", "beta_end", "clip_sample", "clip_sample_range",
             "set_alpha_to_one", "steps_offset", "prediction_type", "thresholding", "dynamic_thresholding_ratio",
             "sample_max_value", "timestep_spacing"]
DPM_KEYS = ["num_train_timesteps", "beta_schedule", "beta_start", "beta_end", "solver_order", "prediction_type",
            "thresholding", "dynamic_thresholding_ratio", "sample_max_value", "algorithm_type", "solver_type",
            "lower_order_final", "euler_at_final", "final_sigmas_type", "lambda_min_clipped", "variance_type",
            "timestep_spacing", "steps_offset", "use_karras_sigmas", "use_lu_lambdas"]


def ddim_cases(data):
    out = []
    for schedule in SCHEDULES.values():
        for config, settings, n, learned, start in DDIM_RUNS:
            def ddim_step(scheduler, output, t, sample, k):
                if learned:  # IFPipeline: noise_pred, _ = noise_pred.split(model_input.shape[1], dim=1)
                    output, _ = output.split(sample.shape[1], dim=1)
                noise = roll(data["Z"], k) if settings["eta"] > 0 else None
                r = scheduler.step(output, t, sample, variance_noise=noise, **settings)
                return r.prev_sample, r.pred_original_sample

            scheduler = DDIMScheduler(**schedule, **config)
            full = dict(eta=settings["eta"], use_clipped_model_output=settings.get("use_clipped_model_output", False))
            out.append(case(scheduler, DDIM_KEYS, n, learned, start, data, full, ddim_step))
    return out


def dpm_step(scheduler, output, t, sample, k):
    noise = roll(DATA["Z"], k) if scheduler.config.algorithm_type == "sde-dpmsolver++" else None
    prev_sample = scheduler.step(output, t, sample, variance_noise=noise).prev_sample
    return prev_sample, scheduler.model_outputs[-1]


def dpm_cases(data):
    out = []
    DATA.update(data)
    for schedule in SCHEDULES.values():
        for config, n, learned, start in DPM_RUNS:
            if (config.get("use_karras_sigmas") or config.get("use_lu_lambdas")) and schedule["beta_schedule"] == (
                    "squaredcos_cap_v2"):
                continue  # repeats timestep 999 at the start, where upstream's first index_for_timestep overruns
            scheduler = DPMSolverMultistepScheduler(**schedule, **config)
            out.append(case(scheduler, DPM_KEYS, n, learned, start, data, {}, dpm_step))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="testdata/reference", help="folder for the two JSON files")
    args = parser.parse_args()
    import diffusers

    data = inputs()
    packed = {k: pack(v) for k, v in data.items()}
    for name, cases in (("ddim_diffusers", ddim_cases(data)), ("dpmsolver_multistep_diffusers", dpm_cases(data))):
        result = {"diffusers": diffusers.__version__, "torch": torch.__version__, "inputs": packed, "cases": cases}
        if name != "ddim_diffusers":
            result["linear_betas"] = linear_betas()
        path = os.path.join(args.out, name + ".json")
        with open(path, "w") as f:
            json.dump(result, f, separators=(",", ":"))
        steps = sum(len(c["steps"]) for c in cases)
        print(f"wrote {len(cases)} runs ({steps} steps) of diffusers {diffusers.__version__} to {path}")


if __name__ == "__main__":
    main()
