"""Compactly laid-out models (located assets, findings, history changes) behave exactly as
validated ones: equal, dumped, copied, pickled alike; the shared empty mapping stays empty."""

from __future__ import annotations

import pickle

import pytest

from assessor.catalog import Catalog, locate
from assessor.models import Asset, Provider
from assessor.models.base import SHARED_EMPTY, compact_values


def _asset(**extra: object) -> Asset:
    return Asset.model_validate(
        {
            "id": "arn:aws:s3:::acme-hk",
            "provider": Provider.AWS,
            "service": "s3",
            "kind": "bucket",
            "name": "acme-hk",
            "account": "111122223333",
            "region": "ap-east-1",
            **extra,
        }
    )


def test_a_located_asset_equals_the_validated_one(catalog: Catalog) -> None:
    raw = _asset(tags={"data-class": "pii"})
    located = locate(raw, catalog)
    assert located.location is not None and located.location.country == "HK"
    validated = Asset.model_validate(located.model_dump())
    assert located == validated
    assert located.model_dump_json() == validated.model_dump_json()
    assert pickle.loads(pickle.dumps(located)) == located
    copied = located.model_copy(update={"name": "renamed"})
    assert copied.name == "renamed" and located.name == "acme-hk"
    assert located.attributes is SHARED_EMPTY and located.tags == {"data-class": "pii"}


def test_the_shared_empty_mapping_refuses_to_be_filled(catalog: Catalog) -> None:
    located = locate(_asset(), catalog)
    for fill in (
        lambda m: m.__setitem__("k", "v"),
        lambda m: m.update(k="v"),
        lambda m: m.setdefault("k", "v"),
    ):
        with pytest.raises(TypeError, match="shared and read-only"):
            fill(located.tags)
    assert SHARED_EMPTY == {} and located.model_dump()["tags"] == {}
    # A copy made to be changed is an ordinary dict.
    assert dict(located.tags) == {} and type(dict(located.tags)) is dict


def test_compact_values_keep_every_field_in_model_order() -> None:
    asset = _asset()
    values = compact_values(Asset, dict(reversed(asset.__dict__.items())))
    assert list(values) == list(Asset.model_fields)
    assert values == {**asset.__dict__, "tags": {}, "attributes": {}}


def test_texts_many_assets_repeat_are_held_once(catalog: Catalog) -> None:
    # As from two separate answers: equal account ids, two string objects.
    first = locate(_asset(account="".join(["1111", "22223333"])), catalog)
    second = locate(_asset(account="".join(["111122", "223333"])), catalog)
    assert first.account is second.account
    assert "account" in Asset.REPEATED and "id" not in Asset.REPEATED


def test_tags_many_assets_repeat_are_held_once_and_read_only(catalog: Catalog) -> None:
    first = locate(_asset(tags={"env": "prod", "team": "data"}), catalog)
    second = locate(_asset(tags={"env": "prod", "team": "data"}), catalog)
    reordered = locate(_asset(tags={"team": "data", "env": "prod"}), catalog)
    assert first.tags is second.tags and list(reordered.tags) == ["team", "env"]
    with pytest.raises(TypeError, match="shared and read-only"):
        first.tags["env"] = "dev"
    assert second.tags == {"env": "prod", "team": "data"}
    # What is not a small mapping of texts keeps its own dict.
    many = {f"k{n}": "v" for n in range(20)}
    assert locate(_asset(tags=many), catalog).tags == many
    assert type(locate(_asset(tags=many), catalog).tags) is dict
    revived = pickle.loads(pickle.dumps(first))
    assert revived == first and revived.tags == {"env": "prod", "team": "data"}
