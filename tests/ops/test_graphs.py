"""Random graphs built from op table rows, in which intermediate results feed several ops
(diamonds, a node used twice by one op, several outputs sharing nodes): gradcheck and
gradgradcheck. Naive engines that run a node's backward before all its consumers are done,
or that assign instead of accumulate, get these wrong (micrograd#2, #64)."""

from __future__ import annotations

from collections import Counter

import hypothesis.strategies as st
import numpy as np
from hypothesis import assume, given
from op_table import ALL

import tinygrad_np as tnp
from tinygrad_np.testing import arrays, check_grads

# rows defined and smooth on all reals whose output broadcasts with their inputs
_ROWS = {op.name: op for op in ALL}
UNARY = [_ROWS[n] for n in ("sin", "cos", "tanh", "sigmoid", "neg", "clone", "T", "radd_scalar",
                            "rsub_scalar", "div_scalar", "square")]
BINARY = [_ROWS[n] for n in ("add", "sub", "mul", "matmul", "maximum_scalar")
          if _ROWS[n].n_inputs == 2]
# reductions with keepdim whose results broadcast back against the others
REDUCTIONS = {
    "sum_keepdim": lambda x: x.sum(-1, keepdim=True),
    "mean_all": lambda x: x.mean(),
    "logsumexp_keepdim": lambda x: x.logsumexp(0, keepdim=True) if x.ndim else x,
    "softmax": lambda x: x.softmax(-1),
}


class Dag:
    """A program over leaves: step k computes node len(leaves) + k from earlier nodes."""

    def __init__(self, n_leaves, steps, outputs):
        self.n_leaves, self.steps, self.outputs = n_leaves, steps, outputs

    def __call__(self, *leaves):
        nodes = list(leaves)
        for fn, args in self.steps:
            operands = [nodes[i] for i in args]
            a, b = operands[0].shape, operands[-1].shape
            if fn is _ROWS["matmul"].fn and (len(a) != 2 or a != b[::-1]):
                fn = _ROWS["mul"].fn  # matmul needs matching matrices
            nodes.append(fn(*operands))
        outs = tuple(nodes[i] for i in self.outputs)
        return outs if len(outs) > 1 else outs[0]

    def uses(self) -> Counter:
        return Counter(i for _, args in self.steps for i in args)

    def __repr__(self) -> str:
        names = {id(op.fn): op.name for op in UNARY + BINARY}
        names.update({id(f): n for n, f in REDUCTIONS.items()})
        steps = [f"n{self.n_leaves + k} = {names.get(id(fn), fn)}({', '.join(f'n{i}' for i in a)})"
                 for k, (fn, a) in enumerate(self.steps)]
        return f"Dag({'; '.join(steps)}; outputs {self.outputs})"


@st.composite
def dags(draw, max_steps: int = 7):
    """(dag, leaf arrays): 1-3 leaves of shapes that broadcast with (n, n), 2-7 steps whose
    operands are any earlier nodes (so nodes are reused), 1-3 outputs."""
    n = draw(st.integers(1, 3))
    n_leaves = draw(st.integers(1, 3))
    leaf_shapes = draw(st.lists(st.sampled_from([(n, n), (n,), (1, n), (n, 1), ()]),
                                min_size=n_leaves, max_size=n_leaves))
    leaf_shapes[0] = (n, n)  # one full-size leaf, so matmul and T have a square to work on
    leaves = [draw(arrays(s, "small")) for s in leaf_shapes]
    steps = []
    for _ in range(draw(st.integers(2, max_steps))):
        count = n_leaves + len(steps)
        node = st.integers(0, count - 1)
        kind = draw(st.sampled_from(["unary", "binary", "binary", "reduction"]))
        if kind == "unary":
            steps.append((draw(st.sampled_from(UNARY)).fn, (draw(node),)))
        elif kind == "binary":
            steps.append((draw(st.sampled_from(BINARY)).fn, (draw(node), draw(node))))
        else:
            steps.append((draw(st.sampled_from(list(REDUCTIONS.values()))), (draw(node),)))
    total = n_leaves + len(steps)
    extra = draw(st.lists(st.integers(n_leaves, total - 1), max_size=2, unique=True))
    outputs = tuple(dict.fromkeys([total - 1, *extra]))
    dag = Dag(n_leaves, steps, outputs)
    # a graph, not a tree: some node feeds two ops, or one op twice
    assume(max(dag.uses().values()) >= 2)
    with tnp.no_grad():
        outs = dag(*[tnp.tensor(a) for a in leaves])
    outs = outs if isinstance(outs, tuple) else (outs,)
    assume(all(np.abs(o.numpy()).max() < 20 for o in outs))  # stay well conditioned
    return dag, leaves


@given(case=dags())
def test_random_dag_first_order_gradients(case):
    dag, leaves = case
    check_grads(dag, leaves, second_order=False, max_elements=16)


@given(case=dags(max_steps=5))
def test_random_dag_second_order_gradients(case):
    dag, leaves = case
    tnp.gradgradcheck(dag, leaves, max_elements=9, n_directions=3)


@given(case=dags())
def test_random_dag_backward_matches_grad(case):
    """backward() into .grad and grad() give the same gradients for the same graph."""
    dag, leaves = case
    xs = [tnp.tensor(a, requires_grad=True) for a in leaves]
    outs = dag(*xs)
    total = sum(o.sum() for o in outs) if isinstance(outs, tuple) else outs.sum()
    expected = tnp.grad(total, xs, retain_graph=True, allow_unused=True)
    total.backward()
    for x, g in zip(xs, expected):
        if g is None:
            assert x.grad is None
        else:
            np.testing.assert_allclose(x.grad.numpy(), g.numpy(), rtol=1e-12, atol=1e-12)


def test_diamond_gradient():
    # y = a*b with a = x + 1 and b = 2x share x: dy/dx = b + 2a = 4x + 2
    x = tnp.tensor(3.0, requires_grad=True)
    a, b = x + 1, x * 2
    (a * b).backward()
    assert x.grad.item() == 14.0


def test_node_used_twice_by_one_op():
    x = tnp.tensor(3.0, requires_grad=True)
    h = x.exp()
    (h * h).backward()  # d/dx e^(2x) = 2 e^(2x)
    np.testing.assert_allclose(x.grad.item(), 2 * np.exp(6.0), rtol=1e-6)


def test_deep_reuse_of_one_intermediate():
    # h feeds ten ops; each adds h to the running sum: d/dx = 10 * dh/dx = 10 * 2x
    x = tnp.tensor(1.5, dtype=np.float64, requires_grad=True)
    h = x * x
    total = h
    for _ in range(9):
        total = total + h
    total.backward()
    assert x.grad.item() == 30.0
