"""Loads the weights of an exported part B model (an ONNX file this project wrote) back into a trainable UNet.

``train.py --init FILE`` uses it to go on training from a shipped export, for instance::

    /usr/bin/python3 onnx-export/mnist/train.py --model time --data IDX_FOLDER \\
        --init testdata/models/mnist/time60k-epoch20.onnx --lr 1e-4 --epochs 8

The exporter folds each BatchNorm that follows a ``Conv2d`` into that convolution (``W' = W * g / s``,
``b' = (b - m) * g / s + beta`` with ``s = sqrt(var + eps)``); the original scale and shift cannot be split back out
of ``W'`` and ``b'``. So the convolution takes the folded weights and its BatchNorm becomes the identity for the
statistics those weights actually produce: with the per-channel mean ``mu`` and standard deviation ``sd`` of the
folded convolution's output over a calibration batch, ``running_mean = beta = mu`` and
``running_var + eps = g^2 = sd^2``. In eval mode the model then computes exactly what the ONNX file computes; in
training mode, where BatchNorm uses the batch's own statistics, it computes nearly the same, and training goes on
from there. BatchNorms after a ``ConvTranspose2d`` are not folded and load as they are.
"""

import onnx
import torch
from onnx import numpy_helper


def _folded_convs(graph):
    """Maps each folded Conv node's (weight, bias) initializer names to the module path of its convolution."""
    folded = {}
    for node in graph.node:
        if node.op_type != "Conv" or len(node.input) < 3:
            continue
        weight, bias = node.input[1], node.input[2]
        if not weight.startswith("onnx::"):
            continue  # a named initializer: the convolution had no BatchNorm to fold
        # node names carry the module scope: /e1/e1.1/e1.1.0/e1.1.0.0/Conv -> e1.1.0.0
        parts = node.name.strip("/").split("/")
        if len(parts) < 2:
            raise ValueError(f"Conv node '{node.name}': expected a module-scoped name like /e0/e0.0/e0.0.0/Conv")
        folded[parts[-2]] = (weight, bias)
    return folded


def load_onnx(model, path, calibration):
    """Copies the weights of the ONNX export at ``path`` into ``model`` (built with ``unet.build`` for the same kind
    and D). ``calibration`` is a callable that runs ``model`` once on a representative training batch (for the DDPMs:
    noised digits at random times). Raises ``ValueError`` naming the file and tensor when they do not match."""
    graph = onnx.load(path).graph
    tensors = {init.name: torch.from_numpy(numpy_helper.to_array(init).copy()) for init in graph.initializer}
    folded = _folded_convs(graph)
    state = model.state_dict()
    modules = dict(model.named_modules())
    bn_of = {}
    for conv_path, (weight, bias) in folded.items():
        prefix, _, index = conv_path.rpartition(".")
        bn_path = f"{prefix}.{int(index) + 1}"
        if not isinstance(modules.get(conv_path), torch.nn.Conv2d) or not isinstance(
                modules.get(bn_path), torch.nn.BatchNorm2d):
            raise ValueError(f"{path}: folded Conv '{conv_path}' has no Conv2d + BatchNorm2d pair in the model")
        tensors[f"{conv_path}.weight"] = tensors.pop(weight)
        tensors[f"{conv_path}.bias"] = tensors.pop(bias)
        bn_of[conv_path] = bn_path

    loaded = set()
    for key, value in state.items():
        if key in tensors:
            if tensors[key].shape != value.shape:
                raise ValueError(f"{path}: tensor '{key}' has shape {list(tensors[key].shape)}, "
                                 f"the model expects {list(value.shape)}")
            value.copy_(tensors[key])
            loaded.add(key)
    for conv_path, bn_path in bn_of.items():  # identity until calibrated
        bn = modules[bn_path]
        with torch.no_grad():
            bn.weight.fill_(1.0)
            bn.bias.zero_()
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
        loaded.update(f"{bn_path}.{name}" for name in ("weight", "bias", "running_mean", "running_var"))
    missing = [k for k in state if k not in loaded and not k.endswith("num_batches_tracked")]
    if missing:
        raise ValueError(f"{path}: no weights for {missing[:5]}{'...' if len(missing) > 5 else ''}: "
                         f"is it an export of this kind of model with the same D?")

    stats = {}

    def hook(conv_path):
        def record(_module, _inputs, output):
            y = output.detach().double()
            stats[conv_path] = (y.mean(dim=(0, 2, 3)), y.var(dim=(0, 2, 3), unbiased=False))
        return record

    handles = [modules[c].register_forward_hook(hook(c)) for c in bn_of]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        calibration(model)
    for h in handles:
        h.remove()
    with torch.no_grad():
        for conv_path, bn_path in bn_of.items():
            mean, var = stats[conv_path]
            bn = modules[bn_path]
            running_var = (var - bn.eps).clamp_min(0.0)
            bn.running_mean.copy_(mean.float())
            bn.running_var.copy_(running_var.float())
            bn.bias.copy_(mean.float())
            bn.weight.copy_((running_var + bn.eps).sqrt().float())
    model.train(was_training)
    return model

