"""The benchmark (`python -m tests.perf`) and the scale generator's tests."""
