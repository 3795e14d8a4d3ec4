"""The network probe (see :mod:`assessor.probes.network.probe`)."""
