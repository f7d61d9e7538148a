"""Datasets and batching: IDX files, MNIST and Fashion-MNIST loaders, DataLoader."""

from .idx import IDXFormatError, read_idx, write_idx
from .loader import DataLoader
from .mnist import DatasetNotFoundError, load_fashion_mnist, load_mnist

__all__ = [
    "DataLoader",
    "DatasetNotFoundError",
    "IDXFormatError",
    "load_fashion_mnist",
    "load_mnist",
    "read_idx",
    "write_idx",
]
