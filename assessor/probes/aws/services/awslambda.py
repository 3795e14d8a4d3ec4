"""Lambda: functions, with the key that encrypts their environment variables.

Calls: pages of ListFunctions per region (tags would cost one call per function and are
not read).
"""

from __future__ import annotations

from typing import Any, ClassVar

from assessor.models import Asset
from assessor.probes.aws.services.base import RegionScope, ServiceReader, Work, kms_encryption


class LambdaReader(ServiceReader):
    name = "lambda"
    untagged_types = ("lambda:function",)
    operations: ClassVar[frozenset[str]] = frozenset({"lambda:ListFunctions"})

    def read(self, scope: RegionScope) -> Work:
        functions = scope.pages("lambda", "list_functions", "Functions")
        return [function_asset(scope, function) for function in functions]


def function_asset(scope: RegionScope, function: dict[str, Any]) -> Asset:
    name = function["FunctionName"]
    return scope.asset(
        service="lambda",
        kind="function",
        id=function.get("FunctionArn") or scope.arn("lambda", f"function:{name}"),
        name=name,
        encryption=kms_encryption(True, function.get("KMSKeyArn"), scope.region),
        attributes={
            "runtime": function.get("Runtime", ""),
            "package_type": function.get("PackageType", ""),
        },
    )
