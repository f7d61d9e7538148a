"""Hypothesis strategies for the core's tests, on top of the public tinygrad_np.testing:
input shapes (broadcasting, same, matmul, cat), dims, the parameters of movement ops, and
`cases(op)`, which draws the inputs and parameters of one op table row."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
from hypothesis import assume

from tinygrad_np.testing import MATMUL_SIGNATURE, MAX_DIMS, MAX_SIDE, arrays, shapes

# ---- input shapes: each strategy takes the number of inputs and draws a tuple of shapes --


def broadcast_shapes(n: int, min_dims: int = 0, max_dims: int = MAX_DIMS):
    """n shapes that broadcast together (different ranks, sizes of 1)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, max_side=MAX_SIDE
    ).map(lambda b: b.input_shapes)


def same_shapes(n: int = 1, min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 1):
    return shapes(min_dims, max_dims, min_side=min_side).map(lambda s: (s,) * n)


def matmul_shapes(n: int = 2):
    """(a, b) shapes for a @ b: 1-D, 2-D and batched with broadcasting batch dims."""
    assert n == 2
    return hnp.mutually_broadcastable_shapes(
        signature=MATMUL_SIGNATURE, max_dims=2, max_side=MAX_SIDE
    ).map(lambda b: b.input_shapes)


def with_min_dims(min_dims: int):
    return lambda n: same_shapes(n, min_dims=min_dims)


@st.composite
def cat_shapes(draw, n: int):
    """n shapes that agree except along one dim (see cat_params)."""
    base = draw(shapes(min_dims=1))
    axis = draw(st.integers(0, len(base) - 1))
    sizes = draw(st.lists(st.integers(1, MAX_SIDE), min_size=n, max_size=n))
    return tuple(base[:axis] + (k,) + base[axis + 1:] for k in sizes)


# ---- dims and parameters ---------------------------------------------------------------


def one_dim(ndim: int):
    """An int dim, negative or not (a 0-d tensor accepts 0 and -1, as in PyTorch)."""
    bound = max(ndim, 1)
    return st.integers(-bound, bound - 1)


def dims(ndim: int):
    """`dim` as reductions take it: None, an int, or a tuple of distinct dims (mixing
    negative and positive spellings); the empty tuple means every dim, as None does."""
    if ndim == 0:
        return st.sampled_from([None, 0, -1, ()])
    tuples = st.lists(st.integers(0, ndim - 1), unique=True, min_size=1, max_size=ndim).flatmap(
        lambda axes: st.tuples(*[st.sampled_from([a, a - ndim]) for a in axes]))
    return st.one_of(st.none(), st.just(()), one_dim(ndim), tuples)


def reduce_params(input_shapes):
    (shape,) = input_shapes
    return st.fixed_dictionaries({"dim": dims(len(shape)), "keepdim": st.booleans()})


def dim_param(input_shapes):
    return st.fixed_dictionaries({"dim": one_dim(len(input_shapes[0]))})


def numpy_axis(dim, ndim: int):
    """Our `dim` in NumPy's words: 0-d arrays take no axis, and () is every axis (NumPy's
    axis=() is none)."""
    if ndim == 0 or dim is None or dim == ():
        return None
    return dim


def reduced_count(shape, dim) -> int:
    if dim is None or dim == () or len(shape) == 0:
        return int(np.prod(shape))
    axes = (dim,) if isinstance(dim, int) else dim
    return int(np.prod([shape[a] for a in axes]))


@st.composite
def reshape_params(draw, input_shapes):
    """A new shape with the same number of elements: the sizes regrouped, 1s inserted, and
    perhaps one -1."""
    (shape,) = input_shapes
    sizes = draw(st.permutations(list(shape)))
    new = []
    for s in sizes:
        if new and draw(st.booleans()):
            new[-1] *= s
        else:
            new.append(s)
    for _ in range(draw(st.integers(0, 2))):
        new.insert(draw(st.integers(0, len(new))), 1)
    if new and draw(st.booleans()):
        new[draw(st.integers(0, len(new) - 1))] = -1
    return {"shape": tuple(new)}


def permute_params(input_shapes):
    ndim = len(input_shapes[0])
    return st.permutations(range(ndim)).flatmap(
        lambda p: st.tuples(*[st.sampled_from([a, a - ndim]) for a in p])
    ).map(lambda p: {"dims": p})


def transpose_params(input_shapes):
    ndim = len(input_shapes[0])
    return st.fixed_dictionaries({"dim0": one_dim(ndim), "dim1": one_dim(ndim)})


def squeeze_params(input_shapes):
    return st.fixed_dictionaries({"dim": dims(len(input_shapes[0]))})


def unsqueeze_params(input_shapes):
    ndim = len(input_shapes[0])
    return st.fixed_dictionaries({"dim": st.integers(-ndim - 1, ndim)})


@st.composite
def flatten_params(draw, input_shapes):
    ndim = len(input_shapes[0])
    if ndim == 0:
        return {"start_dim": 0, "end_dim": -1}
    start = draw(st.integers(0, ndim - 1))
    end = draw(st.integers(start, ndim - 1))
    # spell each either way
    return {"start_dim": draw(st.sampled_from([start, start - ndim])),
            "end_dim": draw(st.sampled_from([end, end - ndim]))}


@st.composite
def expand_params(draw, input_shapes):
    """A shape that `shape` broadcasts to, with -1 for some kept dims."""
    (shape,) = input_shapes
    lead = draw(st.lists(st.integers(1, MAX_SIDE), max_size=2))
    rest = []
    for n in shape:
        if n == 1:
            rest.append(draw(st.integers(1, MAX_SIDE)))
        else:
            rest.append(draw(st.sampled_from([n, -1])))
    return {"sizes": tuple(lead + rest)}


def cat_params(input_shapes):
    """The dim the shapes from cat_shapes differ in (any dim if they are equal)."""
    ndim = len(input_shapes[0])
    differ = [a for a in range(ndim) if len({s[a] for s in input_shapes}) > 1]
    axes = st.sampled_from(differ) if differ else st.integers(0, ndim - 1)
    return axes.flatmap(lambda a: st.sampled_from([a, a - ndim])).map(lambda d: {"dim": d})


def stack_params(input_shapes):
    ndim = len(input_shapes[0])
    return st.fixed_dictionaries({"dim": st.integers(-ndim - 1, ndim)})


def basic_index_params(input_shapes):
    """Slices (with steps, negative too), ints, None and Ellipsis."""
    return hnp.basic_indices(input_shapes[0], allow_newaxis=True, allow_ellipsis=True).map(
        lambda index: {"index": index})


@st.composite
def integer_array_index_params(draw, input_shapes):
    """Integer arrays with repeated and negative entries: on the first dim alone, on every
    dim, or on the first dim together with a slice."""
    (shape,) = input_shapes
    kind = draw(st.sampled_from(["first", "all", "mixed"]))
    result = hnp.array_shapes(min_dims=1, max_dims=2, max_side=5)
    if kind == "all":
        return {"index": draw(hnp.integer_array_indices(shape, result_shape=result))}
    n = shape[0]
    first = draw(hnp.arrays(np.int64, result, elements=st.integers(-n, n - 1)))
    if kind == "mixed" and len(shape) > 1:
        return {"index": (first, slice(None, None, draw(st.sampled_from([1, -1, 2]))))}
    return {"index": first}


@st.composite
def bool_mask_params(draw, input_shapes):
    """A boolean mask over the first k dims."""
    (shape,) = input_shapes
    k = draw(st.integers(1, len(shape)))
    return {"index": draw(hnp.arrays(np.bool_, shape[:k]))}


# ---- one op table row -------------------------------------------------------------------


@st.composite
def cases(draw, op):
    """(arrays, params) for one op table row: shapes from op.shapes, values from each
    input's domain, then op.params, filtered by op.valid."""
    input_shapes = draw((op.shapes or broadcast_shapes)(op.n_inputs))
    params = {}
    arrs = [draw(arrays(s, d, unique=op.unique)) for s, d in zip(input_shapes, op.domains())]
    if op.params is not None:
        params.update(draw(op.params(input_shapes)))
    if op.valid is not None:
        assume(op.valid(arrs, params))
    return arrs, params
