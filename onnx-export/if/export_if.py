"""Exports DeepFloyd IF's stage I and stage II UNets from diffusers to ONNX, with the config.json the library reads.

For users who have the weights (an accepted IF license on HuggingFace) or a local diffusers IF folder. Runs on a
CPU-only machine in both dtypes: the UNet is always exported in float32 and, for ``--dtype fp16``, converted
afterwards (float16 weights and float16 ``sample``, ``encoder_hidden_states`` and ``noise_pred``, computed in float32
inside the graph, so ONNX Runtime's CPU provider runs it). Tested with diffusers v0.27.2 on torch 1.13.1::

    pip install "diffusers>=0.27" onnx torch
    huggingface-cli login
    python onnx-export/if/export_if.py --stage1 DeepFloyd/IF-I-XL-v1.0 --stage2 DeepFloyd/IF-II-L-v1.0 \\
        --out models/if --dtype fp16

``--dtype fp16-cuda`` computes in float16 instead (as diffusers' ``torch_dtype=torch.float16`` on a GPU; for CUDA,
unverified there), and ``--dtype fp32,fp16,fp16-cuda`` writes several flavours from one trace: the first as
``stage_I.onnx`` (config.json's ``unet``), each other as ``stage_I.<dtype>.onnx``, all listed under ``unets``, from
which ``Diffusion.deepFloyd`` takes ``fp16-cuda`` on CUDA and a CPU flavour on the CPU.

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


def to_float16_arithmetic(model):
    """True float16 arithmetic, as diffusers runs IF with ``torch_dtype=torch.float16`` on a GPU (for CUDA).

    Every node on the data path of ``sample`` and ``encoder_hidden_states`` computes in float16: its float32
    initializers are stored as float16, its ``Cast``s to float32 cast to float16, and float32 values from elsewhere
    are cast to float16 where it reads them. What depends only on the int64 ``timestep`` / ``class_labels`` (the
    sinusoidal embeddings and the MLP right after them) and shape arithmetic stay float32, as diffusers computes the
    sinusoid in float32 (float16 cannot hold 999 x a frequency to the precision a sine needs); ``Resize``'s scales
    stay float32, as ONNX requires. Float inputs and the output are float16. ONNX Runtime's CPU provider lacks
    float16 kernels for much of this graph: the flavour is meant for the CUDA provider.
    """
    from onnx import TensorProto, helper, numpy_helper
    import numpy as np

    graph = model.graph
    float_inputs = {i.name for i in graph.input if i.type.tensor_type.elem_type == TensorProto.FLOAT}
    inits = {i.name: i for i in graph.initializer}
    half_inits = {}
    main = set(float_inputs)  # float values on the data path of the float inputs
    keep_fp32 = {"Resize": {1, 2}}  # roi and scales must stay float32
    new_nodes = []
    casts = {}

    def half_of(name):
        if name in inits:
            init = inits[name]
            if init.data_type != TensorProto.FLOAT:
                return name
            if name not in half_inits:
                half_inits[name] = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16),
                                                           name + "__fp16")
            return name + "__fp16"
        if name not in casts:
            casts[name] = name + "__to_fp16"
            new_nodes.append(helper.make_node("Cast", [name], [casts[name]], to=TensorProto.FLOAT16,
                                              name=name + "__to_fp16_cast"))
        return casts[name]

    float_values = set(float_inputs) | {n for n, i in inits.items() if i.data_type == TensorProto.FLOAT}
    for node in graph.node:  # a topological order, as the exporter writes it
        if node.op_type == "Constant":
            t = next((a.t for a in node.attribute if a.name == "value"), None)
            if t is not None and t.data_type == TensorProto.FLOAT:
                float_values.update(node.output)
            new_nodes.append(node)
            continue
        if node.op_type == "ConstantOfShape":
            t = next((a.t for a in node.attribute if a.name == "value"), None)
            if t is None or t.data_type == TensorProto.FLOAT:  # its default value is a float32 0
                float_values.update(node.output)
            new_nodes.append(node)
            continue
        if any(i in main for i in node.input if i):
            blocked = keep_fp32.get(node.op_type, set())
            for k, name in enumerate(node.input):
                if name and name not in main and k not in blocked and name in float_values:
                    node.input[k] = half_of(name)
            if node.op_type == "Cast":
                to = next(a for a in node.attribute if a.name == "to")
                if to.i == TensorProto.FLOAT:
                    to.i = TensorProto.FLOAT16
                if to.i == TensorProto.FLOAT16:
                    main.update(node.output)
            elif node.op_type not in ("Shape", "Size"):
                main.update(node.output)
                float_values.update(node.output)
        else:
            if node.op_type == "Cast":
                to = next(a for a in node.attribute if a.name == "to")
                if to.i == TensorProto.FLOAT:
                    float_values.update(node.output)
            elif any(i in float_values for i in node.input if i):
                float_values.update(node.output)
        new_nodes.append(node)
    used = {i for n in new_nodes for i in n.input}
    kept = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept + list(half_inits.values()))
    del graph.node[:]
    graph.node.extend(new_nodes)
    del graph.value_info[:]  # ONNX Runtime infers the types again
    for v in list(graph.input) + list(graph.output):
        if v.type.tensor_type.elem_type == TensorProto.FLOAT:
            v.type.tensor_type.elem_type = TensorProto.FLOAT16
    return model


# --dtype flavours: how each is made from the float32 export, and the suffix of its file beside the default one
FLAVOURS = {"fp32": None, "fp16": to_float16_io, "fp16-cuda": to_float16_arithmetic}


def save(model, path):
    """Writes one .onnx (+ one .data beside it when the weights are over 2 GB) at ``path``."""
    import onnx

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


def flavour_file(stem, flavour, first):
    """``stage_I.onnx`` for the first flavour asked for (config.json's ``unet``), ``stage_I.<flavour>.onnx`` else."""
    return f"{stem}.onnx" if first else f"{stem}.{flavour}.onnx"


def export(module, inputs, names, out, stem, flavours):
    """Exports once into a temporary folder and writes each flavour; returns {flavour: file name}."""
    import onnx

    tmp = tempfile.mkdtemp(prefix="export_if_")
    files = {}
    try:
        raw = os.path.join(tmp, "model.onnx")
        torch_export(module, inputs, names, raw)
        for k, flavour in enumerate(flavours):
            model = onnx.load(raw, load_external_data=True)
            if FLAVOURS[flavour] is not None:
                model = FLAVOURS[flavour](model)
            files[flavour] = flavour_file(stem, flavour, k == 0)
            save(model, os.path.join(out, files[flavour]))
            print(f"wrote {files[flavour]} ({flavour})", flush=True)
            del model
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return files


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stage1", default="DeepFloyd/IF-I-XL-v1.0", help="a HuggingFace repository or a local folder")
    p.add_argument("--stage2", default="DeepFloyd/IF-II-L-v1.0", help="the same; '' to skip stage II")
    p.add_argument("--out", required=True)
    p.add_argument("--dtype", default="fp16",
                   help="fp32, fp16 (float16 weights, float32 arithmetic: the CPU's), fp16-cuda (float16 arithmetic, "
                        "as diffusers on a GPU), or several with commas from one trace: fp32,fp16,fp16-cuda. The first "
                        "is stage_I.onnx, config.json's unet; each other is stage_I.<dtype>.onnx")
    args = p.parse_args()
    flavours = args.dtype.split(",")
    if not flavours or any(f not in FLAVOURS for f in flavours) or len(set(flavours)) != len(flavours):
        p.error(f"--dtype must be one or more of {', '.join(FLAVOURS)} without repeats, but is: {args.dtype}")

    check_memory([args.stage1] + ([args.stage2] if args.stage2 else []))
    os.makedirs(args.out, exist_ok=True)
    variant = "fp16" if flavours[0] != "fp32" else None
    config = {"format": "diffusion4j-if/1"}
    b = 2

    unet = load_unet(args.stage1, variant)
    size, width = unet.config.sample_size, embedding_width(unet)
    inputs = (torch.randn(b, unet.config.in_channels, size, size), torch.tensor([999, 500], dtype=torch.int64),
              torch.randn(b, 77, width))
    files = export(StageOne(unet), inputs, ["sample", "timestep", "encoder_hidden_states"], args.out, "stage_I",
                   flavours)
    config["stage_I"] = {"unet": files[flavours[0]], "unets": files, "sample_size": size, "embedding_width": width,
                         "source": args.stage1, "scheduler": scheduler_config(load_scheduler(args.stage1, "scheduler"))}
    del unet

    if args.stage2:
        unet = load_unet(args.stage2, variant)
        size, width = unet.config.sample_size, embedding_width(unet)
        inputs = (torch.randn(b, unet.config.in_channels, size, size), torch.tensor([999, 500], dtype=torch.int64),
                  torch.randn(b, 77, width), torch.tensor([250, 250], dtype=torch.int64))
        files = export(StageTwo(unet), inputs, ["sample", "timestep", "encoder_hidden_states", "class_labels"],
                       args.out, "stage_II", flavours)
        noising = load_scheduler(args.stage2, "image_noising_scheduler")
        config["stage_II"] = {"unet": files[flavours[0]], "unets": files, "sample_size": size, "embedding_width": width,
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
