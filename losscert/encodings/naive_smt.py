"""The naive SMT route, as query text: the whole network in one QF_NRA formula, no cells.

This is the baseline that losscert's cell-wise method is measured against (``losscert bench``,
benchmarks/bench_theorem1.py): "is there a theta with |theta - centre|_inf <= rho and
R(theta) < bound?", every activation an ``ite`` over its breakpoints, every intermediate term a
``let`` binding, every constant an exact rational ``(/ p q)``. Only text is built here; a solver
sees it only through ``losscert.backends``.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from losscert.errors import UnsupportedError
from losscert.model.activation import Activation
from losscert.model.dataset import Dataset
from losscert.model.network import parameter_names

# the risk of each squared loss is (scale / n) sum_i ||f(x_i) - y_i||^2
SQUARED_SCALE = {"squared": Fraction(1), "squared_half": Fraction(1, 2)}


def smt_rational(value: Fraction | int) -> str:
    """An exact SMT-LIB real: ``3``, ``(/ 3 4)``, ``(- (/ 3 4))``."""
    v = Fraction(value)
    body = (
        str(abs(v.numerator)) if v.denominator == 1 else f"(/ {abs(v.numerator)} {v.denominator})"
    )
    return f"(- {body})" if v < 0 else body


def smt_sum(terms: Sequence[str]) -> str:
    if not terms:
        return "0"
    return terms[0] if len(terms) == 1 else f"(+ {' '.join(terms)})"


def piece_term(slope: Fraction, intercept: Fraction, z: str) -> str:
    linear = "0" if slope == 0 else z if slope == 1 else f"(* {smt_rational(slope)} {z})"
    if intercept == 0:
        return linear
    return smt_rational(intercept) if slope == 0 else f"(+ {linear} {smt_rational(intercept)})"


def activation_term(activation: Activation, z: str) -> str:
    """The activation as nested ``ite`` over its breakpoints; ReLU is ``(ite (< z 0) 0 z)``."""
    pieces = [
        piece_term(s, t, z) for s, t in zip(activation.slopes, activation.intercepts, strict=True)
    ]
    term = pieces[-1]
    for point, piece in zip(reversed(activation.breakpoints), reversed(pieces[:-1]), strict=True):
        term = f"(ite (< {z} {smt_rational(point)}) {piece} {term})"
    return term


def naive_query(
    widths: tuple[int, ...],
    activation: Activation,
    data: Dataset,
    centre: Sequence[Fraction],
    rho: Fraction,
    bound: Fraction,
    comment: str,
    *,
    loss: str = "squared",
) -> str:
    """Exists theta, |theta - centre|_inf <= rho, with R(theta) < bound (a squared loss).

    One ``declare-fun`` per parameter (the names of ``losscert.model.parameter_names``), one box
    assertion per parameter, and one risk assertion whose summand for sample i is a chain of
    ``let`` bindings: z{j}_{r} (pre-activation), h{j}_{r} (activation), r{k} (residual).
    Raises UnsupportedError for a loss other than ``squared`` / ``squared_half`` and InputError
    (ValueError) when ``centre`` does not fit ``widths``.
    """
    if loss not in SQUARED_SCALE:
        raise UnsupportedError(f"the naive query encodes squared losses only, got {loss!r}")
    names = parameter_names(widths)
    if len(names) != len(centre):
        raise ValueError(f"centre has {len(centre)} entries; widths {widths} need {len(names)}")
    lines = [f"; {comment}", "(set-logic QF_NRA)"]
    lines += [f"(declare-fun {a} () Real)" for a in names]
    lines += [
        f"(assert (and (<= {smt_rational(t - rho)} {a}) (<= {a} {smt_rational(t + rho)})))"
        for a, t in zip(names, centre, strict=True)
    ]
    summands = [
        _sample_term(widths, activation, x, y)
        for x, y in zip(data.input_rows(), data.label_rows(), strict=True)
    ]
    scale = SQUARED_SCALE[loss] / data.n
    lines.append(
        f"(assert (< (* {smt_rational(scale)} {smt_sum(summands)}) {smt_rational(bound)}))"
    )
    lines += ["(check-sat)", "(exit)"]
    return "\n".join(lines) + "\n"


def _sample_term(
    widths: tuple[int, ...], activation: Activation, x: list[Fraction], y: list[Fraction]
) -> str:
    """||f_theta(x) - y||^2 as nested ``let`` bindings, layer by layer."""
    depth = len(widths) - 1
    parts: list[str] = []
    for j in range(1, depth + 1):
        pre = []
        for r in range(widths[j]):
            if j == 1:
                products = [f"(* {smt_rational(v)} W1_{r}_{c})" for c, v in enumerate(x) if v != 0]
            else:
                products = [f"(* W{j}_{r}_{c} h{j - 1}_{c})" for c in range(widths[j - 1])]
            pre.append(smt_sum([*products, f"b{j}_{r}"]))
        if j < depth:
            parts.append("(let (" + " ".join(f"(z{j}_{r} {e})" for r, e in enumerate(pre)) + ")")
            acts = " ".join(
                f"(h{j}_{r} {activation_term(activation, f'z{j}_{r}')})" for r in range(widths[j])
            )
            parts.append(f"(let ({acts})")
        else:
            residuals = " ".join(f"(r{k} (- {e} {smt_rational(y[k])}))" for k, e in enumerate(pre))
            parts.append(f"(let ({residuals})")
    body = smt_sum([f"(* r{k} r{k})" for k in range(widths[-1])])
    return "".join(parts) + body + ")" * len(parts)
