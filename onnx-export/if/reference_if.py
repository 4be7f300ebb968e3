"""Runs diffusers' real DeepFloyd IF pipelines and visual_anagrams' samplers on tiny random-weight IF models, and
writes the models (exported with ``export_if.py``) and the reference tensors that the Java tests replay.

    pip install diffusers==0.27.2 torch torchvision onnx einops     # and visual_anagrams on PYTHONPATH
    python onnx-export/if/reference_if.py --out testdata

The models are diffusers' ``UNet2DConditionModel`` with IF's block choices (as diffusers' own IF tests build them,
at IF's resolutions): ``ResnetDownsampleBlock2D`` / ``SimpleCrossAttnDownBlock2D``, ``UNetMidBlock2DSimpleCrossAttn``,
``addition_embed_type="text"``, ``cross_attention_norm="group_norm"``, ``resnet_time_scale_shift="scale_shift"``,
gelu, 6 output channels; stage I at 64 px, stage II at 256 px with ``class_embed_type="timestep"`` (the noise
level) and attention only at 32x32, embedding width ``WIDTH``; schedulers as IF's configs (stage I thresholding 0.95 / 1.5, stage II 0.95 / 1.0,
learned range, clip_sample). Writes:

* ``<out>/models/tiny-if-diffusers/``: ``export_if.py --dtype fp32`` of both stages, and ``embeddings.safetensors``
  (the prompts below, random float16 [77, WIDTH] each);
* ``<out>/models/tiny-if-diffusers-fp16/``: ``export_if.py --dtype fp16`` (float16 weights and I/O) and the same
  embeddings;
* ``<out>/reference/if-diffusers.safetensors``: for each run ``<name>`` its output ``<name>`` and the noise it drew,
  in draw order, ``<name>_noise_<i>`` (recorded around diffusers' ``randn_tensor``; the code of the pipelines and
  samplers runs unmodified), plus the input image ``image64``. Runs on the float32 UNets: ``if_cfg`` (IFPipeline,
  guidance 7, 2 images), ``if_g1`` (guidance 1), ``if_sdedit`` (IFImg2ImgPipeline, strength 0.75), ``if_inpaint`` (IFInpaintingPipeline, the
  study's mask), ``sr``
  (IFSuperResolutionPipeline), ``va_flip``, ``va_rot180``, ``va_three`` (identity, rotate_cw, rotate_ccw),
  ``va_hybrid`` (low_pass + high_pass, reduction "sum"), ``va2_flip`` (sample_stage_2); and ``fp16_<name>`` for some
  of them on the same UNets made to compute what the fp16 export computes (weights, sample, embeddings and output
  rounded to float16, float32 arithmetic in between).

Options: ``--work`` keeps the diffusers pipeline folders (default: a temporary folder). Without CUDA,
``sample_stage_1``'s hard-coded ``torch.device('cuda')`` is answered with the CPU (visual_anagrams' module is given a
``torch`` whose ``device`` says "cpu"; its code is not changed).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import types

import numpy as np
import torch

import safetensors_io

WIDTH = 32
PROMPTS = ["", "a photo of a dog", "a high quality photo", "an oil painting of an old man",
           "an oil painting of people around a campfire", "a lithograph of a skull", "a lithograph of waterfalls",
           "a man wearing a hat"]
STAGE1_TIMESTEPS = [990, 660, 330, 0]
STAGE2_TIMESTEPS = [980, 490, 0]


def unet(stage):
    from diffusers import UNet2DConditionModel

    common = dict(layers_per_block=1, block_out_channels=[32, 64],
                  down_block_types=["ResnetDownsampleBlock2D", "SimpleCrossAttnDownBlock2D"],
                  mid_block_type="UNetMidBlock2DSimpleCrossAttn",
                  up_block_types=["SimpleCrossAttnUpBlock2D", "ResnetUpsampleBlock2D"], out_channels=6,
                  cross_attention_dim=WIDTH, encoder_hid_dim=WIDTH, attention_head_dim=8,
                  addition_embed_type="text", addition_embed_type_num_heads=2, cross_attention_norm="group_norm",
                  resnet_time_scale_shift="scale_shift", act_fn="gelu")
    if stage == 1:
        return UNet2DConditionModel(sample_size=64, in_channels=3, **common)
    # at 256 px, attention only at 32x32 (as IF-II, whose attention blocks sit at its lowest resolutions)
    common.update(block_out_channels=[32, 32, 64, 64],
                  down_block_types=["ResnetDownsampleBlock2D"] * 3 + ["SimpleCrossAttnDownBlock2D"],
                  up_block_types=["SimpleCrossAttnUpBlock2D"] + ["ResnetUpsampleBlock2D"] * 3)
    return UNet2DConditionModel(sample_size=256, in_channels=6, class_embed_type="timestep",
                                mid_block_scale_factor=1.414, time_embedding_act_fn="gelu", time_embedding_dim=32,
                                **common)


def scheduler(sample_max_value):
    from diffusers import DDPMScheduler

    return DDPMScheduler(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2", variance_type="learned_range",
                         clip_sample=True, thresholding=True, dynamic_thresholding_ratio=0.95,
                         sample_max_value=sample_max_value, prediction_type="epsilon")


def build(work):
    """Random-weight stage I and II pipelines, saved in diffusers' layout."""
    from diffusers import DDPMScheduler, IFPipeline, IFSuperResolutionPipeline

    none = dict(tokenizer=None, text_encoder=None, safety_checker=None, feature_extractor=None, watermarker=None,
                requires_safety_checker=False)
    torch.manual_seed(0)
    IFPipeline(unet=unet(1), scheduler=scheduler(1.5), **none).save_pretrained(
        os.path.join(work, "stage1"), safe_serialization=True)
    torch.manual_seed(1)
    noising = DDPMScheduler(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2")
    IFSuperResolutionPipeline(unet=unet(2), scheduler=scheduler(1.0), image_noising_scheduler=noising,
                              **none).save_pretrained(os.path.join(work, "stage2"), safe_serialization=True)


def export(work, out, dtype):
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run([sys.executable, os.path.join(here, "export_if.py"), "--stage1", os.path.join(work, "stage1"),
                    "--stage2", os.path.join(work, "stage2"), "--out", out, "--dtype", dtype], check=True)


class Recorder:
    """Wraps diffusers' randn_tensor where the pipelines, the scheduler and the samplers call it, keeping each draw."""

    def __init__(self):
        import diffusers.pipelines.deepfloyd_if.pipeline_if as p1
        import diffusers.pipelines.deepfloyd_if.pipeline_if_img2img as p2
        import diffusers.pipelines.deepfloyd_if.pipeline_if_inpainting as p4
        import diffusers.pipelines.deepfloyd_if.pipeline_if_superresolution as p3
        import diffusers.schedulers.scheduling_ddpm as s
        import visual_anagrams.samplers as va

        self.draws = []
        original = s.randn_tensor

        def recording(*args, **kwargs):
            t = original(*args, **kwargs)
            self.draws.append(t.detach().clone())
            return t

        for module in (p1, p2, p3, p4, s, va):
            module.randn_tensor = recording

    def take(self):
        draws, self.draws = self.draws, []
        return draws


def cpu_samplers():
    import visual_anagrams.samplers as samplers

    if not torch.cuda.is_available():
        cpu_torch = types.ModuleType("torch")
        cpu_torch.__dict__.update(vars(torch))
        cpu_torch.device = lambda *a, **k: torch.device("cpu")
        samplers.torch = cpu_torch
    return samplers


def test_image():
    """A smooth 64x64 scene in [-1, 1]: a bright disc over a vertical gradient, with a little texture."""
    y, x = torch.meshgrid(torch.linspace(-1, 1, 64), torch.linspace(-1, 1, 64), indexing="ij")
    disc = ((x - 0.2) ** 2 + (y + 0.3) ** 2 < 0.2).float()
    g = torch.Generator().manual_seed(7)
    image = torch.stack([0.8 * disc - 0.4 * y, 0.5 * disc + 0.3 * x, -0.6 * y * (1 - disc)])
    return (image + 0.05 * torch.randn(3, 64, 64, generator=g)).clamp(-1, 1)[None]


def float16_io(unet):
    """Makes a UNet compute what the fp16 export computes: float16 weights, float16 sample, embeddings and output,
    float32 arithmetic in between."""
    with torch.no_grad():
        for p in unet.parameters():
            p.copy_(p.half().float())
    forward = unet.forward
    half = lambda x: x.half().float() if isinstance(x, torch.Tensor) and x.is_floating_point() else x

    def rounded(sample, timestep, encoder_hidden_states=None, *args, **kwargs):
        out = forward(half(sample), timestep, half(encoder_hidden_states), *args, **kwargs)
        return (half(out[0]),) + tuple(out[1:]) if isinstance(out, tuple) else type(out)(sample=half(out.sample))

    unet.forward = rounded


def runs(stage1_dir, stage2_dir, emb, image64, rec, prefix, round_weights):
    from diffusers import IFImg2ImgPipeline, IFInpaintingPipeline, IFPipeline, IFSuperResolutionPipeline
    from visual_anagrams.views import get_views

    samplers = cpu_samplers()
    stage1 = IFPipeline.from_pretrained(stage1_dir, text_encoder=None)
    stage2 = IFSuperResolutionPipeline.from_pretrained(stage2_dir, text_encoder=None)
    for pipe in (stage1, stage2):
        pipe.set_progress_bar_config(disable=True)
        if round_weights:
            float16_io(pipe.unet)
    img2img = IFImg2ImgPipeline(**stage1.components)
    inpainting = IFInpaintingPipeline(**stage1.components)
    mask = torch.zeros(1, 1, 64, 64)
    mask[..., 2:20, 24:42] = 1  # the study's mask: rows 2..19, columns 24..41
    e = lambda p: emb[p][None]
    out = {}

    def keep(name, result):
        out[prefix + name] = result
        for i, z in enumerate(rec.take()):
            out[f"{prefix}{name}_noise_{i}"] = z

    gen = lambda seed: torch.Generator().manual_seed(seed)
    keep("if_cfg", stage1(prompt_embeds=e("a photo of a dog"), negative_prompt_embeds=e(""), guidance_scale=7.0,
                          timesteps=STAGE1_TIMESTEPS, num_images_per_prompt=2, generator=gen(1),
                          output_type="pt").images)
    if not prefix:
        keep("if_g1", stage1(prompt_embeds=e("a photo of a dog"), negative_prompt_embeds=e(""), guidance_scale=1.0,
                             timesteps=STAGE1_TIMESTEPS, generator=gen(2), output_type="pt").images)
    keep("if_sdedit", img2img(image=image64, strength=0.75, prompt_embeds=e("a high quality photo"),
                              negative_prompt_embeds=e(""), guidance_scale=7.0, timesteps=STAGE1_TIMESTEPS,
                              generator=gen(3), output_type="pt").images)
    keep("if_inpaint", inpainting(image=image64, mask_image=mask, strength=1.0, prompt_embeds=e("a high quality photo"),
                                  negative_prompt_embeds=e(""), guidance_scale=7.0, timesteps=STAGE1_TIMESTEPS,
                                  generator=gen(10), output_type="pt").images)

    def anagram(name, prompts, views, reduction="mean", seed=4):
        pe = torch.cat([e(p) for p in prompts])
        ne = torch.cat([e("")] * len(prompts))
        keep(name, samplers.sample_stage_1(stage1, pe, ne, get_views(views), num_inference_steps=3,
                                           guidance_scale=7.0, reduction=reduction, generator=gen(seed)))

    anagram("va_flip", ["an oil painting of an old man", "an oil painting of people around a campfire"],
            ["identity", "flip"])
    if not prefix:
        anagram("va_rot180", ["a photo of a dog", "a man wearing a hat"], ["identity", "rotate_180"], seed=5)
    anagram("va_three", ["an oil painting of an old man", "a photo of a dog", "a man wearing a hat"],
            ["identity", "rotate_cw", "rotate_ccw"], seed=6)
    anagram("va_hybrid", ["a lithograph of a skull", "a lithograph of waterfalls"], ["low_pass", "high_pass"],
            reduction="sum", seed=7)
    keep("sr", stage2(image=image64, prompt_embeds=e("a high quality photo"), negative_prompt_embeds=e(""),
                      guidance_scale=4.0, timesteps=STAGE2_TIMESTEPS, noise_level=250, generator=gen(8),
                      output_type="pt").images)
    if not prefix:
        pe = torch.cat([e("an oil painting of an old man"), e("an oil painting of people around a campfire")])
        keep("va2_flip", samplers.sample_stage_2(stage2, image64, pe, torch.cat([e(""), e("")]),
                                                 get_views(["identity", "flip"]), num_inference_steps=2,
                                                 guidance_scale=4.0, noise_level=50, generator=gen(9)))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="testdata")
    parser.add_argument("--work", help="where the diffusers pipeline folders go (default: a temporary folder)")
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="tiny_if_")
    os.makedirs(work, exist_ok=True)
    build(work)

    g = torch.Generator().manual_seed(3)
    emb = {p: torch.randn(77, WIDTH, generator=g).half().float() for p in PROMPTS}  # stored as float16
    tensors = {f"prompt_{i}": emb[p].numpy().astype(np.float16) for i, p in enumerate(PROMPTS)}
    meta = {f"prompt_{i}": p for i, p in enumerate(PROMPTS)}
    for dtype, folder in (("fp32", "tiny-if-diffusers"), ("fp16", "tiny-if-diffusers-fp16")):
        target = os.path.join(args.out, "models", folder)
        export(work, target, dtype)
        with open(os.path.join(target, "config.json")) as f:
            config = json.load(f)
        for stage in ("stage_I", "stage_II"):
            config[stage]["source"] = "random weights, onnx-export/if/reference_if.py"
        config["note"] = "tiny real-architecture IF UNets (diffusers' UNet2DConditionModel) for tests"
        with open(os.path.join(target, "config.json"), "w") as f:
            json.dump(config, f, indent=2)
        safetensors_io.save(os.path.join(target, "embeddings.safetensors"), tensors, metadata=meta)

    rec = Recorder()
    image64 = test_image()
    stage1, stage2 = os.path.join(work, "stage1"), os.path.join(work, "stage2")
    with torch.no_grad():
        out = runs(stage1, stage2, emb, image64, rec, "", round_weights=False)
        out.update(runs(stage1, stage2, emb, image64, rec, "fp16_", round_weights=True))
    out["image64"] = image64
    import diffusers

    path = os.path.join(args.out, "reference", "if-diffusers.safetensors")
    safetensors_io.save(path, {k: v.float().numpy() for k, v in out.items()},
                        metadata={"diffusers": diffusers.__version__, "torch": torch.__version__})
    print(f"wrote {len(out)} tensors to {path} (diffusers {diffusers.__version__}, torch {torch.__version__})")


if __name__ == "__main__":
    main()
