"""Exports DeepFloyd IF's stage I and stage II UNets from diffusers to ONNX, with the config.json the library reads.

For users who have the weights (an accepted IF license on HuggingFace) or a local diffusers IF folder. Runs on a
CPU-only machine in both dtypes: the UNet is always exported in float32 and, for ``--dtype fp16``, converted
afterwards (float16 weights and float16 ``sample``, ``encoder_hidden_states`` and ``noise_pred``, computed in float32
inside the graph, so ONNX Runtime's CPU provider runs it). Tested with diffusers v0.27.2 on torch 1.13.1::

    pip install "diffusers>=0.27" onnx torch
    huggingface-cli login
    python onnx-export/if/export_if.py --stage1 DeepFloyd/IF-I-XL-v1.0 --stage2 DeepFloyd/IF-II-L-v1.0 \\
        --out models/if --dtype fp16

``--stage1`` and ``--stage2`` take a HuggingFace repository or a local folder in diffusers' layout (``unet/``,
``scheduler/`` and for stage II ``image_noising_scheduler/``); only the UNet and the schedulers are loaded, never the
text encoder or the safety checker. Writes into ``--out``:

* ``stage_I.onnx``: ``sample`` [B, 3, S, S], ``timestep`` int64 [B], ``encoder_hidden_states`` [B, 77, W]
  -> ``noise_pred`` [B, 6, S, S] (S = the UNet's ``sample_size``, 64 for IF; W = its embedding width, 4096 for IF);
* ``stage_II.onnx``: ``sample`` [B, 6, S, S], ``timestep`` int64 [B], ``encoder_hidden_states`` [B, 77, W],
  ``class_labels`` int64 [B] -> ``noise_pred`` [B, 6, S, S] (S = 256 for IF);
  (float16 or float32 per ``--dtype``; a model over 2 GB keeps its weights in one ``<name>.onnx.data`` file beside it)
* ``config.json``: each stage's scheduler settings as diffusers' scheduler config holds them (schedule, T, variance
  type, clip_sample and its range, thresholding, its ratio and sample_max_value) and the names of the other files,
  in the layout ``Diffusion.deepFloyd(dir)`` loads.

The exporter is pinned: TorchScript (``torch.onnx.export(..., dynamo=False)`` where torch offers the choice; torch
>= 2.9 would otherwise use the dynamo exporter, which this script was not tested with), opset 17. Intermediate files
go to a temporary folder that is removed afterwards. Before loading anything it counts each UNet's parameters from its
config and stops, writing nothing, when ``MemAvailable`` is below what the export needs (about 5 x the float32
weights + 1 GiB). Then add prompts with ``export_t5.py`` (the encoder and
tokenizer.json) and/or ``precompute_embeddings.py``.
"""

import argparse
import inspect
import json
import os
import shutil
import tempfile

import torch

OPSET = 17
TWO_GB = 2 ** 31 - 1
# peak resident memory of an export beyond BASE_MEMORY, in float32 weights' sizes: the UNet, the traced graph's
# constants, the ONNX model and, for fp16, its converted copy. Measured: 3.98 GiB peak for a 195M-parameter stage I in
# fp32 (1 GiB + 4.1 x 0.73 GiB); 5 leaves room for fp16's converted copy, which was not measured at that size.
EXPORT_MEMORY_FACTOR = 5.0
BASE_MEMORY = 1 << 30  # torch, diffusers and onnx themselves


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
        "clip_sample": bool(c.clip_sample),
        "clip_sample_range": c.clip_sample_range,
        "thresholding": bool(c.thresholding),
        "dynamic_thresholding_ratio": c.dynamic_thresholding_ratio,
        "sample_max_value": c.sample_max_value,
    }


def embedding_width(unet):
    """The width of ``encoder_hidden_states``: IF projects T5's 4096 to its cross-attention width itself."""
    return unet.config.encoder_hid_dim or unet.config.cross_attention_dim


def load_unet(source, dtype_variant):
    """Loads only the UNet of a diffusers IF folder or repository, in float32 (the export runs on any CPU)."""
    from diffusers import UNet2DConditionModel

    kwargs = {"subfolder": "unet", "torch_dtype": torch.float32}
    if dtype_variant:
        try:
            return UNet2DConditionModel.from_pretrained(source, variant=dtype_variant, **kwargs).eval()
        except (OSError, ValueError):
            pass  # no fp16 variant of the weights: take the default ones
    return UNet2DConditionModel.from_pretrained(source, **kwargs).eval()


def parameter_count(source):
    """Counts a UNet's parameters from its config alone: every parameter is moved to the meta device as it is made."""
    from diffusers import UNet2DConditionModel

    config = UNet2DConditionModel.load_config(source, subfolder="unet")
    original = torch.nn.Module.register_parameter

    def register(self, name, param):
        if param is not None:
            param = torch.nn.Parameter(param.to("meta"), requires_grad=param.requires_grad)
        original(self, name, param)

    torch.nn.Module.register_parameter = register
    try:
        unet = UNet2DConditionModel.from_config(config)
    finally:
        torch.nn.Module.register_parameter = original
    return sum(p.numel() for p in unet.parameters())


def available_memory():
    """MemAvailable of /proc/meminfo in bytes, or None where there is none (not Linux)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def check_memory(sources):
    """Stops before anything is loaded or written when the machine has less memory than the largest export needs."""
    free = available_memory()
    for source in sources:
        params = parameter_count(source)
        need = BASE_MEMORY + EXPORT_MEMORY_FACTOR * 4 * params
        print(f"{source}: {params / 1e6:.0f}M parameters, the export needs about {need / 2**30:.1f} GiB"
              + ("" if free is None else f" ({free / 2**30:.1f} GiB available)"))
        if free is not None and need > free:
            raise SystemExit(f"error: exporting {source} needs about {need / 2**30:.1f} GiB of memory "
                             f"({params / 1e6:.0f}M parameters, {EXPORT_MEMORY_FACTOR:g} x their float32 size "
                             f"+ 1 GiB), but only {free / 2**30:.1f} GiB are available; nothing was written. "
                             "Free memory, use a larger machine, or export one stage at a time (--stage2 '').")


def load_scheduler(source, subfolder):
    from diffusers import DDPMScheduler

    return DDPMScheduler.from_pretrained(source, subfolder=subfolder)


def torch_export(module, inputs, names, path):
    """TorchScript export, pinned where torch offers another exporter."""
    kwargs = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    dyn = {n: {0: "batch"} for n in names + ["noise_pred"]}
    with torch.no_grad():
        torch.onnx.export(module, inputs, path, input_names=names, output_names=["noise_pred"], dynamic_axes=dyn,
                          opset_version=OPSET, do_constant_folding=True, **kwargs)


def to_float16_io(model):
    """Float16 weights and float16 float inputs/outputs around a float32 computation.

    Every float32 initializer is stored as float16 and cast back to float32 where it is used; every float32 graph
    input becomes float16 followed by a cast to float32; the float32 output is cast to float16. ONNX Runtime's CPU
    provider has no float16 kernels for much of a UNet, so the arithmetic stays in float32.
    """
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    casts = []
    new_inits = []
    for init in graph.initializer:
        if init.data_type == TensorProto.FLOAT:
            half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name + "__fp16")
            new_inits.append(half)
            casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT,
                                          name=init.name + "__cast"))
        else:
            new_inits.append(init)
    del graph.initializer[:]
    graph.initializer.extend(new_inits)
    for inp in graph.input:
        if inp.type.tensor_type.elem_type == TensorProto.FLOAT:
            inner = inp.name + "__fp32"
            for node in graph.node:
                for i, name in enumerate(node.input):
                    if name == inp.name:
                        node.input[i] = inner
            casts.append(helper.make_node("Cast", [inp.name], [inner], to=TensorProto.FLOAT, name=inner + "__cast"))
            inp.type.tensor_type.elem_type = TensorProto.FLOAT16
    tail = []
    for out in graph.output:
        if out.type.tensor_type.elem_type == TensorProto.FLOAT:
            inner = out.name + "__fp32"
            for node in graph.node:
                for i, name in enumerate(node.output):
                    if name == out.name:
                        node.output[i] = inner
            tail.append(helper.make_node("Cast", [inner], [out.name], to=TensorProto.FLOAT16, name=inner + "__cast"))
            out.type.tensor_type.elem_type = TensorProto.FLOAT16
    nodes = casts + list(graph.node) + tail
    del graph.node[:]
    graph.node.extend(nodes)
    return model


def export(module, inputs, names, path, fp16):
    """Exports into a temporary folder, converts, and writes one .onnx (+ one .data when over 2 GB) at ``path``."""
    import onnx

    tmp = tempfile.mkdtemp(prefix="export_if_")
    try:
        raw = os.path.join(tmp, "model.onnx")
        torch_export(module, inputs, names, raw)
        model = onnx.load(raw, load_external_data=True)
        if fp16:
            model = to_float16_io(model)
        data = os.path.basename(path) + ".data"
        for stale in (path, os.path.join(os.path.dirname(path), data)):
            if os.path.exists(stale):
                os.remove(stale)
        weights = sum(len(i.raw_data) for i in model.graph.initializer)
        if weights > TWO_GB - 2 ** 26:  # protobuf cannot hold more than 2 GB; keep a margin for the graph
            onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                            location=data, size_threshold=1024)
        else:
            onnx.save_model(model, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stage1", default="DeepFloyd/IF-I-XL-v1.0", help="a HuggingFace repository or a local folder")
    p.add_argument("--stage2", default="DeepFloyd/IF-II-L-v1.0", help="the same; '' to skip stage II")
    p.add_argument("--out", required=True)
    p.add_argument("--dtype", choices=["fp16", "fp32"], default="fp16")
    args = p.parse_args()

    check_memory([args.stage1] + ([args.stage2] if args.stage2 else []))
    os.makedirs(args.out, exist_ok=True)
    fp16 = args.dtype == "fp16"
    variant = "fp16" if fp16 else None
    config = {"format": "diffusion4j-if/1"}
    b = 2

    unet = load_unet(args.stage1, variant)
    size, width = unet.config.sample_size, embedding_width(unet)
    inputs = (torch.randn(b, unet.config.in_channels, size, size), torch.tensor([999, 500], dtype=torch.int64),
              torch.randn(b, 77, width))
    export(StageOne(unet), inputs, ["sample", "timestep", "encoder_hidden_states"],
           os.path.join(args.out, "stage_I.onnx"), fp16)
    config["stage_I"] = {"unet": "stage_I.onnx", "sample_size": size, "embedding_width": width,
                         "source": args.stage1, "scheduler": scheduler_config(load_scheduler(args.stage1, "scheduler"))}
    del unet

    if args.stage2:
        unet = load_unet(args.stage2, variant)
        size, width = unet.config.sample_size, embedding_width(unet)
        inputs = (torch.randn(b, unet.config.in_channels, size, size), torch.tensor([999, 500], dtype=torch.int64),
                  torch.randn(b, 77, width), torch.tensor([250, 250], dtype=torch.int64))
        export(StageTwo(unet), inputs, ["sample", "timestep", "encoder_hidden_states", "class_labels"],
               os.path.join(args.out, "stage_II.onnx"), fp16)
        noising = load_scheduler(args.stage2, "image_noising_scheduler")
        config["stage_II"] = {"unet": "stage_II.onnx", "sample_size": size, "embedding_width": width,
                              "source": args.stage2,
                              "scheduler": scheduler_config(load_scheduler(args.stage2, "scheduler")),
                              "image_noising_scheduler": {
                                  "beta_schedule": noising.config.beta_schedule,
                                  "num_train_timesteps": noising.config.num_train_timesteps}}
        del unet

    config["text_encoder"] = {"onnx": "text_encoder.onnx", "tokenizer": "tokenizer.json", "max_length": 77}
    config["embeddings"] = "embeddings.safetensors"
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    print("wrote", sorted(os.listdir(args.out)))


if __name__ == "__main__":
    main()
