"""Runs visual_anagrams' own samplers with the reductions and the inverse problem that ``reference_if.py`` does not
cover, on the tiny random-weight IF models of ``reference_if.py``, and writes what they computed (with each run's
sensitivity) for the Java tests to replay.

    pip install diffusers==0.27.2 torch torchvision einops numpy     # and visual_anagrams on PYTHONPATH
    python onnx-export/if/reference_if_illusions.py --out testdata

The models are not written again: ``reference_if.build()`` rebuilds the same diffusers pipelines (same seeds, same
random weights) in a temporary folder, and the script first replays ``va_flip`` and ``va_hybrid`` of
``reference/if-diffusers.safetensors`` and stops unless they come out identical. The embeddings are read from
``models/tiny-if-diffusers/embeddings.safetensors``. ``sample_stage_1`` runs unmodified, 3 inference steps,
guidance 7 (its hard-coded CUDA device is answered with the CPU, as in ``reference_if.py``). Runs:

* ``ill_alternate``: views identity, flip, ``reduction="alternate"``, "an oil painting of an old man" / "... people
  around a campfire", generator seed 21;
* ``ill_hybrid_alternate``: low_pass, high_pass, ``reduction="alternate"``, skull / waterfalls, seed 22;
* ``ill_ref_im``: low_pass, high_pass, ``reduction="sum"``, ``ref_im`` = ``image64`` of if-diffusers.safetensors
  (the low frequencies from the image), "a lithograph of a skull" / "a lithograph of waterfalls", seed 23;
* ``ill_color_ref_im``: grayscale, color, ``ref_im`` = ``image64`` (colourisation), "a high quality photo" /
  "an oil painting of an old man", seed 24;
* ``ill_triple``: triple_low_pass, triple_medium_pass, triple_high_pass, ``reduction="sum"``, three prompts, seed 25;
* ``ill_patch_permute``: identity, patch_permute (8 patches, built right after ``torch.manual_seed(0)``), mean,
  seed 26.

``ref_im`` draws its noise with ``torch.randn_like`` (the global generator, seeded with ``torch.manual_seed(100)``
before each run); those draws are recorded with diffusers' ``randn_tensor`` ones, in draw order. Writes
``<out>/reference/if-illusions.safetensors``: for each run ``<name>`` its output, its draws ``<name>_noise_<i>`` and
``<name>_sensitivity`` (one value: the largest max-abs change of the output when the UNet's output or input is
multiplied by ``1 + 1e-6 * N(0, 1)``, over 2 patterns each, as ``sensitivity_if.py`` measures it).
"""

import argparse
import os
import shutil
import sys
import tempfile

import numpy as np
import torch

import reference_if
import safetensors_io
import sensitivity_if

RUNS = {
    "ill_alternate": (["an oil painting of an old man", "an oil painting of people around a campfire"],
                      ["identity", "flip"], "alternate", False, 21),
    "ill_hybrid_alternate": (["a lithograph of a skull", "a lithograph of waterfalls"], ["low_pass", "high_pass"],
                             "alternate", False, 22),
    "ill_ref_im": (["a lithograph of a skull", "a lithograph of waterfalls"], ["low_pass", "high_pass"], "sum", True,
                   23),
    "ill_color_ref_im": (["a high quality photo", "an oil painting of an old man"], ["grayscale", "color"], "sum", True,
                         24),
    "ill_triple": (["a photo of a dog", "a man wearing a hat", "a lithograph of waterfalls"],
                   ["triple_low_pass", "triple_medium_pass", "triple_high_pass"], "sum", False, 25),
    "ill_patch_permute": (["a photo of a dog", "a lithograph of a skull"], ["identity", "patch_permute"], "mean", False,
                          26),
}


def run_all(samplers, stage1, emb, image64, rec):
    from visual_anagrams.views import get_views

    e = lambda p: emb[p][None]
    out = {}
    for name, (prompts, views, reduction, ref, seed) in RUNS.items():
        torch.manual_seed(0)  # patch_permute's torch.randperm
        v = get_views(views)
        torch.manual_seed(100)  # ref_im's torch.randn_like
        pe = torch.cat([e(p) for p in prompts])
        ne = torch.cat([e("")] * len(prompts))
        out[name] = samplers.sample_stage_1(stage1, pe, ne, v, ref_im=image64[0].clone() if ref else None,
                                            num_inference_steps=3, guidance_scale=7.0, reduction=reduction,
                                            generator=torch.Generator().manual_seed(seed))
        for i, z in enumerate(rec.take()):
            out[f"{name}_noise_{i}"] = z
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="testdata")
    args = parser.parse_args()
    from diffusers import IFPipeline

    work = tempfile.mkdtemp(prefix="tiny_if_illusions_")
    reference_if.build(work)
    tensors, meta = safetensors_io.load(os.path.join(args.out, "models", "tiny-if-diffusers", "embeddings.safetensors"))
    emb = {meta[k]: torch.from_numpy(v.astype(np.float32)) for k, v in tensors.items()}
    old, _ = safetensors_io.load(os.path.join(args.out, "reference", "if-diffusers.safetensors"))
    image64 = torch.from_numpy(old["image64"].copy())

    perturbation = sensitivity_if.Perturbation()
    rec = reference_if.Recorder()
    samplers = reference_if.cpu_samplers()
    randn_like = samplers.torch.randn_like

    def recording_randn_like(*a, **k):
        t = randn_like(*a, **k)
        rec.draws.append(t.detach().clone())
        return t

    if samplers.torch is torch:  # with CUDA the samplers use torch itself: give them a copy to record on
        import types

        copy = types.ModuleType("torch")
        copy.__dict__.update(vars(torch))
        samplers.torch = copy
    samplers.torch.randn_like = recording_randn_like

    stage1 = IFPipeline.from_pretrained(os.path.join(work, "stage1"), text_encoder=None)
    stage1.set_progress_bar_config(disable=True)
    e = lambda p: emb[p][None]
    with torch.no_grad():
        # 1. the rebuilt pipeline reproduces the committed reference runs (the same weights)
        from visual_anagrams.views import get_views

        check = {
            "va_flip": samplers.sample_stage_1(
                stage1, torch.cat([e("an oil painting of an old man"), e("an oil painting of people around a campfire")]),
                torch.cat([e(""), e("")]), get_views(["identity", "flip"]), num_inference_steps=3, guidance_scale=7.0,
                generator=torch.Generator().manual_seed(4)),
            "va_hybrid": samplers.sample_stage_1(
                stage1, torch.cat([e("a lithograph of a skull"), e("a lithograph of waterfalls")]),
                torch.cat([e(""), e("")]), get_views(["low_pass", "high_pass"]), num_inference_steps=3,
                guidance_scale=7.0, reduction="sum", generator=torch.Generator().manual_seed(7)),
        }
        rec.take()
        for name, result in check.items():
            diff = float(np.abs(result.float().numpy() - old[name]).max())
            print(f"rebuilt pipeline reproduces {name}: max |diff| {diff:.3g}")
            if diff != 0.0:
                sys.exit(f"error: the rebuilt pipeline does not reproduce {name} of if-diffusers.safetensors "
                         f"(max |diff| {diff:.3g}): its weights differ from the committed models")

        # 2. the runs, then their sensitivities
        out = run_all(samplers, stage1, emb, image64, rec)
        for where in ("output", "input"):
            for seed in range(sensitivity_if.PATTERNS):
                perturbation.set(sensitivity_if.DELTA, seed, where)
                changed = run_all(samplers, stage1, emb, image64, rec)
                perturbation.set(0.0, 0)
                for name in RUNS:
                    s = float((changed[name] - out[name]).abs().max())
                    key = f"{name}_sensitivity"
                    out[key] = torch.tensor([max(s, float(out[key][0]) if key in out else 0.0)])
                    print(f"{where} pattern {seed} {name}: max |change| {s:.3g}", flush=True)
    shutil.rmtree(work)
    import diffusers

    path = os.path.join(args.out, "reference", "if-illusions.safetensors")
    safetensors_io.save(path, {k: v.float().numpy() for k, v in out.items()},
                        metadata={"diffusers": diffusers.__version__, "torch": torch.__version__})
    print(f"wrote {len(out)} tensors to {path} (diffusers {diffusers.__version__}, torch {torch.__version__})")


if __name__ == "__main__":
    main()
