"""Product input validation: every rule names its field, good input is cleaned."""

from __future__ import annotations

from typing import Any

import pytest

from livesale.domain.errors import ValidationFailed
from livesale.domain.products import MAX_VARIANTS, ProductChanges
from livesale.web.catalogue_requests import parse_new_product, parse_product_changes


def variant(**overrides: Any) -> dict[str, Any]:
    """A valid variant body with some fields replaced."""
    return {"sku": "TEE-M", "price_minor": 1999, "currency": "EUR", "stock": 10, **overrides}


def body(**overrides: Any) -> dict[str, Any]:
    """A valid product body with some fields replaced."""
    return {"title": "T-shirt", "variants": [variant()], **overrides}


def test_a_minimal_product_is_cleaned() -> None:
    data = parse_new_product(
        body(
            title="  Organic tee  ",
            description=" soft ",
            variants=[
                variant(options={"size": "M", "colour": " Red "}),
                variant(sku="TEE-L", name=" Large ", currency="eur"),
            ],
        )
    )
    assert data.title == "Organic tee"
    assert data.description == "soft"
    assert data.image_ids == ()
    first, second = data.variants
    assert first.name == "M / Red"  # derived from the options, in their order
    assert first.options == (("size", "M"), ("colour", "Red"))
    assert second.name == "Large"
    assert second.currency == "EUR"
    assert first.id is None


def long_options() -> dict[str, str]:
    return {f"o{i}": "x" for i in range(6)}


BAD_BODIES: list[tuple[object, str]] = [
    ([], "body"),
    (body(extra=1), "extra"),
    ({"variants": [variant()]}, "title"),
    (body(title="   "), "title"),
    (body(title="x" * 201), "title"),
    (body(title=5), "title"),
    (body(description="x" * 5001), "description"),
    (body(description=None), "description"),
    ({"title": "T"}, "variants"),
    (body(variants=[]), "variants"),
    (body(variants=[variant(sku=f"S{i}") for i in range(MAX_VARIANTS + 1)]), "variants"),
    (body(variants={"sku": "A"}), "variants"),
    (body(variants=["TEE"]), "variants[0]"),
    (body(variants=[variant(colour="red")]), "variants[0].colour"),
    (body(variants=[variant(id="abc")]), "variants[0].id"),
    (body(variants=[{"price_minor": 1, "currency": "EUR", "stock": 1}]), "variants[0].sku"),
    (body(variants=[variant(sku="")]), "variants[0].sku"),
    (body(variants=[variant(sku="has space")]), "variants[0].sku"),
    (body(variants=[variant(sku="x" * 65)]), "variants[0].sku"),
    (body(variants=[variant(sku="tee/1")]), "variants[0].sku"),
    (body(variants=[variant(), variant(sku="TEE-L"), variant()]), "variants[2].sku"),
    (body(variants=[variant(price_minor=True)]), "variants[0].price_minor"),
    (body(variants=[variant(price_minor=19.99)]), "variants[0].price_minor"),
    (body(variants=[variant(price_minor="1999")]), "variants[0].price_minor"),
    (body(variants=[variant(price_minor=0)]), "variants[0].price_minor"),
    (body(variants=[variant(price_minor=100_000_001)]), "variants[0].price_minor"),
    (body(variants=[variant(currency="EURO")]), "variants[0].currency"),
    (body(variants=[variant(), variant(sku="B", currency="USD")]), "variants[1].currency"),
    (body(variants=[variant(stock=-1)]), "variants[0].stock"),
    (body(variants=[variant(stock=1_000_001)]), "variants[0].stock"),
    (body(variants=[variant(stock=2.0)]), "variants[0].stock"),
    (body(variants=[variant(stock=False)]), "variants[0].stock"),
    (body(variants=[variant(name="x" * 101)]), "variants[0].name"),
    (body(variants=[variant(name=7)]), "variants[0].name"),
    (body(variants=[variant(options=long_options())]), "variants[0].options"),
    (body(variants=[variant(options={"size": "x" * 41})]), "variants[0].options"),
    (body(variants=[variant(options={"x" * 41: "M"})]), "variants[0].options"),
    (body(variants=[variant(options={"size": 42})]), "variants[0].options"),
    (body(variants=[variant(options={"size": ""})]), "variants[0].options"),
    (body(variants=[variant(options=["M"])]), "variants[0].options"),
    (body(image_ids="abc"), "image_ids"),
    (body(image_ids=[f"img{i}" for i in range(11)]), "image_ids"),
    (body(image_ids=["a/../b"]), "image_ids[0]"),
    (body(image_ids=["abc", "abc"]), "image_ids[1]"),
]


@pytest.mark.parametrize(("data", "field"), BAD_BODIES)
def test_each_rule_names_its_field(data: object, field: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_new_product(data)
    assert info.value.code == "validation_failed"
    assert info.value.status == 400
    assert info.value.details["field"] == field, info.value.message


def test_changes_keep_only_what_is_sent() -> None:
    assert parse_product_changes({}) == ProductChanges()
    changes = parse_product_changes({"description": "", "variants": [variant(id="v1")]})
    assert changes.title is None
    assert changes.image_ids is None
    assert changes.description == ""
    assert changes.variants is not None
    assert changes.variants[0].id == "v1"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"status": "archived"}, "status"),
        ({"variants": []}, "variants"),
        ({"variants": [variant(id="v1"), variant(id="v1", sku="B")]}, "variants[1].id"),
        ({"variants": [variant(id=5)]}, "variants[0].id"),
    ],
)
def test_bad_changes(data: object, field: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_product_changes(data)
    assert info.value.details["field"] == field
