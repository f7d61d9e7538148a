"""Matrix products: MatMul (NumPy's matmul rules, batched and broadcasting), the fused
affine map Linear (x @ wᵀ + b), which saves two graph nodes and a temporary per layer, and
LinearChain (Linear layers, each with or without a ReLU after it, as nn.Sequential runs
them: one node for the run)."""

from __future__ import annotations

import math

import numpy as np

from .._kernels import column_sums, maximum_zero
from ..function import Function


class MatMul(Function):
    """out = a @ b;  d/da = grad @ bᵀ,  d/db = aᵀ @ grad (1-D operands promoted as NumPy does)"""

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes "
                             f"{a.shape} and {b.shape}")
        k_a = a.shape[-1]
        k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if k_a != k_b:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are not aligned: "
                             f"{k_a} (dim -1 of the first) != {k_b} (dim "
                             f"{-2 if b.ndim > 1 else 0} of the second)")
        try:
            return np.matmul(a, b)
        except ValueError:
            raise ValueError(f"matmul: batch dimensions of shapes {a.shape} and {b.shape} "
                             "cannot be broadcast together") from None

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        # a 1-D operand acts as a row (a) or a column (b) whose unit axis is dropped in out
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        # b's axis first: for vector @ vector the gradient is 0-d and gets both back
        if b.ndim == 1:
            grad = grad.unsqueeze(-1)
        if a.ndim == 1:
            grad = grad.unsqueeze(-2)
        grad_a = grad_b = None
        if need_a:
            grad_a = grad @ b2.mT
            if a.ndim == 1:
                grad_a = grad_a.squeeze(-2)
        if need_b:
            grad_b = a2.mT @ grad
            if b.ndim == 1:
                grad_b = grad_b.squeeze(-1)
        return grad_a, grad_b

    @staticmethod
    def backward_numpy(ctx, grad, a, b):
        need_a, need_b = ctx.needs_input_grad
        a2 = a[None, :] if a.ndim == 1 else a  # as in backward: a row and a column
        b2 = b[:, None] if b.ndim == 1 else b
        if b.ndim == 1:
            grad = np.expand_dims(grad, -1)
        if a.ndim == 1:
            grad = np.expand_dims(grad, -2)
        grad_a = grad_b = None
        if need_a:
            grad_a = grad @ np.swapaxes(b2, -1, -2)
            if a.ndim == 1:
                grad_a = grad_a.squeeze(-2)
        if need_b:
            grad_b = _transposed_product(a2, grad) if a2.ndim == grad.ndim == 2 else \
                np.swapaxes(a2, -1, -2) @ grad
            if b.ndim == 1:
                grad_b = grad_b.squeeze(-1)
        return grad_a, grad_b


def _transposed_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """aᵀ @ b for 2-D a and b. With one row, aᵀ @ b is an outer product, for which NumPy's
    matmul leaves BLAS for a slow loop (numpy/numpy#23588: 7x slower for a 128 x 784
    weight gradient); np.dot keeps BLAS. For more rows matmul is the faster of the two."""
    return np.dot(a.T, b) if len(a) == 1 else a.T @ b


class Linear(Function):
    """out = x @ wᵀ + b for x of shape (..., in), w (out, in), b (out,);
    d/dx = grad @ w,  d/dw = gradᵀ x (over all leading dims),  d/db = Σ grad"""

    @staticmethod
    def forward(ctx, x, w, b=None):
        return _affine(x, w, b)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.inputs[:2]
        needs = ctx.needs_input_grad
        grads = _affine_tensor_grads(grad, x, w, needs[0], needs[1], len(needs) == 3)
        return grads if len(needs) == 3 else grads[:2]

    @staticmethod
    def backward_numpy(ctx, grad, x, w, b=None):
        needs = ctx.needs_input_grad
        grads = _affine_grads(grad, x, w, needs[0], needs[1], b is not None and needs[2])
        return grads if b is not None else grads[:2]


def _affine(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """x @ wᵀ + b, checked: Linear's forward and each layer of LinearChain's. What NumPy
    would let through is checked first (a 1-D weight, or a bias that broadcasts to the wrong
    shape, gives a wrong result silently); an input that does not fit the weight, which
    matmul refuses, is reported from its error, so fitting shapes cost no check."""
    if w.ndim != 2 or b is not None and not (b.ndim == 0 or b.ndim == 1 and len(b) == len(w)):
        _raise_affine_mismatch(x, w, b)
    try:
        out = x @ w.T
    except ValueError:
        _raise_affine_mismatch(x, w, b)
    if b is not None:
        out += b  # in place: out is a fresh array
    return out


def _raise_affine_mismatch(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> None:
    """The error for operands of _affine that do not fit, naming their shapes."""
    if x.ndim == 0 or w.ndim != 2 or x.shape[-1] != w.shape[1]:
        expected = f"input (..., {w.shape[1]})" if w.ndim == 2 else "a 2-D weight"
        raise ValueError(f"linear: input of shape {x.shape} does not match weight of shape "
                         f"{w.shape} (expected {expected})") from None
    if b is not None and b.shape not in ((w.shape[0],), ()):
        raise ValueError(f"linear: bias of shape {b.shape} does not match weight of "
                         f"shape {w.shape} (expected ({w.shape[0]},))") from None
    raise  # shapes that fit (called from matmul's error): that error, as it is


def _affine_grads(grad, x, w, need_x, need_w, need_b):
    """(d/dx, d/dw, d/db) of x @ wᵀ + b from the output's gradient, on arrays; None where
    not needed. For w and b, x's leading dims are one batch dim."""
    grad_x = None
    if need_x:
        grad_x = grad @ w
        if grad_x.dtype != x.dtype:  # x's dtype, as the engine would give it (in a chain,
            grad_x = grad_x.astype(x.dtype)  # the layer below takes it without the engine)
    if x.ndim != 2:
        rows = math.prod(x.shape[:-1])  # not -1: a feature size may be 0
        grad, x = grad.reshape(rows, w.shape[0]), x.reshape(rows, w.shape[1])
    grad_w = None
    if need_w:  # gradᵀ x, as _transposed_product (inline: this runs for every layer)
        grad_w = np.dot(grad.T, x) if len(grad) == 1 else grad.T @ x
    return grad_x, grad_w, (column_sums(grad) if need_b else None)


def _affine_tensor_grads(grad, x, w, need_x, need_w, need_b):
    """_affine_grads on Tensors, differentiable (create_graph); the bias gradient is grad
    itself (or None): the engine sums it over the broadcast dims."""
    grad_x = None
    if need_x:
        grad_x = grad @ w
        if grad_x.dtype != x.dtype:  # as in _affine_grads
            grad_x = grad_x.to(x.dtype)
    grad_w = None
    if need_w:
        rows = math.prod(x.shape[:-1])
        grad_w = grad.reshape(rows, w.shape[0]).mT @ x.reshape(rows, w.shape[1])
    return grad_x, grad_w, (grad if need_b else None)


class LinearChain(Function):
    """Linear layers one after another, each optionally followed by a ReLU, as one op:
    what nn.Sequential runs for its runs of nn.Linear (and nn.ReLU) modules. One graph node
    for the run instead of one per layer, with the same values and gradients bit for bit
    (a parameter used by two layers: up to rounding, its two terms summed in another order).

    Inputs: x, then each layer's weight and, if it has one, its bias. Option `layers`: one
    (has_bias, relu) pair per layer. With h_0 = x:
        z_l = h_{l-1} W_lᵀ + b_l,   h_l = max(z_l, 0) if relu_l else z_l,   out = h_L
    and from g = d/dh_L down to layer 1:
        g ← g ⊙ [h_l > 0] (relu layers; h_l > 0 exactly where z_l > 0),
        d/dW_l = gᵀ h_{l-1},   d/db_l = Σ g,   g ← g W_l  (= d/dh_{l-1})
    Each ReLU works in place on its layer's fresh output, as the floor's hand-written MLP.
    """

    @staticmethod
    def forward(ctx, x, *params, layers=()):
        # saved[l] is layer l's input h_{l-1}, kept only if backward reaches layer l: some
        # input of it or of a layer below needs a gradient (a frozen trunk keeps nothing)
        needs = ctx.needs_input_grad
        first = needs.index(True) if True in needs else len(needs)
        # with one native dtype throughout and 1-D biases, backward_numpy's gradients come
        # out in each input's shape and dtype: the engine need not fit them
        dtype = x.dtype
        exact = dtype.isnative
        h, saved, i = x, [], 1
        for has_bias, relu in layers:
            saved.append(h if first <= i + has_bias else None)
            w, b = params[i - 1], params[i] if has_bias else None
            exact = exact and w.dtype is dtype and (b is None or b.dtype is dtype and b.ndim)
            h = _affine(h, w, b)
            if relu:
                maximum_zero(h, out=h)
            i += 1 + has_bias
        # the last output is the op's own: backward reads it as ctx.output, which refuses
        # it if it was changed in place since (the others no one else can reach)
        ctx.saved_inputs, ctx.layers = saved, layers
        ctx._exact_gradients = exact
        return h

    @staticmethod
    def backward_numpy(ctx, grad, *inputs):
        return _chain_gradients(ctx, grad, inputs, ctx.saved_inputs, _affine_grads)

    @staticmethod
    def backward(ctx, grad):
        # differentiable (create_graph): the layers' inputs again, as Tensors computed from
        # x and the parameters rather than the saved arrays, since a weight's gradient
        # depends on every layer below it
        inputs = ctx.inputs
        layer_inputs, i = [inputs[0]], 1  # i: the position of the layer's weight
        for has_bias, relu in ctx.layers[:-1]:
            h = Linear.apply(layer_inputs[-1], *inputs[i : i + 1 + has_bias])
            layer_inputs.append(h.relu() if relu else h)
            i += 1 + has_bias
        return _chain_gradients(ctx, grad, inputs, layer_inputs, _affine_tensor_grads)


def _chain_gradients(ctx, grad, inputs, layer_inputs, affine_grads) -> tuple:
    """LinearChain's gradients, from the last layer down: on arrays (affine_grads is
    _affine_grads) or on Tensors (_affine_tensor_grads). layer_inputs[l] is h_{l-1}."""
    needs, layers = ctx.needs_input_grad, ctx.layers
    first = needs.index(True)  # the lowest input that needs a gradient
    grads = [None] * len(inputs)
    i = len(inputs)  # counts down through the layers' parameters, the last layer's first
    # below the last layer, an array grad is this backward's own (a fresh product), so a
    # ReLU's mask may be applied in place, as the hand-written floor does; the incoming
    # grad may be shared and the Tensor mode records its ops, so neither is written to
    in_place, last = affine_grads is _affine_grads, len(layers) - 1
    for l in range(last, -1, -1):
        has_bias, relu = layers[l]
        if relu:  # h_l: the next layer's saved input, or the op's output for the last
            mask = (ctx.saved_inputs[l + 1] if l < last else ctx.output._data) > 0
            if in_place and l < last:
                grad *= mask
            else:
                grad = grad * mask
        i -= 1 + has_bias  # the position of the layer's weight among the inputs
        below = first < i  # x or a parameter of a layer below needs a gradient
        grad, grads[i], bias_grad = affine_grads(grad, layer_inputs[l], inputs[i], below,
                                                 needs[i], has_bias and needs[i + 1])
        if has_bias:
            grads[i + 1] = bias_grad
        if not below:
            return tuple(grads)
    grads[0] = grad  # d/dx
    return tuple(grads)
