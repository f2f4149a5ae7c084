"""Synapse (matrix-synapse from PyPI) in its own cached venv, seeded and driven like the max run."""

VERSION = "1.163.2"  # the newest 1.163 patch on PyPI; issue 17 quotes Synapse 1.163
