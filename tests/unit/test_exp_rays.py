"""exp_rays: a ray along which the logistic / softmax risk falls to infinity, so that no point
near the trained one is a local minimum. Hand-worked radii, and the checker's risk enclosures as
the oracle of the decrease at every point of the box."""

from fractions import Fraction as F

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losscert.checker.risk_bounds import enclosure
from losscert.model import Dataset, Network, Problem, make_loss, relu
from losscert.verifier import Status
from losscert.verifier.descent import checker_view
from losscert.verifier.exp_box import certify_exp_nearby
from losscert.verifier.exp_rays import escape_ray

ONE_HOT = {0: [1, 0, 0], 1: [0, 1, 0], 2: [0, 0, 1]}


def three_classes(classes: tuple[int, ...] = (0, 1, 2, 2)) -> Problem:
    """x = -2, -1, 1, 2; neuron 0 is relu(x) (non-zero on x = 1, 2 only), neuron 1 relu(-1) is
    dead; W_2 = 0, b_2 = 0."""
    net = Network.from_rationals(
        [[[F(1)], [F(0)]], [[F(0), F(0)]] * 3], [[F(0), F(-1)], [F(0)] * 3], relu()
    )
    data = Dataset.from_rows([[-2], [-1], [1], [2]], [ONE_HOT[c] for c in classes])
    return Problem(net, make_loss("softmax_cross_entropy"), data)


def test_the_ray_and_its_radius_by_hand() -> None:
    # Lowering logit 0 (W_2[0][0] -> -inf) helps the class-2 samples x = 1, 2 and needs the
    # class-0 sample x = -2 to stay inactive: over |theta - theta*| <= rho its pre-activation is
    # in [-2 - 3 rho, -2 + 3 rho] (N = 1 + |x| = 3), so rho <= 2/3; a strict gain needs
    # 2 - 3 rho > 0 (x = 2), so rho < 2/3. The candidates are 1/2 and 2/3 (|z| / N); the largest
    # tested radius is their midpoint 7/12. Lowering logit 1 stops at 1/2 (x = -1, class 1),
    # raising logit 2 at 1/2 too; raising logit 0 hurts the class-2 samples at once.
    ray = escape_ray(three_classes())
    assert ray is not None
    assert (ray.output, ray.neuron, ray.sign, ray.radius) == (0, 0, -1, F(7, 12))
    assert "2 samples, of class(es) [2]" in ray.because
    assert ray.direction == ((-1, 0, 0), (0, 0, 0), (0, 0, 0))  # (W_2 | b_2), row 0: W_2[0][0]
    assert ray.slope < 0 < ray.risk - ray.limit
    assert "W_2[0][0] -> -infinity" in ray.describe()


def test_a_neuron_active_on_every_class_has_no_one_weight_ray() -> None:
    # relu(x + 2) is 1, 3, 4 on one sample of each class: moving any one weight of it helps some
    # sample and hurts another. The feature still separates class 0 (a = 1) from the others, so
    # the separation route (exp_separation) finds a ray.
    net = Network.from_rationals([[[F(1)]], [[F(0)]] * 3], [[F(2)], [F(0)] * 3], relu())
    data = Dataset.from_rows([[-1], [1], [2]], [ONE_HOT[0], ONE_HOT[1], ONE_HOT[2]])
    ray = escape_ray(Problem(net, make_loss("softmax_cross_entropy"), data))
    assert ray is not None and ray.neuron is None
    # interleaved classes (a = 1..6: classes 0, 1, 2, 0, 1, 2): no affine g of a separates any
    # class, so there is no ray at all
    data = Dataset.from_rows([[x] for x in range(-1, 5)], [ONE_HOT[i % 3] for i in range(6)])
    assert escape_ray(Problem(net, make_loss("softmax_cross_entropy"), data)) is None
    # one class fewer on the active side (x = 2 relabelled 0): lowering logit 1 helps both
    data = Dataset.from_rows([[-1], [1], [2]], [ONE_HOT[0], ONE_HOT[2], ONE_HOT[0]])
    ray = escape_ray(Problem(net, make_loss("softmax_cross_entropy"), data))
    assert ray is not None
    assert (ray.output, ray.sign) == (1, -1)


def test_a_dead_neuron_gives_no_ray() -> None:
    # With W_1[0][0] = 0 both neurons are zero on every sample: moving an output weight changes
    # nothing, so no ray is strict.
    problem = three_classes()
    net = problem.network.with_parameters([F(0), *problem.network.parameter_vector()[1:]])
    assert escape_ray(problem.with_network(net)) is None


def test_logistic_ray_and_scope() -> None:
    # relu(x) is non-zero on the two positive samples, both labelled 1: W_2 -> +inf helps both,
    # and the label -1 sample x = -1 must stay inactive: rho <= 1/2 (the next test radius, 7/12,
    # wakes it). x = -2 (label 1) may wake: W_2 -> +inf helps it too.
    net = Network.from_rationals([[[F(1)]], [[F(0)]]], [[F(0)], [F(0)]], relu())
    data = Dataset.from_rows([[-2], [-1], [1], [2]], [[1], [-1], [1], [1]])
    ray = escape_ray(Problem(net, make_loss("logistic"), data))
    assert ray is not None
    assert (ray.output, ray.neuron, ray.sign, ray.radius) == (0, 0, 1, F(1, 2))
    assert escape_ray(Problem(net, make_loss("squared"), data)) is None  # the loss grows


def two_features() -> Problem:
    """Two classes, x = 1, 2 (class 0) and 3, 4 (class 1); relu(x) and relu(10 - x) are positive
    on every sample: no one-weight ray, but a_0 - 5/2 separates the classes."""
    net = Network.from_rationals(
        [[[F(1)], [F(-1)]], [[F(0), F(0)]] * 2], [[F(0), F(10)], [F(0)] * 2], relu()
    )
    data = Dataset.from_rows([[1], [2], [3], [4]], [[1, 0], [1, 0], [0, 1], [0, 1]])
    return Problem(net, make_loss("softmax_cross_entropy"), data)


def _along_ray(problem: Problem, theta: list[F], direction: tuple, t: int) -> list[F]:
    """theta with the output layer (W_2 | b_2) moved by t direction."""
    d_x, d_1, d_y = problem.network.widths
    start = d_1 * (d_x + 1)
    moved = list(theta)
    for k, row in enumerate(direction):
        for r in range(d_1):
            moved[start + k * d_1 + r] += t * row[r]
        moved[start + d_y * d_1 + k] += t * row[d_1]
    return moved


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(["three classes", "two features"]),
    st.lists(st.integers(-12, 12), min_size=13, max_size=13),
    st.integers(1, 8),
)
def test_risk_falls_along_the_ray_everywhere_in_the_box(
    which: str, offsets: list[int], t: int
) -> None:
    # The oracle: the checker's rigorous enclosure of R at theta and at theta + t d, for theta
    # anywhere in the closed box of the stated radius (every parameter moved, the dead neuron
    # included, which may wake up); a one-weight ray and a separation.
    problem = three_classes() if which == "three classes" else two_features()
    ray = escape_ray(problem)
    assert ray is not None
    theta = [
        v + ray.radius * k / 12
        for v, k in zip(problem.network.parameter_vector(), offsets, strict=False)
    ]
    moved = _along_ray(problem, theta, ray.direction, t)
    view = checker_view(problem)
    _, after = enclosure(view, moved, "moved")
    before, _ = enclosure(view, theta, "theta")
    assert after < before
    # and sample by sample (what the step states): no loss rises, in 50-digit arithmetic
    with mpmath.workdps(50):
        for old, new in zip(_losses(problem, theta), _losses(problem, moved), strict=True):
            assert new <= old + mpmath.mpf(10) ** -40


def _losses(problem: Problem, theta: list[F]) -> list[mpmath.mpf]:
    """Each sample's softmax loss at theta (exact logits, then 50-digit exp / log)."""
    net = problem.network.with_parameters(theta)
    out = []
    with mpmath.workdps(50):
        for x, y in zip(problem.data.input_rows(), problem.data.label_rows(), strict=True):
            hidden = [
                max(F(0), sum((w * v for w, v in zip(row, x, strict=True)), b))
                for row, b in zip(net.weights(1), net.biases(1), strict=True)
            ]
            logits = [
                sum((w * a for w, a in zip(row, hidden, strict=True)), b)
                for row, b in zip(net.weights(2), net.biases(2), strict=True)
            ]
            f = [mpmath.mpf(v.numerator) / v.denominator for v in logits]
            out.append(mpmath.log(mpmath.fsum(mpmath.exp(v) for v in f)) - f[y.index(1)])
    return out


@pytest.mark.slow
def test_trained_width_four_softmax_seed_one() -> None:
    # The bench's softmax classifier (issue 13): Adam stops with a gradient of 7e-3 because
    # hidden neuron 1 is active on classes 0 and 1 only, and lowering its class-2 logit weight
    # keeps paying. No point within 0.19 of the trained one is a local minimum.
    from losscert.bench.training import classes_2d, train_classifier

    inputs, labels = classes_2d(seed=1)
    net = train_classifier((2, 4, 3), inputs, labels, "softmax_cross_entropy", seed=1)
    problem = Problem(net, make_loss("softmax_cross_entropy"), Dataset.from_rows(inputs, labels))
    ray = escape_ray(problem)
    assert ray is not None
    assert (ray.output, ray.neuron, ray.sign) == (2, 1, -1)
    assert ray.radius > F(19, 100)
    result = certify_exp_nearby(problem, spurious=False)
    assert result.local.status is Status.REFUTED  # the escape_ray certificate, checked
    assert result.local.stats["no_minimum_radius"] == ray.radius


def test_a_ray_the_checker_refused_does_not_steer_or_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rejected certificate keeps its stats (radius, ray): they must not be reported as a
    refutation nor used to skip the descent's boxes."""
    from fractions import Fraction as Fr

    import losscert.verifier.exp_rays as rays
    from losscert.verifier.exp_box import certify_exp_nearby
    from losscert.verifier.nearby_report import format_nearby, nearby_to_dict
    from losscert.verifier.verdict import Status, Verdict

    refused = Verdict(
        Status.UNKNOWN,
        "local_min_in_box",
        None,
        "checker_rejected",
        "invalid",
        {"no_minimum_radius": Fr(1, 2), "ray": "W_2[0][0] -> -infinity"},
    )
    monkeypatch.setattr(rays, "certify_no_minimum_near", lambda problem: refused)
    result = certify_exp_nearby(three_classes(), spurious=False)
    assert result.local.status is not Status.REFUTED
    assert "no_minimum_radius" not in nearby_to_dict(result)
    assert not any("escape ray" in line for line in format_nearby(result))
    assert any("refused the certificate" in line for line in result.tried)
