"""The code probe (see :mod:`assessor.probes.code.probe`)."""
