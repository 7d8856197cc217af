"""Benchmarks (``make bench``): not tests; see run.py."""
