"""Function (the one way to define an op), its context, grad mode and anomaly mode.

An op is a subclass of Function with two static methods, and optionally a third:

    forward(ctx, *arrays, **options) -> ndarray     runs the NumPy math
    backward(ctx, grad) -> Tensor | None, or a tuple with one per input
    backward_numpy(ctx, grad, *arrays) -> ndarray | None, or a tuple with one per input

backward works on Tensors, so the gradient computation can itself be differentiated
(create_graph=True). backward_numpy is the same formula on plain ndarrays: when the
backward pass is not recorded (the usual loss.backward()), the engine calls it and keeps
every gradient in flight as an ndarray, which saves a Tensor wrapper and a Function.apply
per operation of every gradient formula.

`Op.apply(*tensors, **options)` runs forward and, when a gradient is needed, records the
instance as the output's `_ctx`: the graph is tensors linked through `ctx._inputs`. The
context never points at its own output (the engine lends it as `ctx.output` while the
backward runs), so a graph holds no reference cycles and is freed by reference counting.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import operator
import os
import sys
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class _Mode:
    """Process-wide state read on every op (plain attributes: the cheapest lookup)."""

    grad_enabled = True
    anomaly = False
    # in-place changes made so far, by any tensor: an op recorded when the count was the
    # same as now cannot have had an input changed, so backward skips comparing versions
    changes = 0
    # arrays replaced so far (t.data = ...), by any tensor: the optimizers' kept lists of
    # scratch arrays stay valid while the count is the same (no array changed shape)
    replacements = 0


_mode = _Mode()

# Version counters: a tensor's `_vc` is a one-element list [n], shared with its views and
# bumped by every in-place change, so backward can tell that an input it saved has changed.
# Most tensors are never changed in place, so they all start on one shared immutable (0,)
# and get a list of their own only when they are first bumped or shared. Any tuple means
# "not shared" (unpickling makes new ones); bumping one by mistake raises instead of
# changing every tensor's version.
_UNCHANGED = (0,)


def _bump_version(t: Tensor) -> None:
    """Record an in-place change of t (and of every view that shares its counter)."""
    _bump_versions((t,))


def _bump_versions(tensors) -> None:
    """Record an in-place change of each tensor (an optimizer step changes them all)."""
    for t in tensors:
        try:
            t._vc[0] += 1
        except TypeError:  # a tuple, never bumped (see above): t gets a list of its own
            t._vc = [t._vc[0] + 1]
    _mode.changes += 1


def _replaced_version(t: Tensor) -> None:
    """Record that t now holds a new array (t.data = ...): its version goes up on a counter
    of its own, as the tensors that shared the old counter still hold the old, unchanged
    array."""
    t._vc = [t._vc[0] + 1]
    _mode.changes += 1
    _mode.replacements += 1


def _has_views(t: Tensor) -> bool:
    """True if another tensor shares t's memory: t is a view, or some view of t is alive.
    Views share their base's counter, and only a list counter is ever shared; CPython's
    reference count tells whether another tensor holds it (elsewhere, assume one does)."""
    vc = t._vc
    if type(vc) is not list:
        return False
    getrefcount = getattr(sys, "getrefcount", None)
    return getrefcount is None or getrefcount(vc) > 3  # t's slot, vc, and the argument


def _no_grad_view_of(t: Tensor) -> Tensor | None:
    """The tensor requiring grad whose memory t views, if t is a view of it made under
    no_grad() (or a view of such a view), and it still requires grad and shares t's memory
    (a copy or an unpickled view does not). Changing t in place while gradients are
    recorded would change that tensor behind the graph's back, so Tensor._check_inplace
    refuses it, as PyTorch does. The slot, set on such views only, holds a weak reference:
    a view does not keep the tensor (and its graph) alive."""
    ref = getattr(t, "_no_grad_view_of", None)
    viewed = None if ref is None else ref()
    if viewed is None or not viewed._requires_grad:
        return None
    return viewed if np.may_share_memory(t._data, viewed._data) else None


def _shared_version(t: Tensor) -> list[int]:
    """t's counter, made its own first, for a view or alias that must see t's changes."""
    vc = t._vc
    if type(vc) is tuple:
        vc = t._vc = [vc[0]]
    return vc


_next_sequence_number = itertools.count().__next__  # numbers the recorded ops in order
_new = object.__new__
_ndarray = np.ndarray
_array_of = operator.attrgetter("_data")  # a Tensor's ndarray, without a Python frame
# tensor.py builds on this module, so it hands its Tensor class over once defined;
# _make_tensor is Tensor._make, which wraps every op's output
_tensor_class = None
_make_tensor = None


def _register_tensor_class(cls: type[Tensor]) -> None:
    global _tensor_class, _make_tensor
    _tensor_class, _make_tensor = cls, cls._make


def _tensor_type() -> type[Tensor]:
    return _tensor_class


def is_grad_enabled() -> bool:
    """True when ops record the graph (the default); False inside `no_grad()`."""
    return _mode.grad_enabled


class _GradMode:
    """Context manager and decorator that sets grad mode, restoring the old value on exit.
    Used bare, @no_grad decorates too, as in PyTorch."""

    enabled: bool

    def __new__(cls, fn=None):
        if fn is None:
            return super().__new__(cls)
        if not callable(fn):
            raise TypeError(f"{cls.__name__}() takes no arguments (used bare, it decorates "
                            f"a function), got {fn!r}")
        return cls()(fn)  # @no_grad without parentheses

    def __enter__(self) -> None:
        self._saved = _mode.grad_enabled
        _mode.grad_enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        _mode.grad_enabled = self._saved

    def _fresh(self) -> _GradMode:
        """A new context manager of the same mode, for one call of a decorated function."""
        return type(self)()

    def __call__(self, fn):
        mode = self._fresh
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def generator(*args, **kwargs):
                # the mode holds while the generator's own code runs, not while its caller
                # works between items; each resumption re-enters it
                gen = fn(*args, **kwargs)
                resume, value = gen.send, None
                while True:
                    try:
                        with mode():
                            item = resume(value)
                    except StopIteration as stop:
                        return stop.value
                    try:
                        value, resume = (yield item), gen.send
                    except GeneratorExit:
                        with mode():  # its finally blocks run in the mode too
                            gen.close()
                        raise
                    except BaseException as e:  # thrown in: raised inside the generator
                        value, resume = e, gen.throw
            return generator

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with mode():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Ops run without recording a graph: for evaluation and for updating parameters.

    Example:
        >>> import tinygrad_np as tnp
        >>> w = tnp.ones(3, requires_grad=True)
        >>> with tnp.no_grad():
        ...     y = w * 2
        >>> y.requires_grad
        False
    """

    enabled = False


class enable_grad(_GradMode):
    """Turn graph recording back on inside a `no_grad()` block."""

    enabled = True


class set_grad_enabled(_GradMode):
    """Set grad mode to `mode`: for a block, `with set_grad_enabled(training): ...`, which
    restores the old mode at its end; for the calls of a function it decorates; or, called
    alone, from now on (as in PyTorch)."""

    def __new__(cls, mode: bool):
        return object.__new__(cls)

    def __init__(self, mode: bool) -> None:
        self.enabled = bool(mode)
        self._saved = _mode.grad_enabled
        _mode.grad_enabled = self.enabled  # at once: set_grad_enabled(False) works alone

    def __enter__(self) -> None:
        _mode.grad_enabled = self.enabled  # again: the object may be entered more than once

    def _fresh(self) -> set_grad_enabled:
        return set_grad_enabled(self.enabled)

    def __call__(self, fn):
        _mode.grad_enabled = self._saved  # as a decorator, it sets the mode only in calls
        return super().__call__(fn)


class detect_anomaly:
    """Raise as soon as an op produces NaN or inf, forward or backward, naming the op and the
    line of user code that created it.

    Example:
        >>> import tinygrad_np as tnp
        >>> x = tnp.tensor([-1.0, 4.0], requires_grad=True)
        >>> with tnp.detect_anomaly():
        ...     x.sqrt()
        Traceback (most recent call last):
        FloatingPointError: Sqrt produced nan in its forward ...
    """

    def __enter__(self) -> None:
        self._saved = _mode.anomaly
        _mode.anomaly = True

    def __exit__(self, *exc: object) -> None:
        _mode.anomaly = self._saved


def _user_frame() -> str:
    """'file:line in function' of the innermost caller outside this package."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "<unknown location>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"


def _check_forward(op: str, out: np.ndarray) -> str:
    """Anomaly mode: raise if `out` holds NaN or inf; return where the user called the op."""
    where = _user_frame()
    kind = _nonfinite_kind(out)
    if kind:
        raise FloatingPointError(
            f"{op} produced {kind} in its forward (output shape {out.shape}), called from {where}"
        )
    return where


def _nonfinite_kind(a: np.ndarray) -> str | None:
    if a.dtype.kind not in "fc" or np.isfinite(a).all():
        return None
    return "nan" if np.isnan(a).any() else "inf"


class Function:
    """Base class of every op, built-in or user-defined.

    Subclasses define `forward(ctx, *arrays, **options)` and `backward(ctx, grad)` as static
    methods. In backward, `ctx.inputs` are the input Tensors (write the gradient with Tensor
    operations so that `create_graph=True` can differentiate it again), `ctx.output` is the
    output Tensor (both checked not to have been changed in place since forward), and
    `ctx.needs_input_grad[i]` says whether input i wants a gradient.
    Anything else forward stores on `ctx` is a constant to backward. The engine sums each
    returned gradient to its input's shape, so backward may return a broadcast shape.

    Optionally, `backward_numpy(ctx, grad, *arrays)` gives the same gradient on ndarrays
    (the output's gradient and the input arrays); a backward that is not itself recorded
    (create_graph=False, the usual case) then runs it instead of `backward`, which is
    faster. Set `reads_input_values = False` if it reads only the inputs' shapes.

    Example:
        >>> import numpy as np, tinygrad_np as tnp
        >>> class Cube(tnp.Function):
        ...     '''out = x ** 3'''
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         return x ** 3
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         (x,) = ctx.inputs
        ...         return grad * 3 * x * x
        >>> x = tnp.tensor([1.0, 2.0], requires_grad=True)
        >>> Cube.apply(x).sum().backward()
        >>> x.grad
        tensor([ 3., 12.])
    """

    is_view = False  # True when forward returns a view of input 0: they share a version counter
    # the output's version when forward returned: 0, or its input's for a view (set then)
    _output_version = 0
    backward_numpy = None  # optional: backward on ndarrays, used when no graph is recorded
    # False when backward_numpy reads only the inputs' shapes, never their values: then an
    # in-place change to an input after forward is harmless and is not refused
    reads_input_values = True
    # True (set by forward on ctx) when backward_numpy will give every gradient it returns
    # (None aside) as a new ndarray of exactly its input's shape and dtype, which the op
    # does not keep and returns once: the engine takes them as they are, without fitting
    # them, and a leaf's as its .grad without a copy (built-in ops only: a wrong one is not
    # caught)
    _exact_gradients = False

    @staticmethod
    def forward(ctx: Any, *args: np.ndarray, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError(f"{type(ctx).__name__} must define forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Any:
        raise NotImplementedError(
            f"{type(ctx).__name__} must define backward(ctx, grad), on Tensors: it runs for "
            "create_graph=True (and when there is no backward_numpy)")

    @classmethod
    def apply(cls, *inputs: Tensor, **kwargs: Any) -> Tensor:
        """Run the op on Tensors; record it in the graph when an input requires grad."""
        n = len(inputs)
        try:  # unrolled for the common arities: this runs for every op
            if n == 2:
                a, b = inputs
                arrays, needs = (a._data, b._data), (a._requires_grad, b._requires_grad)
            elif n == 1:
                a = inputs[0]
                arrays, needs = (a._data,), (a._requires_grad,)
            elif n == 3:
                a, b, c = inputs
                arrays = (a._data, b._data, c._data)
                needs = (a._requires_grad, b._requires_grad, c._requires_grad)
            elif n == 5:  # x and two layers' weights and biases: the usual MLP's LinearChain
                a, b, c, d, e = inputs
                arrays = (a._data, b._data, c._data, d._data, e._data)
                needs = (a._requires_grad, b._requires_grad, c._requires_grad,
                         d._requires_grad, e._requires_grad)
            else:  # one loop gathers all three (faster than a map per attribute)
                arrays, needs, versions = [], [], []
                for t in inputs:
                    arrays.append(t._data)
                    needs.append(t._requires_grad)
                    versions.append(t._vc[0])
                needs = tuple(needs)
        except AttributeError:
            bad = next(i for i, t in enumerate(inputs) if not hasattr(t, "_data"))
            raise TypeError(
                f"{cls.__name__}.apply: input {bad} is a {type(inputs[bad]).__name__}, not a "
                "Tensor; wrap constants with tinygrad_np.tensor(...)"
            ) from None
        ctx = _new(cls)
        ctx.needs_input_grad = needs
        out = cls.forward(ctx, *arrays, **kwargs)
        if type(out) is not _ndarray:
            if isinstance(out, (tuple, list)):
                raise TypeError(f"{cls.__name__}.forward returned a {type(out).__name__}; a "
                                "Function has one output array (write one Function per output)")
            out = np.asarray(out)  # NumPy returns scalars from 0-d math
        if _mode.anomaly:
            ctx._created_at = _check_forward(cls.__name__, out)
        if True in needs and _mode.grad_enabled and out.dtype.kind == "f":
            ctx._inputs = inputs
            ctx._arrays = arrays  # for backward_numpy while no tensor has changed since
            ctx._seq = _next_sequence_number()  # the engine runs later ops first
            ctx._versions = (a._vc[0],) if n == 1 else (a._vc[0], b._vc[0]) if n == 2 else \
                (a._vc[0], b._vc[0], c._vc[0]) if n == 3 else \
                (a._vc[0], b._vc[0], c._vc[0], d._vc[0], e._vc[0]) if n == 5 else \
                tuple(versions)
            ctx._changes = _mode.changes
            result = _make_tensor(out, True, ctx)
        else:
            result = _make_tensor(out, False, None)
        if cls.is_view and np.may_share_memory(out, arrays[0]):
            base = inputs[0]
            result._vc = _shared_version(base)
            ctx._output_version = result._vc[0]
            if not result._requires_grad:  # see _no_grad_view_of
                viewed = base if base._requires_grad else _no_grad_view_of(base)
                if viewed is not None:
                    result._no_grad_view_of = weakref.ref(viewed)
        return result

    # ---- what backward reads -------------------------------------------------------------

    @property
    def inputs(self) -> tuple[Tensor, ...]:
        """The input Tensors, checked not to have been modified in place since forward."""
        inputs = self._inputs
        if inputs is None:
            raise RuntimeError(_FREED_MESSAGE.format(op=type(self).__name__))
        if self._changes != _mode.changes:
            self._check_versions(inputs)
        return inputs

    @property
    def output(self) -> Tensor:
        """The output Tensor, lent by the engine while backward runs; checked not to have
        been modified in place since forward."""
        try:
            out = self._output
        except AttributeError:
            out = None
        if out is None:
            raise AttributeError(f"{type(self).__name__}: ctx.output is lent to backward only "
                                 "while it runs")
        if out._vc[0] != self._output_version:
            raise RuntimeError(
                f"{type(self).__name__} backward: its output (shape {out.shape}, {out.dtype}) "
                f"was modified by an in-place operation after the forward pass (it is at "
                f"version {out._vc[0]}), and backward reads it. Use out.clone() before "
                "modifying the output, or do the change out of place."
            )
        return out

    @output.setter
    def output(self, value: Any) -> None:
        raise AttributeError(
            f"{type(self).__name__}: ctx.output is the op's output, which the engine lends to "
            "backward; keep your own values on ctx under another name (or save_for_backward)"
        )

    def _input_arrays(self) -> Iterator[np.ndarray]:
        """The input arrays, for backward_numpy; checked as `inputs` is."""
        inputs = self._inputs
        if self._changes != _mode.changes and self.reads_input_values:
            self._check_versions(inputs)
        return map(_array_of, inputs)

    def _check_versions(self, inputs: tuple[Tensor, ...]) -> None:
        """Raise if an input was changed in place since forward (called only when some
        tensor has been: the process-wide count moved since this op was recorded)."""
        if tuple([t._vc[0] for t in inputs]) != self._versions:
            self._raise_modified()

    def _raise_modified(self) -> None:
        for i, (t, v) in enumerate(zip(self._inputs, self._versions)):
            if t._vc[0] != v:
                raise RuntimeError(
                    f"{type(self).__name__} backward: input {i} (shape {t.shape}, {t.dtype}) "
                    f"was modified by an in-place operation after the forward pass: it is at "
                    f"version {t._vc[0]}, the graph saved version {v}. A typical cause is "
                    "optimizer.step() or an in-place update (x.add_, x[...] = v, p -= lr * g) "
                    "between computing the loss and calling backward. Compute the loss again "
                    "after the update, or use x.clone() before modifying x."
                )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} backward>"

    def __setstate__(self, state: dict) -> None:
        """Unpickled or copied: the recorded count of in-place changes belongs to another
        process (or moment), so backward must always compare this node's input versions."""
        self.__dict__.update(state)
        self._changes = -1

    def save_for_backward(self, *values: Any) -> None:
        """Keep arrays (or anything) for backward, as in PyTorch; read them as saved_tensors."""
        self._saved = values

    @property
    def saved_tensors(self) -> tuple:
        return getattr(self, "_saved", ())  # () before any save_for_backward, as PyTorch


_FREED_MESSAGE = (
    "{op} backward: trying to backward through the graph a second time (or to read values "
    "that were freed by the first backward). Pass retain_graph=True to the first "
    "backward() if you need to backward twice, or compute the forward pass again."
)
