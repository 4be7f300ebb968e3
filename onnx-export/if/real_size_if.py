"""DeepFloyd IF's UNets at their real sizes, with random weights: diffusers' own ``UNet2DConditionModel`` at IF-I-M,
IF-I-L, IF-I-XL, IF-II-M and IF-II-L configurations, counted without allocating them and, on request, built and saved
as diffusers pipeline folders that ``export_if.py`` takes.

    pip install diffusers==0.27.2 torch
    python onnx-export/if/real_size_if.py --count                       # the table of parameter counts
    python onnx-export/if/real_size_if.py --build IF-I-M --out /tmp/if-i-m  # a diffusers folder, random weights
    python onnx-export/if/real_size_if.py --config-only IF-I-XL --out /tmp/xl  # its config alone (export_if.py's guard)

``--count`` builds every configuration on torch's ``meta`` device (each parameter is created and moved there at once,
as accelerate's ``init_empty_weights`` does, so no weights stay in memory; 4.3B parameters count in seconds), checks
the method first by building two small configurations both ways (real tensors and meta) and comparing the counts,
and exits 1 if a count is more than 2% from the published one. ``--build`` refuses, before allocating, when the
machine's available memory is under what the build needs: 2.25 x the float32 weights + 0.5 GiB (measured: IF-I-L
peaked at 7.0 GiB for its 3.35 GiB of weights, IF-II-M at 3.7 GiB for 1.69 GiB; the save holds a second copy).

How the configurations were derived (the README repeats this):

* IF-I-XL: its published UNet config (``block_out_channels`` [704, 1408, 2112, 2816], ``layers_per_block`` 3,
  ``attention_head_dim`` 64, ``cross_attention_dim`` 2816, ``encoder_hid_dim`` 4096,
  ``addition_embed_type_num_heads`` 64; the original ``model_channels`` 704, ``channel_mult`` 1,2,3,4,
  ``attention_resolutions`` 32,16,8) with IF's block types as ``reference_if.py`` uses them: it counts 4.30B,
  the published 4.3B, which checks the method.
* IF-I-M and IF-I-L: XL's structure (4 levels, channel_mult 1,2,3,4, 3 layers per block, attention at 32, 16, 8,
  head width 64) at a smaller ``model_channels``, a multiple of 64 so that every attention level has whole heads.
  Width alone moves the count in steps of 25-35% (192: 372M, 256: 619M, 320: 935M), so the cross-attention width
  (IF's ``encoder_channels``, 4 x ``model_channels`` in XL) is the second knob, in steps of 128: IF-I-M is 192 wide
  with ``cross_attention_dim`` 1664, IF-I-L 320 wide with 512.
* IF-II-M and IF-II-L: stage II at 256 px with 6 input channels and the noise level as ``class_labels``
  (``class_embed_type="timestep"``), the same 4 levels with attention only at the lowest resolution (32 x 32), as in
  ``reference_if.py``'s tiny stage II: IF-II-M is 224 wide (455M, width alone), IF-II-L 384 wide with
  ``cross_attention_dim`` 512 (1.20B). These are not IF-II's published layouts (not found where this was written),
  only UNets of IF's blocks with its parameter counts: the speed of a step depends on the layout as well.
"""

import argparse
import contextlib
import os
import sys

import torch

# published parameter counts (DeepFloyd's model cards)
PUBLISHED = {"IF-I-M": 400e6, "IF-I-L": 900e6, "IF-I-XL": 4.3e9, "IF-II-M": 450e6, "IF-II-L": 1.2e9}
TOLERANCE = 0.02


def stage_one(channels, cross_attention_dim=None, layers=3):
    """IF-I's layout (XL's published config at another width): 64 px, attention at 32, 16 and 8."""
    return dict(sample_size=64, in_channels=3, out_channels=6, layers_per_block=layers,
                block_out_channels=[channels * m for m in (1, 2, 3, 4)],
                down_block_types=["ResnetDownsampleBlock2D"] + ["SimpleCrossAttnDownBlock2D"] * 3,
                mid_block_type="UNetMidBlock2DSimpleCrossAttn",
                up_block_types=["SimpleCrossAttnUpBlock2D"] * 3 + ["ResnetUpsampleBlock2D"],
                cross_attention_dim=cross_attention_dim or 4 * channels, encoder_hid_dim=4096,
                encoder_hid_dim_type="text_proj", attention_head_dim=64, addition_embed_type="text",
                addition_embed_type_num_heads=64, cross_attention_norm="group_norm",
                resnet_time_scale_shift="scale_shift", act_fn="gelu", mid_block_scale_factor=1.414)


def stage_two(channels, cross_attention_dim=None, layers=3):
    """Stage II: 256 px, 6 input channels, the noise level as class labels, attention only at 32 x 32."""
    c = stage_one(channels, cross_attention_dim, layers)
    c.update(sample_size=256, in_channels=6, class_embed_type="timestep",
             down_block_types=["ResnetDownsampleBlock2D"] * 3 + ["SimpleCrossAttnDownBlock2D"],
             up_block_types=["SimpleCrossAttnUpBlock2D"] + ["ResnetUpsampleBlock2D"] * 3)
    return c


CONFIGS = {
    "IF-I-M": (1, stage_one(192, 1664)),
    "IF-I-L": (1, stage_one(320, 512)),
    "IF-I-XL": (1, stage_one(704, 2816)),
    "IF-II-M": (2, stage_two(224)),
    "IF-II-L": (2, stage_two(384, 512)),
}


@contextlib.contextmanager
def on_meta():
    """Moves every parameter to the meta device as it is registered: modules are built without keeping weights."""
    original = torch.nn.Module.register_parameter

    def register(self, name, param):
        if param is not None:
            param = torch.nn.Parameter(param.to("meta"), requires_grad=param.requires_grad)
        original(self, name, param)

    torch.nn.Module.register_parameter = register
    try:
        yield
    finally:
        torch.nn.Module.register_parameter = original


def count(config, meta=True):
    from diffusers import UNet2DConditionModel

    with on_meta() if meta else contextlib.nullcontext():
        unet = UNet2DConditionModel(**config)
    return sum(p.numel() for p in unet.parameters())


def check_method():
    """The meta count equals the count of a real build, for a small stage I and stage II."""
    for config in (stage_one(64, 256, layers=1), stage_two(32, 128, layers=1)):
        real, meta = count(config, meta=False), count(config, meta=True)
        if real != meta:
            sys.exit(f"error: the meta-device count {meta} differs from a real build's {real}")
    print("method: meta-device counts equal real builds at small widths")


def available_bytes():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return None


def build(name, out):
    """Saves a diffusers pipeline folder (UNet with random weights, IF's scheduler configs) for export_if.py."""
    from diffusers import DDPMScheduler, IFPipeline, IFSuperResolutionPipeline, UNet2DConditionModel

    import reference_if

    stage, config = CONFIGS[name]
    params = count(config)
    need = params * 4 * 2.25 + 0.5 * 2**30
    free = available_bytes()
    if free is not None and free < need:
        sys.exit(f"error: {name} needs about {need / 2**30:.1f} GiB to build ({params / 1e6:.0f}M float32 "
                 f"parameters), but only {free / 2**30:.1f} GiB are available; nothing was written")
    torch.manual_seed(0)
    unet = UNet2DConditionModel(**config)
    none = dict(tokenizer=None, text_encoder=None, safety_checker=None, feature_extractor=None, watermarker=None,
                requires_safety_checker=False)
    if stage == 1:
        pipe = IFPipeline(unet=unet, scheduler=reference_if.scheduler(1.5), **none)
    else:
        noising = DDPMScheduler(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2")
        pipe = IFSuperResolutionPipeline(unet=unet, scheduler=reference_if.scheduler(1.0),
                                         image_noising_scheduler=noising, **none)
    pipe.save_pretrained(out, safe_serialization=True)
    print(f"wrote {name} ({params / 1e6:.0f}M parameters, random weights) to {out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", action="store_true", help="print the parameter counts (nothing is allocated)")
    parser.add_argument("--build", choices=sorted(CONFIGS), help="save this configuration as a diffusers folder")
    parser.add_argument("--config-only", choices=sorted(CONFIGS),
                        help="write only this configuration's unet/config.json into --out (no weights): enough "
                             "for export_if.py's memory check, which counts the parameters from the config")
    parser.add_argument("--out", help="the folder --build or --config-only writes")
    args = parser.parse_args()
    if not args.count and not args.build and not args.config_only:
        parser.error("give --count, --build NAME --out DIR or --config-only NAME --out DIR")
    if (args.build or args.config_only) and not args.out:
        parser.error("--build and --config-only need --out")
    if args.config_only:
        import json

        os.makedirs(os.path.join(args.out, "unet"), exist_ok=True)
        config = dict(CONFIGS[args.config_only][1], _class_name="UNet2DConditionModel")
        with open(os.path.join(args.out, "unet", "config.json"), "w") as f:
            json.dump(config, f, indent=2)
        print(f"wrote {args.config_only}'s unet/config.json (no weights) to {args.out}")
    if args.count:
        check_method()
        worst = 0.0
        print(f"{'model':8} {'block_out_channels':>24} {'cross_attn':>10} {'parameters':>14} {'published':>10} {'diff':>7}")
        for name, (stage, config) in CONFIGS.items():
            n = count(config)
            diff = n / PUBLISHED[name] - 1
            worst = max(worst, abs(diff))
            print(f"{name:8} {str(config['block_out_channels']):>24} {config['cross_attention_dim']:>10} "
                  f"{n:>14,} {PUBLISHED[name] / 1e9:>9.2f}B {100 * diff:>+6.2f}%")
        if worst > TOLERANCE:
            sys.exit(f"error: a count is {100 * worst:.1f}% from the published one (allowed: {100 * TOLERANCE:.0f}%)")
    if args.build:
        os.makedirs(args.out, exist_ok=True)
        build(args.build, args.out)


if __name__ == "__main__":
    main()
