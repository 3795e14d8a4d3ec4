"""Probes list a cloud's assets. Each lives in its own module and is registered through the
``assessor.probes`` entry-point group, built-in ones exactly like a third party's."""
