"""Computes the reference vectors that the Java tests compare against, independently, with torch ops.

Writes ``testdata/reference/*.json``; each file maps a name to ``{"shape": [...], "data": [...]}`` (float32 values
written exactly) or to a plain number or list. Run from the repository root with Debian's interpreter::

    /usr/bin/python3 onnx-export/reference/make_reference.py --out testdata/reference

Contents:

* ``schedules.json``: the cosine schedule (squaredcos_cap_v2, T = 1000) betas and alphas_cumprod, as diffusers'
  ``betas_for_alpha_bar`` computes them (double, then float32) with ``torch.cumprod``; part B's linear schedule
  (``torch.linspace(1e-4, 0.02, 300)``).
* ``blur.json``: torchvision's own ``gaussian_blur`` (``torchvision.transforms.functional``) on a fixed random image,
  for several (k, sigma).
* ``step.json``: DDPM steps with learned-range and fixed variance, with and without dynamic thresholding; the
  forward process and x0_hat.
* ``misc.json``: classifier-free guidance, the RePaint projection, bilinear resize with align_corners=True,
  rot90 and flips.
"""

import argparse
import json
import math
import os

import torch
import torch.nn.functional as F


def pack(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def cosine_betas(T=1000, max_beta=0.999):
    def alpha_bar(s):
        return math.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2

    betas = [min(1 - alpha_bar((i + 1) / T) / alpha_bar(i / T), max_beta) for i in range(T)]
    return torch.tensor(betas, dtype=torch.float32)


def blur(img, k, sigma):
    """torchvision's own ``gaussian_blur`` (reflect padding, float32 kernel): the authority the Java blur matches."""
    import torchvision.transforms.functional as TF

    return TF.gaussian_blur(img, [k, k], [sigma, sigma])


def threshold(x0, ratio, max_value):
    x0 = x0.double()
    b = x0.shape[0]
    flat = x0.abs().reshape(b, -1)
    s = torch.quantile(flat, ratio, dim=1).clamp(min=1, max=max_value).view(b, 1, 1, 1)
    return torch.clamp(x0, -s, s) / s


def ddpm_step(abar, eps, v, t, t_prev, x_t, z, learned, thresh=None, add_noise=True, betas=None):
    """Independent torch version of the step of SPEC sections 5 and 14, in float64 from the float32 schedule.

    ``alpha = abar_t / abar_t'``, except on the full chain (t' = t - 1) of a schedule whose ``betas`` are given,
    where part B's sampler uses ``beta_t`` itself.
    """
    abar = abar.double()
    eps, x_t, z = eps.double(), x_t.double(), z.double()
    v = v.double() if v is not None else None
    a_t, a_p = abar[t], abar[t_prev]
    if betas is not None and t_prev == t - 1:
        beta = betas.double()[t]
        alpha = 1 - beta
    else:
        alpha = a_t / a_p
        beta = 1 - alpha
    x0 = (x_t - (1 - a_t).sqrt() * eps) / a_t.sqrt()
    if thresh is not None:
        x0 = threshold(x0, *thresh)
    mean = a_p.sqrt() * beta / (1 - a_t) * x0 + alpha.sqrt() * (1 - a_p) / (1 - a_t) * x_t
    if not add_noise:
        return mean, x0
    if learned:
        var = torch.clamp((1 - a_p) / (1 - a_t) * beta, min=1e-20)
        frac = (v + 1) / 2
        logvar = frac * torch.log(beta) + (1 - frac) * torch.log(var)
        sigma = torch.exp(0.5 * logvar)
    else:
        sigma = beta.sqrt()
    return mean + sigma * z, x0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="testdata/reference")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    g = torch.Generator().manual_seed(180)

    # schedules
    cos_betas = cosine_betas()
    cos_abar = torch.cumprod(1 - cos_betas, dim=0)
    lin_betas = torch.linspace(1e-4, 0.02, 300)
    lin_abar = torch.cumprod(1 - lin_betas, dim=0)
    schedules = {
        "cosine_betas": pack(cos_betas),
        "cosine_alphas_cumprod": pack(cos_abar),
        "linear_betas": pack(lin_betas),
        "linear_alphas_cumprod": pack(lin_abar),
    }

    # blur on a fixed random image
    img = torch.rand(2, 3, 24, 20, generator=g) * 2 - 1
    blurs = {"image": pack(img)}
    for k, s in [(5, 2.0), (3, 0.8), (9, 1.5), (15, 3.0), (1, 1.0), (33, 2.0)]:
        if k // 2 >= min(img.shape[-2:]):
            continue
        low = blur(img, k, s)
        blurs[f"low_k{k}_s{s}"] = pack(low)
        blurs[f"high_k{k}_s{s}"] = pack(img - low)

    # steps
    shape = (2, 3, 6, 5)
    x_t = torch.randn(*shape, generator=g)
    eps = torch.randn(*shape, generator=g) * 0.9
    v = torch.rand(*shape, generator=g) * 2 - 1
    z = torch.randn(*shape, generator=g)
    x0 = torch.rand(*shape, generator=g) * 2 - 1
    steps = {"x_t": pack(x_t), "eps": pack(eps), "v": pack(v), "z": pack(z), "x0": pack(x0)}
    for t, tp in [(690, 660), (990, 960), (30, 0), (500, 250)]:
        prev, x0h = ddpm_step(cos_abar, eps, v, t, tp, x_t, z, learned=True)
        steps[f"learned_{t}_{tp}"] = pack(prev)
        steps[f"learned_{t}_{tp}_x0"] = pack(x0h)
        prev, x0h = ddpm_step(cos_abar, eps, v, t, tp, x_t, z, learned=True, thresh=(0.95, 1.5))
        steps[f"learned_thresh_{t}_{tp}"] = pack(prev)
        steps[f"learned_thresh_{t}_{tp}_x0"] = pack(x0h)
    # part B: timesteps 0..300 with abar_0 = 1
    lin_abar0 = torch.cat([torch.ones(1), lin_abar])
    lin_betas0 = torch.cat([torch.zeros(1), lin_betas])
    for t, tp in [(300, 299), (150, 140), (2, 1), (1, 0)]:
        prev, _ = ddpm_step(lin_abar0, eps, None, t, tp, x_t, z, learned=False, add_noise=tp > 0, betas=lin_betas0)
        steps[f"fixed_{t}_{tp}"] = pack(prev)
    # part B's own formula with beta_t, for the full chain (t -> t - 1)
    for t in (300, 2):
        a_t, a_p, b_t = lin_abar0[t], lin_abar0[t - 1], lin_betas[t - 1]
        x0h = (x_t - (1 - a_t).sqrt() * eps) / a_t.sqrt()
        prev = a_p.sqrt() * b_t / (1 - a_t) * x0h + (1 - b_t).sqrt() * (1 - a_p) / (1 - a_t) * x_t + b_t.sqrt() * z
        steps[f"partb_formula_{t}"] = pack(prev)
    for t in (250, 500, 750):
        steps[f"forward_{t}"] = pack(cos_abar[t].sqrt() * x0 + (1 - cos_abar[t]).sqrt() * z)
    thr_in = torch.randn(*shape, generator=g) * 2
    steps["threshold_in"] = pack(thr_in)
    steps["threshold_out"] = pack(threshold(thr_in, 0.95, 1.5))

    # misc
    cond = torch.randn(2, 3, 4, 4, generator=g)
    uncond = torch.randn(2, 3, 4, 4, generator=g)
    misc = {"cond": pack(cond), "uncond": pack(uncond), "cfg_7": pack(uncond + 7 * (cond - uncond))}
    mask = (torch.rand(1, 1, 4, 4, generator=g) > 0.5).float()
    mask[0, 0, 0, 0] = 0.25
    orig = torch.randn(2, 3, 4, 4, generator=g)
    noise = torch.randn(2, 3, 4, 4, generator=g)
    kept = cos_abar[420].sqrt() * orig + (1 - cos_abar[420]).sqrt() * noise
    misc.update(mask=pack(mask), orig=pack(orig), noise=pack(noise), repaint_420=pack(mask * cond + (1 - mask) * kept))
    small = torch.randn(1, 2, 5, 7, generator=g)
    misc["resize_in"] = pack(small)
    misc["resize_11x13"] = pack(F.interpolate(small, size=(11, 13), mode="bilinear", align_corners=True))
    misc["resize_3x4"] = pack(F.interpolate(small, size=(3, 4), mode="bilinear", align_corners=True))
    up = torch.rand(1, 3, 8, 8, generator=g)
    misc["upscale_in"] = pack(up)
    misc["upscale_32"] = pack(F.interpolate(up, size=(32, 32), mode="bilinear", align_corners=True))
    for k in (1, 2, 3):
        misc[f"rot90_{k}"] = pack(torch.rot90(small, k, dims=[-2, -1]))
    misc["flip"] = pack(torch.flip(small, dims=[-2]))

    for name, content in [("schedules", schedules), ("blur", blurs), ("step", steps), ("misc", misc)]:
        with open(os.path.join(args.out, f"{name}.json"), "w") as f:
            json.dump(content, f, separators=(",", ":"))
    print(f"wrote {args.out}/{{schedules,blur,step,misc}}.json")


if __name__ == "__main__":
    main()
