"""Writes small ONNX models that break the MNIST UNet contract, for the load-time contract tests.

    /usr/bin/python3 onnx-export/mnist/make_contract_models.py --out testdata/models/contract

* ``misnamed-input.onnx``: a class UNet (D = 4) whose time input is called ``timestep`` instead of ``t``.
* ``wrong-rank.onnx``: a class UNet (D = 4) whose ``t`` input has rank 2 ([B, 1]).
* ``time-d4.onnx``, ``class-d4.onnx``, ``denoiser-d4.onnx``: valid time- and class-conditioned UNets and a
  one-step denoiser (D = 4, random weights), small and
  fast, for tests of the adapters and the pipeline's mechanics.
"""

import argparse
import os

import torch

import unet


class RankTwoT(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = unet.ClassUNet(4)

    def forward(self, x, t, c):
        return self.inner(x, t[:, 0], c)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="testdata/models/contract")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    x, t, c = torch.rand(2, 1, 28, 28), torch.rand(2), torch.zeros(2, 10)
    dyn = {0: "batch"}
    torch.onnx.export(unet.ClassUNet(4).eval(), (x, t, c), os.path.join(args.out, "misnamed-input.onnx"),
                      input_names=["x", "timestep", "c"], output_names=["eps"],
                      dynamic_axes={"x": dyn, "timestep": dyn, "c": dyn, "eps": dyn}, opset_version=17)
    torch.onnx.export(RankTwoT().eval(), (x, t[:, None], c), os.path.join(args.out, "wrong-rank.onnx"),
                      input_names=["x", "t", "c"], output_names=["eps"],
                      dynamic_axes={"x": dyn, "t": dyn, "c": dyn, "eps": dyn}, opset_version=17)
    torch.onnx.export(unet.TimeUNet(4).eval(), (x, t), os.path.join(args.out, "time-d4.onnx"),
                      input_names=["x", "t"], output_names=["eps"],
                      dynamic_axes={"x": dyn, "t": dyn, "eps": dyn}, opset_version=17)
    torch.onnx.export(unet.ClassUNet(4).eval(), (x, t, c), os.path.join(args.out, "class-d4.onnx"),
                      input_names=["x", "t", "c"], output_names=["eps"],
                      dynamic_axes={"x": dyn, "t": dyn, "c": dyn, "eps": dyn}, opset_version=17)
    torch.onnx.export(unet.DenoiserUNet(4).eval(), (x,), os.path.join(args.out, "denoiser-d4.onnx"),
                      input_names=["x"], output_names=["denoised"],
                      dynamic_axes={"x": dyn, "denoised": dyn}, opset_version=17)
    print("wrote", sorted(os.listdir(args.out)))


if __name__ == "__main__":
    main()
