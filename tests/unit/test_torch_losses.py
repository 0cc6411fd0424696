"""from_torch with PyTorch loss objects: the losscert loss, converted labels, refused options."""

from fractions import Fraction as F

import pytest

torch = pytest.importorskip("torch")

from losscert.errors import InputError, UnsupportedError  # noqa: E402
from losscert.io import from_torch  # noqa: E402

nn = torch.nn


def _model(outputs: int = 1) -> object:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(1, 3), nn.ReLU(), nn.Linear(3, outputs))


X = torch.tensor([[-1.0], [0.0], [2.0]])


@pytest.mark.parametrize(
    ("loss", "kind", "delta"),
    [
        (nn.MSELoss(), "squared", None),
        (nn.MSELoss(reduction="sum"), "squared", None),
        (nn.L1Loss(), "absolute", None),
        (nn.HuberLoss(delta=0.5), "huber", F(1, 2)),
    ],
)
def test_regression_losses(loss: object, kind: str, delta: F | None) -> None:
    problem = from_torch(_model(), (X, torch.tensor([[1.0], [0.5], [2.0]])), loss=loss)
    assert problem.loss.kind == kind and problem.loss.delta == delta
    assert problem.data.label_rows() == [[1], [F(1, 2)], [2]]


def test_mse_risk_is_pytorch_mean_times_the_outputs() -> None:
    model = _model(2)
    y = torch.tensor([[1.0, 0.0], [0.5, 1.0], [2.0, -1.0]])
    problem = from_torch(model, (X, y), loss=nn.MSELoss())
    with torch.no_grad():
        mean = nn.MSELoss()(model(X), y).item()
    assert abs(float(problem.risk()) - 2 * mean) < 1e-6  # a positive multiple: same minima


def test_bce_targets_become_signs() -> None:
    problem = from_torch(
        _model(), (X, torch.tensor([[1.0], [0.0], [1.0]])), loss=nn.BCEWithLogitsLoss()
    )
    assert problem.loss.kind == "logistic"
    assert problem.data.label_rows() == [[1], [-1], [1]]


def test_cross_entropy_class_indices_become_one_hot() -> None:
    problem = from_torch(_model(3), (X, torch.tensor([2, 0, 1])), loss=nn.CrossEntropyLoss())
    assert problem.loss.kind == "softmax_cross_entropy"
    assert problem.data.label_rows() == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]


@pytest.mark.parametrize(
    ("loss", "message"),
    [
        (nn.MSELoss(reduction="none"), "reduction='none'"),
        (nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0])), "pos_weight"),
        (nn.CrossEntropyLoss(label_smoothing=0.1), "label_smoothing"),
        (nn.SmoothL1Loss(), "SmoothL1Loss is not supported"),
    ],
)
def test_options_that_change_the_loss_are_refused(loss: object, message: str) -> None:
    with pytest.raises(UnsupportedError, match=message):
        from_torch(_model(3), (X, torch.tensor([0, 1, 2])), loss=loss)


def test_bad_targets_name_the_value() -> None:
    with pytest.raises(InputError, match=r"targets must be 0 or 1, got 2\.0"):
        from_torch(_model(), (X, torch.tensor([[1.0], [2.0], [0.0]])), loss=nn.BCEWithLogitsLoss())
    with pytest.raises(InputError, match=r"class indices 0\.\.2"):
        from_torch(_model(3), (X, torch.tensor([0, 3, 1])), loss=nn.CrossEntropyLoss())
