"""Writes diffusers' DeepFloyd IF timestep presets (``diffusers/pipelines/deepfloyd_if/timesteps.py``, imported, not
copied) as the reference of the Java ``Timesteps`` presets.

    pip install diffusers==0.27.2      # any diffusers with the deepfloyd_if pipelines
    python onnx-export/reference/if_timesteps.py --out testdata/reference

Writes ``if_timesteps.json``: ``{"diffusers": version, "presets": {"fast27": [999, 800, ...], ...}}``, one entry per
``<name>_timesteps`` list of the module, in the module's order.
"""

import argparse
import json
import os


def presets():
    import diffusers.pipelines.deepfloyd_if.timesteps as module

    suffix = "_timesteps"
    return {k[: -len(suffix)]: list(v) for k, v in vars(module).items() if k.endswith(suffix)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="testdata/reference")
    args = parser.parse_args()
    import diffusers

    lists = presets()
    path = os.path.join(args.out, "if_timesteps.json")
    with open(path, "w") as f:
        json.dump({"diffusers": diffusers.__version__, "presets": lists}, f)
        f.write("\n")
    print(f"wrote {len(lists)} presets to {path}: {', '.join(lists)}")


if __name__ == "__main__":
    main()
