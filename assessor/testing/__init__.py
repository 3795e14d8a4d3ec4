"""Test support, in one place: what the test suite, the benchmarks and the demo run against.

* :mod:`~assessor.testing.servers`: loopback API servers for the clouds that have no
  emulator (Alibaba, Tencent, Huawei, Cloud Asset Inventory, Azure Resource Graph), shaped
  from each provider's own definitions; the real, unmodified SDKs talk to them.
* :mod:`~assessor.testing.emulators`: a moto server and the GCS emulator on loopback, and
  the environment that points the SDKs at them.
* :mod:`~assessor.testing.faultproxy`: a proxy in front of any of them that injects the
  real failure modes (throttling, denial, dropped connections, latency).
* :mod:`~assessor.testing.webhooks`: the receiving end of ``--notify``.
* :mod:`~assessor.testing.environment`: variables set for a while and put back.
* :mod:`~assessor.testing.probes`: run one probe and look at what it found.

It ships in the package because the demo serves its estate with the same servers, and so
that a third-party probe can be tested the way the built-in ones are (see CONTRIBUTING.md).
Nothing in ``assessor`` outside the demo imports it.
"""
