"""Measures how much each diffusers reference run of ``reference_if.py`` amplifies a tiny change of the UNet's
output, so that the Java replays (``DiffusersReferenceTest``) can set each run's tolerance from the run itself rather
than from one machine's result.

    python onnx-export/if/sensitivity_if.py --out testdata     # after reference_if.py, same diffusers and torch

Rebuilds the random-weight pipelines exactly as ``reference_if.py`` does (same seeds) and first checks that they
reproduce the committed ``<out>/reference/if-diffusers.safetensors`` (so the weights are the same); then runs every
reference run again, unmodified, with the UNet's output multiplied by ``1 + DELTA * r`` (``r`` a seeded standard
normal pattern of the output's shape, drawn afresh at each UNet call), for ``PATTERNS`` patterns; and, as a second
measure, with the UNet's input sample multiplied the same way (a change that enters before the network, as a
difference in its first layers does). A run's sensitivity to each is the largest max-abs change of its output over
the patterns. ``DELTA`` is 1e-6: about eight float32 rounding steps, the size of the difference between two float32
kernels for one operation.

It also keeps one UNet pass of each stage (input, timestep, embeddings, noise level and output) so that the UNets
themselves can be compared without any amplification.

Writes ``<out>/reference/if-diffusers-sensitivity.json`` (per run: its sensitivity, and how closely the rebuilt
pipelines reproduced the committed output) and ``<out>/reference/if-diffusers-unet.safetensors``.
"""

import argparse
import json
import os
import tempfile

import numpy as np
import torch

import reference_if
import safetensors_io

DELTA = 1e-6
PATTERNS = 2


class Perturbation:
    """Multiplies the output of every ``UNet2DConditionModel.forward`` by ``1 + delta * r`` while active."""

    def __init__(self):
        from diffusers import UNet2DConditionModel

        self.delta = 0.0
        self.generator = None
        self.where = "output"
        original = UNet2DConditionModel.forward
        outer = self

        def forward(unet, sample, *args, **kwargs):
            if outer.delta != 0.0 and outer.where == "input":
                r = torch.randn(sample.shape, generator=outer.generator, dtype=torch.float32)
                sample = sample * (1 + outer.delta * r.to(sample.dtype))
            out = original(unet, sample, *args, **kwargs)
            if outer.delta == 0.0 or outer.where != "output":
                return out
            sample = out[0] if isinstance(out, tuple) else out.sample
            r = torch.randn(sample.shape, generator=outer.generator, dtype=torch.float32)
            changed = sample * (1 + outer.delta * r.to(sample.dtype))
            return (changed,) + tuple(out[1:]) if isinstance(out, tuple) else type(out)(sample=changed)

        UNet2DConditionModel.forward = forward

    def set(self, delta, seed, where="output"):
        self.delta = delta
        self.where = where
        self.generator = torch.Generator().manual_seed(seed)


def all_runs(work, emb, image64, rec):
    stage1, stage2 = os.path.join(work, "stage1"), os.path.join(work, "stage2")
    with torch.no_grad():
        out = reference_if.runs(stage1, stage2, emb, image64, rec, "", round_weights=False)
        out.update(reference_if.runs(stage1, stage2, emb, image64, rec, "fp16_", round_weights=True))
    return {k: v for k, v in out.items() if "_noise_" not in k}


def unet_passes(work, emb, image64):
    """One pass of each stage's UNet on fixed inputs, for a comparison without amplification."""
    from diffusers import UNet2DConditionModel

    g = torch.Generator().manual_seed(11)
    text = torch.stack([emb[""], emb["a photo of a dog"]])
    out = {}
    with torch.no_grad():
        unet1 = UNet2DConditionModel.from_pretrained(os.path.join(work, "stage1", "unet"))
        x1 = torch.randn(2, 3, 64, 64, generator=g)
        t1 = torch.tensor([990, 330])
        out.update(unet1_sample=x1, unet1_timestep=t1.float(), unet1_embeddings=text,
                   unet1_output=unet1(x1, t1, encoder_hidden_states=text, return_dict=False)[0])
        unet2 = UNet2DConditionModel.from_pretrained(os.path.join(work, "stage2", "unet"))
        up = torch.nn.functional.interpolate(image64, size=256, mode="bilinear", align_corners=True)
        x2 = torch.cat([torch.randn(2, 3, 256, 256, generator=g), up.repeat(2, 1, 1, 1)], dim=1)
        t2 = torch.tensor([980, 490])
        level = torch.tensor([250, 250])
        out.update(unet2_sample=x2, unet2_timestep=t2.float(), unet2_embeddings=text, unet2_noise_level=level.float(),
                   unet2_output=unet2(x2, t2, encoder_hidden_states=text, class_labels=level, return_dict=False)[0])
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="testdata")
    parser.add_argument("--work", help="where the diffusers pipeline folders go (default: a temporary folder)")
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="tiny_if_")
    os.makedirs(work, exist_ok=True)
    reference_if.build(work)

    g = torch.Generator().manual_seed(3)
    emb = {p: torch.randn(77, reference_if.WIDTH, generator=g).half().float() for p in reference_if.PROMPTS}
    image64 = reference_if.test_image()
    committed, _ = safetensors_io.load(os.path.join(args.out, "reference", "if-diffusers.safetensors"))

    perturbation = Perturbation()
    rec = reference_if.Recorder()
    base = all_runs(work, emb, image64, rec)
    result = {}
    for name, tensor in base.items():
        reproduced = float(np.abs(tensor.float().numpy() - committed[name]).max())
        result[name] = {"reproduces_committed_within": reproduced, "output": 0.0, "input": 0.0}
        print(f"{name}: rebuilt pipelines reproduce the committed output within {reproduced:.3g}")
    for where in ("output", "input"):
        for seed in range(PATTERNS):
            perturbation.set(DELTA, seed, where)
            changed = all_runs(work, emb, image64, rec)
            perturbation.set(0.0, 0)
            for name, tensor in changed.items():
                s = float((tensor - base[name]).abs().max())
                result[name][where] = max(result[name][where], s)
                print(f"{where} pattern {seed} {name}: max |change| {s:.3g}", flush=True)
    for r in result.values():
        r["sensitivity"] = max(r["output"], r["input"])

    import diffusers

    doc = {
        "note": "per run: the largest max-abs change of the output when diffusers' own pipeline runs with the UNet's "
                "output (output) or input sample (input) multiplied by 1 + delta * N(0, 1), over the patterns; "
                "sensitivity is the larger of the two (onnx-export/if/sensitivity_if.py)",
        "delta": DELTA, "patterns": PATTERNS, "diffusers": diffusers.__version__, "torch": torch.__version__,
        "runs": result,
    }
    path = os.path.join(args.out, "reference", "if-diffusers-sensitivity.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    unet = unet_passes(work, emb, image64)
    safetensors_io.save(os.path.join(args.out, "reference", "if-diffusers-unet.safetensors"),
                        {k: v.float().numpy() for k, v in unet.items()},
                        metadata={"diffusers": diffusers.__version__, "torch": torch.__version__})
    print(f"wrote {path} and if-diffusers-unet.safetensors")


if __name__ == "__main__":
    main()
