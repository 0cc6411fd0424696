"""The checker on hand-made certificates: each step's failure is reported with the step, what
was expected and what was derived; claim rules refuse evidence that does not conclude."""

import copy
import json
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import pytest

from losscert.checker import check_document, check_text
from losscert.verifier import Status, certified

from ..conftest import EXAMPLES
from ..support.hand_certificates import BUILDERS

CERTS = EXAMPLES / "certificates"


def _load(name: str) -> dict[str, Any]:
    return json.loads((CERTS / f"{name}.cert.json").read_text(encoding="utf-8"))


SPURIOUS = "relu_spurious_local_min"
STRICT = "hardtanh_strict_local_min"
DESCENT = "hardtanh_boundary_not_local_min"


def _step(doc: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in doc["evidence"] if s["id"] == sid)


def _invalid(doc: dict[str, Any], *fragments: str) -> str:
    result = check_document(doc)
    assert result.status == "invalid", result.message
    for fragment in fragments:
        assert fragment in result.message, result.message
    return result.message


@pytest.mark.parametrize("name", [SPURIOUS, STRICT, DESCENT])
def test_hand_made_certificates_are_valid(name: str) -> None:
    result = check_document(_load(name))
    assert result.valid, result.message
    assert result.trust_gaps == ()


def test_risk_mismatch_shows_expected_derived_and_difference() -> None:
    doc = _load(SPURIOUS)
    _step(doc, "risk")["value"] = "1/2"
    _invalid(doc, "step risk", "expected: 1/2", "derived: 9/20", "difference: -1/20")


def test_cell_pattern_and_margin_must_match() -> None:
    doc = _load(SPURIOUS)
    _step(doc, "cell")["pattern"][0][1][2] = 0
    _invalid(doc, "step cell", "pattern differs")
    doc = _load(SPURIOUS)
    _step(doc, "cell")["margin"] = "1/2"
    _invalid(doc, "margin differs", "derived: 1")


def test_pattern_entries_must_be_integers_not_booleans() -> None:
    doc = _load(SPURIOUS)
    _step(doc, "cell")["pattern"][0][0][0] = True  # True == 1 in Python
    _invalid(doc, "piece index")


@pytest.mark.parametrize(
    ("radius", "fragment"),
    [
        # neuron 1 has z = 0 x + 1 on x in [0, 3]: the box of radius rho moves it by up to
        # rho (3 + 1), so rho = 1/4 reaches the breakpoint 0 exactly and must fail
        ("1/4", "layer 1 neuron 1 sample 3: the box reaches outside piece 1"),
        ("0", "radius must be positive"),
        ("-1/5", "radius must be positive"),
    ],
)
def test_box_in_cell_radius(radius: str, fragment: str) -> None:
    doc = _load(SPURIOUS)
    _step(doc, "box")["radius"] = radius
    _invalid(doc, fragment)


def test_a_smaller_radius_still_proves_the_box() -> None:
    doc = _load(SPURIOUS)
    _step(doc, "box")["radius"] = "1/1000"
    assert check_document(doc).valid
    _step(doc, "box")["radius"] = "249/1000"
    assert check_document(doc).valid


def test_affine_regression_must_be_computed_and_optimal() -> None:
    doc = _load(SPURIOUS)
    _step(doc, "regression")["b"] = ["1/3"]
    _invalid(doc, "does not compute this affine map")
    # make the network compute a non-optimal line 4/5 x + 4/10 (shift the output bias too)
    doc = _load(SPURIOUS)
    doc["problem"]["point"][6] = "-9/10"
    _step(doc, "regression")["b"] = ["2/5"]
    for sid in ("risk", "lower"):
        doc["evidence"].remove(_step(doc, sid))
    doc["claim"]["kind"] = "local_min"
    # every residual grows by 1/10: (1/n) sum_i 2 (1/10) x_i = (1/4)(1/5)(0 + 1 + 2 + 3) = 3/10
    _invalid(doc, "first-order condition fails in W[0][0]", "derived: 3/10")


def test_lower_point_must_be_lower_and_exact() -> None:
    doc = _load(SPURIOUS)
    _step(doc, "lower")["risk"] = "171/401"
    _invalid(doc, "risk of the lower point differs", "derived: 171/400")
    doc = _load(SPURIOUS)
    _step(doc, "lower")["point"] = doc["problem"]["point"]
    _step(doc, "lower")["risk"] = "9/20"
    _invalid(doc, "not lower")


def test_gradient_and_hessian_steps_recompute() -> None:
    doc = _load(STRICT)
    doc["problem"]["point"][3] = "1"  # d = 1 instead of 1/2: a non-zero gradient in d
    for sid in ("cell", "hessian"):
        _step(doc, sid)
    result = check_document(doc)
    assert result.status == "invalid" and "gradient is not zero" in result.message
    doc = _load(STRICT)
    pivots = _step(doc, "hessian")["pivots"]
    pivots[0] = str(F(pivots[0]) + 1)
    _invalid(doc, "LDL^T pivot 0 differs")


def test_hessian_of_a_flat_direction_is_not_positive_definite() -> None:
    # the Theorem 1 point is not strict: its Hessian is singular, so hessian_pd must fail
    doc = _load(SPURIOUS)
    doc["evidence"] = [
        _step(doc, "cell"),
        {"id": "g", "kind": "gradient_zero", "uses": ["cell"]},
        {"id": "h", "kind": "hessian_pd", "uses": ["cell"], "pivots": ["1"] * 7},
    ]
    doc["claim"]["kind"] = "strict_local_min"
    _invalid(doc, "not positive")


def test_descent_direction_terms() -> None:
    doc = _load(DESCENT)
    _step(doc, "descent")["coefficient"] = "-1/2"
    _invalid(doc, "lowest-order term", "expected: -1/2 t^1", "derived: -17/32 t^1")
    doc = _load(DESCENT)
    step = _step(doc, "descent")
    step["direction"] = [str(-F(v)) for v in step["direction"]]
    _invalid(doc, "lowest-order term")  # the opposite direction goes up (or is flat)


def test_claims_need_their_evidence() -> None:
    doc = _load(SPURIOUS)
    doc["evidence"].remove(_step(doc, "lower"))
    _invalid(doc, "does not conclude spurious_local_min", "lower_point")
    doc = _load(SPURIOUS)
    doc["evidence"].remove(_step(doc, "regression"))
    _invalid(doc, "does not conclude spurious_local_min")
    doc = _load(SPURIOUS)
    doc["claim"]["kind"] = "global_min"  # a ReLU network: the linear-network route does not apply
    _invalid(doc, "does not conclude global_min", "without breakpoints")
    doc["claim"]["kind"] = "cell_global_min"  # no convex_lower_bound step
    _invalid(doc, "does not conclude cell_global_min", "convex_lower_bound")
    doc["claim"]["kind"] = "saddle"
    _invalid(doc, "claim kind 'saddle' is not supported")


def test_steps_may_cite_only_earlier_steps() -> None:
    doc = _load(SPURIOUS)
    doc["evidence"][1], doc["evidence"][2] = (
        doc["evidence"][2],
        doc["evidence"][1],
    )  # box before cell
    _invalid(doc, "cites 'cell', which is not an earlier step")


def test_floats_are_rejected_anywhere() -> None:
    text = (CERTS / f"{SPURIOUS}.cert.json").read_text(encoding="utf-8")
    doc = json.loads(text)
    doc["provenance"]["seconds"] = 0.25
    result = check_text(json.dumps(doc))
    assert result.status == "invalid" and "float 0.25" in result.message


def test_delegated_smt_is_a_trust_gap() -> None:
    doc = _load(SPURIOUS)
    doc["evidence"].append(
        {
            "id": "smt",
            "kind": "delegated_smt",
            "statement": "no lower point in the box",
            "smtlib": "(set-logic QF_NRA)\n(check-sat)\n",
            "solvers": [
                {"name": "z3", "version": "4", "answer": "unsat"},
                {"name": "cvc5", "version": "1", "answer": "unsat"},
            ],
        }
    )
    result = check_document(doc)
    assert result.valid and len(result.trust_gaps) == 1 and "1 trust gap" in result.message
    doc["evidence"][-1]["solvers"][1]["answer"] = "unknown"
    _invalid(doc, "fewer than two different solvers answered unsat")


def test_data_by_path_and_sha256(tmp_path: Path) -> None:
    import hashlib

    doc = _load(SPURIOUS)
    data = json.dumps(doc["problem"]["data"]).encode()
    (tmp_path / "data.json").write_bytes(data)
    doc["problem"]["data"] = {"path": "data.json", "sha256": hashlib.sha256(data).hexdigest()}
    assert check_document(doc, tmp_path).valid
    doc["problem"]["data"]["sha256"] = "0" * 64
    result = check_document(doc, tmp_path)
    assert result.status == "invalid" and "does not match" in result.message


def test_certified_fails_closed() -> None:
    doc = _load(SPURIOUS)
    assert certified("spurious_local_min", Status.PROVED, doc).status is Status.PROVED
    tampered = copy.deepcopy(doc)
    _step(tampered, "lower")["risk"] = "1/10"
    verdict = certified("spurious_local_min", Status.PROVED, tampered)
    assert verdict.status is Status.UNKNOWN and verdict.reason == "checker_rejected"
    assert verdict.certificate is None and "lower point differs" in verdict.detail


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_committed_example_certificates_are_what_the_builders_make(name: str) -> None:
    # examples/certificates/ is rewritten by `python -m tests.support.hand_certificates`
    assert _load(name) == json.loads(json.dumps(BUILDERS[name]()))


def test_a_proved_verdict_cannot_bypass_the_checker() -> None:
    from losscert.verifier import Verdict

    with pytest.raises(ValueError, match="certificate the checker accepted"):
        Verdict(Status.PROVED, "spurious_local_min", _load(SPURIOUS))
