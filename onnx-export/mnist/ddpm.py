"""Part B's linear schedule and DDPM sampler in torch (SPEC section 14), used for the training-time figures."""

import torch

T = 300


def schedule(num_steps=T):
    """Returns (betas, alphas, alphas_cumprod), each indexed 1..T at [t - 1]."""
    betas = torch.linspace(1e-4, 0.02, num_steps)
    alphas = 1.0 - betas
    return betas, alphas, torch.cumprod(alphas, dim=0)


def noise(x0, t, eps, alphas_cumprod):
    """Forward process at integer times ``t`` in 1..T (tensor [B])."""
    abar = alphas_cumprod[t - 1].view(-1, 1, 1, 1)
    return abar.sqrt() * x0 + (1 - abar).sqrt() * eps


@torch.no_grad()
def sample(predict_eps, n, generator, num_steps=T):
    """Full-chain DDPM sampling; ``predict_eps(x_t, t_normalised[B])`` returns the noise estimate."""
    betas, alphas, abar = schedule(num_steps)
    x = torch.randn(n, 1, 28, 28, generator=generator)
    for t in range(num_steps, 0, -1):
        z = torch.randn(x.shape, generator=generator) if t > 1 else torch.zeros_like(x)
        abar_t = abar[t - 1]
        abar_prev = abar[t - 2] if t > 1 else torch.tensor(1.0)
        eps = predict_eps(x, torch.full((n,), t / num_steps))
        x0_hat = (x - (1 - abar_t).sqrt() * eps) / abar_t.sqrt()
        x = (
            abar_prev.sqrt() * betas[t - 1] / (1 - abar_t) * x0_hat
            + alphas[t - 1].sqrt() * (1 - abar_prev) / (1 - abar_t) * x
            + betas[t - 1].sqrt() * z
        )
    return x
