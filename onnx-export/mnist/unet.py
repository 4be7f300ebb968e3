"""The part B UNets: the one-step denoiser, the time-conditioned and the class-conditioned UNet.

The building blocks and the layout follow the library's SPEC, section 14:

    x 1x28x28 -> ConvBlock(1, D) = e0 (28) -> DownBlock(D, D) = e1 (14) -> DownBlock(D, 2D) = e2 (7)
      -> Flatten -> Unflatten = u (2D x 7 x 7)
    cat(e2, u) -> UpBlock(4D, D) = up1 (14); cat(e1, up1) -> UpBlock(2D, D) (28)
    cat(e0, .) -> ConvBlock(2D, D) -> Conv2d(D, 1, 3, 1, 1)

The time-conditioned UNet adds ``t1 = FCBlock(1, 2D)(t)`` to ``u`` and ``t2 = FCBlock(1, D)(t)`` to ``up1``; the
class-conditioned UNet also scales them: ``u = c1 * u + t1``, ``up1 = c2 * up1 + t2``. ``t`` is the normalised time
``t / T`` in [0, 1], shape [B]; ``c`` a one-hot class vector [B, 10] (all zeros for the unconditional pass).
"""

import torch
from torch import nn


class Conv(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.Conv2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.GELU())


class DownConv(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.Conv2d(cin, cout, 3, 2, 1), nn.BatchNorm2d(cout), nn.GELU())


class UpConv(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.ConvTranspose2d(cin, cout, 4, 2, 1), nn.BatchNorm2d(cout), nn.GELU())


class Flatten(nn.Sequential):
    def __init__(self):
        super().__init__(nn.AvgPool2d(7), nn.GELU())


class Unflatten(nn.Sequential):
    def __init__(self, cin):
        super().__init__(nn.ConvTranspose2d(cin, cin, 7, 7, 0), nn.BatchNorm2d(cin), nn.GELU())


class ConvBlock(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(Conv(cin, cout), Conv(cout, cout))


class DownBlock(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(DownConv(cin, cout), ConvBlock(cout, cout))


class UpBlock(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(UpConv(cin, cout), ConvBlock(cout, cout))


class FCBlock(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.Linear(cin, cout), nn.GELU(), nn.Linear(cout, cout))


class UNetBody(nn.Module):
    """The shared encoder/decoder; ``modulate_u`` and ``modulate_up1`` inject the conditions."""

    def __init__(self, d):
        super().__init__()
        self.e0 = ConvBlock(1, d)
        self.e1 = DownBlock(d, d)
        self.e2 = DownBlock(d, 2 * d)
        self.flatten = Flatten()
        self.unflatten = Unflatten(2 * d)
        self.up1 = UpBlock(4 * d, d)
        self.up2 = UpBlock(2 * d, d)
        self.out_block = ConvBlock(2 * d, d)
        self.out_conv = nn.Conv2d(d, 1, 3, 1, 1)

    def run(self, x, modulate_u=None, modulate_up1=None):
        e0 = self.e0(x)
        e1 = self.e1(e0)
        e2 = self.e2(e1)
        u = self.unflatten(self.flatten(e2))
        if modulate_u is not None:
            u = modulate_u(u)
        up1 = self.up1(torch.cat([e2, u], dim=1))
        if modulate_up1 is not None:
            up1 = modulate_up1(up1)
        up2 = self.up2(torch.cat([e1, up1], dim=1))
        return self.out_conv(self.out_block(torch.cat([e0, up2], dim=1)))


class DenoiserUNet(UNetBody):
    """One-step denoiser: noisy digit ``x`` -> clean digit estimate."""

    def forward(self, x):
        return self.run(x)


class TimeUNet(UNetBody):
    """Time-conditioned UNet: (``x_t``, ``t / T``) -> noise estimate."""

    def __init__(self, d):
        super().__init__(d)
        self.t1 = FCBlock(1, 2 * d)
        self.t2 = FCBlock(1, d)

    def forward(self, x, t):
        t = t.reshape(-1, 1).to(x.dtype)
        t1 = self.t1(t)[:, :, None, None]
        t2 = self.t2(t)[:, :, None, None]
        return self.run(x, lambda u: u + t1, lambda up1: up1 + t2)


class ClassUNet(TimeUNet):
    """Class-conditioned UNet: (``x_t``, ``t / T``, one-hot ``c``) -> noise estimate."""

    def __init__(self, d, num_classes=10):
        super().__init__(d)
        self.c1 = FCBlock(num_classes, 2 * d)
        self.c2 = FCBlock(num_classes, d)

    def forward(self, x, t, c):
        t = t.reshape(-1, 1).to(x.dtype)
        t1 = self.t1(t)[:, :, None, None]
        t2 = self.t2(t)[:, :, None, None]
        c1 = self.c1(c)[:, :, None, None]
        c2 = self.c2(c)[:, :, None, None]
        return self.run(x, lambda u: c1 * u + t1, lambda up1: c2 * up1 + t2)


def build(kind, d):
    """Returns a fresh model of the given kind ('denoiser', 'time' or 'class')."""
    if kind == "denoiser":
        return DenoiserUNet(d)
    if kind == "time":
        return TimeUNet(d)
    if kind == "class":
        return ClassUNet(d)
    raise ValueError(f"unknown model kind '{kind}'; expected one of denoiser, time, class")
