"""tinygrad_np.optim: optimizers that update parameters in place from their .grad, and the
learning-rate schedulers in optim.lr_scheduler, with torch.optim's names and equations."""

from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
