"""Reading arrays from ``.npz`` archives without trusting the archive.

An ``.npz`` file is a zip archive of ``.npy`` members. ``numpy.load`` hands back the raw bytes of
a member that is not an ``.npy`` array, and allocates whatever shape a member's header declares
before it reads the data; a small file can so inflate to gigabytes. Here, before any data is
read, each member the caller asks for must be named ``KEY.npy``, declare (in the zip directory)
at most :data:`MAX_MEMBER_BYTES` decompressed bytes, start with the ``.npy`` magic, and have a
header whose shape and dtype describe at most :data:`MAX_ARRAY_ELEMENTS` numbers of a numeric
dtype that fit the declared size. The zip reader never inflates a member beyond its declared
size (a member that inflates further fails its CRC), so reading is bounded by these checks.
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

from losscert.errors import InputError

MAX_ARCHIVE_BYTES = 256 * 1024 * 1024
"""The largest ``.npz`` file opened."""
MAX_MEMBER_BYTES = 64 * 1024 * 1024
"""The most decompressed bytes of one member, as the zip directory declares them."""
MAX_ARRAY_ELEMENTS = 1_000_000
"""The most numbers in one array."""


def read_npz_arrays(path: Path, keys: tuple[str, ...], where: str) -> dict[str, np.ndarray]:
    """{key: array} for the keys present in the archive (the caller reports missing ones)."""
    try:
        size = path.stat().st_size
        if size > MAX_ARCHIVE_BYTES:
            raise InputError(
                f"{where}.file: {path} has {size} bytes, beyond the limit of {MAX_ARCHIVE_BYTES}"
            )
        with path.open("rb") as handle:
            magic = handle.read(6)
        if magic == b"\x93NUMPY":
            raise InputError(f"{where}.file: {path} holds a single .npy array, not an .npz archive")
        if not magic.startswith(b"PK\x03\x04"):  # zip readers skip leading junk; numpy does not
            raise InputError(
                f"{where}.file: cannot read {path} as .npz: no zip header at its start"
            )
        with zipfile.ZipFile(path) as archive:
            members = {info.filename: info for info in archive.infolist()}
            return {
                key: _member(archive, members[f"{key}.npy"], f"{where}: {path.name}[{key!r}]")
                for key in keys
                if f"{key}.npy" in members
            }
    except InputError:
        raise
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise InputError(f"{where}.file: cannot read {path} as .npz: {exc}") from exc
    except (NotImplementedError, RuntimeError) as exc:  # unknown compression, encryption
        raise InputError(f"{where}.file: cannot read {path} as .npz: {exc}") from exc


def npz_keys(path: Path, where: str) -> list[str]:
    """The array names of the archive (members ``NAME.npy``), for messages."""
    try:
        with zipfile.ZipFile(path) as archive:
            return [n[:-4] for n in archive.namelist() if n.endswith(".npy")]
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"{where}.file: cannot read {path} as .npz: {exc}") from exc


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> np.ndarray:
    if info.file_size > MAX_MEMBER_BYTES:
        raise InputError(
            f"{where}: the member declares {info.file_size} bytes decompressed, beyond the limit "
            f"of {MAX_MEMBER_BYTES}"
        )
    with archive.open(info) as handle:
        try:
            version = npy_format.read_magic(handle)
        except ValueError as exc:
            raise InputError(f"{where}: the member is not an .npy array ({exc})") from exc
        readers = {
            (1, 0): npy_format.read_array_header_1_0,
            (2, 0): npy_format.read_array_header_2_0,
        }
        if version not in readers:
            raise InputError(
                f"{where}: .npy format version {version} is not read (1.0 and 2.0 are)"
            )
        try:
            shape, fortran, dtype = readers[version](handle, max_header_size=10_000)
        except (ValueError, SyntaxError, TypeError) as exc:
            raise InputError(f"{where}: unreadable .npy header ({exc})") from exc
        if dtype.kind not in "iuf" or dtype.hasobject:
            raise InputError(
                f"{where}: arrays must hold integers or floats, got dtype {dtype} (read without "
                "pickles: an object array is never unpickled)"
            )
        count = math.prod(shape)
        if count > MAX_ARRAY_ELEMENTS or count * dtype.itemsize > info.file_size:
            raise InputError(
                f"{where}: the header declares shape {shape} of {dtype} ({count} numbers), beyond "
                f"the limit of {MAX_ARRAY_ELEMENTS} numbers or the member's {info.file_size} bytes"
            )
        data = handle.read(count * dtype.itemsize)
    if len(data) != count * dtype.itemsize:
        raise InputError(f"{where}: the member ends before its {count} numbers")
    array = np.frombuffer(data, dtype=dtype, count=count)
    return array.reshape(shape, order="F" if fortran else "C")
