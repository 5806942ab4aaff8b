"""Speed work that does not read like the MATLAB, kept apart and opt-in (benchmarks/README.md):

- ``speed.memory.keep_freed_memory()``: let the C allocator keep freed memory (called by the
  scripts and the benchmark, never by the library's training loop);
- ``speed.fused_numpy``: the whole iteration as one numpy function, the benchmark's floor.
"""
