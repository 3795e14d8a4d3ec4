"""Delivering written reports: publishing them to buckets, and webhook notifications."""

from assessor.errors import AssessorError, ExitCode


class DeliveryError(AssessorError):
    """Reports were written but could not be published or announced (exit 3)."""

    exit_code = ExitCode.DELIVERY
