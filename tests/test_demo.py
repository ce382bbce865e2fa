"""``actgrad.demo`` and ``actgrad demo``: an MLP on the digits whose backprop is actgrad's ``backward``."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

import actgrad as ag
from actgrad import demo
from actgrad.cli import main

pytest.importorskip("sklearn")  # the data; actgrad.demo itself imports it only when it loads them

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def result() -> demo.DemoResult:
    """The default settings (30 epochs take well under a second per activation once the kernels are compiled)."""
    return demo.run(names=("relu", "leaky_relu"), progress=False)


def assert_user_error(code: int, err: str, *needles: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("actgrad: error: "), err
    for needle in needles:
        assert needle in err


def test_histories_have_one_entry_per_epoch(result: demo.DemoResult) -> None:
    assert list(result.histories) == ["relu", "leaky_relu"]
    assert (result.epochs, result.lr, result.clip, result.hidden) == (30, demo.DEFAULT_LR, demo.DEFAULT_CLIP, (64, 64))
    assert result.n_train + result.n_test == 1797
    for hist in result.histories.values():
        assert hist.diverged_at is None
        assert len(hist.test_accuracy) == len(hist.train_loss) == len(hist.dead) == len(hist.dead_per_layer) == 30
        assert all(len(layers) == 2 for layers in hist.dead_per_layer)
        # the overall fraction is the mean over both (equally wide) layers
        assert hist.dead == pytest.approx([sum(layers) / 2 for layers in hist.dead_per_layer])
        assert hist.seconds > 0


def test_leaky_relu_learns_and_keeps_every_unit(result: demo.DemoResult) -> None:
    leaky = result.histories["leaky_relu"]
    assert leaky.test_accuracy[-1] > 0.9
    assert leaky.dead == [0.0] * 30


def test_relu_loses_units_at_the_high_learning_rate(result: demo.DemoResult) -> None:
    relu = result.histories["relu"]
    assert relu.dead[-1] > 0.05
    assert max(relu.dead) <= 0.6  # a good part of the units, not the whole network


def test_same_seed_gives_identical_numbers(result: demo.DemoResult) -> None:
    again = demo.run(names=("relu", "leaky_relu"), progress=False)
    for name, hist in result.histories.items():
        other = again.histories[name]
        assert other.test_accuracy == hist.test_accuracy
        assert other.train_loss == hist.train_loss
        assert other.dead_per_layer == hist.dead_per_layer
    other_seed = demo.run(names=("relu",), epochs=3, seed=1, progress=False)
    assert other_seed.histories["relu"].train_loss != result.histories["relu"].train_loss[:3]


def test_thread_limits_are_restored() -> None:
    numba = pytest.importorskip("numba")
    before = numba.get_num_threads()
    demo.run(names=("relu",), epochs=1, progress=False)
    assert numba.get_num_threads() == before


def test_backprop_matches_finite_differences() -> None:
    """MLP.gradients (backprop through act.backward) against central differences of the loss, every parameter."""
    rng = np.random.default_rng(1)
    net = demo.MLP([5, 4, 3, 3], ag.leaky_relu, rng)
    x, y = rng.normal(size=(6, 5)), np.array([0, 1, 2, 0, 1, 2])
    _, grad_w, grad_b = net.gradients(x, y)
    h = 1e-6
    for params, grads in ((net.weights, grad_w), (net.biases, grad_b)):
        for p, g in zip(params, grads, strict=True):
            numeric = np.empty_like(p)
            for i in np.ndindex(p.shape):
                p[i] += h
                up = net.gradients(x, y)[0]
                p[i] -= 2 * h
                down = net.gradients(x, y)[0]
                p[i] += h
                numeric[i] = (up - down) / (2 * h)
            np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-8)


def test_log_softmax_is_stable() -> None:
    logits = np.array([[1000.0, 0.0, -1000.0], [1000.0, 1001.0, 999.0]])  # exp(1000) overflows
    out = demo.log_softmax(logits)
    np.testing.assert_allclose(out[0], [0.0, -1000.0, -2000.0])
    np.testing.assert_allclose(np.exp(out).sum(axis=1), 1.0)


def test_divergence_is_reported_without_warnings() -> None:
    res = demo.run(names=("leaky_relu",), epochs=5, lr=1e6, clip=None, progress=False)
    hist = res.histories["leaky_relu"]
    assert hist.diverged_at is not None and len(hist.test_accuracy) == hist.diverged_at - 1
    assert "diverged in epoch" in demo.table(res)


def test_table_and_figure(result: demo.DemoResult, tmp_path: Path) -> None:
    text = demo.table(result)
    lines = text.splitlines()
    assert "lr=3" in lines[0] and "seed 0" in lines[0]
    assert lines[2].split() == ["activation", "test", "acc", "dead", "L1", "dead", "L2", "dead", "all", "time"]
    leaky = next(line for line in lines if line.startswith("leaky_relu")).split()
    assert leaky[1] == f"{result.histories['leaky_relu'].test_accuracy[-1]:.3f}"
    assert leaky[2:5] == ["0.0%", "0.0%", "0.0%"]
    path = tmp_path / "demo.png"
    fig = demo.figure(result, path)
    assert path.read_bytes().startswith(PNG)
    assert [len(ax.get_lines()) for ax in fig.axes] == [2, 2]
    with pytest.raises(ValueError, match="format"):
        demo.figure(result, tmp_path / "demo.txt")


def test_progress_lines(capsys: pytest.CaptureFixture[str]) -> None:
    stream = io.StringIO()
    demo.run(names=("relu", "leaky_relu"), epochs=2, progress=stream)
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()  # not a terminal: one plain line per activation
    assert [line.split()[0] for line in lines] == ["relu", "leaky_relu"]
    assert all("2/2" in line and "acc" in line and "dead" in line for line in lines)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Terminal()
    demo.run(names=("relu",), epochs=3, progress=tty)
    frames = tty.getvalue().split("\r")  # redrawn in place: before the first epoch, after each, and at the end
    assert frames[0] == "" and [f.split()[2] for f in frames[1:]] == ["0/3", "1/3", "2/3", "3/3", "3/3"]
    assert tty.getvalue().endswith("\n") and tty.getvalue().count("\n") == 1

    demo.run(names=("relu",), epochs=1, progress=False)
    assert capsys.readouterr().out == ""


def test_unknown_default_name_is_skipped(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(demo, "DEFAULT_NAMES", ("relu", "no_such_activation"))
    res = demo.run(epochs=1, progress=False)
    assert list(res.histories) == ["relu"]
    assert "skipping 'no_such_activation'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"names": ("no_such_activation",)}, KeyError, "unknown activation"),
        ({"names": ()}, ValueError, "no activations"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"batch": 2.5}, ValueError, "batch"),
        ({"lr": -1.0}, ValueError, "lr"),
        ({"lr": float("nan")}, ValueError, "lr"),
        ({"clip": 0.0}, ValueError, "clip"),
        ({"hidden": (64, 0)}, ValueError, "hidden"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        demo.run(**{"names": ("relu",), "epochs": 1, "progress": False, **kwargs})  # type: ignore[arg-type]


def test_activation_with_a_required_parameter_is_refused() -> None:
    required = [n for n in ag.names() if any(p.default is None for p in ag.get(n).spec.params)]
    if not required:
        pytest.skip("no registered activation has a required parameter")
    with pytest.raises(ValueError, match="default parameters"):
        demo.run(names=(required[0],), epochs=1, progress=False)


def test_cli_demo_prints_the_table_and_writes_the_figure(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = main(["demo", "--epochs", "2", "--names", "relu", "leaky_relu", "-o", "tmp.png"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert (tmp_path / "tmp.png").read_bytes().startswith(PNG)
    assert "activation  test acc" in out and "2 epochs" in out
    assert any(line.startswith("leaky_relu ") and line.endswith(" s") for line in out.splitlines())
    assert out.strip().endswith("wrote tmp.png")
    code = main(["demo", "--epochs", "1", "--names", "relu", "--lr", "0.5", "--clip", "0", "--seed", "3"])
    out, _ = capsys.readouterr()
    assert code == 0 and "lr=0.5, batch 32, 1 epoch, seed 3" in out and not list(tmp_path.glob("*.png"))[1:]


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["--names", "relu", "no_such_activation"], ["unknown activation 'no_such_activation'"]),
        (["--names", "relu", "-o", "demo.txt"], ["cannot tell the format"]),
        (["--names", "relu", "--lr", "fast"], ["invalid number 'fast'"]),
        (["--names", "relu", "--lr", "-1"], ["lr must be"]),
        (["--names", "relu", "--epochs", "0"], ["epochs must be"]),
    ],
)
def test_cli_demo_user_errors(capsys: pytest.CaptureFixture[str], argv: list[str], needles: list[str]) -> None:
    code = main(["demo", *argv])
    _, err = capsys.readouterr()
    assert_user_error(code, err, *needles)


def test_cli_demo_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--help"]) == 0
    out = capsys.readouterr().out
    assert "usage: actgrad demo" in out and "--epochs" in out and "-o FILE" in out
