"""Links to other datasets: read them, check them against their targets, suggest new ones, report.

`ldkit link check|suggest|report` (see `cli.py`) is a thin layer over these modules; the design is
in docs/linking.md.
"""
