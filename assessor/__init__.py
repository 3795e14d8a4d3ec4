"""assessor: where in the world your data and workloads are, and who could be compelled to
hand them over."""

__version__ = "0.1.0"
