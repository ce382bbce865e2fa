"""Dying ReLU, shown: a two-hidden-layer MLP in plain NumPy whose backpropagation is actgrad's ``backward``.

The network is ``x -> W1 -> f -> W2 -> f -> W3 -> softmax``, trained by mini-batch SGD on scikit-learn's bundled
8x8 digits (1797 images, no download). :func:`run` trains one such network per activation -- same data, same initial
weights, same batch order -- and records after each epoch the test accuracy and the fraction of *dead* hidden units
(:func:`actgrad.dead_fraction` of each layer's pre-activations over the whole training set).

The learning rate is deliberately high, and the gradient's norm is clipped (as PyTorch's ``clip_grad_norm_`` does) so
that a high rate makes big steps without blowing training up. Some of those steps push a ReLU unit to a negative
pre-activation on every training image: its derivative is then 0 everywhere, its incoming weights get no gradient,
and it stops learning -- for good in the first layer, whose inputs are fixed images; deeper, only a change in the
layers below can bring it back. ReLU loses about a fifth of its units this way; leaky ReLU and GELU, whose
derivatives are nowhere flat, keep all of theirs.

Read :class:`MLP` top to bottom: ``forward`` keeps the pre-activations, ``gradients`` is backpropagation, with the
one line per layer that needs an activation derivative::

    delta = act.backward(delta @ W.T, z)      # dL/dz = (dL/da) * f'(z), in one fused pass

Needs scikit-learn (the data) and, for :func:`figure`, matplotlib: ``pip install "actgrad[demo]"``.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from ._activation import Activation
from ._registry import get
from .diagnostics import dead_fraction, dead_units

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["DEFAULT_CLIP", "DEFAULT_LR", "DEFAULT_NAMES", "MLP", "Data", "DemoResult", "History"]
__all__ += ["describe", "figure", "load_digits", "run", "table", "train"]

#: The activations compared when no names are given.
DEFAULT_NAMES: tuple[str, ...] = ("relu", "leaky_relu", "gelu")
#: The default learning rate and gradient-norm clip: steps large enough (up to lr * clip = 3) to kill a good part
#: of the ReLU units, while clipping keeps training stable, so leaky ReLU still reaches ~97 % test accuracy.
DEFAULT_LR = 3.0
DEFAULT_CLIP = 1.0


# ---------------------------------------------------------------------------------------------------------------- data
@dataclass(frozen=True)
class Data:
    """Standardized digits, split into a training and a test set (rows are images, 64 pixels each)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load_digits(seed: int = 0, test_fraction: float = 0.25) -> Data:
    """scikit-learn's digits, shuffled by ``seed`` and split; each pixel standardized with the training set's mean
    and standard deviation (pixels that are constant there are left at 0)."""
    try:
        from sklearn.datasets import load_digits as _load
    except ImportError:
        raise ImportError('the demo needs scikit-learn: pip install "actgrad[demo]"') from None
    x, y = _load(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = round(test_fraction * len(y))
    test, train = order[:n_test], order[n_test:]
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    std[std == 0] = 1.0
    x = (x - mean) / std
    return Data(x[train], y[train], x[test], y[test])


# ------------------------------------------------------------------------------------------------------------- network
class MLP:
    """A multilayer perceptron: hidden layers with activation ``act``, a softmax cross-entropy output."""

    def __init__(self, sizes: Sequence[int], act: Activation, rng: np.random.Generator) -> None:
        # He initialization: weights ~ N(0, 2 / fan_in), biases 0 -- keeps the pre-activations' scale through ReLUs
        self.act = act
        self.weights = [rng.normal(0.0, math.sqrt(2.0 / m), (m, n)) for m, n in itertools.pairwise(sizes)]
        self.biases = [np.zeros(n) for n in sizes[1:]]

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """The logits, and each layer's input ``a`` and hidden pre-activation ``z`` (what backprop needs)."""
        inputs, zs = [x], []
        for W, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
            z = inputs[-1] @ W + b
            zs.append(z)
            inputs.append(self.act(z))  # a = f(z)
        return inputs[-1] @ self.weights[-1] + self.biases[-1], inputs, zs

    def gradients(self, x: np.ndarray, y: np.ndarray) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
        """Mean cross-entropy loss on the batch and its gradients with respect to every weight and bias."""
        logits, inputs, zs = self.forward(x)
        logp = log_softmax(logits)
        n = len(y)
        loss = -float(logp[np.arange(n), y].mean())
        delta = np.exp(logp)  # dL/dlogits = (softmax - onehot) / n
        delta[np.arange(n), y] -= 1.0
        delta /= n
        grad_w, grad_b = [], []
        for layer in reversed(range(len(self.weights))):
            grad_w.append(inputs[layer].T @ delta)
            grad_b.append(delta.sum(axis=0))
            if layer:  # into the hidden layer below: dL/dz = (dL/da) * f'(z)
                delta = self.act.backward(delta @ self.weights[layer].T, zs[layer - 1])
        return loss, grad_w[::-1], grad_b[::-1]

    def sgd_step(self, x: np.ndarray, y: np.ndarray, lr: float, clip: float | None = None) -> float:
        """One SGD step on a mini-batch; returns the batch loss (before the step).

        With ``clip``, the gradient is first scaled down so that its norm (over all weights and biases together)
        is at most ``clip``, as PyTorch's ``clip_grad_norm_`` does: a high ``lr`` then cannot blow training up,
        but every step may still move the weights by up to ``lr * clip``.
        """
        loss, grad_w, grad_b = self.gradients(x, y)
        grads = grad_w + grad_b
        if clip is not None:
            norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
            if norm > clip:
                grads = [g * (clip / norm) for g in grads]
        for p, g in zip(self.weights + self.biases, grads, strict=True):
            p -= lr * g
        return loss

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(self.forward(x)[0].argmax(axis=1) == y))


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log(softmax) computed stably: shift by the row maximum, so exp never overflows."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


# ------------------------------------------------------------------------------------------------------------ training
@dataclass
class History:
    """What happened while training one network: lists with one entry per finished epoch."""

    name: str
    test_accuracy: list[float] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    #: per epoch, the dead fraction of each hidden layer
    dead_per_layer: list[tuple[float, ...]] = field(default_factory=list)
    #: per epoch, the dead fraction of all hidden units together
    dead: list[float] = field(default_factory=list)
    seconds: float = 0.0
    #: the epoch in which the loss stopped being finite (training stopped there), or None
    diverged_at: int | None = None


def train(
    act: Activation,
    data: Data,
    *,
    epochs: int,
    lr: float,
    clip: float | None,
    hidden: Sequence[int],
    batch: int,
    seed: int,
    on_epoch: Callable[[History], None] | None = None,
) -> History:
    """Train one MLP with activation ``act``; the seed fixes the initial weights and the batch order."""
    rng = np.random.default_rng(seed)
    net = MLP([data.x_train.shape[1], *hidden, int(data.y_train.max()) + 1], act, rng)
    hist = History(act.name)
    n = len(data.y_train)
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        losses = []
        with np.errstate(all="ignore"):  # a too high lr without clip overflows: caught just below
            for i in range(0, n, batch):
                rows = order[i : i + batch]
                losses.append(net.sgd_step(data.x_train[rows], data.y_train[rows], lr, clip))
            loss = float(np.mean(losses))
            if not (math.isfinite(loss) and all(np.isfinite(p).all() for p in net.weights + net.biases)):
                hist.diverged_at = epoch
                break
            accuracy = net.accuracy(data.x_test, data.y_test)
            # dead units: f'(z) = 0 for every training image, judged on the whole training set
            _, _, zs = net.forward(data.x_train)
        hist.train_loss.append(loss)
        hist.test_accuracy.append(accuracy)
        hist.dead_per_layer.append(tuple(dead_fraction(z, act) for z in zs))
        hist.dead.append(float(np.concatenate([dead_units(z, act) for z in zs]).mean()))
        hist.seconds = time.perf_counter() - start
        if on_epoch is not None:
            on_epoch(hist)
    hist.seconds = time.perf_counter() - start
    return hist


@dataclass
class DemoResult:
    """The settings of a :func:`run` and one :class:`History` per activation, in the order trained."""

    epochs: int
    lr: float
    clip: float | None
    hidden: tuple[int, ...]
    batch: int
    seed: int
    n_train: int
    n_test: int
    histories: dict[str, History]


def run(
    names: Sequence[str] | None = None,
    epochs: int = 30,
    lr: float = DEFAULT_LR,
    hidden: Sequence[int] = (64, 64),
    batch: int = 32,
    seed: int = 0,
    progress: bool | TextIO = True,
    clip: float | None = DEFAULT_CLIP,
) -> DemoResult:
    """Train one MLP per activation on the digits and record accuracy and dead units after every epoch.

    ``names`` default to :data:`DEFAULT_NAMES` (a default name this actgrad does not have is skipped with a
    message on stderr; a name you give that is unknown raises :class:`KeyError`). Every network starts from the same
    weights and sees the same batches, so the same ``seed`` gives identical numbers. ``clip``: the gradient-norm
    limit of :meth:`MLP.sgd_step` (None: plain SGD). ``progress``: a progress bar on stdout (True), on a given
    stream, or none (False); it is redrawn in place only on a terminal, elsewhere each activation gets one line when
    it finishes.

    NumPy's BLAS and numba run on one thread meanwhile: the matrices are tiny (at most 1348 x 64), so threads only
    cost time (on a busy machine, a lot of it), and one thread keeps every sum in the same order.
    """
    if names is None:
        acts = []
        for name in DEFAULT_NAMES:
            try:
                acts.append(get(name))
            except KeyError:
                print(f"actgrad demo: skipping {name!r}: this actgrad has no such activation", file=sys.stderr)
    else:
        acts = [get(name) for name in ([names] if isinstance(names, str) else names)]
    acts = list(dict.fromkeys(acts))  # "ReLU" and "relu" are one activation
    if not acts:
        raise ValueError("no activations to compare")
    for act in acts:
        try:
            act.spec.bind({})
        except TypeError as exc:
            raise ValueError(f"{exc}: the demo uses each activation with its default parameters") from None
    for label, value in (("epochs", epochs), ("batch", batch)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{label} must be a positive integer, got {value!r}")
    for label, value in (("lr", lr), ("clip", 1.0 if clip is None else clip)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 0):
            raise ValueError(f"{label} must be a positive finite number, got {value!r}")
    hidden = tuple(hidden)
    if not hidden or any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in hidden):
        raise ValueError(f"hidden must be positive integers, one per hidden layer, got {hidden!r}")
    clip = None if clip is None else float(clip)
    data = load_digits(seed)
    stream = sys.stdout if progress is True else progress or None
    histories = {}
    with _one_thread():
        for act in acts:
            settings = {"epochs": epochs, "lr": float(lr), "clip": clip, "hidden": hidden, "batch": batch, "seed": seed}
            bar = _Bar(stream, act.name, epochs) if stream is not None else None
            _warm_up(act, data, **settings)
            hist = train(act, data, **settings, on_epoch=bar)
            histories[act.name] = hist
            if bar is not None:
                bar.close(hist)
    return DemoResult(epochs, float(lr), clip, hidden, batch, seed, len(data.y_train), len(data.y_test), histories)


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """NumPy's BLAS (through threadpoolctl, which scikit-learn brings) and numba limited to one thread."""
    import numba

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn depends on it
        blas: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    else:
        blas = threadpool_limits(1)
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        with blas:
            yield
    finally:
        numba.set_num_threads(before)


def _warm_up(act: Activation, data: Data, **settings: Any) -> None:
    """Compile the activation's kernels before the clock starts (one throw-away epoch takes every code path), so
    wall times compare training, not numba compiling."""
    train(act, data, **{**settings, "epochs": 1})


class _Bar:
    """``relu        [##########----------] 15/30  acc 0.953  dead 31.2%  1.2 s``, redrawn in place on a TTY."""

    def __init__(self, stream: TextIO, name: str, epochs: int) -> None:
        self.stream, self.name, self.epochs, self.width = stream, name, epochs, 0
        isatty = getattr(stream, "isatty", None)
        self.live = bool(isatty and isatty())
        if self.live:
            self._draw(History(name))

    def __call__(self, hist: History) -> None:
        if self.live:
            self._draw(hist)

    def close(self, hist: History) -> None:
        self._draw(hist)
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self, hist: History) -> None:
        done = len(hist.test_accuracy)
        filled = round(20 * done / self.epochs)
        line = f"{self.name:<12} [{'#' * filled}{'-' * (20 - filled)}] {done:>{len(str(self.epochs))}}/{self.epochs}"
        if done:
            line += f"  acc {hist.test_accuracy[-1]:.3f}  dead {hist.dead[-1]:6.1%}  {hist.seconds:.1f} s"
        if hist.diverged_at is not None:
            line += f"  diverged in epoch {hist.diverged_at}"
        self.width = max(self.width, len(line))
        self.stream.write("\r" + line.ljust(self.width) if self.live else line)
        self.stream.flush()


# ------------------------------------------------------------------------------------------------------------- reports
def describe(result: DemoResult) -> str:
    """One line with the set-up: data, network, optimizer, epochs and seed."""
    layers = "-".join(map(str, (64, *result.hidden, 10)))
    clip = "" if result.clip is None else f", gradient norm clipped to {result.clip:g}"
    epochs = f"{result.epochs} epoch{'s' * (result.epochs != 1)}"
    return (
        f"digits ({result.n_train} train / {result.n_test} test images), MLP {layers}, He init, "
        f"SGD lr={result.lr:g}{clip}, batch {result.batch}, {epochs}, seed {result.seed}"
    )


def table(result: DemoResult) -> str:
    """A plain-text table after a line from :func:`describe`: per activation the final test accuracy, the dead
    fraction of each hidden layer and of all hidden units, and the wall time (training and per-epoch evaluation)."""
    layers = len(result.hidden)
    header = ["activation", "test acc", *(f"dead L{i + 1}" for i in range(layers)), "dead all", "time"]
    rows, notes = [], []
    for hist in result.histories.values():
        if hist.test_accuracy:
            row = [hist.name, f"{hist.test_accuracy[-1]:.3f}", *(f"{d:.1%}" for d in hist.dead_per_layer[-1])]
            row += [f"{hist.dead[-1]:.1%}", f"{hist.seconds:.2f} s"]
        else:
            row = [hist.name, "-", *("-" for _ in range(layers)), "-", f"{hist.seconds:.2f} s"]
        if hist.diverged_at is not None:
            notes.append(f"{hist.name} diverged in epoch {hist.diverged_at} (lr too high?); its last epoch is shown")
        rows.append(row)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        for row in [header, *rows]
    ]
    return "\n".join([describe(result), "", *lines, *notes])


def figure(result: DemoResult, path: str | Path | None = None) -> Figure:
    """Two panels, one line per activation: test accuracy and the percentage of dead hidden units, per epoch.

    With ``path``, the figure is also written there (``.png``, ``.svg`` or ``.pdf``). Returns the figure.
    """
    from .plot import FORMATS

    if path is not None and Path(path).suffix.lower() not in FORMATS:
        raise ValueError(f"cannot tell the format of {str(path)!r}: use one of {', '.join(FORMATS)}")
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError('the demo figure needs matplotlib: pip install "actgrad[demo]"') from None

    fig = Figure(figsize=(10.0, 4.2), layout="constrained")
    acc_ax, dead_ax = fig.subplots(1, 2)
    for i, hist in enumerate(result.histories.values()):
        epochs = np.arange(1, len(hist.test_accuracy) + 1)
        # later lines thinner and dashed, so lines that coincide (0 % dead) all stay visible
        style: dict[str, Any] = {"color": f"C{i % 10}", "lw": max(1.0, 2.6 - 0.6 * i), "ls": ("-", "--", ":")[i % 3]}
        style |= {"marker": "o", "ms": max(2.0, 4.0 - i), "label": hist.name}
        acc_ax.plot(epochs, hist.test_accuracy, **style)
        dead_ax.plot(epochs, 100 * np.asarray(hist.dead), **style)
    worst = min((a for h in result.histories.values() for a in h.test_accuracy), default=0.0)
    acc_ax.set(
        title="test accuracy", xlabel="epoch", ylabel="accuracy", ylim=(min(0.5, math.floor(10 * worst) / 10), 1.0)
    )
    dead_ax.set(title="dead hidden units (f' = 0 on every training image)", xlabel="epoch", ylabel="% of units")
    most = max((100 * d for h in result.histories.values() for d in h.dead), default=0.0)
    dead_ax.set_ylim(-2.0, max(10.0, 1.1 * most))  # 0 % stays visible as a line above the axis
    for ax in (acc_ax, dead_ax):
        ax.set_xlim(0.5, result.epochs + 0.5)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    fig.suptitle(describe(result), size="medium")
    if path is not None:
        fig.savefig(path, format=Path(path).suffix.lower()[1:], dpi=120)
    return fig
