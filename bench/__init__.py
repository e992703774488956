"""Benchmarks of the ldkit pipeline: a synthetic-graph generator and load/validate/build timings."""
