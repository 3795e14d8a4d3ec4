"""The findings stage: what the rules found, made into a result.

Waivers and baselines decide which findings count, identity gives each a fingerprint that
survives edits, scoring weighs them, and :mod:`assessor.findings.result` assembles the
:class:`~assessor.models.AuditResult` the renderers turn into reports.
"""
