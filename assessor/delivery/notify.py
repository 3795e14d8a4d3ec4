"""One webhook message per run: a short JSON digest that also works as a Slack or Teams
incoming-webhook message (its ``text`` field).

Only counts, rule ids, asset names and the report link go out; never credentials, tags or
evidence. Delivery is retried with backoff within a time limit.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

from assessor.delivery import DeliveryError
from assessor.findings.risks import new_risks
from assessor.models import AuditResult, FindingStatus, Lifecycle, Severity

ATTEMPTS = 4
TIMEOUT_SECONDS = 10.0
BACKOFF_SECONDS = 0.5
MAX_LISTED = 20


def digest(
    result: AuditResult, threshold: Severity, report_url: str | None = None
) -> dict[str, Any]:
    """The message for a completed run: counts and the new findings at or above threshold."""
    assets = {asset.id: asset.name for asset in result.assets}
    open_findings = [f for f in result.findings if f.status is FindingStatus.OPEN]
    if result.changes is not None:
        fresh = {c.fingerprint for c in result.changes.findings if c.lifecycle is Lifecycle.NEW}
        new = [f for f in open_findings if f.fingerprint in fresh]
    else:
        new = open_findings
    new = [f for f in new if f.severity.at_least(threshold)]
    counts = {s.value: sum(1 for f in open_findings if f.severity is s) for s in Severity}
    resolved = result.changes.count(Lifecycle.RESOLVED) if result.changes else 0
    open_risks = [risk for risk in result.risks if risk.status is FindingStatus.OPEN]
    fresh_risks = (
        new_risks(result.risks, {f.fingerprint for f in new}) if result.changes else open_risks
    )
    fresh_risks = [risk for risk in fresh_risks if risk.severity.at_least(threshold)]
    lines = [
        f"assessor: {len(open_risks)} open risks ({len(open_findings)} findings; "
        f"{counts['critical']} critical, {counts['high']} high), {len(fresh_risks)} new risks "
        f"({len(new)} findings) at or above {threshold.value}, {resolved} findings resolved, "
        f"{len(result.gaps)} coverage gaps."
    ]
    lines += [
        f"• {f.severity.value} {f.rule_id} {assets.get(f.asset_id, f.asset_id)}: {f.title}"
        for f in new[:MAX_LISTED]
    ]
    if len(new) > MAX_LISTED:
        lines.append(f"…and {len(new) - MAX_LISTED} more")
    if report_url:
        lines.append(f"Report: {report_url}")
    return {
        "text": "\n".join(lines),
        "status": "completed",
        "open_by_severity": counts,
        "new_findings": [
            {
                "rule_id": f.rule_id,
                "severity": f.severity.value,
                "title": f.title,
                "asset": assets.get(f.asset_id, f.asset_id),
            }
            for f in new[:MAX_LISTED]
        ],
        "resolved": resolved,
        "coverage_gaps": len(result.gaps),
        "report_url": report_url,
    }


def failure(reason: str) -> dict[str, Any]:
    """The message for a run that failed (probe crash, unreadable rules, failed upload)."""
    return {"text": f"assessor run failed: {reason}", "status": "failed", "reason": reason}


def send(url: str, payload: dict[str, Any]) -> None:
    if not url.startswith(("https://", "http://")):
        raise DeliveryError(f"--notify: {url!r} is not an http(s) URL")
    body = json.dumps(payload).encode("utf-8")
    last: Exception | None = None
    deadline = time.monotonic() + TIMEOUT_SECONDS * ATTEMPTS
    for attempt in range(ATTEMPTS):
        request = urllib.request.Request(  # noqa: S310 - only http(s), checked above
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
                if answer.status < 300:
                    return
        except urllib.error.HTTPError as error:
            last = error
            if error.code < 500 and error.code != 429:
                break  # the receiver refuses the message: retrying will not help
        except (urllib.error.URLError, OSError) as error:
            last = error
        if time.monotonic() > deadline:
            break
        time.sleep(BACKOFF_SECONDS * 2**attempt)
    raise DeliveryError(f"--notify: the webhook did not accept the message ({last})")


def announce_failure(urls: Sequence[str], reason: str) -> list[str]:
    """Tell every webhook that a scheduled run failed; returns what could not be sent (a
    failure notice that fails must not hide the failure it was about)."""
    errors = []
    for url in urls:
        try:
            send(url, failure(reason))
        except DeliveryError as error:
            errors.append(str(error))
    return errors
