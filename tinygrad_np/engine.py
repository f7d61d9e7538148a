"""The reverse-mode engine: a walk of the graph behind some outputs, then backward().

Every recorded op has a sequence number, and an op's inputs were made before it, so
running the ops from the latest to the earliest is a topological order: when a node
runs, every op that consumed its output (and could add to its gradient) has already run.
The walk keeps the nodes that have received a gradient in a heap keyed by sequence
number, runs each once, sums every gradient to its input's shape and adds it to what
that input has collected, and frees the node. No recursion: graph depth is limited only
by memory. Leaves receive their total gradient at the end, so a walk that fails part way
(a freed graph, an anomaly) leaves every leaf's .grad as it was.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from heapq import heappop, heappush
from typing import TYPE_CHECKING

import numpy as np

from ._shapes import sum_to, sum_to_axes
from .function import _FREED_MESSAGE, _bump_version, _mode, _nonfinite_kind, _tensor_type

if TYPE_CHECKING:
    from .tensor import Tensor


def _fit_gradient(ctx, i: int, g, inp: Tensor, tensor_type: type[Tensor]) -> Tensor:
    """Wrap, sum to the input's shape (the adjoint of broadcasting) and cast to its dtype."""
    if not isinstance(g, tensor_type):
        g = tensor_type._make(np.asarray(g, dtype=inp.data.dtype), False, None)
    if g.shape != inp.shape:
        _check_broadcasts(ctx, i, g.shape, inp.shape)
        g = g._sum_to(inp.shape)
    if g.data.dtype != inp.data.dtype:
        g = g.to(inp.data.dtype)
    return g


def _fit_array(ctx, i: int, g, inp: Tensor) -> np.ndarray | np.generic:
    """_fit_gradient for the array mode: any array-like becomes an ndarray of the input's
    shape and dtype (a Tensor from a backward without backward_numpy is unwrapped); for a
    0-d input, a NumPy scalar of its dtype is kept as it is."""
    data = inp._data
    if not data.ndim and type(g) is data.dtype.type and g.dtype == data.dtype:
        return g  # NumPy's 0-d math returns scalars; one of the input's dtype can stay one
    g = np.asarray(g._data if hasattr(g, "_data") else g)
    if g.shape != data.shape:
        _check_broadcasts(ctx, i, g.shape, data.shape)
        g = sum_to(g, data.shape)
    return g if g.dtype == data.dtype else g.astype(data.dtype)


def _edge_gradient(ctx, i: int, g, inp: Tensor, create_graph: bool, anomaly: bool,
                   tensor_type: type[Tensor], needed: set | None):
    """The gradient ctx passes to its input i, when it is not plainly fit already or a slower
    mode is on: None if grad() needs none for that input (`needed`: see _on_paths_to);
    else fitted to the input (a Tensor with create_graph, else an array) and, in anomaly
    mode, checked to be finite."""
    if needed is not None and id(inp) not in needed:
        return None
    g = _fit_gradient(ctx, i, g, inp, tensor_type) if create_graph else _fit_array(ctx, i, g, inp)
    if anomaly:
        _check_finite_gradient(ctx, i, g)
    return g


def _check_broadcasts(ctx, i: int, shape: tuple[int, ...], target: tuple[int, ...]) -> None:
    try:
        sum_to_axes(shape, target)
    except ValueError:
        raise RuntimeError(
            f"{type(ctx).__name__} backward returned a gradient of shape {shape} for input {i} "
            f"of shape {target}; it must have the input's shape or one that broadcasts from it"
        ) from None


# Taking over arrays by reference count is checked on CPython up to 3.13; elsewhere (other
# interpreters, or newer CPythons whose stack references may go uncounted) gradients are
# always copied.
_REFCOUNTS_ARE_EXACT = sys.implementation.name == "cpython" and sys.version_info < (3, 14)


def _owned(a: np.ndarray, holders: int) -> bool:
    """True if nothing but the engine can see array `a`, so a leaf may keep it as its .grad
    without a copy. CPython reference counts tell: `holders` references are the engine's
    own (the callers' locals); with this function's argument and getrefcount's, any more
    means a gradient also queued for another input or kept by a Tensor or a saved context.
    A view or a read-only array is never owned."""
    return _REFCOUNTS_ARE_EXACT and sys.getrefcount(a) <= holders + 2 and a.base is None \
        and a.flags.writeable


def _in_dtype(g, dtype: np.dtype, create_graph: bool):
    """A total gradient in its tensor's dtype: a sum of two gradients can come out in
    another byte order than the tensor's (NumPy's results are native)."""
    if g.dtype == dtype:
        return g
    return g.to(dtype) if create_graph else np.asarray(g).astype(dtype)


def _accumulate_into_leaf(leaf: Tensor, g, create_graph: bool) -> None:
    """leaf.grad += g (a Tensor when create_graph, else an array), in place when neither
    side is part of a graph."""
    old = leaf._grad
    g = _in_dtype(g, leaf._data.dtype, create_graph)
    if create_graph:
        # a clone: the same gradient Tensor may reach several leaves (a + b), or be the
        # caller's own `gradient`; a later in-place accumulation must not reach the others
        leaf._grad = g.clone() if old is None else old + g
        return
    if type(g) is not np.ndarray:
        g = np.asarray(g)  # a NumPy scalar from 0-d math
    if old is None:
        data = g if _owned(g, 2) else g.copy()  # held by the caller's g and this g
        leaf._grad = _tensor_type()._make(data, False, None)
    elif old._requires_grad or not old._data.flags.writeable:
        leaf._grad = old.detach() + g
    else:
        np.add(old._data, g, out=old._data)
        _bump_version(old)


def _on_paths_to(roots: Sequence[Tensor], wanted: dict) -> set[int]:
    """The ids of the tensors on some path from a root down to a wanted input: grad() runs
    only their nodes, as PyTorch does, so a branch that reaches none of the inputs is not
    computed (nor refused, if it was changed in place). An iterative walk in post-order,
    so graph depth is not limited by recursion."""
    needed: set[int] = set()
    seen: set[int] = set()
    stack = [(r, False) for r in roots]
    while stack:
        t, inputs_done = stack.pop()
        key = id(t)
        ctx = t._ctx
        if inputs_done:  # every input of t has been decided
            if any(id(inp) in needed for inp in ctx._inputs):
                needed.add(key)
            continue
        if key in seen:
            continue
        seen.add(key)
        if key in wanted or (ctx is not None and ctx._inputs is None):
            needed.add(key)  # a freed node stays in, so the walk reaches it and says so
        if ctx is not None and ctx._inputs is not None:  # a wanted non-leaf too: inputs
            stack.append((t, True))  # behind it may be wanted as well
            stack.extend((inp, False) for inp in ctx._inputs if inp._requires_grad)
    return needed


def _note_gradient(t: Tensor, g, wanted: dict | None, captured: list,
                   create_graph: bool) -> None:
    """A non-leaf's gradient as the walk reaches it: added to t.grad when t called
    retain_grad() (by grad() too, as in PyTorch), and kept by grad() when t is one of the
    inputs asked for."""
    if t._retains_grad:
        _retain(t, g, create_graph)
    if wanted is not None:
        for position in wanted.get(id(t), ()):
            captured[position] = g


def _retain(t: Tensor, g, create_graph: bool) -> None:
    """t.grad += g for a non-leaf that called retain_grad()."""
    if not create_graph:
        g = _tensor_type()._make(np.array(g), False, None)  # a copy: g flows on to t's inputs
    t._grad = g if t._grad is None else t._grad + g


def run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] | None = None,
) -> list[Tensor | None] | None:
    """Propagate root_grads (Tensors; without create_graph, ndarrays too) from roots
    through the graph.

    Without `inputs`, gradients are accumulated into the leaves' `.grad` (and into tensors
    that called retain_grad()). With `inputs`, their gradients are returned instead and no
    leaf's `.grad` is touched (a tensor that called retain_grad() still gets its gradient,
    as in PyTorch). Unless retain_graph, each node is freed as soon as it has run.

    With create_graph the gradients in flight are Tensors and every node runs its
    (differentiable) backward. Without it they are plain ndarrays and a node runs its
    backward_numpy when it has one, else its backward on a wrapped gradient.
    """
    tensor_type = _tensor_type()
    wanted: dict[int, list[int]] | None = None  # id -> positions (an input may repeat)
    if inputs is not None:
        wanted = {}
        for i, t in enumerate(inputs):
            wanted.setdefault(id(t), []).append(i)
    captured: list = [None] * len(inputs) if inputs is not None else []
    grads: dict = {}  # id(tensor) -> the gradient it has collected so far
    # (-sequence number, id, tensor) for non-leaves with a gradient; the id breaks ties
    # between copies of one node (copy.deepcopy of a graph), which share a number
    heap: list = []
    leaves: list = []  # leaves with a gradient, in the order they got one
    # leaves whose first gradient came from a node with exact gradients: their total is an
    # array of their own shape and dtype that nothing else holds (see Function)
    owned_leaves: list = []
    needed = None if wanted is None else _on_paths_to(roots, wanted)
    for r, g in zip(roots, root_grads):
        if needed is not None and id(r) not in needed:
            continue
        if not create_graph and type(g) is not np.ndarray:
            g = g._data
        if id(r) in grads:
            grads[id(r)] = grads[id(r)] + g
            continue
        grads[id(r)] = g
        if r._ctx is None:
            leaves.append(r)
        else:
            heappush(heap, (-r._ctx._seq, id(r), r))
    accumulate = wanted is None
    anomaly = _mode.anomaly  # read once: the checks below run for every edge
    special = anomaly or create_graph  # the slower modes, with their own backward call
    # a gradient of this type, shape and dtype is used as it is; anything else (and, in the
    # slower modes and in grad(), everything) goes through _edge_gradient
    fitting_type = None if special or needed is not None else np.ndarray
    pop = grads.pop
    saved_mode = _mode.grad_enabled
    _mode.grad_enabled = create_graph
    ctx = None
    try:
        while heap:
            t = heappop(heap)[2]
            g = pop(id(t))
            ctx = t._ctx
            inputs_of_t = ctx._inputs
            if inputs_of_t is None:
                raise RuntimeError(_FREED_MESSAGE.format(op=type(ctx).__name__))
            if t._retains_grad or not accumulate:
                _note_gradient(t, g, wanted, captured, create_graph)
            ctx._output = t  # lent as ctx.output for the backward; freeing takes it back
            if special:
                in_grads = _blame_nonfinite(ctx, g, create_graph, tensor_type) if anomaly \
                    else ctx.backward(ctx, g)
            elif ctx.backward_numpy is not None:
                # the arrays forward had, unless some tensor has changed since (then they
                # are checked and read again)
                in_grads = ctx.backward_numpy(ctx, g, *(
                    ctx._arrays if ctx._changes == _mode.changes else ctx._input_arrays()))
            else:
                in_grads = _tensor_backward(ctx, g, tensor_type)
            if type(in_grads) is not tuple:
                in_grads = (in_grads,)
            if len(in_grads) != len(inputs_of_t):
                raise RuntimeError(f"{type(ctx).__name__} backward returned {len(in_grads)} "
                                   f"gradient(s) for {len(inputs_of_t)} input(s)")
            exact = fitting_type is not None and ctx._exact_gradients
            for i, (inp, ig) in enumerate(zip(inputs_of_t, in_grads)):
                if ig is None or not inp._requires_grad:
                    continue
                if not exact and (type(ig) is not fitting_type or ig.shape != inp._data.shape
                                  or ig.dtype != inp._data.dtype):
                    ig = _edge_gradient(ctx, i, ig, inp, create_graph, anomaly, tensor_type,
                                        needed)
                    if ig is None:
                        continue  # grad() needs no gradient for this input
                key = id(inp)
                if key in grads:
                    grads[key] = grads[key] + ig
                    continue
                grads[key] = ig
                if inp._ctx is None:
                    (owned_leaves if exact else leaves).append(inp)
                else:
                    heappush(heap, (-inp._ctx._seq, key, inp))
            if retain_graph:
                ctx._output = None  # the node stays: it must not keep its output alive
            else:  # free the node: its saved arrays and input references go; the sequence
                # number stays, so a later backward reaches the node and reports it freed
                ctx.__dict__ = {"_inputs": None, "_seq": ctx._seq}
            # drop this node's references now: a summand already added into grads is
            # freed before the next backward runs, and a leaf's gradient can be taken over
            t = g = ctx = in_grads = ig = None
        if accumulate:  # inside the try: with create_graph, leaf.grad + g is recorded
            _accumulate_leaves(leaves, owned_leaves, grads, create_graph)
            return None
    finally:
        _mode.grad_enabled = saved_mode
        if ctx is not None:  # an error inside a node: take back the output it was lent,
            ctx._output = None  # or output -> node -> output would be a reference cycle
    for leaf in leaves:  # (grad() takes no gradient as exact: owned_leaves is empty)
        for position in wanted.get(id(leaf), ()):
            captured[position] = grads[id(leaf)]
    for i, (t, g) in enumerate(zip(inputs, captured)):
        if g is not None:
            captured[i] = _in_dtype(g, t._data.dtype, create_graph)
    if create_graph:
        return captured
    grads.clear()
    # each result is held by the captured list and the loop variable
    return [None if g is None else tensor_type._make(g if _owned(g, 2) else np.array(g),
                                                      False, None) for g in captured]


def _accumulate_leaves(leaves: list, owned_leaves: list, grads: dict,
                       create_graph: bool) -> None:
    """Add each leaf's total gradient to its .grad. The gradient of one of owned_leaves is
    an ndarray of its shape and dtype that only `grads` holds: a first one becomes .grad
    as it is (the usual parameter, whose gradient a fused op made)."""
    make, ndarray, pop, getrefcount = _tensor_type()._make, np.ndarray, grads.pop, sys.getrefcount
    for leaf in owned_leaves:
        if leaf._grad is None:
            leaf._grad = make(pop(id(leaf)), False, None)
        else:
            _accumulate_into_leaf(leaf, pop(id(leaf)), create_graph)
    can_take = _REFCOUNTS_ARE_EXACT and not create_graph  # an array may become .grad as is
    for leaf in leaves:
        g = pop(id(leaf))
        # the common case first: a first gradient of the leaf's dtype that only this loop
        # holds becomes .grad without a copy (_owned(g, 1), inline: this runs for every
        # parameter of every step; g and getrefcount's argument are the two references)
        if can_take and leaf._grad is None and type(g) is ndarray and getrefcount(g) <= 2 and \
                g.base is None and g.flags.writeable and g.dtype == leaf._data.dtype:
            leaf._grad = make(g, False, None)
        else:
            _accumulate_into_leaf(leaf, g, create_graph)  # g is held here and there, no more
        g = None


def _tensor_backward(ctx, g, tensor_type) -> tuple:
    """An op without backward_numpy in the array mode: its Tensor backward, on a wrapped
    gradient (nothing is recorded, as grad mode is off)."""
    return ctx.backward(ctx, tensor_type._make(np.asarray(g), False, None))


def _blame_nonfinite(ctx, g, create_graph: bool, tensor_type):
    """Anomaly mode: run ctx's backward; a NaN or inf raised inside the gradient formula
    (by one of the ops it is written with) is blamed on ctx and the line that created it."""
    try:
        if create_graph:
            return ctx.backward(ctx, g)
        if ctx.backward_numpy is not None:  # its results are checked by the caller
            return ctx.backward_numpy(ctx, g, *ctx._input_arrays())
        return _tensor_backward(ctx, g, tensor_type)
    except FloatingPointError as e:
        name = type(ctx).__name__
        where = getattr(ctx, "_created_at", "<unknown location>")
        raise FloatingPointError(f"{name} backward produced a non-finite value ({e}); the "
                                 f"{name} was created at {where}") from None


def _check_finite_gradient(ctx, i: int, g) -> None:
    kind = _nonfinite_kind(g._data if hasattr(g, "_data") else np.asarray(g))
    if kind:
        where = getattr(ctx, "_created_at", "<unknown location>")
        raise FloatingPointError(
            f"{type(ctx).__name__} backward produced {kind} in the gradient of input {i} "
            f"(shape {g.shape}); the {type(ctx).__name__} was created at {where}"
        )


def _ones(like: np.ndarray) -> np.ndarray:
    """The implied gradient of a single-element output: ones of its shape and dtype
    (np.array(1) for the usual 0-d loss, cheaper than np.ones)."""
    return np.array(1, like.dtype) if like.ndim == 0 else np.ones(like.shape, like.dtype)


def _root_gradients(op: str, outputs: Sequence[Tensor], grad_outputs) -> list[Tensor]:
    """The gradient each output starts with: given, or 1 for a single-element output."""
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif len(grad_outputs) != len(outputs):
        raise ValueError(f"{op}: got {len(grad_outputs)} gradient(s) for {len(outputs)} output(s)")
    result = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(
                f"{op}: output {i} (shape {out.shape}) does not require grad and has no graph: "
                "none of the tensors it was computed from had requires_grad=True, or it was "
                "computed under no_grad(). Set requires_grad=True on the parameters or inputs "
                "(not on the loss) before the forward pass."
            )
        if g is None:
            if out.data.size != 1:
                raise RuntimeError(
                    f"{op}: the output has shape {out.shape}; a gradient can only be implied for "
                    "a single-element output. Reduce it first (loss.sum(), loss.mean()) or "
                    "pass gradient= with the output's shape."
                )
            g = _tensor_type()._make(_ones(out._data), False, None)
        else:
            if not isinstance(g, _tensor_type()):
                g = _tensor_type()._make(np.asarray(g, dtype=out.data.dtype), False, None)
            if g.shape != out.shape:
                raise RuntimeError(
                    f"{op}: gradient has shape {g.shape} but the output has shape {out.shape}"
                )
            if g.dtype != out.dtype:  # as PyTorch: the gradient takes the output's dtype
                g = g.to(out.dtype)
        result.append(g)
    return result


def backward(
    tensor: Tensor, gradient=None, retain_graph: bool | None = None, create_graph: bool = False
) -> None:
    """Accumulate d(tensor)/d(leaf) into every leaf's .grad; see Tensor.backward."""
    if retain_graph is None:
        retain_graph = create_graph
    data = tensor._data
    if gradient is None and tensor._ctx is not None and data.size == 1:  # a scalar loss
        g = _ones(data)  # in the array mode the root's gradient goes in as an array
        run_backward([tensor], [tensor._make(g, False, None) if create_graph else g],
                     retain_graph, create_graph)
        return
    (g,) = _root_gradients("backward", [tensor], None if gradient is None else [gradient])
    if tensor._ctx is None:
        warnings.warn(
            f"backward() was called on a leaf tensor of shape {tensor.shape}: no graph was "
            "recorded behind it, so only its own .grad changes. If it is a loss, it was "
            "computed without a graph (under no_grad(), or from tensors that do not require "
            "grad) and requires_grad was set on it afterwards; set requires_grad=True on the "
            "parameters instead.",
            stacklevel=3,
        )
    run_backward([tensor], [g], retain_graph, create_graph)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple:
    """Gradients of `outputs` with respect to `inputs`, returned instead of stored in .grad.
    Only the part of the graph between the outputs and the inputs is computed (a tensor on
    it that called retain_grad() gets its .grad, as in PyTorch).

    Args:
        outputs: a Tensor or a sequence of Tensors to differentiate.
        inputs: a Tensor or a sequence of Tensors (requiring grad) to differentiate by.
        grad_outputs: the vector in the vector-Jacobian product, one per output; may be
            omitted for single-element outputs.
        retain_graph: keep the graph for another backward (default: create_graph).
        create_graph: record the gradient computation, for higher-order gradients.
        allow_unused: return None for an input the outputs do not depend on, instead of
            raising.

    Returns:
        A tuple with one gradient per input.

    Example:
        >>> import tinygrad_np as tnp
        >>> x = tnp.tensor(3.0, requires_grad=True)
        >>> (dx,) = tnp.grad(x ** 3, x, create_graph=True)   # 3x² = 27
        >>> (dxx,) = tnp.grad(dx, x)                          # 6x = 18
        >>> dx.item(), dxx.item()
        (27.0, 18.0)
    """
    outputs = [outputs] if not isinstance(outputs, (list, tuple)) else list(outputs)
    inputs = [inputs] if not isinstance(inputs, (list, tuple)) else list(inputs)
    if grad_outputs is not None and not isinstance(grad_outputs, (list, tuple)):
        grad_outputs = [grad_outputs]
    if retain_graph is None:
        retain_graph = create_graph
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) does not require grad")
    roots = _root_gradients("grad", outputs, grad_outputs)
    result = run_backward(outputs, roots, retain_graph, create_graph, inputs=inputs)
    for i, g in enumerate(result):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} (shape {inputs[i].shape}) was not used to compute the "
                "outputs; pass allow_unused=True to get None for it"
            )
    return tuple(result)
