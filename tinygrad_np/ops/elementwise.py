"""Elementwise ops: copy and cast, arithmetic, unary math, activations, then selection.

Binary ops broadcast as NumPy does; their backward returns the gradient in the broadcast
shape and the engine sums it back to each input's shape. Masks that carry no gradient
(where an input is positive, which input won a maximum) are computed as ndarrays in the
gradient's dtype, so float32 stays float32.
"""

from __future__ import annotations

import numpy as np

from .._kernels import maximum_zero
from ..function import Function


class Clone(Function):
    """out = a copy of a;  d/da = 1"""

    reads_input_values = False

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return grad


class Cast(Function):
    """out = a converted to `dtype`; the gradient is converted back to a's dtype"""

    @staticmethod
    def forward(ctx, a, dtype=None):
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad.to(a.dtype)

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return grad.astype(a.dtype)


class Add(Function):
    """out = a + b"""

    reads_input_values = False

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad

    @staticmethod
    def backward_numpy(ctx, grad, a, b):
        return grad, grad


class Sub(Function):
    """out = a - b"""

    reads_input_values = False

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)

    @staticmethod
    def backward_numpy(ctx, grad, a, b):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """out = a * b"""

    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)

    @staticmethod
    def backward_numpy(ctx, grad, a, b):
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(Function):
    """out = a / b;  d/da = 1/b,  d/db = -a/b²"""

    @staticmethod
    def forward(ctx, a, b):
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        return (grad / b if need_a else None), (-grad * a / (b * b) if need_b else None)

    @staticmethod
    def backward_numpy(ctx, grad, a, b):
        need_a, need_b = ctx.needs_input_grad
        return (grad / b if need_a else None), (-grad * a / (b * b) if need_b else None)


class Pow(Function):
    """out = a ** b;  d/da = b a^(b-1),  d/db = out ln a (taken as 0 where a = 0 and b >= 0)"""

    @staticmethod
    def forward(ctx, a, b):
        return a**b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad * b * a ** (b - 1) if need_a else None
        if need_a:
            zero_power = (b.data == 0) & (a.data == 0)
            if zero_power.any():  # d/da a^0 = 0 at a = 0 too, not 0 * inf (as PyTorch)
                grad_a = grad_a.where(~zero_power, 0)
        grad_b = None
        if need_b:
            # the limit of a^b ln a as a -> 0+ is 0 for b > 0; PyTorch uses 0 for b >= 0 too
            zero_base = (a.data == 0) & (b.data >= 0)
            safe_a = a.where(~zero_base, 1)
            grad_b = grad * ctx.output * safe_a.log()
        return grad_a, grad_b


class FloorDivide(Function):
    """out = floor(a / b), Python's and PyTorch's `//`. The result is constant between the
    jumps at multiples of b, so its derivative is zero wherever it exists: a and b get zero
    gradients, as floor(a / b) gives them in PyTorch (whose `//` raises in backward)"""

    @staticmethod
    def forward(ctx, a, b):
        _check_integer_divisor("floor_divide", a, b)
        return np.floor_divide(a, b)

    @staticmethod
    def backward(ctx, grad):
        # zeros in grad's shape (the engine sums them to each input's), not grad * 0, which
        # is nan where grad is inf; a constant, as the derivative of zero is zero
        zeros = np.zeros_like(grad.data)
        return zeros, zeros

    @staticmethod
    def backward_numpy(ctx, grad, a, b):
        zeros = np.zeros_like(grad)
        return zeros, zeros


class Remainder(Function):
    """out = a - b floor(a / b), with the sign of b (Python's and PyTorch's `%`);
    d/da = 1,  d/db = -floor(a / b) (between the jumps at multiples of b)"""

    @staticmethod
    def forward(ctx, a, b):
        _check_integer_divisor("remainder", a, b)
        return np.remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        return (grad if need_a else None), (-grad * (a.data // b.data) if need_b else None)

    @staticmethod
    def backward_numpy(ctx, grad, a, b):
        need_a, need_b = ctx.needs_input_grad
        return (grad if need_a else None), (-grad * (a // b) if need_b else None)


def _check_integer_divisor(op: str, a: np.ndarray, b: np.ndarray) -> None:
    """Integer division by zero is an error (as in PyTorch and Python); NumPy would give 0
    with a warning. Float division by zero gives inf or nan, as NumPy and PyTorch do."""
    if a.dtype.kind in "biu" and b.dtype.kind in "biu" and not np.all(b):
        raise ZeroDivisionError(f"{op}: integer division by zero (the divisor, of shape "
                                f"{b.shape}, holds a 0)")


class Neg(Function):
    """out = -a"""

    reads_input_values = False

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return -grad


class Exp(Function):
    """out = e^a;  d/da = out"""

    reads_input_values = False

    @staticmethod
    def forward(ctx, a):
        return np.exp(a)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.output

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return grad * ctx.output._data


class Log(Function):
    """out = ln a;  d/da = 1/a"""

    @staticmethod
    def forward(ctx, a):
        return np.log(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad / a

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return grad / a


class Sqrt(Function):
    """out = √a;  d/da = 1 / (2 out)"""

    reads_input_values = False

    @staticmethod
    def forward(ctx, a):
        return np.sqrt(a)

    @staticmethod
    def backward(ctx, grad):
        return grad / (2 * ctx.output)

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return grad / (2 * ctx.output._data)


class SqrtOfVariance(Sqrt):
    """out = √v for a variance v (Tensor.std); d/dv = 1 / (2 out), taken as 0 where out = 0.
    There every input equals the mean, so the variance's own gradient is 0, and the chain
    rule's inf * 0 would give nan; PyTorch's std gives 0 there too."""

    @staticmethod
    def backward(ctx, grad):
        zero = ctx.output._data == 0  # constants: where the std is 0, 1 / (2 (out + 1)) * 0
        return grad * ~zero / (2 * (ctx.output + zero))

    @staticmethod
    def backward_numpy(ctx, grad, a):
        out = ctx.output._data
        zero = out == 0
        return grad * ~zero / (2 * (out + zero))


class Abs(Function):
    """out = |a|;  d/da = sign(a), 0 at a = 0 (as PyTorch)"""

    @staticmethod
    def forward(ctx, a):
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * np.sign(a.data)

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return grad * np.sign(a)


class Sign(Function):
    """out = sign(a); its derivative is zero wherever it exists, and a gets that zero
    gradient (as in PyTorch: a parameter behind it still has a .grad, which optimizers
    update with weight decay or momentum)"""

    reads_input_values = False

    @staticmethod
    def forward(ctx, a):
        return np.sign(a)

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad.data)  # a constant (see FloorDivide)

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return np.zeros_like(grad)


class Sin(Function):
    """out = sin a;  d/da = cos a"""

    @staticmethod
    def forward(ctx, a):
        return np.sin(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * a.cos()

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return grad * np.cos(a)


class Cos(Function):
    """out = cos a;  d/da = -sin a"""

    @staticmethod
    def forward(ctx, a):
        return np.cos(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return -grad * a.sin()

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return -grad * np.sin(a)


class Tanh(Function):
    """out = tanh a;  d/da = 1 - out²"""

    reads_input_values = False

    @staticmethod
    def forward(ctx, a):
        return np.tanh(a)

    @staticmethod
    def backward(ctx, grad):
        out = ctx.output
        return grad * (1 - out * out)

    @staticmethod
    def backward_numpy(ctx, grad, a):
        out = ctx.output._data
        return grad * (1 - out * out)


class Sigmoid(Function):
    """out = 1 / (1 + e^-a), computed without overflow;  d/da = out (1 - out)"""

    reads_input_values = False

    @staticmethod
    def forward(ctx, a):
        e = np.exp(-np.abs(a))  # in (0, 1]: never overflows
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    @staticmethod
    def backward(ctx, grad):
        out = ctx.output
        return grad * out * (1 - out)

    @staticmethod
    def backward_numpy(ctx, grad, a):
        out = ctx.output._data
        return grad * out * (1 - out)


class ReLU(Function):
    """out = max(a, 0);  d/da = 1 where a > 0, else 0"""

    @staticmethod
    def forward(ctx, a):
        return maximum_zero(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * (a.data > 0)

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return grad * (a > 0)


def _tie_weights(a: np.ndarray, b: np.ndarray, dtype) -> tuple[np.ndarray, np.ndarray]:
    """Weights of the gradient to a and b for max(a, b): 1 to the larger, half each at a tie."""
    wins = (a > b).astype(dtype)
    ties = (a == b).astype(dtype) * dtype.type(0.5)
    return wins + ties, (1 - wins) - ties


def _tie_gradients(ctx, grad, larger: np.ndarray, other: np.ndarray) -> tuple:
    """The gradients to the op's two inputs, in order, weighted by _tie_weights(larger,
    other); grad may be a Tensor or an ndarray."""
    to_a, to_b = _tie_weights(larger, other, grad.dtype)
    need_a, need_b = ctx.needs_input_grad
    return (grad * to_a if need_a else None), (grad * to_b if need_b else None)


class Maximum(Function):
    """out = max(a, b); the gradient goes to the larger input and is split evenly at ties"""

    @staticmethod
    def forward(ctx, a, b):
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        return _tie_gradients(ctx, grad, a.data, b.data)

    @staticmethod
    def backward_numpy(ctx, grad, a, b):
        return _tie_gradients(ctx, grad, a, b)


class Minimum(Function):
    """out = min(a, b); the gradient goes to the smaller input and is split evenly at ties"""

    @staticmethod
    def forward(ctx, a, b):
        return np.minimum(a, b)

    # a gets the gradient where b is the larger: the weights of max(b, a), in the order a, b
    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        return _tie_gradients(ctx, grad, b.data, a.data)

    @staticmethod
    def backward_numpy(ctx, grad, a, b):
        return _tie_gradients(ctx, grad, b, a)


class Clamp(Function):
    """out = min(max(a, low), high); d/da = 1 where low <= a <= high (bounds inclusive)"""

    @staticmethod
    def forward(ctx, a, low=None, high=None):
        ctx.low, ctx.high = low, high
        return np.clip(a, low, high)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * _inside(a.data, ctx.low, ctx.high)

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return grad * _inside(a, ctx.low, ctx.high)


def _inside(a: np.ndarray, low, high) -> np.ndarray:
    """Where low <= a <= high (a missing bound is no bound): where clamp passes a through."""
    inside = np.ones(a.shape, dtype=bool)
    if low is not None:
        inside &= a >= low
    if high is not None:
        inside &= a <= high
    return inside


class Where(Function):
    """out = a where cond else b (cond is a constant boolean array)"""

    reads_input_values = False

    @staticmethod
    def forward(ctx, a, b, cond=None):
        ctx.cond = cond
        try:
            return np.where(cond, a, b)
        except ValueError:
            raise ValueError(f"where: the condition, input and other have shapes {cond.shape}, "
                             f"{a.shape} and {b.shape}, which do not broadcast together") from None

    @staticmethod
    def backward(ctx, grad):
        cond = ctx.cond
        need_a, need_b = ctx.needs_input_grad
        return (grad * cond if need_a else None), (grad * ~cond if need_b else None)

    @staticmethod
    def backward_numpy(ctx, grad, a, b):
        return Where.backward(ctx, grad)  # the formula works on arrays as it is
