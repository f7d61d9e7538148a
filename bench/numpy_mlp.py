"""The floor for bench/mlp.py: the same MLP written by hand in NumPy, for speed.

Float32 throughout, updates in place, no temporaries the math does not need. Forward:
Z_l = A_{l-1} W_lᵀ + b_l, A_l = relu(Z_l); loss = mean(logsumexp(Z_L) - Z_L[y]).
Backward: dZ_L = (softmax(Z_L) - onehot(y)) / N; dW_l = dZ_lᵀ A_{l-1}; db_l = Σ_rows dZ_l;
dZ_{l-1} = (dZ_l W_l) ⊙ [Z_{l-1} > 0].
"""

from __future__ import annotations

import numpy as np


class NumpyMLP:
    """A ReLU MLP with softmax cross-entropy, trained by SGD (with momentum) or Adam."""

    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray]], optimizer: str, lr: float,
                 momentum: float = 0.0, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, one_row_dot: bool = False):
        self.params = [p.copy() for layer in weights for p in layer]  # W1, b1, W2, b2, ...
        self.optimizer, self.lr, self.momentum = optimizer, lr, momentum
        self.b1, self.b2, self.eps = betas[0], betas[1], eps
        self.t = 0
        # np.dot for a one-row batch's weight gradients, whose outer product NumPy's matmul
        # computes in a slow loop (numpy/numpy#23588); tinygrad_np's Linear does the same.
        # Off in the floor as issue 5 defines it (plain @ everywhere)
        self.one_row_dot = one_row_dot
        if optimizer == "adam":
            self.m = [np.zeros_like(p) for p in self.params]
            self.v = [np.zeros_like(p) for p in self.params]
            self.scratch = [np.empty_like(p) for p in self.params]
        self.buf = [None] * len(self.params)

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        acts = [x]
        a = x
        n_layers = len(self.params) // 2
        for i in range(n_layers):
            w, b = self.params[2 * i], self.params[2 * i + 1]
            z = a @ w.T
            z += b
            if i < n_layers - 1:
                np.maximum(z, 0, out=z)
                acts.append(z)
            a = z
        return a, acts

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        """One training step on a batch; returns the batch's mean loss."""
        logits, acts = self.forward(x)
        n = len(y)
        rows = np.arange(n)
        logits -= logits.max(axis=1, keepdims=True)
        picked = logits[rows, y]
        np.exp(logits, out=logits)
        sums = logits.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(sums[:, 0]) - picked))
        dz = logits
        dz /= sums                       # softmax
        dz[rows, y] -= 1                 # softmax - onehot
        dz *= np.float32(1 / n)
        grads = [None] * len(self.params)
        for i in range(len(self.params) // 2 - 1, -1, -1):
            a_prev = acts[i]
            grads[2 * i] = np.dot(dz.T, a_prev) if n == 1 and self.one_row_dot else dz.T @ a_prev
            grads[2 * i + 1] = dz.sum(axis=0)
            if i > 0:
                da = dz @ self.params[2 * i]
                da *= a_prev > 0
                dz = da
        self.update(grads)
        return loss

    def update(self, grads: list[np.ndarray]) -> None:
        self.t += 1
        if self.optimizer == "sgd":
            for i, (p, g) in enumerate(zip(self.params, grads)):
                if self.momentum:
                    if self.buf[i] is None:
                        self.buf[i] = g.copy()
                    else:
                        self.buf[i] *= self.momentum
                        self.buf[i] += g
                    g = self.buf[i]
                g *= self.lr
                p -= g
            return
        # Adam, as torch.optim.Adam: p -= lr / (1 - b1^t) * m / (sqrt(v) / c + eps) with
        # c = sqrt(1 - b2^t), multiplied through by c to save a pass over the arrays:
        # p -= (lr c / (1 - b1^t)) * m / (sqrt(v) + eps c); every intermediate goes into a
        # preallocated scratch array
        c = (1 - self.b2**self.t) ** 0.5
        step = self.lr * c / (1 - self.b1**self.t)
        for p, g, m, v, tmp in zip(self.params, grads, self.m, self.v, self.scratch):
            m *= self.b1
            np.multiply(g, 1 - self.b1, out=tmp)
            m += tmp
            v *= self.b2
            g *= g
            g *= 1 - self.b2
            v += g
            np.sqrt(v, out=tmp)
            tmp += self.eps * c
            np.divide(m, tmp, out=tmp)
            tmp *= step
            p -= tmp

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)[0].argmax(axis=1)
