"""The one shared random generator: manual_seed(s) makes every draw reproducible."""

from __future__ import annotations

import numpy as np

_generator = np.random.Generator(np.random.PCG64(0))


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the shared generator used by rand, randn, dropout, nn.init and DataLoader.

    Example:
        >>> import tinygrad_np as tnp
        >>> _ = tnp.manual_seed(0); a = tnp.randn(3)
        >>> _ = tnp.manual_seed(0); b = tnp.randn(3)
        >>> bool((a == b).all())
        True
    """
    global _generator
    _generator = np.random.Generator(np.random.PCG64(seed))
    return _generator


def generator() -> np.random.Generator:
    """The shared generator (replaced by each manual_seed call)."""
    return _generator
