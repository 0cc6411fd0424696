"""PyTorch import: exact weights, activations by type, refusals by layer name, safe state dicts.

torch is imported inside the tests (it takes a second or two), never at collection time, and
never skipped: the ``test`` extra installs it.
"""

from __future__ import annotations

import pickle
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from losscert.errors import InputError, UnsupportedError
from losscert.io import from_torch
from losscert.io.torch_import import load_state_dict, network_from_torch, read_torch_network
from losscert.model.activation import hardtanh, leaky_relu, linear, relu, relu6


@pytest.fixture(scope="module")
def torch() -> Any:
    import torch

    return torch


def _set(layer: Any, weight: list[list[float]], bias: list[float], torch: Any) -> None:
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(weight))
        layer.bias.copy_(torch.tensor(bias))


def test_hand_worked_relu_network(torch: Any) -> None:
    # f(x) = 1 * relu(x / 2 + 1) - 2 * relu(-x + 0.25) + 0.75, every weight a dyadic rational
    first, second = torch.nn.Linear(1, 2), torch.nn.Linear(2, 1)
    _set(first, [[0.5], [-1.0]], [1.0, 0.25], torch)
    _set(second, [[1.0, -2.0]], [0.75], torch)
    model = torch.nn.Sequential(first, torch.nn.ReLU(), second)
    problem = from_torch(model, ([[0.0], [1.0], [2.0]], [0.0, 1.0, 4.0]))
    net = problem.network
    assert net.weights(1) == [[Fraction(1, 2)], [Fraction(-1)]]
    assert net.biases(1) == [Fraction(1), Fraction(1, 4)]
    assert net.weights(2) == [[Fraction(1), Fraction(-2)]]
    assert net.biases(2) == [Fraction(3, 4)]
    assert net.activation == relu()
    # by hand: f(0) = 1 - 1/2 + 3/4 = 5/4, f(1) = 3/2 + 3/4 = 9/4, f(2) = 2 + 3/4 = 11/4
    assert problem.trace().output_rows() == [[Fraction(5, 4)], [Fraction(9, 4)], [Fraction(11, 4)]]
    # squared risk: ((5/4)^2 + (5/4)^2 + (5/4)^2) / 3 = 25/16
    assert problem.risk() == Fraction(25, 16)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda nn: nn.ReLU(), relu()),
        (lambda nn: nn.LeakyReLU(0.2), leaky_relu(Fraction(1, 5))),
        (lambda nn: nn.LeakyReLU(), leaky_relu(Fraction(1, 100))),
        (lambda nn: nn.Hardtanh(-2.0, 0.5), hardtanh(-2, Fraction(1, 2))),
        (lambda nn: nn.ReLU6(), relu6()),
        (lambda nn: nn.Identity(), linear()),
    ],
)
def test_activation_table(torch: Any, make: Any, expected: Any) -> None:
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), make(torch.nn), torch.nn.Linear(3, 1))
    assert network_from_torch(model).activation == expected


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("act", ["ReLU", "LeakyReLU", "Hardtanh", "ReLU6", "Identity"])
def test_weights_exact_and_forward_matches_torch(torch: Any, seed: int, act: str) -> None:
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 5),
        getattr(torch.nn, act)(),
        torch.nn.Linear(5, 4),
        getattr(torch.nn, act)(),
        torch.nn.Linear(4, 2),
    )
    x = torch.randn(7, 3) * 3
    y = torch.randn(7, 2)
    problem = from_torch(model, (x, y))
    # exact: every rational is the float32 value itself, and rounds back to it bit for bit
    torch_params = [p.detach() for p in model.parameters()]
    for j, (w, b) in enumerate(zip(torch_params[::2], torch_params[1::2], strict=True), start=1):
        exact_w, exact_b = problem.network.weights(j), problem.network.biases(j)
        assert exact_w == [[Fraction(float(v)) for v in row] for row in w.tolist()]
        assert exact_b == [Fraction(float(v)) for v in b.tolist()]
        back = np.array([[float(v) for v in row] for row in exact_w], dtype=np.float32)
        assert np.array_equal(back, w.numpy())
    # the exact forward pass agrees with torch's float32 pass to float32 precision, and with a
    # float64 pass of the same weights much more closely
    exact = np.array([[float(v) for v in row] for row in problem.trace().output_rows()])
    with torch.no_grad():
        out32 = model(x).numpy()
        out64 = model.double()(x.double()).numpy()
    assert np.allclose(exact, out32, rtol=1e-5, atol=1e-5)
    assert np.allclose(exact, out64, rtol=1e-12, atol=1e-12)
    assert problem.data.input_rows()[0] == [Fraction(float(v)) for v in x[0].tolist()]


def test_bias_free_linear_gets_zero_bias(torch: Any) -> None:
    model = torch.nn.Sequential(
        torch.nn.Linear(1, 2, bias=False), torch.nn.ReLU(), torch.nn.Linear(2, 1)
    )
    assert network_from_torch(model).biases(1) == [Fraction(0), Fraction(0)]


def test_single_linear_is_a_linear_network(torch: Any) -> None:
    net = network_from_torch(torch.nn.Linear(2, 1))
    assert net.depth == 1
    assert net.activation == linear()


# --- refusals, each naming the layer ---------------------------------------------------------------


def test_unsupported_layer_named(torch: Any) -> None:
    model = torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.Sigmoid(), torch.nn.Linear(2, 1))
    with pytest.raises(UnsupportedError, match=r"layer \[1\] Sigmoid is not supported"):
        network_from_torch(model)


def test_subclass_of_supported_layer_refused(torch: Any) -> None:
    class Sneaky(torch.nn.ReLU):  # type: ignore[misc, name-defined]
        def forward(self, x: Any) -> Any:
            return torch.sigmoid(x)

    model = torch.nn.Sequential(torch.nn.Linear(1, 2), Sneaky(), torch.nn.Linear(2, 1))
    with pytest.raises(UnsupportedError, match=r"\[1\] Sneaky"):
        network_from_torch(model)


def test_shapes_that_do_not_chain(torch: Any) -> None:
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    with pytest.raises(InputError, match=r"\[2\] Linear.*takes 4 inputs.*\[0\] Linear.*3 outputs"):
        network_from_torch(model)


def test_two_linears_without_activation(torch: Any) -> None:
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1))
    with pytest.raises(InputError, match=r"\[1\] Linear.*no activation between"):
        network_from_torch(model)


def test_ending_with_activation(torch: Any) -> None:
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
    with pytest.raises(InputError, match=r"ends with the activation layer \[1\] ReLU"):
        network_from_torch(model)


def test_mixed_activations(torch: Any) -> None:
    nn = torch.nn
    model = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 2), nn.ReLU6(), nn.Linear(2, 1))
    with pytest.raises(UnsupportedError, match=r"\[3\] ReLU6.*one activation"):
        network_from_torch(model)


def test_leaky_slope_one_named(torch: Any) -> None:
    model = torch.nn.Sequential(
        torch.nn.Linear(1, 2), torch.nn.LeakyReLU(1.0), torch.nn.Linear(2, 1)
    )
    with pytest.raises(InputError, match=r"layer \[1\] LeakyReLU.*no kink"):
        network_from_torch(model)


def test_data_that_does_not_fit(torch: Any) -> None:
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    with pytest.raises(InputError, match="takes 2 inputs"):
        from_torch(model, (torch.zeros(4, 3), torch.zeros(4)))
    with pytest.raises(InputError, match="pair"):
        from_torch(model, torch.zeros(4, 3))


# --- state-dict files ------------------------------------------------------------------------------


def test_state_dict_round_trip_with_prefix(torch: Any, tmp_path: Path) -> None:
    torch.manual_seed(3)
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 4), torch.nn.LeakyReLU(0.1), torch.nn.Linear(4, 1)
    )
    state = {f"net.{k}": v for k, v in model.state_dict().items()}
    torch.save(state, tmp_path / "model.pt")
    net = read_torch_network(tmp_path / "model.pt", (2, 4, 1), leaky_relu(Fraction(1, 10)))
    assert net == network_from_torch(model)


def test_state_dict_wrong_arch_names_the_key(torch: Any, tmp_path: Path) -> None:
    model = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    torch.save(model.state_dict(), tmp_path / "model.pt")
    with pytest.raises(InputError, match=r"0\.weight has shape \(4, 2\).*needs \(3, 2\)"):
        read_torch_network(tmp_path / "model.pt", (2, 3, 1), relu())
    with pytest.raises(InputError, match="has 3 linear layers"):
        read_torch_network(tmp_path / "model.pt", (2, 4, 4, 1), relu())
    torch.save({**model.state_dict(), "extra.running_mean": torch.zeros(2)}, tmp_path / "x.pt")
    with pytest.raises(InputError, match=r"unexpected key 'extra\.running_mean'"):
        read_torch_network(tmp_path / "x.pt", (2, 4, 1), relu())


class _Payload:
    """Unpickling this runs ``exec``: the marker file appears if anything unpickles it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (exec, (f"import pathlib; pathlib.Path({str(self.marker)!r}).write_text('pwned')",))


def test_pickle_with_code_is_refused_and_never_runs(torch: Any, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    raw = tmp_path / "raw.pt"
    raw.write_bytes(pickle.dumps({"0.weight": _Payload(marker)}))
    zipped = tmp_path / "zipped.pt"
    torch.save({"0.weight": _Payload(marker)}, zipped)  # saving pickles the payload, runs nothing
    for path in (raw, zipped):
        with pytest.raises(InputError, match="weights_only=True refused it"):
            load_state_dict(path)
        assert not marker.exists()
    # the files really are malicious: a plain unpickler runs the payload
    pickle.loads(raw.read_bytes())
    assert marker.read_text() == "pwned"


def test_whole_model_pickle_refused(torch: Any, tmp_path: Path) -> None:
    model = torch.nn.Sequential(torch.nn.Linear(1, 1))
    torch.save(model, tmp_path / "whole.pt")
    with pytest.raises(InputError, match=r"torch.save\(model.state_dict\(\), path\)"):
        load_state_dict(tmp_path / "whole.pt")


def test_not_a_torch_file(torch: Any, tmp_path: Path) -> None:
    (tmp_path / "junk.pt").write_bytes(b"\x00garbage")
    with pytest.raises(InputError, match=r"junk\.pt"):
        load_state_dict(tmp_path / "junk.pt")
    with pytest.raises(InputError, match="no such file"):
        load_state_dict(tmp_path / "missing.pt")
    torch.save([torch.zeros(1)], tmp_path / "list.pt")
    with pytest.raises(InputError, match="expected a state dict"):
        load_state_dict(tmp_path / "list.pt")
