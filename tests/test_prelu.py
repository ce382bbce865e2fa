"""PReLU's per-channel weight: broadcasting along the channel axis, and its gradient summed per channel."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import actgrad as ag

RNG = np.random.default_rng(5)
X = RNG.normal(size=(4, 3, 5))
X[0, :, 0] = 0.0  # the kink, in every channel
W = np.array([0.1, -0.5, 2.0])
G = RNG.normal(size=X.shape)


def _by_hand(x: np.ndarray, w: np.ndarray, axis: int = 1) -> tuple[np.ndarray, np.ndarray]:
    shape = [1] * x.ndim
    shape[axis] = w.size
    wb = w.reshape(shape)
    return np.where(x < 0, wb * x, x), np.where(x > 0, 1.0, wb) + 0 * x


def test_per_channel_values_and_derivatives() -> None:
    f, d = _by_hand(X, W)
    np.testing.assert_array_equal(ag.prelu(X, weight=W), f)
    np.testing.assert_array_equal(ag.prelu.grad(X, weight=W), d)
    np.testing.assert_array_equal(ag.prelu.grad(X, weight=W, kink="right")[0, :, 0], [1, 1, 1])
    np.testing.assert_array_equal(ag.prelu.grad2(X, weight=W), np.zeros_like(X))
    np.testing.assert_array_equal(ag.prelu.backward(G, X, weight=W), G * d)
    per_channel = (G * np.minimum(X, 0)).sum(axis=(0, 2))
    np.testing.assert_allclose(ag.prelu.backward(G, X, weight=W, wrt="weight"), per_channel, rtol=1e-14)
    np.testing.assert_array_equal(ag.prelu.grad(X, weight=W, wrt="weight"), np.minimum(X, 0))


def test_other_axis_single_weight_and_dtypes() -> None:
    xt = np.moveaxis(X, 1, -1)
    np.testing.assert_array_equal(ag.prelu(xt, weight=W, axis=-1), np.moveaxis(ag.prelu(X, weight=W), 1, -1))
    np.testing.assert_array_equal(ag.prelu(X, weight=np.array([0.3])), ag.leaky_relu(X, negative_slope=0.3))
    assert ag.prelu.backward(G, X, weight=np.array([0.3]), wrt="weight").shape == (1,)
    assert ag.prelu(X.astype(np.float32), weight=W).dtype == np.float32
    out = np.empty_like(X)
    assert ag.prelu(X, weight=W, out=out) is out
    np.testing.assert_array_equal(out, _by_hand(X, W)[0])


def test_bad_weights() -> None:
    with pytest.raises(ValueError, match="3 channel weights need an input with axis 1; it has 1 dims"):
        ag.prelu(np.zeros(3), weight=W)
    with pytest.raises(ValueError, match="must be finite"):
        ag.prelu(X, weight=np.array([0.1, np.nan, 0.2]))
    with pytest.raises(ValueError, match="1-d array"):
        ag.prelu(X, weight=np.ones((3, 1)))
    with pytest.raises(TypeError, match="must be an integer"):
        ag.prelu(X, weight=W, axis=1.0)
    with pytest.raises(TypeError, match="real numbers"):
        ag.prelu(X, weight=np.array([1j, 1, 1]))


def test_matches_torch_autograd_per_channel() -> None:
    torch: Any = pytest.importorskip("torch")
    t = torch.tensor(X, requires_grad=True)
    tw = torch.tensor(W, requires_grad=True)
    y = torch.nn.functional.prelu(t, tw)
    y.backward(torch.tensor(G))
    np.testing.assert_array_equal(ag.prelu(X, weight=W), y.detach().numpy())
    np.testing.assert_array_equal(ag.prelu.backward(G, X, weight=W), t.grad.numpy())
    np.testing.assert_allclose(ag.prelu.backward(G, X, weight=W, wrt="weight"), tw.grad.numpy(), rtol=1e-14)
    # torch tensors in, torch tensors out, with the weight as a tensor
    got = ag.prelu.backward(torch.tensor(G), torch.tensor(X), weight=torch.tensor(W), wrt="weight")
    assert isinstance(got, torch.Tensor)
    np.testing.assert_allclose(got.numpy(), tw.grad.numpy(), rtol=1e-14)
