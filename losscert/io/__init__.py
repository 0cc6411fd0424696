"""Files in and out: the JSON problem format, CSV / NPZ data, PyTorch and ONNX import.

``from_torch`` and ``from_onnx`` import torch / onnx only when called (extras ``torch``, ``onnx``).
"""

from losscert.io.onnx_import import from_onnx
from losscert.io.problem_file import problem_from_dict, problem_to_dict, read_problem, write_problem
from losscert.io.torch_import import from_torch

__all__ = [
    "from_onnx",
    "from_torch",
    "problem_from_dict",
    "problem_to_dict",
    "read_problem",
    "write_problem",
]
