"""tinygrad_np.nn: Module and Parameter, containers, layers, losses, and the `functional`
and `init` submodules, with PyTorch's names, shapes and state_dict keys.

Example:
    >>> import tinygrad_np as tnp
    >>> from tinygrad_np import nn
    >>> import tinygrad_np.nn.functional as F
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    >>> loss = F.cross_entropy(model(tnp.ones(5, 2, 2)), tnp.tensor([0, 1, 0, 1, 1]))
    >>> loss.backward()
    >>> [p.grad.shape for p in model.parameters()]
    [(3, 4), (3,), (2, 3), (2,)]
"""

from . import functional, init, utils
from .containers import ModuleDict, ModuleList, Sequential
from .layers import (
    GELU,
    Dropout,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from .loss import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import IncompatibleKeys, Module
from .parameter import Parameter

__all__ = [
    "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Flatten", "GELU", "Identity",
    "IncompatibleKeys", "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "Module", "ModuleDict",
    "ModuleList", "NLLLoss", "Parameter", "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh",
    "functional", "init", "utils",
]
