"""Benchmarks: scripts that print numbers, each beside a baseline measured in the same run."""
