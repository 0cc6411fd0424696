"""Files in and out: the JSON problem format, CSV / NPZ data."""

from losscert.io.problem_file import problem_from_dict, problem_to_dict, read_problem, write_problem

__all__ = ["problem_from_dict", "problem_to_dict", "read_problem", "write_problem"]
