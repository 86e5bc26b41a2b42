"""Benchmarks: speed and memory against baselines measured in the same run."""
