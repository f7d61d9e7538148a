"""A hand-derived NumPy reference (an oracle) for an MLP classifier: forward pass, softmax
cross-entropy, backpropagation, and SGD-with-momentum and Adam steps, in plain NumPy.

Nothing here imports tinygrad_np: every gradient below is derived by hand, so comparing it
with autograd checks the engine, the ops, nn and optim against an independent derivation.

Notation, for a batch of N rows and L layers (layer l maps width n_{l-1} to n_l):
    A_0 = X                              (N, n_0), the input
    Z_l = A_{l-1} W_lᵀ + b_l             (N, n_l); W_l is (n_l, n_{l-1}) as in nn.Linear
    A_l = f(Z_l)                         for the hidden layers l < L
    loss = -1/N Σ_i log softmax(Z_L)_{i, y_i}

Backward (d• is d loss / d•):
    Output. Write P = softmax(Z_L) row by row and Y for the one-hot labels. Per row,
        log softmax(z)_y = z_y - log Σ_k e^{z_k},  so  ∂/∂z_j = [j = y] - e^{z_j} / Σ_k e^{z_k}
                                                            = Y_j - P_j,
    and the loss is minus the mean over rows, hence
        dZ_L = (P - Y) / N.
    Affine map. Z_l[i, j] = Σ_k A_{l-1}[i, k] W_l[j, k] + b_l[j], so by the chain rule
        dW_l[j, k] = Σ_i dZ_l[i, j] A_{l-1}[i, k]     i.e.  dW_l = dZ_lᵀ A_{l-1}
        db_l[j]    = Σ_i dZ_l[i, j]                   (the sum over rows)
        dA_{l-1}[i, k] = Σ_j dZ_l[i, j] W_l[j, k]     i.e.  dA_{l-1} = dZ_l W_l
    Activation (elementwise). dZ_{l-1} = dA_{l-1} ⊙ f'(Z_{l-1}), where
        relu:    f(z) = max(z, 0),          f'(z) = 1 if z > 0 else 0
        sigmoid: f(z) = 1 / (1 + e^{-z}),   f'(z) = f(z) (1 - f(z))
        tanh:    f(z) = tanh z,             f'(z) = 1 - tanh² z
"""

from __future__ import annotations

import numpy as np


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # e^{-|z|} never overflows: for z < 0, 1/(1 + e^{-z}) = e^{z}/(1 + e^{z})
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


# name -> (f, f' written in terms of z)
ACTIVATIONS = {
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(z.dtype)),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1 - _sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
}


def init_mlp(sizes: list[int], rng: np.random.Generator,
             dtype=np.float64) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Random weights W_l (sizes[l], sizes[l-1]) and biases b_l (sizes[l],), ~ U(-1/√fan_in, ..)."""
    weights, biases = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        weights.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(dtype))
        biases.append(rng.uniform(-bound, bound, fan_out).astype(dtype))
    return weights, biases


def forward(weights: list[np.ndarray], biases: list[np.ndarray], x: np.ndarray,
            activation: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The pre-activations [Z_1..Z_L] and activations [A_0..A_{L-1}] of the MLP on x."""
    f, _ = ACTIVATIONS[activation]
    zs, acts = [], [x]
    for layer, (w, b) in enumerate(zip(weights, biases)):
        z = acts[-1] @ w.T + b  # Z_l = A_{l-1} W_lᵀ + b_l
        zs.append(z)
        if layer < len(weights) - 1:
            acts.append(f(z))
    return zs, acts


def log_softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise log softmax, shifted by the row max so e^z cannot overflow."""
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def loss_and_grads(weights: list[np.ndarray], biases: list[np.ndarray], x: np.ndarray,
                   y: np.ndarray, activation: str
                   ) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    """Mean softmax cross-entropy of the MLP on (x, y) and its gradients [dW_l], [db_l]."""
    _, f_prime = ACTIVATIONS[activation]
    zs, acts = forward(weights, biases, x, activation)
    n = x.shape[0]
    logp = log_softmax(zs[-1])
    loss = -logp[np.arange(n), y].mean()
    onehot = np.zeros_like(zs[-1])
    onehot[np.arange(n), y] = 1
    dz = (np.exp(logp) - onehot) / n  # dZ_L = (P - Y) / N
    dws, dbs = [], []
    for layer in range(len(weights) - 1, -1, -1):
        dws.append(dz.T @ acts[layer])  # dW_l = dZ_lᵀ A_{l-1}
        dbs.append(dz.sum(axis=0))  # db_l = Σ_rows dZ_l
        if layer > 0:
            da = dz @ weights[layer]  # dA_{l-1} = dZ_l W_l
            dz = da * f_prime(zs[layer - 1])  # dZ_{l-1} = dA_{l-1} ⊙ f'(Z_{l-1})
    return float(loss), dws[::-1], dbs[::-1]


class SGDMomentum:
    """torch.optim.SGD's step, by hand: with g = grad + weight_decay * p,
    b = g on the first step, else b = momentum b + (1 - dampening) g;
    d = g + momentum b (nesterov) or d = b;  p = p - lr d."""

    def __init__(self, lr: float, momentum: float, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False) -> None:
        self.lr, self.momentum, self.dampening = lr, momentum, dampening
        self.weight_decay, self.nesterov = weight_decay, nesterov
        self.buffers: list[np.ndarray] | None = None

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> list[np.ndarray]:
        """The parameters after one step (new arrays; the inputs are not modified)."""
        gs = [g + self.weight_decay * p for p, g in zip(params, grads)]
        if self.buffers is None:
            self.buffers = [g.copy() for g in gs]
        else:
            self.buffers = [self.momentum * b + (1 - self.dampening) * g
                            for b, g in zip(self.buffers, gs)]
        if self.nesterov:
            ds = [g + self.momentum * b for g, b in zip(gs, self.buffers)]
        else:
            ds = self.buffers
        return [p - self.lr * d for p, d in zip(params, ds)]


class AdamByHand:
    """torch.optim.Adam's step (AdamW's when decoupled), by hand: at step t,
    g = grad + weight_decay * p (Adam) or p = p (1 - lr weight_decay) (AdamW);
    m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g²;
    p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)."""

    def __init__(self, lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, decoupled: bool = False) -> None:
        self.lr, (self.beta1, self.beta2), self.eps = lr, betas, eps
        self.weight_decay, self.decoupled = weight_decay, decoupled
        self.t = 0
        self.m: list[np.ndarray] | None = None
        self.v: list[np.ndarray] | None = None

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> list[np.ndarray]:
        """The parameters after one step (new arrays; the inputs are not modified)."""
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.t += 1
        if self.decoupled:
            params = [p * (1 - self.lr * self.weight_decay) for p in params]
            gs = list(grads)
        else:
            gs = [g + self.weight_decay * p for p, g in zip(params, grads)]
        b1, b2 = self.beta1, self.beta2
        self.m = [b1 * m + (1 - b1) * g for m, g in zip(self.m, gs)]
        self.v = [b2 * v + (1 - b2) * g * g for v, g in zip(self.v, gs)]
        m_hat_scale = 1 / (1 - b1**self.t)
        v_hat_sqrt = np.sqrt(1 - b2**self.t)
        return [p - self.lr * m_hat_scale * m / (np.sqrt(v) / v_hat_sqrt + self.eps)
                for p, m, v in zip(params, self.m, self.v)]
