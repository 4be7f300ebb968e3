"""Exports DeepFloyd IF's stage I and stage II UNets from diffusers to ONNX, with the config.json the library reads.

For users who have the weights (not run in CI; needs a GPU-class machine's memory for XL and an accepted IF license
on HuggingFace). Tested against the interface of diffusers' ``IFPipeline`` / ``IFSuperResolutionPipeline``::

    pip install "diffusers>=0.27" "transformers>=4.38" accelerate sentencepiece onnx torch
    huggingface-cli login
    python onnx-export/if/export_if.py --stage1 DeepFloyd/IF-I-XL-v1.0 --stage2 DeepFloyd/IF-II-L-v1.0 \\
        --out models/if --dtype fp16

Writes into ``--out``:

* ``stage_I.onnx``: ``sample`` [B, 3, 64, 64], ``timestep`` int64 [B], ``encoder_hidden_states`` [B, 77, 4096]
  -> ``noise_pred`` [B, 6, 64, 64];
* ``stage_II.onnx``: ``sample`` [B, 6, 256, 256], ``timestep`` int64 [B], ``encoder_hidden_states``
  [B, 77, 4096], ``class_labels`` int64 [B] -> ``noise_pred`` [B, 6, 256, 256];
  (float16 or float32 per ``--dtype``; weights over 2 GB go to external data files beside the .onnx)
* ``config.json``: the scheduler settings of each stage (schedule, T, variance type, thresholding,
  sample_max_value) and the names of the other files, in the layout ``Diffusion.deepFloyd(dir)`` loads.

Then add prompts with ``export_t5.py`` (the encoder and tokenizer.json) and/or ``precompute_embeddings.py``.
"""

import argparse
import json
import os

import torch


class StageOne(torch.nn.Module):
    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states):
        return self.unet(sample, timestep, encoder_hidden_states=encoder_hidden_states, return_dict=False)[0]


class StageTwo(torch.nn.Module):
    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states, class_labels):
        return self.unet(sample, timestep, encoder_hidden_states=encoder_hidden_states,
                         class_labels=class_labels, return_dict=False)[0]


def scheduler_config(scheduler):
    c = scheduler.config
    return {
        "beta_schedule": c.beta_schedule,
        "num_train_timesteps": c.num_train_timesteps,
        "variance_type": c.variance_type,
        "thresholding": bool(c.thresholding),
        "dynamic_thresholding_ratio": c.dynamic_thresholding_ratio,
        "sample_max_value": c.sample_max_value,
    }


def export(module, inputs, names, path, large):
    dyn = {n: {0: "batch"} for n in names + ["noise_pred"]}
    torch.onnx.export(module, inputs, path, input_names=names, output_names=["noise_pred"], dynamic_axes=dyn,
                      opset_version=17, do_constant_folding=True)
    if large:  # re-save with the weights as external data: protobuf cannot hold more than 2 GB
        import onnx

        model = onnx.load(path, load_external_data=True)
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=os.path.basename(path) + ".data", size_threshold=1024)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stage1", default="DeepFloyd/IF-I-XL-v1.0")
    p.add_argument("--stage2", default="DeepFloyd/IF-II-L-v1.0", help="'' to skip stage II")
    p.add_argument("--out", required=True)
    p.add_argument("--dtype", choices=["fp16", "fp32"], default="fp16")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = p.parse_args()
    from diffusers import DiffusionPipeline

    os.makedirs(args.out, exist_ok=True)
    dtype = torch.float16 if args.dtype == "fp16" else torch.float32
    variant = {"variant": "fp16"} if args.dtype == "fp16" else {}
    config = {"format": "diffusion4j-if/1"}

    stage1 = DiffusionPipeline.from_pretrained(args.stage1, text_encoder=None, torch_dtype=dtype, **variant)
    unet = stage1.unet.to(args.device).eval()
    b = 2
    inputs = (torch.randn(b, 3, 64, 64, dtype=dtype, device=args.device),
              torch.tensor([999, 500], dtype=torch.int64, device=args.device),
              torch.randn(b, 77, 4096, dtype=dtype, device=args.device))
    with torch.no_grad():
        export(StageOne(unet), inputs, ["sample", "timestep", "encoder_hidden_states"],
               os.path.join(args.out, "stage_I.onnx"), large=True)
    config["stage_I"] = {"unet": "stage_I.onnx", "sample_size": 64, "source": args.stage1,
                         "scheduler": scheduler_config(stage1.scheduler)}
    del stage1, unet

    if args.stage2:
        stage2 = DiffusionPipeline.from_pretrained(args.stage2, text_encoder=None, torch_dtype=dtype, **variant)
        unet = stage2.unet.to(args.device).eval()
        inputs = (torch.randn(b, 6, 256, 256, dtype=dtype, device=args.device),
                  torch.tensor([999, 500], dtype=torch.int64, device=args.device),
                  torch.randn(b, 77, 4096, dtype=dtype, device=args.device),
                  torch.tensor([250, 250], dtype=torch.int64, device=args.device))
        with torch.no_grad():
            export(StageTwo(unet), inputs, ["sample", "timestep", "encoder_hidden_states", "class_labels"],
                   os.path.join(args.out, "stage_II.onnx"), large=True)
        config["stage_II"] = {"unet": "stage_II.onnx", "sample_size": 256, "source": args.stage2,
                              "scheduler": scheduler_config(stage2.scheduler),
                              "image_noising_scheduler": {
                                  "beta_schedule": stage2.image_noising_scheduler.config.beta_schedule,
                                  "num_train_timesteps": stage2.image_noising_scheduler.config.num_train_timesteps}}

    config["text_encoder"] = {"onnx": "text_encoder.onnx", "tokenizer": "tokenizer.json", "max_length": 77}
    config["embeddings"] = "embeddings.safetensors"
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    print("wrote", sorted(os.listdir(args.out)))


if __name__ == "__main__":
    main()
