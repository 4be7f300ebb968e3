"""Makes small random-weight stand-ins with exactly DeepFloyd IF's ONNX contract, and reference outputs for them.

    /usr/bin/python3 onnx-export/if/make_tiny_if.py --out testdata/models/tiny-if

Writes a models folder in the layout ``Diffusion.deepFloyd(dir)`` loads (see README):

* ``stage_I.onnx``: ``sample`` f32 [B, 3, 64, 64], ``timestep`` i64 [B], ``encoder_hidden_states`` f32 [B, 77, 4096]
  -> ``noise_pred`` f32 [B, 6, 64, 64] (channels 0-2 the noise estimate, 3-5 the variance values in [-1, 1]).
* ``stage_I.fp16.onnx``: the same with float16 ``sample``, ``encoder_hidden_states`` and ``noise_pred`` and a
  float32 ``timestep`` (casts around the float32 graph).
* ``stage_II.onnx``: ``sample`` f32 [B, 6, 256, 256] (x_t and the noised upscaled image), ``timestep`` i64 [B],
  ``encoder_hidden_states`` f32 [B, 77, 4096], ``class_labels`` i64 [B] (the noise level) -> ``noise_pred``
  f32 [B, 6, 256, 256].
* ``text_encoder.onnx``: a T5-like encoder, ``input_ids`` i64 [B, 77], ``attention_mask`` i64 [B, 77] ->
  ``last_hidden_state`` f32 [B, 77, 4096]; ``tokenizer.json``: a small T5-style Unigram tokenizer that covers the
  study's prompts; ``embeddings.safetensors``: the encoder's output for the study's 14 prompts (float16,
  [77, 4096] each, names ``prompt_<i>`` and the prompt texts in the metadata).
* ``config.json``: the scheduler settings (as the export script writes them for the real models).
* ``reference.safetensors``: the study's loops run in torch on these weights with explicit noise (also saved), for
  the Java tests to replay: iterative denoising with CFG, sampling, an anagram, a hybrid, inpainting, stage II; and
  single forward passes of each model.
"""

import argparse
import json
import math
import os

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper
from torch import nn

import safetensors_io

PROMPTS = [
    "an oil painting of a snowy mountain village", "a photo of the amalfi cost", "a photo of a man",
    "a photo of a hipster barista", "a photo of a dog", "an oil painting of people around a campfire",
    "an oil painting of an old man", "a lithograph of waterfalls", "a lithograph of a skull", "a man wearing a hat",
    "a high quality photo", "a rocket ship", "a pencil", "",
]
MAX_LEN = 77
DIM = 4096


# ---------------------------------------------------------------------------------------------------- tokenizer

def vocabulary():
    words = sorted({w for p in PROMPTS for w in p.split()})
    pieces = [["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0], ["\u2581", -8.0]]
    pieces += [["\u2581" + w, -5.0] for w in words]
    pieces += [[c, -10.0] for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
    return pieces


def tokenizer_json(pieces):
    special = lambda i, s: {"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                            "normalized": False, "special": True}
    metaspace = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
    return {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": MAX_LEN, "strategy": "LongestFirst", "stride": 0},
        "padding": {"strategy": {"Fixed": MAX_LEN}, "direction": "Right", "pad_to_multiple_of": None, "pad_id": 0,
                    "pad_type_id": 0, "pad_token": "<pad>"},
        "added_tokens": [special(0, "<pad>"), special(1, "</s>"), special(2, "<unk>")],
        "normalizer": None,
        "pre_tokenizer": metaspace,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}},
        },
        "decoder": metaspace,
        "model": {"type": "Unigram", "unk_id": 2, "vocab": pieces, "byte_fallback": False},
    }


def tokenize(text, pieces):
    """The stand-in tokenizer's result for whole-word prompts: one piece per word, then </s>, padded to 77."""
    index = {p: i for i, (p, _) in enumerate(pieces)}
    ids = [index.get("\u2581" + w, 2) for w in text.split()][: MAX_LEN - 1] + [1]
    mask = [1] * len(ids) + [0] * (MAX_LEN - len(ids))
    return ids + [0] * (MAX_LEN - len(ids)), mask


# ---------------------------------------------------------------------------------------------------- models

class TinyT5(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, 32)
        self.proj = nn.Linear(32, DIM)

    def forward(self, input_ids, attention_mask):
        h = torch.tanh(self.proj(self.embed(input_ids)))
        return h * attention_mask[:, :, None].to(h.dtype)


class TinyUNet(nn.Module):
    """Noise estimate = 0.8 x_t + 0.2 conv(...), so that the study's loops stay in a sane range."""

    def __init__(self, in_channels, stage_two=False, width=16):
        super().__init__()
        self.stage_two = stage_two
        self.text = nn.Linear(DIM, width)
        self.time = nn.Linear(1, width)
        self.level = nn.Linear(1, width) if stage_two else None
        self.inp = nn.Conv2d(in_channels, width, 3, padding=1)
        self.mid = nn.Conv2d(width, width, 3, padding=1)
        self.out = nn.Conv2d(width, 6, 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states, class_labels=None):
        t = timestep.to(sample.dtype)[:, None] / 1000
        emb = self.text(encoder_hidden_states.mean(dim=1)) + self.time(t)
        if self.stage_two:
            emb = emb + self.level(class_labels.to(sample.dtype)[:, None] / 1000)
        h = F.silu(self.inp(sample) + emb[:, :, None, None])
        o = self.out(F.silu(self.mid(h)))
        eps = 0.8 * sample[:, :3] + 0.2 * o[:, :3]
        return torch.cat([eps, torch.tanh(o[:, 3:])], dim=1)


def export(model, args, path, inputs, outputs):
    dyn = {n: {0: "batch"} for n in inputs + outputs}
    torch.onnx.export(model, args, path, input_names=inputs, output_names=outputs, dynamic_axes=dyn,
                      opset_version=17)


def fp16_io_variant(src, dst):
    """Wraps a float32 graph: float16 sample / encoder_hidden_states / noise_pred, a float32 timestep."""
    m = onnx.load(src)
    g = m.graph
    nodes = []
    for inp in g.input:
        old = inp.name
        if old in ("sample", "encoder_hidden_states"):
            inp.type.tensor_type.elem_type = TensorProto.FLOAT16
            nodes.append(helper.make_node("Cast", [old], [old + "_f32"], to=TensorProto.FLOAT))
        elif old == "timestep":
            inp.type.tensor_type.elem_type = TensorProto.FLOAT
            nodes.append(helper.make_node("Cast", [old], [old + "_i64"], to=TensorProto.INT64))
        else:
            continue
        new = old + ("_i64" if old == "timestep" else "_f32")
        for node in g.node:
            for i, name in enumerate(node.input):
                if name == old:
                    node.input[i] = new
    out = g.output[0]
    for node in g.node:
        for i, name in enumerate(node.output):
            if name == out.name:
                node.output[i] = out.name + "_f32"
    nodes_after = [helper.make_node("Cast", [out.name + "_f32"], [out.name], to=TensorProto.FLOAT16)]
    out.type.tensor_type.elem_type = TensorProto.FLOAT16
    all_nodes = nodes + list(g.node) + nodes_after
    del g.node[:]
    g.node.extend(all_nodes)
    onnx.checker.check_model(m)
    onnx.save(m, dst)


# ---------------------------------------------------------------------------------------------------- the loops

def cosine_alphas_cumprod(T=1000):
    def f(s):
        return math.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2

    betas = torch.tensor([min(1 - f((i + 1) / T) / f(i / T), 0.999) for i in range(T)], dtype=torch.float32)
    return torch.cumprod(1 - betas, dim=0)


ABAR = cosine_alphas_cumprod()


def forward_process(x0, t, eps):
    return ABAR[t].sqrt() * x0 + (1 - ABAR[t]).sqrt() * eps


def step(x, eps, v, t, tp, z):
    """SPEC section 5: the DDPM step with learned-range variance, noise at every step."""
    a_t, a_p = ABAR[t], ABAR[tp]
    alpha = a_t / a_p
    beta = 1 - alpha
    x0 = (x - (1 - a_t).sqrt() * eps) / a_t.sqrt()
    mean = a_p.sqrt() * beta / (1 - a_t) * x0 + alpha.sqrt() * (1 - a_p) / (1 - a_t) * x
    var = torch.clamp((1 - a_p) / (1 - a_t) * beta, min=1e-20)
    frac = (v + 1) / 2
    logvar = frac * torch.log(beta) + (1 - frac) * torch.log(var)
    return mean + torch.exp(0.5 * logvar) * z


def blur(x, k=33, s=2.0):
    half = (k - 1) * 0.5
    xs = torch.linspace(-half, half, steps=k)
    pdf = torch.exp(-0.5 * (xs / s).pow(2))
    k1 = pdf / pdf.sum()
    w = torch.outer(k1, k1).expand(x.shape[1], 1, k, k)
    return F.conv2d(F.pad(x, [k // 2] * 4, mode="reflect"), w, groups=x.shape[1])


class Runner:
    def __init__(self, unet, emb, seed, stage_two=False):
        self.unet, self.emb, self.stage_two = unet, emb, stage_two
        self.gen = torch.Generator().manual_seed(seed)
        self.noise = []

    def randn(self, shape):
        z = torch.randn(shape, generator=self.gen)
        self.noise.append(z)
        return z

    def cfg(self, x, t, prompt, g, up=None, level=None):
        """Conditional and unconditional passes as one batch of 2; guidance on channels 0-2, variance from cond."""
        n = x.shape[0]
        inp = torch.cat([x, x]) if up is None else torch.cat([torch.cat([x, up], 1)] * 2)
        ehs = torch.cat([self.emb[prompt].expand(n, -1, -1), self.emb[""].expand(n, -1, -1)])
        ts = torch.full((2 * n,), t, dtype=torch.int64)
        with torch.no_grad():
            out = self.unet(inp, ts, ehs, torch.full((2 * n,), level, dtype=torch.int64)) if self.stage_two \
                else self.unet(inp, ts, ehs)
        c, u = out[:n], out[n:]
        return u[:, :3] + g * (c[:, :3] - u[:, :3]), c[:, 3:]


def run_loops(stage1, stage2, emb):
    ref = {}
    ts = [990, 660, 330, 0]
    img = torch.linspace(-1, 1, 64)[None, None, :, None] * torch.linspace(-1, 1, 64)[None, None, None, :]
    img = torch.cat([img, img.flip(2), -img], dim=1).clamp(-1, 1)  # a smooth test image [1, 3, 64, 64]
    ref["image64"] = img

    def save(name, r, out):
        ref[name] = out
        for i, z in enumerate(r.noise):
            ref[f"{name}_noise_{i}"] = z

    # iterative denoising from i_start = 1 with CFG (SDEdit of the test image)
    r = Runner(stage1, emb, 1)
    x = forward_process(img, ts[1], r.randn(img.shape))
    for t, tp in zip(ts[1:-1], ts[2:]):
        eps, v = r.cfg(x, t, "a high quality photo", 7)
        x = step(x, eps, v, t, tp, r.randn(x.shape))
    save("sdedit", r, x)

    # sampling with CFG from pure noise
    r = Runner(stage1, emb, 2)
    x = r.randn((2, 3, 64, 64))
    for t, tp in zip(ts[:-1], ts[1:]):
        eps, v = r.cfg(x, t, "a photo of a dog", 7)
        x = step(x, eps, v, t, tp, r.randn(x.shape))
    save("sample", r, x)

    # visual anagram under a vertical flip: noise and variance flipped back and averaged
    r = Runner(stage1, emb, 3)
    x = r.randn((1, 3, 64, 64))
    for t, tp in zip(ts[:-1], ts[1:]):
        e1, v1 = r.cfg(x, t, "an oil painting of an old man", 7)
        e2, v2 = r.cfg(x.flip(2), t, "an oil painting of people around a campfire", 7)
        x = step(x, (e1 + e2.flip(2)) / 2, (v1 + v2.flip(2)) / 2, t, tp, r.randn(x.shape))
    save("anagram", r, x)

    # hybrid: low-pass of one estimate plus high-pass of the other, variance averaged
    r = Runner(stage1, emb, 4)
    x = r.randn((1, 3, 64, 64))
    for t, tp in zip(ts[:-1], ts[1:]):
        e1, v1 = r.cfg(x, t, "a lithograph of a skull", 7)
        e2, v2 = r.cfg(x, t, "a lithograph of waterfalls", 7)
        x = step(x, blur(e1) + (e2 - blur(e2)), (v1 + v2) / 2, t, tp, r.randn(x.shape))
    save("hybrid", r, x)

    # inpainting: start from noise; after every step force the kept region back
    r = Runner(stage1, emb, 5)
    mask = torch.zeros(1, 1, 64, 64)
    mask[:, :, 2:20, 24:42] = 1
    x = r.randn((1, 3, 64, 64))
    for t, tp in zip(ts[:-1], ts[1:]):
        eps, v = r.cfg(x, t, "a high quality photo", 7)
        x = step(x, eps, v, t, tp, r.randn(x.shape))
        x = mask * x + (1 - mask) * forward_process(img, tp, r.randn(img.shape))
    save("inpaint", r, x)

    # stage II: upscale (bilinear, align_corners), noise to level 250, 6-channel input, class_labels = 250
    r = Runner(stage2, emb, 6, stage_two=True)
    up = F.interpolate(img, size=(256, 256), mode="bilinear", align_corners=True)
    up = forward_process(up, 250, r.randn(up.shape))
    ts2 = [980, 490, 0]
    x = r.randn((1, 3, 256, 256))
    for t, tp in zip(ts2[:-1], ts2[1:]):
        eps, v = r.cfg(x, t, "a high quality photo", 4, up=up, level=250)
        x = step(x, eps, v, t, tp, r.randn(x.shape))
    save("stage2", r, x)
    return ref


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="testdata/models/tiny-if")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(20241)

    pieces = vocabulary()
    with open(os.path.join(args.out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(pieces), f, ensure_ascii=False, indent=1)

    t5 = TinyT5(len(pieces)).eval()
    stage1 = TinyUNet(3).eval()
    stage2 = TinyUNet(6, stage_two=True).eval()
    ids = torch.zeros(2, MAX_LEN, dtype=torch.int64)
    export(t5, (ids, torch.ones_like(ids)), os.path.join(args.out, "text_encoder.onnx"),
           ["input_ids", "attention_mask"], ["last_hidden_state"])
    x64, t, ehs = torch.randn(2, 3, 64, 64), torch.tensor([990, 10]), torch.randn(2, MAX_LEN, DIM)
    s1 = os.path.join(args.out, "stage_I.onnx")
    export(stage1, (x64, t, ehs), s1, ["sample", "timestep", "encoder_hidden_states"], ["noise_pred"])
    fp16_io_variant(s1, os.path.join(args.out, "stage_I.fp16.onnx"))
    export(stage2, (torch.randn(2, 6, 256, 256), t, ehs, torch.tensor([250, 250])),
           os.path.join(args.out, "stage_II.onnx"),
           ["sample", "timestep", "encoder_hidden_states", "class_labels"], ["noise_pred"])

    emb, tokens = {}, {}
    with torch.no_grad():
        for i, prompt in enumerate(PROMPTS):
            ids, mask = tokenize(prompt, pieces)
            tokens[prompt] = (ids, mask)
            e = t5(torch.tensor([ids]), torch.tensor([mask]))
            emb[prompt] = e.half().float()  # the file stores float16; the loops use exactly those values
    safetensors_io.save(os.path.join(args.out, "embeddings.safetensors"),
                        {f"prompt_{i}": emb[p][0].numpy().astype(np.float16) for i, p in enumerate(PROMPTS)},
                        metadata={f"prompt_{i}": p for i, p in enumerate(PROMPTS)})

    config = {
        "format": "diffusion4j-if/1",
        "stage_I": {"unet": "stage_I.onnx", "sample_size": 64, "scheduler": {
            "beta_schedule": "squaredcos_cap_v2", "num_train_timesteps": 1000, "variance_type": "learned_range",
            "thresholding": True, "dynamic_thresholding_ratio": 0.95, "sample_max_value": 1.5}},
        "stage_II": {"unet": "stage_II.onnx", "sample_size": 256, "scheduler": {
            "beta_schedule": "squaredcos_cap_v2", "num_train_timesteps": 1000, "variance_type": "learned_range",
            "thresholding": True, "dynamic_thresholding_ratio": 0.95, "sample_max_value": 1.0},
            "image_noising_scheduler": {"beta_schedule": "squaredcos_cap_v2", "num_train_timesteps": 1000}},
        "text_encoder": {"onnx": "text_encoder.onnx", "tokenizer": "tokenizer.json", "max_length": MAX_LEN},
        "embeddings": "embeddings.safetensors",
        "note": "random-weight stand-ins with IF's exact ONNX contract, for tests (onnx-export/if/make_tiny_if.py)",
    }
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)

    ref = run_loops(stage1, stage2, emb)
    # single passes: stage I on a fixed input (fp32 model), the encoder on two prompts
    with torch.no_grad():
        xin = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(9))
        ref["pass_stage1_x"] = xin
        ref["pass_stage1_out"] = stage1(xin, torch.tensor([500, 20]),
                                        torch.cat([emb["a photo of a dog"], emb[""]]))
        for i, prompt in enumerate(["a photo of a dog", "a man wearing a hat"]):
            ids, mask = tokens[prompt]
            ref[f"tokens_{i}"] = torch.tensor(ids, dtype=torch.float32)
            ref[f"encoder_{i}"] = t5(torch.tensor([ids]), torch.tensor([mask]))[0]
    safetensors_io.save(os.path.join(args.out, "reference.safetensors"),
                        {k: v.detach().numpy().astype(np.float32) for k, v in ref.items()})
    print("wrote", sorted(os.listdir(args.out)))


if __name__ == "__main__":
    main()
