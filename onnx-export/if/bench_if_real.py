"""diffusers' side of ``bench-if`` (examples): runs ``IFPipeline`` or ``IFSuperResolutionPipeline`` on a diffusers IF
folder (such as ``real_size_if.py --build`` writes) with random T5-like prompt embeddings, times it, and writes what
it drew and computed for the Java side to replay on the ONNX export of the same weights.

    python onnx-export/if/bench_if_real.py --source /models/src-IF-I-M --models /models/IF-I-M --stage 1 \\
        --timesteps 999,666,333 --threads 2 --out /tmp/ref.safetensors

* writes ``<models>/embeddings.safetensors``: two seeded random [77, W] tensors (W = 4096 for IF) (normal, scaled by 0.15, about
  the size of T5-XXL's outputs) as the prompt ``"random T5-like embeddings"`` and the empty prompt, which the Java side
  then takes through its default API (``prompt(..)``, the default negative ``""``);
* loads the pipeline (without text encoder and safety checker), torch eager, float32, ``torch.set_num_threads``;
* runs once on the first two timesteps (warm-up), then with ``--timesteps``, guidance 7 (stage I) or 4 (stage II, noise level
  250, on a seeded random 64 x 64 image in [-1, 1]), batch 1, so each step runs the UNet on a batch of 2;
* writes ``--out``: ``images`` (``output_type="pt"``), every noise tensor the pipeline drew in draw order
  (``noise_<i>``), ``image64`` for stage II, and metadata: ``load_s``, ``step_s`` (the timed run's seconds / its
  steps), ``peak_rss_kib`` (``ru_maxrss``), versions.
"""

import argparse
import os
import resource
import sys
import time

import numpy as np
import torch

import reference_if
import safetensors_io

PROMPT = "random T5-like embeddings"
SCALE = 0.15


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--source", required=True, help="the diffusers folder")
    p.add_argument("--models", required=True, help="the export_if.py folder of the same weights")
    p.add_argument("--stage", type=int, choices=[1, 2], default=1)
    p.add_argument("--timesteps", default="999,666,333")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    timesteps = [int(t) for t in args.timesteps.split(",")]
    from diffusers import IFPipeline, IFSuperResolutionPipeline

    import json

    with open(os.path.join(args.models, "config.json")) as f:
        width = json.load(f)["stage_I" if args.stage == 1 else "stage_II"]["embedding_width"]  # 4096 for IF
    g = torch.Generator().manual_seed(0)
    emb = {PROMPT: SCALE * torch.randn(77, width, generator=g), "": SCALE * torch.randn(77, width, generator=g)}
    safetensors_io.save(os.path.join(args.models, "embeddings.safetensors"),
                        {f"prompt_{i}": v.numpy() for i, v in enumerate(emb.values())},
                        metadata={f"prompt_{i}": k for i, k in enumerate(emb)})

    start = time.perf_counter()
    cls = IFPipeline if args.stage == 1 else IFSuperResolutionPipeline
    pipe = cls.from_pretrained(args.source, text_encoder=None, safety_checker=None, watermarker=None,
                               feature_extractor=None, requires_safety_checker=False, torch_dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    load_s = time.perf_counter() - start
    rec = reference_if.Recorder()
    out = {}
    kwargs = dict(prompt_embeds=emb[PROMPT][None], negative_prompt_embeds=emb[""][None], output_type="pt")
    if args.stage == 1:
        kwargs.update(guidance_scale=7.0)
    else:
        image64 = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(2)) * 2 - 1
        out["image64"] = image64
        kwargs.update(image=image64, guidance_scale=4.0, noise_level=250)
    with torch.no_grad():
        pipe(timesteps=timesteps[:2], generator=torch.Generator().manual_seed(3), **kwargs)  # warm-up
        rec.take()
        start = time.perf_counter()
        images = pipe(timesteps=timesteps, generator=torch.Generator().manual_seed(1), **kwargs).images
        step_s = (time.perf_counter() - start) / len(timesteps)
    out["images"] = images
    for i, z in enumerate(rec.take()):
        out[f"noise_{i}"] = z
    import diffusers

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    safetensors_io.save(args.out, {k: v.float().numpy() for k, v in out.items()},
                        metadata={"load_s": f"{load_s:.3f}", "step_s": f"{step_s:.4f}", "peak_rss_kib": str(rss),
                                  "timesteps": args.timesteps, "threads": str(args.threads),
                                  "diffusers": diffusers.__version__, "torch": torch.__version__})
    print(f"diffusers stage {args.stage}: load {load_s:.1f} s, {step_s:.2f} s/step, peak RSS {rss / 2**20:.2f} GiB",
          flush=True)


if __name__ == "__main__":
    sys.exit(main())
