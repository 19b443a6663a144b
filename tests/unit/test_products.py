"""The product catalogue (services.products, services.product_csv): form rules and bad input,
search and filters in SQL, who may do what (the matrix's product row), deactivate instead of
delete once deals use a product, sections, and the CSV import and export."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from crm_app.models import Product, Role
from crm_app.services import money, permissions, product_csv, products
from crm_app.services.errors import Conflict, PermissionDenied, StaleRecord, ValidationError
from crm_app.services.lead_import.upload import ImportFileError
from tests.factories import create_currency, create_deal_product, create_user, write_csv

F = products.ProductFilters


@pytest.fixture
def admin(session):
    return create_user(session, role=Role.ADMIN, email="ada@example.com")


@pytest.fixture
def rep(session):
    return create_user(session, role=Role.SALES, email="rep@example.com")


def _add(session, user, **data):
    return products.create_product(session=session, user=user, data={"name": "Widget", **data})


def _by_sku(session, sku: str) -> Product:
    return session.exec(select(Product).where(Product.sku == sku)).one()


def _count(session) -> int:
    return len(session.exec(select(Product.id)).all())


def _names(session, user, filters=None, **kw) -> list[str]:
    return [r.name for r in products.list_products(session=session, user=user, filters=filters, **kw).rows]


def test_create_with_every_field_and_defaults(session, admin):
    create_currency(session, code="CHF", rate=Decimal("0.94"))
    p = _add(
        session,
        admin,
        name="  Café crème  ",
        sku="CAF-1",
        description="Hot",
        price="1 234,5",
        currency_code="chf",
        unit="kg",
        tax_rate="5,5 %",
        tax_included="on",
    )
    assert (p.name, p.sku, p.price, p.currency_code, p.unit) == (
        "Café crème",
        "CAF-1",
        Decimal("1234.50"),
        "CHF",
        "kg",
    )
    assert (p.tax_rate, p.tax_included, p.is_active, p.created_by_id) == (
        Decimal("5.50"),
        True,
        True,
        admin.id,
    )
    assert p.search_text == "cafe creme caf-1"
    plain = _add(session, admin, name="Plain")
    assert (plain.price, plain.tax_rate, plain.unit, plain.currency_code) == (
        Decimal("0.00"),
        0,
        "pcs",
        "EUR",
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"price": "-1"}, "price"),
        ({"price": "12abc"}, "price"),
        ({"price": "1e400"}, "price"),
        ({"price": "9" * 30}, "price"),
        ({"price": "NaN"}, "price"),
        ({"tax_rate": "101"}, "tax_rate"),
        ({"tax_rate": "-5"}, "tax_rate"),
        ({"currency_code": "XYZ"}, "currency_code"),
        ({"unit": "u" * 21}, "unit"),
        ({"description": "d" * 10001}, "description"),
        ({"section_id": "999"}, "section_id"),
        ({"sku": "A\x00B"}, "sku"),
    ],
)
def test_bad_input_is_refused_per_field(session, admin, data, field):
    with pytest.raises(ValidationError) as err:
        _add(session, admin, **data)
    assert field in err.value.errors
    assert _count(session) == 0


def test_every_error_at_once_and_sku_unique_without_case(session, admin):
    _add(session, admin, name="First", sku="ab-1")
    with pytest.raises(ValidationError) as err:
        _add(session, admin, name="", sku="AB-1", price="-3")
    assert set(err.value.errors) == {"name", "sku", "price"}
    # HTML in a name is kept as text (the UI escapes it)
    assert _add(session, admin, name="<b>Bold</b>").name == "<b>Bold</b>"


def test_money_reading():
    assert money.parse_decimal("1,234.50") == Decimal("1234.50")
    assert money.parse_decimal("1\u202f234,50") == Decimal("1234.50")
    assert money.parse_decimal("abc") is None and money.parse_decimal("inf") is None
    assert money.clean_amount("10.005") == (Decimal("10.01"), None)
    assert money.clean_percent("20 %") == (Decimal("20.00"), None)


def test_search_filters_sort_and_paging(session, admin):
    section = products.add_section(session=session, user=admin, name="Services")
    _add(session, admin, name="Écran 27 pouces", sku="SCR-27", price="300")
    _add(session, admin, name="Consulting day", sku="SRV-CONS", price="850", section_id=section.id)
    old = _add(session, admin, name="Old cable", sku="CBL", price="5")
    products.set_active(session=session, user=admin, product_id=old.id, active=False)
    assert _names(session, admin) == ["Consulting day", "Écran 27 pouces"]
    assert _names(session, admin, F(text="ecran")) == ["Écran 27 pouces"]
    assert _names(session, admin, F(text="srv cons")) == ["Consulting day"]
    assert _names(session, admin, F(text="100%_")) == []
    assert _names(session, admin, F(active="inactive")) == ["Old cable"]
    assert _names(session, admin, F(active="all"), sort="price", descending=True) == [
        "Consulting day",
        "Écran 27 pouces",
        "Old cable",
    ]
    assert _names(session, admin, F(section_id=section.id)) == ["Consulting day"]
    assert _names(session, admin, F(section_id=products.NO_SECTION)) == ["Écran 27 pouces"]
    page = products.list_products(session=session, user=admin, filters=F(active="all"), page_size=10)
    assert page.total == 3 and page.rows[0].section_name == "Services"
    assert [r.name for r in products.search_catalogue(session=session, user=admin, text="con", limit=1)] == [
        "Consulting day"
    ]


def test_rights_of_a_representative(session, admin, rep):
    p = _add(session, rep, name="Made on the fly")  # reps add products (from a deal)
    assert _names(session, rep) == ["Made on the fly"]
    with pytest.raises(PermissionDenied):
        products.update_product(session=session, user=rep, product_id=p.id, data={"price": "1"})
    with pytest.raises(PermissionDenied):
        products.delete_product(session=session, user=rep, product_id=p.id)
    with pytest.raises(PermissionDenied):
        products.add_section(session=session, user=rep, name="Mine")
    assert product_csv.export_csv(session=session, user=rep).startswith(b"\xef\xbb\xbfName,SKU")
    # no view right: the list is empty in SQL, a product cannot be read
    permissions.set_matrix(session, actor=admin, cells={("sales", "product", "view"): "none"})
    assert _names(session, rep) == []
    with pytest.raises(PermissionDenied):
        products.get_product(session=session, user=rep, product_id=p.id)
    # the product row takes all or nothing
    with pytest.raises(ValidationError):
        permissions.set_matrix(session, actor=admin, cells={("sales", "product", "edit"): "own"})


def test_stale_edit_is_refused_and_loses_nothing(session, admin):
    p = _add(session, admin, price="10")
    version = p.version
    products.update_product(
        session=session, user=admin, product_id=p.id, data={"price": "12"}, expected_version=version
    )
    with pytest.raises(StaleRecord):
        products.update_product(
            session=session, user=admin, product_id=p.id, data={"price": "99"}, expected_version=version
        )
    session.expire_all()
    assert session.get(Product, p.id).price == Decimal("12.00")


def test_used_product_is_deactivated_not_deleted(session, admin):
    used = _add(session, admin, name="Used")
    create_deal_product(session, product=used)
    with pytest.raises(Conflict) as err:
        products.delete_product(session=session, user=admin, product_id=used.id)
    assert "deactivate it instead" in err.value.message.msgid
    products.set_active(session=session, user=admin, product_id=used.id, active=False)
    assert session.get(Product, used.id) is not None
    free = _add(session, admin, name="Unused")
    products.delete_product(session=session, user=admin, product_id=free.id)
    assert session.get(Product, free.id) is None
    [row] = products.list_products(session=session, user=admin, filters=F(active="all")).rows
    assert row.deal_rows == 1


def test_sections_add_rename_delete_keeps_products(session, admin):
    a = products.add_section(session=session, user=admin, name="Hardware")
    products.add_section(session=session, user=admin, name="Software")
    with pytest.raises(ValidationError):
        products.add_section(session=session, user=admin, name="hardware")
    p = _add(session, admin, section_id=a.id)
    products.rename_section(session=session, user=admin, section_id=a.id, name="Devices")
    rows = products.section_rows(session=session, user=admin)
    assert [(r.name, r.products) for r in rows] == [("Devices", 1), ("Software", 0)]
    assert products.delete_section(session=session, user=admin, section_id=a.id) == 1
    session.expire_all()
    assert session.get(Product, p.id).section_id is None
    assert [r.name for r in products.section_rows(session=session, user=admin)] == ["Software"]


def test_import_adds_updates_reports_and_export_reads_back(session, admin, tmp_path):
    _add(session, admin, name="Old name", sku="KB-1", price="10")
    path = write_csv(
        tmp_path,
        "Nom;Référence;Prix;TVA;TVA incluse;Catégorie;Unité;Actif;Couleur\n"
        "Clavier;kb-1;12,50;20;oui;Matériel;pcs;oui;noir\n"
        "Souris;MS-1;8;20;non;Matériel;;;gris\n"
        ";NONAME;1;;;;;;\n"
        "Écran;SCR;-5;;;;;;\n"
        "Câble;CBL;1;;peut-être;;;;\n"
        "Casque;HS;abc;150;;;;;\n"
        "Hub;HUB;3;;;Accessoires;;non;\n",
        name="products.csv",
    )
    report = product_csv.import_products(session=session, user=admin, path=path)
    assert (report.created, report.updated, report.failed, report.sections_created) == (2, 1, 4, 2)
    assert report.ignored_columns == ["Couleur"]
    assert [f.row for f in report.failures] == [4, 5, 6, 7]
    assert {m.msgid for m in report.failures[3].reasons} == {
        "Enter an amount, like 1500 or 1500.50.",
        "Enter a rate from 0 to 100 %.",
    }
    kb = _by_sku(session, "kb-1")
    assert (kb.name, kb.price, kb.tax_included) == ("Clavier", Decimal("12.50"), True)
    hub = _by_sku(session, "HUB")
    assert not hub.is_active
    # the export reads back: nothing changes
    out = tmp_path / "out.csv"
    assert product_csv.export_products(session=session, user=admin, path=out) == 3
    again = product_csv.import_products(session=session, user=admin, path=out)
    assert (again.created, again.updated, again.unchanged, again.failed) == (0, 0, 3, 0)


def test_import_refuses_a_file_without_names_and_a_user_without_the_right(session, admin, rep, tmp_path):
    with pytest.raises(ImportFileError):
        product_csv.import_products(session=session, user=admin, path=write_csv(tmp_path, "SKU,Price\nA,1\n"))
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    with pytest.raises(ImportFileError):
        product_csv.import_products(session=session, user=admin, path=binary)
    with pytest.raises(PermissionDenied):
        product_csv.import_products(session=session, user=rep, path=write_csv(tmp_path, "Name\nA\n"))
    assert _count(session) == 0


def test_formula_cells_are_quoted_in_the_export(session, admin):
    _add(session, admin, name="=HYPERLINK(1)")
    assert b"'=HYPERLINK(1)" in product_csv.export_csv(session=session, user=admin)
