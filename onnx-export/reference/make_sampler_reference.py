"""Runs diffusers' own ``EulerAncestralDiscreteScheduler``, ``LMSDiscreteScheduler`` and ``UniPCMultistepScheduler``
(v0.27.2, unmodified) through whole sampling runs and writes every step as the Java tests' reference vectors.

    pip install diffusers==0.27.2 torch numpy scipy   # LMS integrates its coefficients with scipy
    python onnx-export/reference/make_sampler_reference.py --out testdata/reference

Writes ``euler_ancestral_diffusers.json``, ``lms_discrete_diffusers.json`` and ``unipc_multistep_diffusers.json`` in
the format of ``make_scheduler_reference.py`` (same inputs, same stand-in model, same recorded steps), with two
additions that a pipeline makes for the sigma-scaled schedulers (Euler, LMS): the run starts from
``x_T * init_noise_sigma`` and the stand-in model sees ``scale_model_input(sample, t)``:

    model_output(k) = 0.6 * scale_model_input(sample, t_k) + 0.4 * roll(E, k)

Each file also holds ``linear_betas``, upstream's float32 betas of the linear schedule (torch.linspace's values, one unit
in the last place from the library's in some entries: third-order runs amplify that beyond 1e-5, so the replays take
upstream's). Each case stores ``init_noise_sigma`` and its ``timesteps`` as upstream set them (floats for Euler and LMS, whose
``linspace`` and Karras timesteps are fractional). Euler Ancestral draws its step noise with diffusers'
``randn_tensor``; the script points the scheduler module's ``randn_tensor`` name at ``roll(Z, k)`` for step ``k``
(the scheduler's code itself is unchanged). UniPC returns no clean estimate; its ``pred_original_sample`` is the
converted model output it keeps (``model_outputs[-1]``), as the DPM-Solver runs record.
"""

import argparse
import json
import os

import torch
from diffusers import EulerAncestralDiscreteScheduler, LMSDiscreteScheduler, UniPCMultistepScheduler
from diffusers.schedulers import scheduling_euler_ancestral_discrete

from make_scheduler_reference import (SCHEDULES, SPACINGS, THRESHOLDING, inputs, linear_betas, pack, recorded, roll,
                                     stored_config)

# (config, step settings, num_inference_steps, learned variance, start index)
EULER_A_RUNS = (
    [(dict(timestep_spacing=s), {}, n, False, 0) for s in SPACINGS for n in (10, 20)]
    + [
        (dict(timestep_spacing="leading", steps_offset=1), {}, 50, False, 0),
        (dict(timestep_spacing="trailing"), {}, 20, False, 8),
        (dict(timestep_spacing="leading", steps_offset=1), {}, 20, False, 5),
        (dict(timestep_spacing="trailing"), {}, 7, False, 0),
    ]
)
LMS_RUNS = (
    [(dict(timestep_spacing=s), {}, n, False, 0) for s in SPACINGS for n in (10, 20)]
    + [
        (dict(timestep_spacing="leading", steps_offset=1), {}, 50, False, 0),
        (dict(timestep_spacing="leading", steps_offset=1), dict(order=2), 20, False, 0),
        (dict(timestep_spacing="trailing"), dict(order=1), 10, False, 0),
        (dict(timestep_spacing="trailing"), dict(order=3), 10, False, 0),
        (dict(use_karras_sigmas=True), {}, 10, False, 0),
        (dict(use_karras_sigmas=True, timestep_spacing="trailing"), {}, 20, False, 0),
        (dict(timestep_spacing="trailing"), {}, 20, False, 8),
        (dict(timestep_spacing="trailing"), {}, 7, False, 0),
    ]
)
UNIPC_RUNS = (
    [(dict(timestep_spacing=s, solver_order=o), {}, n, False, 0) for s in SPACINGS for o in (1, 2, 3)
     for n in (10, 20)]
    + [
        (dict(timestep_spacing="leading", steps_offset=1), {}, 50, False, 0),
        (dict(solver_order=3), {}, 50, False, 0),
        (dict(solver_type="bh1"), {}, 10, False, 0),
        (dict(solver_type="bh1", solver_order=3), {}, 20, False, 0),
        (dict(lower_order_final=False), {}, 10, False, 0),
        (dict(lower_order_final=False, solver_order=3), {}, 10, False, 0),
        (dict(disable_corrector=[0]), {}, 10, False, 0),
        (dict(disable_corrector=[0, 3, 4]), {}, 10, False, 0),
        (dict(use_karras_sigmas=True), {}, 10, False, 0),
        (dict(use_karras_sigmas=True, solver_order=3), {}, 20, False, 0),
        (dict(THRESHOLDING), {}, 20, False, 0),
        (dict(), {}, 20, True, 0),
        (dict(timestep_spacing="trailing"), {}, 20, False, 8),
        (dict(timestep_spacing="trailing"), {}, 7, False, 0),
    ]
)



def skipped(schedule, config, n=None):
    """The runs left out. Karras sigmas on the cosine schedule (sigma_max about 1e4) repeat timestep 999 at the start
    of a run, where upstream's first ``index_for_timestep`` takes the second entry and its run overruns. UniPC of order
    3 with the leading spacing in 20 steps on the linear schedule is ill-conditioned in float32: upstream's own result
    moves by 1.4e-5 when its ``torch.log`` or ``torch.expm1`` (SLEEF, not always correctly rounded) is replaced by a
    correctly rounded one, more than the 1e-5 the replays assert (its other spacings and step counts stay in)."""
    if config.get("use_karras_sigmas", False) and schedule["beta_schedule"] == "squaredcos_cap_v2":
        return True
    return (n == 20 and config.get("solver_order") == 3 and config.get("timestep_spacing") == "leading"
            and "steps_offset" not in config and schedule["beta_schedule"] == "linear")


SIGMA_KEYS = ["num_train_timesteps", "beta_schedule", "beta_start", "beta_end", "prediction_type",
              "timestep_spacing", "steps_offset", "use_karras_sigmas"]
UNIPC_KEYS = ["num_train_timesteps", "beta_schedule", "beta_start", "beta_end", "solver_order", "prediction_type",
              "thresholding", "dynamic_thresholding_ratio", "sample_max_value", "predict_x0", "solver_type",
              "lower_order_final", "disable_corrector", "use_karras_sigmas", "timestep_spacing", "steps_offset"]


def number(t):
    return int(t) if float(t).is_integer() else float(t)


def case(scheduler, keys, n, learned, start, data, settings, run_step):
    """One run: ``set_timesteps(n)``, the scaled start, then ``step`` at every timestep from ``start``."""
    scheduler.set_timesteps(n)
    timesteps = scheduler.timesteps.tolist()
    init = float(scheduler.init_noise_sigma)
    c = dict(config=stored_config(scheduler, keys), num_inference_steps=n, learned_variance=learned, start=start,
             timesteps=[number(t) for t in timesteps], init_noise_sigma=init, steps=[], **settings)
    sample = data["x_T"] * scheduler.init_noise_sigma
    if start > 0:
        sample = scheduler.add_noise(data["X0"], data["Z"], scheduler.timesteps[start:start + 1])
        c["add_noise"] = pack(sample)
    for k in range(start, len(timesteps)):
        t = scheduler.timesteps[k]
        eps = 0.6 * scheduler.scale_model_input(sample, t) + 0.4 * roll(data["E"], k)
        output = torch.cat([eps, data["V"]], dim=1) if learned else eps
        prev_sample, x0 = run_step(scheduler, output, t, sample, k)
        if recorded(k, len(timesteps)):
            c["steps"].append(dict(index=k, timestep=number(timesteps[k]), prev_sample=pack(prev_sample),
                                   pred_original_sample=pack(x0)))
        sample = prev_sample
    return c


def euler_a_cases(data):
    out = []
    for schedule in SCHEDULES.values():
        for config, settings, n, learned, start in EULER_A_RUNS:
            if skipped(schedule, config):
                continue
            def step(scheduler, output, t, sample, k):
                # the scheduler draws its noise with randn_tensor: give it roll(Z, k)
                scheduling_euler_ancestral_discrete.randn_tensor = lambda *a, **kw: roll(data["Z"], k)
                r = scheduler.step(output, t, sample)
                return r.prev_sample, r.pred_original_sample

            scheduler = EulerAncestralDiscreteScheduler(**schedule, **config)
            out.append(case(scheduler, SIGMA_KEYS, n, learned, start, data, settings, step))
    return out


def lms_cases(data):
    out = []
    for schedule in SCHEDULES.values():
        for config, settings, n, learned, start in LMS_RUNS:
            if skipped(schedule, config):
                continue
            def step(scheduler, output, t, sample, k):
                r = scheduler.step(output, t, sample, **settings)
                return r.prev_sample, r.pred_original_sample

            scheduler = LMSDiscreteScheduler(**schedule, **config)
            full = dict(order=settings.get("order", 4))
            out.append(case(scheduler, SIGMA_KEYS, n, learned, start, data, full, step))
    return out


def unipc_step(scheduler, output, t, sample, k):
    if output.shape[1] != sample.shape[1]:  # IFPipeline: noise_pred, _ = noise_pred.split(...)
        output, _ = output.split(sample.shape[1], dim=1)
    prev_sample = scheduler.step(output, t, sample).prev_sample
    return prev_sample, scheduler.model_outputs[-1]


def unipc_cases(data):
    out = []
    for schedule in SCHEDULES.values():
        for config, settings, n, learned, start in UNIPC_RUNS:
            if skipped(schedule, config, n):
                continue
            scheduler = UniPCMultistepScheduler(**schedule, **config)
            out.append(case(scheduler, UNIPC_KEYS, n, learned, start, data, settings, unipc_step))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="testdata/reference", help="folder for the three JSON files")
    args = parser.parse_args()
    import diffusers

    data = inputs()
    packed = {k: pack(v) for k, v in data.items()}
    for name, make in (("euler_ancestral_diffusers", euler_a_cases), ("lms_discrete_diffusers", lms_cases),
                       ("unipc_multistep_diffusers", unipc_cases)):
        cases = make(data)
        result = {"diffusers": diffusers.__version__, "torch": torch.__version__, "inputs": packed, "cases": cases,
                  "linear_betas": linear_betas()}
        path = os.path.join(args.out, name + ".json")
        with open(path, "w") as f:
            json.dump(result, f, separators=(",", ":"))
        steps = sum(len(c["steps"]) for c in cases)
        print(f"wrote {len(cases)} runs ({steps} steps) of diffusers {diffusers.__version__} to {path}")


if __name__ == "__main__":
    main()
