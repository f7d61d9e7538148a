"""tinygrad_np: a small, fast, correct reverse-mode autograd framework on NumPy.

Tensors record the NumPy operations applied to them; `loss.backward()` walks that graph in
reverse. Names and semantics follow PyTorch wherever they apply.
"""

from importlib import import_module as _import_module

import numpy as _np

from .creation import (
    arange,
    eye,
    from_numpy,
    full,
    full_like,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from .engine import grad
from .function import (
    Function,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .functions import (
    abs,
    argmax,
    argmin,
    clamp,
    cos,
    exp,
    flatten,
    floor_divide,
    log,
    log_softmax,
    logsumexp,
    matmul,
    maximum,
    mean,
    minimum,
    permute,
    prod,
    relu,
    remainder,
    reshape,
    sigmoid,
    sin,
    softmax,
    sqrt,
    squeeze,
    sum,
    tanh,
    transpose,
    unsqueeze,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import GraphReport, graph_report
from .random import manual_seed
from .serialization import load, save
from .tensor import Tensor, cat, stack, where

# the subpackages built on the core, importable as tinygrad_np.nn and so on
from . import data, metrics, nn, optim  # noqa: E402  (isort: skip)

__version__ = "0.1.0"

float32 = _np.float32
float64 = _np.float64
int32 = _np.int32
int64 = _np.int64
bool_ = _np.bool_

__all__ = [
    "__version__", "Function", "GradcheckError", "GraphReport", "Tensor", "abs", "arange",
    "argmax", "argmin", "bool_", "cat", "clamp", "cos", "data", "detect_anomaly", "enable_grad",
    "exp", "eye", "flatten", "float32", "float64", "floor_divide", "from_numpy", "full",
    "full_like", "grad", "gradcheck", "gradgradcheck", "graph_report", "int32", "int64",
    "is_grad_enabled", "load", "log", "log_softmax", "logsumexp", "manual_seed", "matmul",
    "maximum", "mean", "metrics", "minimum", "nn", "no_grad", "ones", "ones_like", "optim",
    "permute", "prod", "rand", "rand_like", "randint", "randn", "randn_like", "relu",
    "remainder", "reshape", "save", "set_grad_enabled", "sigmoid", "sin", "softmax", "sqrt",
    "squeeze", "stack", "sum", "tanh", "tensor", "transpose", "unsqueeze", "where", "zeros",
    "zeros_like",
]


def __getattr__(name: str):
    # tinygrad_np.testing needs hypothesis, an optional extra: import it only when asked for
    if name == "testing":
        return _import_module(".testing", __name__)
    raise AttributeError(f"module 'tinygrad_np' has no attribute {name!r}")
