"""The generalised Charbonnier penalty of Eq. 2-3 (section 3.2)."""
from torch import Tensor

__all__ = ['charbonnier']


def charbonnier(z: Tensor, alpha: float = 0.45, eps: float = 1e-3) -> Tensor:
    """Generalised Charbonnier penalty ``(z^2 + eps^2)^alpha``, elementwise.

    Finite for every finite ``z``; ``rho(0) = eps^(2 alpha)``. Computed in
    float32.
    """
    z = z.float()
    return (z * z + eps * eps).pow(alpha)
