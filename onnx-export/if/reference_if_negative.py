"""Runs diffusers' IF pipelines with negative prompt embeddings (and a timestep preset) on the tiny random-weight IF
models of ``reference_if.py``, and writes what they computed for the Java tests to replay.

    pip install diffusers==0.27.2 torch numpy
    python onnx-export/if/reference_if_negative.py --out testdata

The models are not written again: ``reference_if.build()`` rebuilds the same diffusers pipelines (same seeds, same
random weights) in a temporary folder, and the script first replays two runs of ``reference/if-diffusers.safetensors``
(``if_cfg``, ``sr``) with their recorded settings and stops unless they come out identical, which shows that the
weights are those of the committed ``models/tiny-if-diffusers``. The embeddings are read from that folder's
``embeddings.safetensors``. Writes ``<out>/reference/if-negative.safetensors``, for each run ``<name>`` its output
and the noise it drew in draw order (``<name>_noise_<i>``), plus the inputs the Java side cannot look up:

* ``neg_cfg``: ``IFPipeline``, ``prompt_embeds`` "a photo of a dog", ``negative_prompt_embeds`` "a man wearing a hat",
  guidance 7, 2 images, timesteps 990, 660, 330, 0;
* ``neg_embeds``: the same with ``negative_prompt_embeds`` = ``neg_embeds_input`` (random [1, 77, 32], not a prompt
  of the embeddings file), guidance 5;
* ``neg_fast27``: ``IFPipeline(timesteps=fast27_timesteps)`` (diffusers' preset) with the negative "a lithograph of
  a skull", guidance 7;
* ``neg_sr``: ``IFSuperResolutionPipeline``, ``prompt_embeds`` "a high quality photo", ``negative_prompt_embeds``
  "a lithograph of waterfalls", guidance 4, timesteps 980, 490, 0, noise level 250, on ``image64``.
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="testdata")
    args = parser.parse_args()
    from diffusers import IFPipeline, IFSuperResolutionPipeline
    from diffusers.pipelines.deepfloyd_if.timesteps import fast27_timesteps

    work = tempfile.mkdtemp(prefix="tiny_if_negative_")
    reference_if.build(work)
    tensors, meta = safetensors_io.load(os.path.join(args.out, "models", "tiny-if-diffusers", "embeddings.safetensors"))
    emb = {meta[k]: torch.from_numpy(v.astype(np.float32)) for k, v in tensors.items()}
    e = lambda p: emb[p][None]
    old, _ = safetensors_io.load(os.path.join(args.out, "reference", "if-diffusers.safetensors"))
    image64 = torch.from_numpy(old["image64"].copy())

    rec = reference_if.Recorder()
    stage1 = IFPipeline.from_pretrained(os.path.join(work, "stage1"), text_encoder=None)
    stage2 = IFSuperResolutionPipeline.from_pretrained(os.path.join(work, "stage2"), text_encoder=None)
    for pipe in (stage1, stage2):
        pipe.set_progress_bar_config(disable=True)
    gen = lambda seed: torch.Generator().manual_seed(seed)
    s1 = reference_if.STAGE1_TIMESTEPS
    s2 = reference_if.STAGE2_TIMESTEPS

    with torch.no_grad():
        # 1. the rebuilt pipelines reproduce the committed reference runs (the same weights)
        check = {
            "if_cfg": stage1(prompt_embeds=e("a photo of a dog"), negative_prompt_embeds=e(""), guidance_scale=7.0,
                             timesteps=s1, num_images_per_prompt=2, generator=gen(1), output_type="pt").images,
            "sr": stage2(image=image64, prompt_embeds=e("a high quality photo"), negative_prompt_embeds=e(""),
                         guidance_scale=4.0, timesteps=s2, noise_level=250, generator=gen(8), output_type="pt").images,
        }
        rec.take()
        for name, result in check.items():
            diff = float(np.abs(result.float().numpy() - old[name]).max())
            print(f"rebuilt pipelines reproduce {name}: max |diff| {diff:.3g}")
            if diff != 0.0:
                sys.exit(f"error: the rebuilt pipelines do not reproduce {name} of if-diffusers.safetensors "
                         f"(max |diff| {diff:.3g}): their weights differ from the committed models")

        # 2. the runs with negative prompt embeddings
        out = {}

        def keep(name, result):
            out[name] = result
            for i, z in enumerate(rec.take()):
                out[f"{name}_noise_{i}"] = z

        keep("neg_cfg", stage1(prompt_embeds=e("a photo of a dog"), negative_prompt_embeds=e("a man wearing a hat"),
                               guidance_scale=7.0, timesteps=s1, num_images_per_prompt=2, generator=gen(11),
                               output_type="pt").images)
        neg = torch.randn(1, 77, reference_if.WIDTH, generator=gen(12))
        out["neg_embeds_input"] = neg
        keep("neg_embeds", stage1(prompt_embeds=e("a photo of a dog"), negative_prompt_embeds=neg, guidance_scale=5.0,
                                  timesteps=s1, generator=gen(13), output_type="pt").images)
        keep("neg_fast27", stage1(prompt_embeds=e("a photo of a dog"), negative_prompt_embeds=e("a lithograph of a skull"),
                                  guidance_scale=7.0, timesteps=fast27_timesteps, generator=gen(14),
                                  output_type="pt").images)
        keep("neg_sr", stage2(image=image64, prompt_embeds=e("a high quality photo"),
                              negative_prompt_embeds=e("a lithograph of waterfalls"), guidance_scale=4.0, timesteps=s2,
                              noise_level=250, generator=gen(15), output_type="pt").images)
    shutil.rmtree(work)
    import diffusers

    path = os.path.join(args.out, "reference", "if-negative.safetensors")
    safetensors_io.save(path, {k: v.float().numpy() for k, v in out.items()},
                        metadata={"diffusers": diffusers.__version__, "torch": torch.__version__})
    print(f"wrote {len(out)} tensors to {path} (diffusers {diffusers.__version__}, torch {torch.__version__})")


if __name__ == "__main__":
    main()
