"""The Terraform expression tree: parsed once, evaluated as Terraform would, searched for
references through the same tree (so a flow and a value never disagree)."""

from __future__ import annotations

from typing import Any

import pytest

from assessor.probes.terraform.evaluate import Missing, Unknown, Unresolved, evaluate
from assessor.probes.terraform.references import references, written
from assessor.probes.terraform.resources import region_from
from assessor.probes.terraform.syntax import Conditional, For, SyntaxProblem, parse

VARIABLES: dict[str, Any] = {
    "region": "eu-west-1",
    "nothing": None,
    "enabled": True,
    "buckets": {
        "logs": {"region": "eu-west-1", "create": True},
        "cn": {"region": "cn-north-1", "create": False},
    },
    "names": [{"name": "a"}, {"name": "b"}],
    "cors_rule": [],
}


def resolve(path: tuple[str | int, ...]) -> Any:
    """Variables are known; resources' attributes are known only after apply."""
    if path[0] == "var":
        value: Any = VARIABLES
        for step in path[1:]:
            known = step in value if isinstance(value, dict) else isinstance(step, int)
            if known:
                value = value[step]
            else:
                raise Missing(".".join(map(str, path)), f"no {step!r} in the value")
        return value
    raise Unresolved(".".join(map(str, path)), "known only after apply", "random_pet.this")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("eu-west-1", "eu-west-1"),
        ("${var.region}", "eu-west-1"),
        ("${2}", 2),  # one interpolation alone keeps its type
        ("${var.nothing}", None),
        ("bucket-${var.region}-${1 + 1}", "bucket-eu-west-1-2"),
        ("$${not.interpolated}", "${not.interpolated}"),
        ("<<EOT\nin ${var.region}\nEOT", "in eu-west-1\n"),
        ("<<-EOT\n    indented\n    EOT", "indented\n"),
        ('${var.enabled ? "yes" : random_pet.this.id}', "yes"),  # the branch not taken
        ("${!var.enabled || 3 > 2}", True),
        ('${"2" + 1}', 3),  # Terraform converts numeric strings
        ("${{for k, v in var.buckets : k => v.region if v.create}}", {"logs": "eu-west-1"}),
        ("${[for b in var.names : upper(b.name)]}", ["A", "B"]),
        ('${{for b in var.names : "all" => b.name...}}', {"all": ["a", "b"]}),
        ("${var.names[*].name}", ["a", "b"]),
        ("${var.names.*.name}", ["a", "b"]),
        ("${var.buckets.logs.region}", "eu-west-1"),
        ('${var.buckets["logs"]["region"]}', "eu-west-1"),
        ("${try(var.buckets.nowhere.region, var.region)}", "eu-west-1"),
        ("${can(var.buckets.nowhere)}", False),
        ("${length(try(jsondecode(var.cors_rule), var.cors_rule))}", 0),
        ('${format("%s-%d", var.region, 3)}', "eu-west-1-3"),
        ('${coalesce(var.nothing, "", "x")}', "x"),
        ("${merge({a = 1}, {b = 2})}", {"a": 1, "b": 2}),
        ("${concat([[1], [2, 3]]...)}", [1, 2, 3]),
        ("${max([3, 7, 5]...)}", 7),
        ('${lookup({eu = "x"}, "us", "fallback")}', "fallback"),
        ("${keys({b = random_pet.this.id, a = 1})}", ["a", "b"]),  # unknown values, known keys
    ],
)
def test_values(text: str, value: Any) -> None:
    assert evaluate(text, resolve) == value


def test_unknown_values_flow_as_in_terraform() -> None:
    """An unknown stays unknown through strings and collections, and remembers the string
    it was built into and the block it came from."""
    built = evaluate("replica-${random_pet.this.id}", resolve)
    assert isinstance(built, Unknown)
    assert built.symbol == "replica-${random_pet.this.id}"
    assert built.blocks == ("random_pet.this",)
    # try() cannot decide on an unknown (Terraform's own rule): it is not skipped.
    assert isinstance(evaluate('${try(random_pet.this.id, "x")}', resolve), Unknown)
    assert isinstance(evaluate("${random_pet.this.id == 1 ? 1 : 2}", resolve), Unknown)
    nested = evaluate("${{ name = random_pet.this.id, n = 1 }}", resolve)
    assert nested["n"] == 1 and isinstance(nested["name"], Unknown)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("${var.buckets.nowhere}", "no 'nowhere'"),
        ("${timestamp()}", "timestamp() cannot be known"),
        ('${"a" * 2}', "* needs numbers"),
        ("${[for x in 3 : x]}", "not a collection"),
        ('${{for k, v in var.buckets : "same" => v}}', "gives the key 'same' twice"),
    ],
)
def test_errors_name_the_expression_and_why(text: str, why: str) -> None:
    with pytest.raises(Unresolved) as raised:
        evaluate(text, resolve)
    assert why in raised.value.why and raised.value.expression.startswith("${")


@pytest.mark.parametrize(
    "text", ["${var.", "${(1}", '${"open}', "${a ? b}", "%{ if x }y%{ endif }"]
)
def test_what_does_not_parse_is_unresolved_never_guessed(text: str) -> None:
    with pytest.raises(Unresolved):
        evaluate(text, resolve)
    with pytest.raises(SyntaxProblem):
        parse.__wrapped__(text)


def test_each_text_is_parsed_once() -> None:
    text = "${var.region}-parsed-once"
    parse.cache_clear()
    evaluate(text, resolve)
    evaluate(text, resolve)
    references(text, resolve)
    info = parse.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_the_tree_has_hcl_precedence() -> None:
    tree = parse("${a || b && c ? [for x in d : x] : e}")
    assert isinstance(tree, Conditional) and isinstance(tree.yes, For)
    assert written(tree.condition) == "a || b && c"


def test_references_follow_only_the_branch_taken() -> None:
    taken = references("${var.enabled ? aws_s3_bucket.a.arn : aws_s3_bucket.b.arn}", resolve)
    assert [(r.address, r.possible) for r in taken] == [("aws_s3_bucket.a", False)]


def test_an_open_condition_makes_both_branches_possible_and_says_why() -> None:
    found = references("${var.unset ? aws_s3_bucket.a.arn : aws_s3_bucket.b.arn}", resolve)
    assert [r.address for r in found] == ["aws_s3_bucket.a", "aws_s3_bucket.b"]
    assert all(
        r.possible and r.condition == "only if var.unset (not known before apply)" for r in found
    )


def test_references_skip_variables_for_names_and_keep_known_instance_keys() -> None:
    found = references(
        '${[for b in var.names : b.name]} ${aws_s3_bucket.x["logs"].id} ${aws_s3_bucket.y[0].id}'
        " ${data.aws_region.current.name} ${local.a} ${each.key} ${module.m.out}",
        resolve,
    )
    assert [r.address for r in found] == ['aws_s3_bucket.x["logs"]', "aws_s3_bucket.y[0]"]


@pytest.mark.parametrize(
    ("value", "provider", "zone", "region"),
    [
        ("eu-west-1a", "aws", True, "eu-west-1"),
        ("us-central1-b", "google", True, "us-central1"),
        ("ap-guangzhou-3", "tencentcloud", True, "ap-guangzhou"),
        ("ap-shanghai-fsi-1", "tencentcloud", True, "ap-shanghai-fsi"),
        ("cn-hangzhou-h", "alicloud", True, "cn-hangzhou"),
        ("ap-southeast-1a", "alicloud", True, "ap-southeast-1"),
        ("cn-north-4a", "huaweicloud", True, "cn-north-4"),
        ("cn-beijing", "alicloud", False, "cn-beijing"),  # a region is never cut
        ("East Asia", "azurerm", False, "eastasia"),
    ],
)
def test_zones_name_their_region(value: str, provider: str, zone: bool, region: str) -> None:
    assert region_from(value, provider, zone=zone) == region
