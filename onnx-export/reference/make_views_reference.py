"""Runs visual_anagrams' own view code (dangeng/visual_anagrams, unmodified) on fixed tensors.

Writes ``testdata/reference/views.safetensors`` (float32 tensors, read by ``ViewReplayTest``) and the jigsaw's pixel
permutations at 64 and 256 px, which the library ships, as
``core/src/main/resources/dev/diffusion4j/view/jigsaw-4522-<size>.u16.gz`` (gzip of little-endian uint16 source
indices). Run from the repository root with the offline kit on the path::

    . /work/dk/kit/env.sh && /usr/bin/python3 onnx-export/reference/make_views_reference.py

Contents of ``views.safetensors`` (sizes 64 and 256; every map asserted here to be what upstream's ``view`` and
``inverse_view`` return on 3- and 6-channel inputs):

* ``perm/<name>/<size>``: for the permutation views (flip and the rotations at 64 px only), the gather map ``m`` with
  ``view(x)[c, p] == x[c, m[p]]`` (p = y * size + x), read off upstream's ``view`` applied to an index-valued tensor
  ``x[c, p] = c * size^2 + p``. The script asserts that every channel of the 3- and 6-channel outputs follows the same
  map and that ``inverse_view`` returns the inverse map.
* ``jigsaw/labels/<size>``: the piece index (0-15) of every pixel, the argmax over upstream's ``get_jigsaw_pieces``;
  ``jigsaw/piece_perms`` and ``jigsaw/edge_swaps`` of ``JigsawView()`` (seed 4522).
* ``component/<name>/<size>``: ``inverse_view`` of the factorized-diffusion views on the 3-channel input
  ``x[i] = ((i * 7919 + 13) % 2003) / 1001 - 1`` (float32, i the flat index of ``[3, size, size]``); at 256 px only the
  flat indices divisible by 13 are kept. The script asserts that on the 6-channel input (the same formula over
  ``[6, size, size]``) channels 0-2 follow the same function of channels 0-2 and channels 3-5 pass unchanged, and that
  ``view`` is the identity. The components run in float64 (upstream's code is dtype-agnostic), since torch's own float32
  convolutions are up to 1.1e-6 off the float64 result; the script asserts the float32 run within 2e-6 of it.

``patch_permute`` and ``pixel_permute`` draw their permutation from torch's global generator; they are built here
right after ``torch.manual_seed(0)``, which is what the library's ``seed = 0`` reproduces.
"""

import argparse
import gzip
import json
import os
import struct

import numpy as np
import torch

from visual_anagrams.views import VIEW_MAP
from visual_anagrams.views.jigsaw_helpers import get_jigsaw_pieces

SIZES = (64, 256)
SEED = 0

# name -> (upstream constructor arguments, seeded before construction)
PERMUTATIONS = {
    "flip": (),
    "rotate_cw": (),
    "rotate_ccw": (),
    "rotate_180": (),
    "skew": (1.5,),
    "patch_permute": (8,),
    "pixel_permute": (64,),
    "jigsaw": (),
    "inner_circle": (),
    "square_hinge": (),
}

# the rigid motions the library had already: replayed at 64 px only, to keep the file small
RIGID = ("flip", "rotate_cw", "rotate_ccw", "rotate_180")

COMPONENTS = {
    "low_pass": (2.0,),
    "high_pass": (2.0,),
    "triple_low_pass": (),
    "triple_medium_pass": (),
    "triple_high_pass": (),
    "grayscale": (),
    "color": (),
    "motion": (7,),
    "motion_res": (7,),
    "scale": (0.5,),
}


def index_tensor(c, size):
    return torch.arange(c * size * size, dtype=torch.float32).reshape(c, size, size)


def value_tensor(c, size):
    i = np.arange(c * size * size, dtype=np.int64)
    m = ((i * 7919 + 13) % 2003).astype(np.float32)
    return torch.from_numpy(m / np.float32(1001) - np.float32(1)).reshape(c, size, size)


def gather_map(view, size):
    """The map m of view(x)[c, p] = x[c, m[p]], checked on 3 and 6 channels, with inverse_view checked too."""
    hw = size * size
    m = None
    for c in (3, 6):
        out = view.view(index_tensor(c, size)).reshape(c, hw).to(torch.int64)
        if m is None:
            m = out[0].clone()
        assert sorted(m.tolist()) == list(range(hw)), "not a permutation"
        for ch in range(c):
            assert torch.equal(out[ch], m + ch * hw), f"channel {ch} of {c} does not follow channel 0"
        inv = view.inverse_view(index_tensor(c, size)).reshape(c, hw).to(torch.int64)
        m_inv = torch.empty_like(m)
        m_inv[m] = torch.arange(hw)
        for ch in range(c):
            assert torch.equal(inv[ch], m_inv + ch * hw), f"inverse of channel {ch} of {c}"
    return m


def component_output(view, size):
    """inverse_view in float64 (torch's float32 convolutions are themselves up to 1.1e-6 off it)."""
    x3 = value_tensor(3, size).double()
    x6 = value_tensor(6, size).double()
    f32 = view.inverse_view(x3.float().clone()).double()
    assert torch.equal(view.view(x3.clone()), x3), "view must be the identity"
    out3 = view.inverse_view(x3.clone())
    # the 6-channel input: channels 0-2 transformed as a 3-channel input of the same values, 3-5 unchanged
    out6 = view.inverse_view(x6.clone())
    ref3 = view.inverse_view(x6[:3].clone())
    assert torch.equal(out6[:3], ref3), "channels 0-2 of a 6-channel input"
    assert torch.equal(out6[3:], x6[3:]), "channels 3-5 of a 6-channel input must pass"
    err = (f32 - out3).abs().max().item()
    assert err < 2e-6, f"float32 run {err} off the float64 one"
    flat = out3.reshape(-1)
    if size > 64:
        flat = flat[::13]
    return flat.contiguous()


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name, t in tensors.items():
        b = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="testdata/reference/views.safetensors")
    p.add_argument("--resources", default="core/src/main/resources/dev/diffusion4j/view")
    args = p.parse_args()

    tensors = {}
    for name, ctor in PERMUTATIONS.items():
        torch.manual_seed(SEED)
        view = VIEW_MAP[name](*ctor)
        for size in SIZES if name not in RIGID else SIZES[:1]:
            tensors[f"perm/{name}/{size}"] = gather_map(view, size)
        if name == "jigsaw":
            tensors["jigsaw/piece_perms"] = torch.tensor(view.piece_perms)
            tensors["jigsaw/edge_swaps"] = torch.tensor(view.edge_swaps)
            os.makedirs(args.resources, exist_ok=True)
            for size in SIZES:
                m = tensors[f"perm/jigsaw/{size}"].numpy().astype("<u2")
                with gzip.GzipFile(os.path.join(args.resources, f"jigsaw-4522-{size}.u16.gz"), "wb", mtime=0) as f:
                    f.write(m.tobytes())

    for size in SIZES:
        tensors[f"jigsaw/labels/{size}"] = torch.from_numpy(get_jigsaw_pieces(size).argmax(0).reshape(-1))

    for name, ctor in COMPONENTS.items():
        view = VIEW_MAP[name](*ctor)
        for size in SIZES:
            tensors[f"component/{name}/{size}"] = component_output(view, size)

    meta = {
        "seed": str(SEED),
        "permutations": json.dumps({k: list(v) for k, v in PERMUTATIONS.items()}),
        "components": json.dumps({k: list(v) for k, v in COMPONENTS.items()}),
    }
    write_safetensors(args.out, tensors, meta)
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes, {len(tensors)} tensors)")


if __name__ == "__main__":
    main()
