"""Runs diffusers' IFInpaintingPipeline with a soft mask (a small painted mask resized bilinearly, so that its edge
holds values between 0 and 1) on the tiny random-weight IF models of ``reference_if.py``, and writes what it computed
for the Java tests to replay.

    pip install diffusers==0.27.2 torch numpy
    python onnx-export/if/reference_if_soft_mask.py --out testdata

The models are not written again: ``reference_if.build()`` rebuilds the same diffusers pipelines (same seeds, same
random weights) in a temporary folder, and the script first replays ``if_inpaint`` of
``reference/if-diffusers.safetensors`` with its recorded settings and stops unless it comes out identical. It then
runs the pipeline twice with the same generator: once on the soft mask and once on that mask thresholded at 0.5, and
stops unless the two outputs are identical (the pipeline's own ``preprocess_mask_image`` binarises the mask). Writes
``<out>/reference/if-soft-mask.safetensors``: ``soft_mask`` ([1, 1, 64, 64]), ``if_inpaint_soft`` (the output, prompt
"a high quality photo", guidance 7, timesteps 990, 660, 330, 0, strength 1, generator seed 16, on ``image64``) and
the noise it drew in draw order (``if_inpaint_soft_noise_<i>``).
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


def soft_mask():
    """A 16x16 painting (a block over columns 5-10, rows 0-5) resized bilinearly to 64x64: a soft edge."""
    paint = torch.zeros(1, 1, 16, 16)
    paint[..., 0:6, 5:11] = 1
    return torch.nn.functional.interpolate(paint, size=(64, 64), mode="bilinear", align_corners=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="testdata")
    args = parser.parse_args()
    from diffusers import IFInpaintingPipeline, IFPipeline

    work = tempfile.mkdtemp(prefix="tiny_if_soft_mask_")
    reference_if.build(work)
    tensors, meta = safetensors_io.load(os.path.join(args.out, "models", "tiny-if-diffusers", "embeddings.safetensors"))
    emb = {meta[k]: torch.from_numpy(v.astype(np.float32)) for k, v in tensors.items()}
    e = lambda p: emb[p][None]
    old, _ = safetensors_io.load(os.path.join(args.out, "reference", "if-diffusers.safetensors"))
    image64 = torch.from_numpy(old["image64"].copy())

    rec = reference_if.Recorder()
    stage1 = IFPipeline.from_pretrained(os.path.join(work, "stage1"), text_encoder=None)
    stage1.set_progress_bar_config(disable=True)
    inpainting = IFInpaintingPipeline(**stage1.components)
    gen = lambda seed: torch.Generator().manual_seed(seed)
    s1 = reference_if.STAGE1_TIMESTEPS

    def run(mask, seed):
        # preprocess_mask_image thresholds its argument in place: hand it a copy
        return inpainting(image=image64, mask_image=mask.clone(), strength=1.0,
                          prompt_embeds=e("a high quality photo"), negative_prompt_embeds=e(""), guidance_scale=7.0,
                          timesteps=s1, generator=gen(seed), output_type="pt").images

    with torch.no_grad():
        # 1. the rebuilt pipelines reproduce the committed reference run (the same weights)
        study = torch.zeros(1, 1, 64, 64)
        study[..., 2:20, 24:42] = 1
        diff = float(np.abs(run(study, 10).float().numpy() - old["if_inpaint"]).max())
        rec.take()
        print(f"rebuilt pipelines reproduce if_inpaint: max |diff| {diff:.3g}")
        if diff != 0.0:
            sys.exit(f"error: the rebuilt pipelines do not reproduce if_inpaint (max |diff| {diff:.3g})")

        # 2. the soft mask, and the same mask thresholded at 0.5
        mask = soft_mask()
        edge = int(((mask > 0) & (mask < 1)).sum())
        out = {"soft_mask": mask.clone()}
        out["if_inpaint_soft"] = run(mask, 16)
        for i, z in enumerate(rec.take()):
            out[f"if_inpaint_soft_noise_{i}"] = z
        binary = run((mask >= 0.5).float(), 16)
        rec.take()
        same = float((out["if_inpaint_soft"] - binary).abs().max())
        print(f"soft mask ({edge} edge pixels) against its binarised mask: max |diff| {same:.3g}")
        if same != 0.0:
            sys.exit("error: IFInpaintingPipeline no longer binarises its mask")
    shutil.rmtree(work)
    import diffusers

    path = os.path.join(args.out, "reference", "if-soft-mask.safetensors")
    safetensors_io.save(path, {k: v.float().numpy() for k, v in out.items()},
                        metadata={"diffusers": diffusers.__version__, "torch": torch.__version__})
    print(f"wrote {len(out)} tensors to {path} (diffusers {diffusers.__version__}, torch {torch.__version__})")


if __name__ == "__main__":
    main()
