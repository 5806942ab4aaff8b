"""Let the C allocator keep freed memory, so that numpy's fresh arrays do not page-fault.

Each training iteration allocates and frees the same few hundred kilobytes of arrays. glibc's
malloc gives freed memory at the top of its heap back to the system (above 128 kB, by default)
and hands out large blocks from fresh ``mmap`` pages; the next iteration then touches new pages,
and every page is a fault (on the 2-core VM of the benchmark: 150-300 faults per iteration,
a third to half of the reference's time). :func:`keep_freed_memory` raises the two thresholds
(``mallopt``), once per process: freed memory stays with the process and is reused.
Elsewhere than glibc it does nothing.
"""

import ctypes
import ctypes.util
import functools
import sys

M_TOP_PAD = -2  # glibc mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
KEEP_BYTES = 64 << 20  # 64 MB of heap kept once grown (untouched pages use no memory)
MMAP_ABOVE = 32 << 20  # blocks below 32 MB come from the heap


@functools.cache
def keep_freed_memory():
    """Raise glibc's trim and mmap thresholds once; True if it was done (Linux with glibc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_TOP_PAD, KEEP_BYTES)) and bool(mallopt(M_MMAP_THRESHOLD, MMAP_ABOVE))
