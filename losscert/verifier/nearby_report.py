"""What ``certify`` prints about a point that is not exactly critical (text and JSON).

Exact rationals as strings, each with a decimal beside it; in text, the exact value only where
it is short (--json always has it).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from losscert.model.loss import Interval
from losscert.model.rationals import rational_string
from losscert.verifier.nearby import NearbyResult
from losscert.verifier.verdict import Status


def _decimal(value: Fraction | Interval) -> str:
    if isinstance(value, Interval):  # logistic / softmax: a rigorous interval, shown as such
        return f"{float(value.lo):.10g}"
    return f"{float(value):.10g}"


def _exact(value: Fraction | Interval) -> str | dict[str, str]:
    if isinstance(value, Interval):
        return {"lower": rational_string(value.lo), "upper": rational_string(value.hi)}
    return rational_string(value)


def _both(value: Fraction | Interval) -> str:
    """A decimal, with the exact value beside it when it is short (--json always has it)."""
    if isinstance(value, Interval):
        width = float(value.hi - value.lo)
        return f"{_decimal(value)} (not rational: in an interval of width {width:.2g})"
    exact = rational_string(value)
    return f"{_decimal(value)} (= {exact})" if len(exact) <= 48 else f"{_decimal(value)}"


def nearby_to_dict(result: NearbyResult) -> dict[str, Any]:
    """The JSON form of a result: exact rationals as strings, with decimals beside them."""
    out: dict[str, Any] = {
        "original_risk": _exact(result.original_risk),
        "original_risk_decimal": _decimal(result.original_risk),
        "gradient_size": None
        if result.gradient_size is None
        else rational_string(result.gradient_size),
        "gradient_size_decimal": None
        if result.gradient_size is None
        else _decimal(result.gradient_size),
        "status": result.local.status.value,
        "reason": result.local.reason,
        "tried": result.tried,
    }
    if result.moved is not None and result.distance is not None and result.risk is not None:
        out |= {
            "route": result.moved.route,
            "distance": rational_string(result.distance),
            "distance_decimal": _decimal(result.distance),
            "prediction_change": rational_string(result.local.stats["prediction_change"]),
            "risk": _exact(result.risk),
            "risk_decimal": _decimal(result.risk),
            "point": [rational_string(v) for v in result.moved.problem.network.parameter_vector()],
        }
    if "radius" in result.local.stats:  # the box route: a minimum in the box, risk bounds
        stats = result.local.stats
        out |= {
            "box_radius": rational_string(stats["radius"]),
            "box_radius_decimal": _decimal(stats["radius"]),
            "risk_lower": rational_string(stats["lower"]),
            "risk_upper": rational_string(stats["upper"]),
        }
    if result.local.status is Status.REFUTED and "no_minimum_radius" in result.local.stats:
        radius = result.local.stats["no_minimum_radius"]
        out["no_minimum_radius"] = rational_string(radius)
        out["no_minimum_radius_decimal"] = _decimal(radius)
        out["no_minimum_why"] = result.local.stats["ray"]
    if result.not_minimum is not None and result.not_minimum_distance is not None:
        point = result.not_minimum.problem
        out["not_minimum"] = {
            "route": result.not_minimum.route,
            "status": result.not_minimum.verdict.status.value,
            "distance": rational_string(result.not_minimum_distance),
            "distance_decimal": _decimal(result.not_minimum_distance),
            "risk": rational_string(point.risk()),
            "risk_decimal": _decimal(point.risk()),
            "point": [rational_string(v) for v in point.network.parameter_vector()],
        }
    if result.spurious is not None:
        witness = result.spurious.stats.get("witness_risk")
        out["spurious"] = result.spurious.status.value
        out["witness_risk"] = None if witness is None else rational_string(witness)
    return out


def format_nearby(result: NearbyResult) -> list[str]:
    """The text lines ``certify`` prints about a point that is not exactly critical."""
    exact = "exact" if not isinstance(result.original_risk, Interval) else "the"
    lines = [f"  {exact} risk of the point: {_both(result.original_risk)}"]
    if isinstance(result.original_risk, Interval) and result.gradient_size is not None:
        lines.append(
            "  not an exact critical point (none is rational for this loss): "
            f"max |dR/dtheta_a| <= {_decimal(result.gradient_size)}"
        )
    elif result.gradient_size is not None:
        lines.append(
            f"  not an exact critical point: max |dR/dtheta_a| = {_decimal(result.gradient_size)}"
        )
    lines += _not_minimum_lines(result)
    if result.local.status is Status.REFUTED and "no_minimum_radius" in result.local.stats:
        # an escape ray (exp_rays): refuted, no point
        lines.append(
            f"  nearby local minimum: {result.local.status.value.upper()} [escape ray]  "
            f"{result.local.stats['ray']}"
        )
        return lines
    if result.moved is None or result.distance is None or result.risk is None:
        lines.append(
            f"  nearby local minimum: {result.local.status.value.upper()} ({result.local.reason})  {result.local.detail}"
        )
        return lines
    if result.local.status is Status.REFUTED:
        return lines  # said by _not_minimum_lines
    if result.local.status is Status.UNKNOWN:  # found exactly, not decided: say where it is
        lines.append(
            f"  nearby critical point of a face: UNKNOWN ({result.local.reason}) "
            f"[{result.moved.route}] at distance {_both(result.distance)} (max norm), "
            f"risk {_both(result.risk)}; not decided: {result.local.detail}"
        )
        return lines
    lines.append(
        f"  nearby local minimum: {result.local.status.value.upper()} [{result.moved.route}] "
        f"at distance {_both(result.distance)} (max norm), risk {_both(result.risk)}"
    )
    lines.append(
        "  predictions moved by at most "
        f"{_decimal(result.local.stats['prediction_change'])} on the samples"
    )
    if "radius" in result.local.stats:
        stats = result.local.stats
        lines.append(
            f"  a local minimum lies within {_decimal(stats['radius'])} (max norm) of that point, "
            f"with risk in [{_both(stats['lower'])}, {_both(stats['upper'])}]"
        )
    if result.spurious is not None:
        witness = result.spurious.stats.get("witness_risk")
        tail = (
            ""
            if witness is None
            else f": a point of risk {_decimal(witness)} < {_decimal(result.risk)}"
        )
        lines.append(f"  spurious: {result.spurious.status.value.upper()}{tail}")
    return lines


def _not_minimum_lines(result: NearbyResult) -> list[str]:
    """A closed-cell minimum near the point that is not a local minimum, said plainly."""
    if result.not_minimum is None or result.not_minimum_distance is None:
        return []
    risk = result.not_minimum.problem.risk()
    what = {
        "closed-cell minimum": "the minimum of the closed cell",
        "face minimum": "the critical point of a face of the cell",
        "linear-block minimum": "the critical point found by the linear block",
    }.get(result.not_minimum.route, f"the {result.not_minimum.route} point")
    return [
        f"  not a local minimum: {what} at distance "
        f"{_both(result.not_minimum_distance)} (max norm), risk {_both(risk)}, "
        "descends into an adjacent cell (local_min REFUTED, a descent direction)"
    ]
