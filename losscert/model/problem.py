"""A problem: a network at a point theta*, its loss and its data, checked for consistency."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from losscert.errors import InputError
from losscert.model.dataset import Dataset
from losscert.model.forward import ForwardTrace, forward
from losscert.model.loss import Interval, Loss, exact_risk, risk_bounds
from losscert.model.network import Network


@dataclass(frozen=True)
class Problem:
    """Network (architecture, activation and the point theta*), loss and data.

    Construction checks that the network's input and output widths match the data and that the
    labels suit the loss; the exact forward pass is computed once, on first use.
    """

    network: Network
    loss: Loss
    data: Dataset
    _trace: list[ForwardTrace] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.network.input_dim != self.data.input_dim:
            raise InputError(
                f"problem: the network takes {self.network.input_dim} inputs (layer 1 W has "
                f"{self.network.input_dim} columns) but each data input has {self.data.input_dim}"
            )
        if self.network.output_dim != self.data.output_dim:
            raise InputError(
                f"problem: the network has {self.network.output_dim} outputs (last layer W has "
                f"{self.network.output_dim} rows) but each label has {self.data.output_dim} entries"
            )
        self.loss.validate_labels(self.data.label_rows())

    def trace(self) -> ForwardTrace:
        """The exact forward pass of the data through the network (computed once)."""
        if not self._trace:
            self._trace.append(forward(self.network, self.data.inputs))
        return self._trace[0]

    def risk(self) -> Fraction:
        """The exact risk R(theta*); UnsupportedError for logistic / softmax (use risk_bounds)."""
        return exact_risk(self.loss, self.data.labels, self.trace().outputs)

    def risk_bounds(self, precision: int = 128) -> Interval:
        """A rigorous rational interval containing R(theta*) (a point for rational losses)."""
        return risk_bounds(self.loss, self.data.labels, self.trace().outputs, precision=precision)

    def with_network(self, network: Network) -> Problem:
        """The same loss and data at another point (or architecture)."""
        return Problem(network, self.loss, self.data)
