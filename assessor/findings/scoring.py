"""Risk scores per asset, per account and overall, with arithmetic the report can show.

* Each open risk (one fact about one asset, however many packs it breaks) is worth the
  severity points of its worst open finding: critical 10, high 7, medium 4, low 1, info 0
  (the bands GitHub code scanning uses for security severity). A bucket in Hong Kong is one
  fact whether one pack or four say so.
* An asset's score is its points, times a data factor (1.5 for sensitive classifications,
  0.5 for public data, 1.0 otherwise), times an exposure factor (1.25 when public access is
  not blocked), capped at 100.
* An account's score, and the overall score, is 60% its worst asset plus 40% the average of
  all its assets: one very exposed asset dominates, and breadth still counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from assessor.models import (
    Asset,
    FindingStatus,
    Risk,
    RiskScore,
    Scores,
    Severity,
    assembled,
    shared_fields_set,
)

_SCORE_FIELDS = shared_fields_set(RiskScore.model_fields)

SEVERITY_POINTS = {
    Severity.CRITICAL: 10.0,
    Severity.HIGH: 7.0,
    Severity.MEDIUM: 4.0,
    Severity.LOW: 1.0,
    Severity.INFO: 0.0,
}
SENSITIVE_CLASSES = frozenset(
    {
        "pii",
        "personal",
        "phi",
        "health",
        "financial",
        "genomic",
        "omic",
        "biometric",
        "geolocation",
        "government",
        "confidential",
        "secret",
        "restricted",
    }
)
PUBLIC_CLASSES = frozenset({"public"})
WORST_WEIGHT = 0.6
MEAN_WEIGHT = 0.4
CAP = 100.0

METHOD = (
    "Each open risk (one fact about one asset, however many packs it breaks) adds the severity "
    "points of its worst open finding (critical 10, high 7, medium 4, low 1). An asset "
    "scores its points x 1.5 for sensitive data (0.5 for public data) x 1.25 when public access "
    "is not blocked, capped at 100. Accounts and the whole estate score 60% of their worst "
    "asset plus 40% of the average over all their assets. Waived findings add nothing."
)


def data_factor(asset: Asset) -> float:
    """How much the data on an asset weighs in its score: more for sensitive classes, less for
    public ones."""
    if asset.classification in SENSITIVE_CLASSES:
        return 1.5
    if asset.classification in PUBLIC_CLASSES:
        return 0.5
    return 1.0


def exposure_factor(asset: Asset) -> float:
    """An asset open to the public weighs more."""
    return 1.25 if asset.public_access_blocked is False else 1.0


def score(assets: Sequence[Asset], risks: Sequence[Risk]) -> Scores:
    """The 0-100 scores of every asset, account and the estate, with the arithmetic the report
    shows."""
    points: dict[str, float] = defaultdict(float)
    for risk in risks:
        if risk.status is FindingStatus.OPEN:
            points[risk.asset_id] += SEVERITY_POINTS[risk.severity]
    per_asset: dict[str, RiskScore] = {}
    by_account: dict[str, list[float]] = defaultdict(list)
    for asset in assets:
        data, exposure = data_factor(asset), exposure_factor(asset)
        value = round(min(CAP, points.get(asset.id, 0.0) * data * exposure), 1)
        if value > 0:
            # Floats worked out here: one compact score per asset, not validated again.
            per_asset[asset.id] = assembled(
                RiskScore,
                _SCORE_FIELDS,
                {
                    "score": value,
                    "points": points[asset.id],
                    "data_factor": data,
                    "exposure_factor": exposure,
                },
            )
        by_account[f"{asset.provider.value}:{asset.account}"].append(value)
    all_values = [value for values in by_account.values() for value in values]
    drivers = sorted(per_asset, key=lambda asset_id: (-per_asset[asset_id].score, asset_id))
    return Scores(
        overall=_blend(all_values),
        accounts={account: _blend(values) for account, values in sorted(by_account.items())},
        assets=per_asset,
        drivers=tuple(drivers[:5]),
        method=METHOD,
    )


def _blend(values: Sequence[float]) -> float:
    return blend(max(values, default=0.0), sum(values), len(values))


def blend(worst: float, total: float, count: int) -> float:
    """60% of the worst asset's score plus 40% of the average of ``count`` assets whose
    scores add up to ``total``."""
    if not count:
        return 0.0
    return round(WORST_WEIGHT * worst + MEAN_WEIGHT * total / count, 1)
