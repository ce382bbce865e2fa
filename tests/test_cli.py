"""The ``actgrad`` command line and :func:`actgrad.plot.plot`, checked against values known independently."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import actgrad as ag
from actgrad.cli import main
from actgrad.plot import plot


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def rows(out: str) -> list[list[str]]:
    """The body of a printed table, split into columns (header dropped)."""
    return [line.split() for line in out.strip().splitlines()[1:]]


def assert_user_error(code: int, out: str, err: str, *needles: str) -> None:
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("actgrad: error: "), err
    for needle in needles:
        assert needle in err


@pytest.mark.parametrize("command", [[], ["list"], ["show"], ["eval"], ["plot"]])
def test_help_exits_0(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0
    assert "usage: actgrad" in out


def test_list_covers_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list")
    assert code == 0
    table = {r[0]: r[1:] for r in rows(out)}
    assert set(table) == set(ag.names())
    assert table["relu"] == ["-", "0.0", "-"]
    assert table["leaky_relu"] == ["negative_slope=0.01", "0.0", "-"]
    assert table["relu6"] == ["-", "0.0,", "6.0", "-"]


def test_show_leaky_relu(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "LeakyReLU")  # PyTorch's spelling resolves
    assert code == 0
    spec = ag.leaky_relu.spec
    for tex in (*(spec.formula(o).tex for o in (0, 1, 2)), spec.formula("negative_slope").tex):
        assert tex in out
    lines = out.splitlines()
    # kink of f' at 0 under torch, jax, left, right, mean: torch takes the left limit, jax the right one
    assert ["f'", "0.0", "0.01", "1.0", "0.01", "1.0", repr(0.5 * (0.01 + 1.0))] in [line.split() for line in lines]
    param_row = ["negative_slope", "0.01", "negative_slope=0.01", "s,", "the", "slope", "for", "x", "<", "0"]
    assert param_row in [line.split() for line in lines]
    assert ["f'(0)", "0.01"] in [line.split() for line in lines]


def test_show_relu6_with_kink_and_param_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "relu6", "--kink", "mean")
    assert code == 0
    split = [line.split() for line in out.splitlines()]
    assert ["f'", "6.0", "0.0", "0.0", "1.0", "0.0", "0.5"] in split
    assert ["f(0)", "0.0"] in split and ["f'(0)", "0.5"] in split and ["f''(0)", "0.0"] in split
    code, out, _ = run(capsys, "show", "leaky_relu", "--param", "negative_slope=0.25", "--kink", "jax")
    assert code == 0
    split = [line.split() for line in out.splitlines()]
    assert ["f'", "0.0", "0.25", "1.0", "0.25", "1.0", repr(0.5 * (0.25 + 1.0))] in split
    assert ["f'(0)", "1.0"] in split


def test_eval_relu_grad_right_convention(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", "relu", "--order", "1", "--kink", "right", "--", "-1", "0", "2")
    assert code == 0
    assert out.splitlines()[0].split() == ["x", "relu'(x)"]
    assert rows(out) == [["-1.0", "0.0"], ["0.0", "1.0"], ["2.0", "1.0"]]


def test_eval_is_repr_exact_with_params(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", "leaky_relu", "--param", "negative_slope=0.2", "-3", "0.1", "1e-300")
    assert code == 0
    assert rows(out) == [["-3.0", repr(-3 * 0.2)], ["0.1", repr(0.1)], ["1e-300", repr(1e-300)]]
    assert repr(-3 * 0.2) == "-0.6000000000000001"


def test_eval_special_values_and_negative_numbers_without_dashdash(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", "relu", "-inf", "inf", "nan", "-1e-3", "--order", "1")
    assert code == 0
    assert rows(out) == [["-inf", "0.0"], ["inf", "1.0"], ["nan", "nan"], ["-0.001", "0.0"]]
    # -0.0 is the kink: it gets the convention's value
    code, out, _ = run(capsys, "eval", "relu", "--order", "1", "--kink", "right", "-0.0")
    assert rows(out) == [["-0.0", "1.0"]]


@pytest.mark.parametrize(
    ("kink", "at0", "at6"),
    [("torch", "0.0", "0.0"), ("left", "0.0", "1.0"), ("right", "1.0", "0.0"), ("mean", "0.5", "0.5")],
)
def test_eval_relu6_kinks(capsys: pytest.CaptureFixture[str], kink: str, at0: str, at6: str) -> None:
    code, out, _ = run(capsys, "eval", "relu6", "--order", "1", "--kink", kink, "0", "6", "3", "7")
    assert code == 0
    assert [r[1] for r in rows(out)] == [at0, at6, "1.0", "0.0"]


def test_eval_second_derivative(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", "leaky_relu", "--order", "2", "--", "-2", "0", "2")
    assert code == 0
    assert [r[1] for r in rows(out)] == ["0.0", "0.0", "0.0"]


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["eval", "leaky_rel", "1"], ["unknown activation", "did you mean 'leaky_relu'"]),
        (["show", "nosuch"], ["unknown activation 'nosuch'"]),
        (["eval", "relu", "abc"], ["invalid number 'abc'"]),
        (["eval", "relu", "--kink", "up", "1"], ["unknown kink convention 'up'", "torch"]),
        (["eval", "leaky_relu", "--param", "negative_slope", "1"], ["NAME=VALUE"]),
        (["eval", "leaky_relu", "--param", "negative_slope=x", "1"], ["invalid number 'x'"]),
        (["eval", "leaky_relu", "--param", "negative_slope=inf", "1"], ["finite"]),
        (["eval", "relu", "--param", "negative_slope=0.2", "1"], ["'negative_slope'"]),
        (["plot", "relu", "-o", "figure.gif"], [".png"]),
        (["plot", "relu", "--xlim", "2", "1", "-o", "figure.png"], ["xlim"]),
    ],
)
def test_user_errors_are_one_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
    needles: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert_user_error(*run(capsys, *argv), *needles)
    assert not any(tmp_path.iterdir())


def test_argparse_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "eval", "relu", "--order", "3", "1")
    assert code == 2 and "Traceback" not in err
    code, _, err = run(capsys, "frobnicate")
    assert code == 2 and "Traceback" not in err


def test_plot_prints_table_then_writes_png(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from matplotlib.image import imread

    path = tmp_path / "relu.png"
    code, out, _ = run(capsys, "plot", "relu", "leaky_relu", "--order", "0", "1", "-o", str(path))
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split() == ["x", "relu(x)", "relu'(x)", "leaky_relu(x)", "leaky_relu'(x)"]
    assert lines[-1] == f"wrote {path}"
    body = [line.split() for line in lines[1:-1]]
    assert [r[0] for r in body] == [repr(float(x)) for x in range(-3, 5)]
    for r, x in zip(body, range(-3, 5), strict=True):
        relu, drelu = float(max(x, 0)), 1.0 if x > 0 else 0.0  # torch: relu'(0) = 0
        leaky, dleaky = (float(x), 1.0) if x > 0 else (x * 0.01, 0.01)  # torch: leaky_relu'(0) = negative_slope
        assert r[1:] == [repr(relu), repr(drelu), repr(leaky), repr(dleaky)]
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = imread(path)
    assert image.shape[0] > 200 and image.shape[1] > 400
    assert image.std() > 0.05  # not a blank canvas


@pytest.mark.parametrize(("suffix", "magic"), [(".svg", b"<svg"), (".pdf", b"%PDF-"), (".PNG", b"\x89PNG")])
def test_plot_formats(capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str, magic: bytes) -> None:
    path = tmp_path / f"fig{suffix}"
    args = ["plot", *ag.names(), "--order", "0", "1", "2", "--kink", "mean", "--xlim", "-1", "7"]
    code, _, _ = run(capsys, *args, "--param", "negative_slope=0.3", "-o", str(path))
    assert code == 0
    assert magic in path.read_bytes()[:2000]


def test_plot_unwritable_path(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "plot", "relu", "-o", "/nonexistent_dir/x.png")
    assert_user_error(code, out, err, "/nonexistent_dir/x.png")


def test_plot_without_matplotlib(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    code, out, err = run(capsys, "plot", "relu", "-o", str(tmp_path / "x.png"))
    assert_user_error(code, out, err, 'pip install "actgrad[plot]"')


@pytest.mark.parametrize("kink", ag.CONVENTIONS)
def test_plot_draws_pieces_and_kink_dots(kink: str) -> None:
    """f' of relu6: no piece crosses a kink; filled dot at the convention's value, open dots at other limits."""
    from matplotlib.colors import to_rgba

    fig = plot("relu6", orders=(1,), xlim=(-1.0, 7.0), kink=kink)
    (ax,) = fig.axes
    assert ax.get_title() == "f'(x)" and ax.get_xlabel() == "x"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["relu6"]
    pieces = [line for line in ax.get_lines() if line.get_marker() in ("None", "", None) and len(line.get_xdata()) > 2]
    assert len(pieces) == 3
    for line in pieces:
        x = line.get_xdata()
        for at in (0.0, 6.0):
            assert (x <= at).all() or (x >= at).all()
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    filled = {
        (float(d.get_xdata()[0]), float(d.get_ydata()[0]))
        for d in dots
        if to_rgba(d.get_markerfacecolor()) != (1, 1, 1, 1)
    }
    hollow = {
        (float(d.get_xdata()[0]), float(d.get_ydata()[0]))
        for d in dots
        if to_rgba(d.get_markerfacecolor()) == (1, 1, 1, 1)
    }
    # relu6' is 0 left of 0, 1 on (0, 6), 0 right of 6; torch and jax take 0 at both kinks
    chosen = {"torch": (0.0, 0.0), "jax": (0.0, 0.0), "left": (0.0, 1.0), "right": (1.0, 0.0), "mean": (0.5, 0.5)}[kink]
    assert filled == {(0.0, chosen[0]), (6.0, chosen[1])}
    limits = {(0.0, 0.0), (0.0, 1.0), (6.0, 1.0), (6.0, 0.0)}
    assert hollow == limits - filled


def test_plot_function_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="kink"):
        plot("relu", kink="up")
    with pytest.raises(ValueError, match="orders"):
        plot("relu", orders=(3,))
    with pytest.raises(ValueError, match="alpha"):
        plot("relu", params={"alpha": 1.0})
    with pytest.raises(KeyError, match="did you mean"):
        plot("rellu")


def test_console_entry_point_in_a_subprocess() -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "actgrad.cli", "eval", "relu", "--", "-1", "2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert rows(ok.stdout) == [["-1.0", "0.0"], ["2.0", "2.0"]]
    bad = subprocess.run(
        [sys.executable, "-m", "actgrad.cli", "show", "rellu"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr and "did you mean 'relu'" in bad.stderr
