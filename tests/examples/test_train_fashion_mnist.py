"""The issue's acceptance test: a 784-128-10 MLP, built and trained the PyTorch way, reaches
at least 0.80 test accuracy on Fashion-MNIST after one epoch."""

from __future__ import annotations

import numpy as np

import tinygrad_np as tnp
from tinygrad_np import nn, optim
from tinygrad_np.data import DataLoader, load_fashion_mnist
from tinygrad_np.nn import functional as F


def test_one_epoch_of_fashion_mnist_reaches_80_percent(fashion_dir):
    tnp.manual_seed(0)
    x, y = load_fashion_mnist("train", root=fashion_dir, download=False)
    xt, yt = load_fashion_mnist("test", root=fashion_dir, download=False)
    x = x.reshape(len(x), -1).astype(np.float32) / 255
    xt = xt.reshape(len(xt), -1).astype(np.float32) / 255
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for xb, yb in DataLoader(x, y.astype(np.int64), batch_size=64, shuffle=True, seed=0):
        loss = F.cross_entropy(model(tnp.Tensor(xb)), tnp.Tensor(yb))
        opt.zero_grad()
        loss.backward()
        opt.step()
    with tnp.no_grad():
        accuracy = (model(tnp.Tensor(xt)).argmax(1).numpy() == yt).mean()
    assert accuracy >= 0.80, f"one epoch reached only {accuracy:.4f} test accuracy"
