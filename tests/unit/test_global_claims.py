"""The claim rules global_min (one hidden layer), not_global_min and global_lower_bound."""

import copy
from fractions import Fraction

from losscert import checker
from losscert.model.activation import relu
from losscert.model.dataset import Dataset
from losscert.model.loss import Loss
from losscert.model.network import Network
from losscert.model.problem import Problem
from losscert.verifier.global_min import certify_global_min
from losscert.verifier.verdict import Status

F = Fraction


def _problem():
    net = Network.from_rationals([[[1]], [[1]]], [[F(1, 2)], [0]], relu())
    data = Dataset.from_rows([[0], [1], [2], [3]], [[0], [2], [1], [3]])
    return Problem(net, Loss("squared"), data)


def _valid(document):
    return checker.check_document(document).valid


def test_refutation_and_proof_round_trip():
    result = certify_global_min(_problem())
    assert result.verdict.status is Status.REFUTED
    assert result.verdict.certificate["claim"]["kind"] == "not_global_min"
    assert _valid(result.verdict.certificate)
    # the same point at the witness is the global minimum
    proved = certify_global_min(_problem().with_network(result.witness))
    assert proved.verdict.status is Status.PROVED
    cert = proved.verdict.certificate
    assert _valid(cert)
    bounds = [s for s in cert["evidence"] if s["kind"] == "convex_lower_bound"]
    assert bounds, "the proof needs convex_lower_bound steps"
    # d_1 = 1: each block's own program is the only step that covers it, so without any one
    # bound step, or without the regions or the risk, global_min is not concluded
    assert proved.route == "subsets" and len(bounds) == 2 * proved.patterns
    for drop in [*(s["id"] for s in bounds), "regions", "risk"]:
        mutated = copy.deepcopy(cert)
        mutated["evidence"] = [s for s in mutated["evidence"] if s["id"] != drop]
        assert not _valid(mutated), drop
    # dropping one realisable region breaks completeness
    mutated = copy.deepcopy(cert)
    regions = next(s for s in mutated["evidence"] if s["kind"] == "neuron_regions_sparse")
    regions["regions"].pop()
    assert not _valid(mutated)


def test_global_lower_bound_states_at_most_the_certified_bound():
    result = certify_global_min(_problem())
    cert = result.bound_certificate
    assert _valid(cert)
    bound = F(cert["claim"]["bound"])
    weaker = copy.deepcopy(cert)
    weaker["claim"]["bound"] = str(bound - 1)
    assert _valid(weaker)  # a smaller bound states less
    stronger = copy.deepcopy(cert)
    stronger["claim"]["bound"] = str(bound + F(1, 1000))
    assert not _valid(stronger)
    extra = copy.deepcopy(cert)
    extra["claim"]["note"] = "x"
    assert not _valid(extra)
    missing = copy.deepcopy(cert)
    del missing["claim"]["bound"]
    assert not _valid(missing)
