"""The money rules of a deal's product rows: per-row rounding, discounts, taxes, and bad input."""

from decimal import Decimal as Dec

import pytest

from crm_app.models import DiscountType
from crm_app.services import deal_money
from crm_app.services.deal_money import RowInput, row_amounts, totals
from crm_app.services.errors import ValidationError


def test_plain_row():
    a = row_amounts(RowInput(quantity=Dec("3"), unit_price=Dec("19.99")))
    assert (a.amount, a.discount, a.net, a.tax, a.total) == (Dec("59.97"), 0, Dec("59.97"), 0, Dec("59.97"))


def test_percent_discount_and_added_tax_rounded_per_row():
    # 2.5 x 33.33 = 83.325 -> 83.33; 15 % off = 12.4995 -> 12.50; net 70.83; tax 20 % = 14.166 -> 14.17
    a = row_amounts(
        RowInput(
            quantity=Dec("2.5"),
            unit_price=Dec("33.33"),
            discount_type=DiscountType.PERCENT,
            discount_value=Dec("15"),
            tax_rate=Dec("20"),
        )
    )
    assert (a.amount, a.discount, a.net, a.tax, a.total) == (
        Dec("83.33"),
        Dec("12.50"),
        Dec("70.83"),
        Dec("14.17"),
        Dec("85.00"),
    )


def test_amount_discount_and_included_tax():
    # 100 - 10 = 90 holds 20 % tax: 90 - 90 / 1.2 = 15.00; the total stays 90
    a = row_amounts(
        RowInput(
            quantity=Dec("1"),
            unit_price=Dec("100"),
            discount_type=DiscountType.AMOUNT,
            discount_value=Dec("10"),
            tax_rate=Dec("20"),
            tax_included=True,
        )
    )
    assert (a.net, a.tax, a.total) == (Dec("90.00"), Dec("15.00"), Dec("90.00"))


def test_totals_are_sums_of_rounded_rows():
    # three rows of 0.333 x 1.00 = 0.333 -> 0.33 each: the total is 0.99, not round(0.999) = 1.00
    rows = [RowInput(quantity=Dec("0.333"), unit_price=Dec("1.00"), tax_rate=Dec("0")) for _ in range(3)]
    t = totals(rows)
    assert t.total == Dec("0.99") and t.subtotal == Dec("0.99") and t.rows == 3
    mixed = [
        RowInput(quantity=Dec("1"), unit_price=Dec("10"), discount_value=Dec("10"), tax_rate=Dec("5.5")),
        RowInput(quantity=Dec("2"), unit_price=Dec("12"), tax_rate=Dec("20"), tax_included=True),
    ]
    t = totals(mixed)
    # row 1: 10 - 1 = 9 + 0.495 -> 0.50 = 9.50; row 2: 24 holds 4.00 tax
    assert (t.subtotal, t.discount, t.tax, t.total) == (Dec("34.00"), Dec("1.00"), Dec("4.50"), Dec("33.50"))
    assert t.subtotal - t.discount + Dec("0.50") == t.total  # only the added tax adds up


def test_clean_row_reads_typed_numbers():
    row = deal_money.clean_row(
        {
            "name": " Licence ",
            "quantity": "1,5",
            "unit_price": "1 234,50",
            "discount_type": "amount",
            "discount_value": "100",
            "tax_rate": "20 %",
            "tax_included": "on",
        }
    )
    assert row["name"] == "Licence" and row["quantity"] == Dec("1.500")
    assert row["unit_price"] == Dec("1234.50") and row["discount_value"] == Dec("100.00")
    assert row["discount_type"] == DiscountType.AMOUNT and row["tax_included"] is True
    assert row["tax_rate"] == Dec("20.00") and row["unit"] == "pcs"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"quantity": "-1"}, "quantity", "more than 0"),
        ({"quantity": "0"}, "quantity", "more than 0"),
        ({"quantity": "1e9"}, "quantity", "at most"),
        ({"quantity": "abc"}, "quantity", "Enter a quantity"),
        ({"quantity": "1.0001"}, "quantity", "3 decimal"),
        ({"unit_price": "-5"}, "unit_price", "negative"),
        ({"unit_price": "1e30"}, "unit_price", "too large"),
        ({"unit_price": "12abc"}, "unit_price", "Enter an amount"),
        ({"discount_value": "101"}, "discount_value", "100 %"),
        ({"discount_value": "-1"}, "discount_value", "negative"),
        ({"discount_type": "amount", "discount_value": "10.01"}, "discount_value", "more than the row"),
        ({"discount_type": "bogus"}, "discount_type", "Choose"),
        ({"tax_rate": "120"}, "tax_rate", "0 to 100"),
        ({"name": ""}, "name", "required"),
        ({"name": "x" * 300}, "name", "at most 255"),
        ({"unit": "u" * 30}, "unit", "at most 20"),
    ],
)
def test_clean_row_refuses_bad_input(data, field, message):
    base = {"name": "Row", "quantity": "1", "unit_price": "10"}
    with pytest.raises(ValidationError) as err:
        deal_money.clean_row(base | data)
    assert field in err.value.errors
    assert message in str(err.value.errors[field])
