"""/products through ProductsState: the page, the form (errors, a stale edit), the filters, the
rights of a representative, deactivate and delete, sections; and the CSV report of ProductCsvState."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from crm_app import db
from crm_app.models import Product, Role
from crm_app.services import auth, product_csv
from crm_app.state.product_csv import ProductCsvState
from crm_app.state.products import ProductsState
from crm_app.state.session import SessionState
from tests.factories import PASSWORD, create_user
from tests.state.conftest import call, sign_in, substate

NEW = {
    "name": "Support",
    "sku": "SUP-1",
    "price": "1200,5",
    "currency_code": "EUR",
    "unit": "h",
    "tax_rate": "20",
    "tax_included": "",
    "description": "",
    "section_id": "",
}


def _logged_in(root, db_url, role: Role = Role.ADMIN, language: str = "en") -> ProductsState:
    with db.session(db_url) as s:
        user = create_user(s, role=role, language=language)
        _, token = auth.login(session=s, email=user.email, password=PASSWORD)
    state = substate(root, ProductsState)
    sign_in(state, token)
    call(state, SessionState.check_login)
    call(state, ProductsState.load)
    return state


def _stored(db_url, sku: str) -> Product:
    with db.session(db_url) as s:
        product = s.exec(select(Product).where(Product.sku == sku)).one()
        s.expunge(product)
        return product


def test_adding_shows_errors_then_lists_the_product_in_the_users_language(root, db_url):
    state = _logged_in(root, db_url, language="fr")
    assert state.loaded and state.rows == [] and state.can_create and state.can_import
    call(state, ProductsState.open_new)
    assert state.edit_open and state.edit_values["currency_code"] == "EUR"
    call(state, ProductsState.save_product, {**NEW, "price": "douze", "tax_rate": "300"})
    assert set(state.edit_errors) == {"price", "tax_rate"} and state.edit_open
    call(state, ProductsState.save_product, NEW)
    assert not state.edit_open and state.edit_errors == {}
    [row] = state.rows
    assert (row.name, row.sku, row.unit) == ("Support", "SUP-1", "h")
    assert (
        row.price.replace("\u202f", " ").replace("\xa0", " ") == "1 200,50 €"
        and row.tax == "20\u00a0% en sus"
    )
    assert _stored(db_url, "SUP-1").price == Decimal("1200.50")


def test_a_stale_edit_keeps_the_other_change_and_shows_it(root, db_url):
    state = _logged_in(root, db_url)
    call(state, ProductsState.save_product, NEW)
    call(state, ProductsState.open_edit, state.rows[0].id)
    assert state.edit_values["price"] == "1200.50"
    with db.session(db_url) as s:  # someone else renames it meanwhile
        other = s.exec(select(Product)).one()
        other.name, other.version = "Support, theirs", other.version + 1
        s.add(other)
        s.commit()
    call(state, ProductsState.save_product, {**NEW, "name": "Support, mine"})
    assert _stored(db_url, "SUP-1").name == "Support, theirs"
    assert state.rows[0].name == "Support, theirs" and not state.edit_open


def test_deactivate_filters_and_delete(root, db_url):
    state = _logged_in(root, db_url)
    call(state, ProductsState.save_product, NEW)
    call(state, ProductsState.open_new)
    call(state, ProductsState.save_product, {**NEW, "name": "Licence", "sku": "LIC"})
    assert [r.name for r in state.rows] == ["Licence", "Support"]
    lic = state.rows[0]
    call(state, ProductsState.toggle_active, lic.id, lic.version, False)
    assert [r.name for r in state.rows] == ["Support"]
    call(state, ProductsState.set_active_filter, "inactive")
    assert [r.name for r in state.rows] == ["Licence"] and not state.rows[0].is_active
    call(state, ProductsState.ask_delete, state.rows[0].id)
    assert state.delete_open and state.delete_name == "Licence"
    call(state, ProductsState.confirm_delete)
    assert state.rows == []
    call(state, ProductsState.set_active_filter, "all")
    call(state, ProductsState.run_search, {"search": "sup-1"})
    assert [r.name for r in state.rows] == ["Support"]


def test_sections_filter_the_list(root, db_url):
    state = _logged_in(root, db_url)
    call(state, ProductsState.add_section, {"name": "Services"})
    [section] = state.sections
    assert state.section_options[0].label == "Services"
    call(state, ProductsState.save_product, {**NEW, "section_id": str(section.id)})
    call(state, ProductsState.open_new)
    call(state, ProductsState.save_product, {**NEW, "name": "Loose", "sku": "L"})
    call(state, ProductsState.set_section_filter, str(section.id))
    assert [r.name for r in state.rows] == ["Support"] and state.rows[0].section == "Services"
    call(state, ProductsState.add_section, {"name": "services"})  # the same name, another case
    assert "name" in state.section_errors and len(state.sections) == 1
    call(state, ProductsState.delete_section, section.id)
    assert state.section_filter == "all" and [r.section for r in state.rows] == ["", ""]


def test_a_representative_adds_but_does_not_edit_or_import(root, db_url):
    state = _logged_in(root, db_url, Role.SALES)
    assert state.can_create and state.can_export
    assert not (state.can_edit or state.can_delete or state.can_import)
    call(state, ProductsState.save_product, NEW)
    [row] = state.rows
    call(state, ProductsState.toggle_active, row.id, row.version, False)
    assert _stored(db_url, "SUP-1").is_active  # refused on the server, not only hidden


def test_the_import_report_counts_in_the_users_language(root, db_url, tmp_path):
    state = _logged_in(root, db_url, language="fr")
    csv_state = substate(root, ProductCsvState)
    path = tmp_path / "p.csv"
    path.write_text("Nom;Prix;Unité\nConseil;100;h\n;5;pce\n", encoding="utf-8")
    csv_state._import(str(path))
    assert csv_state.has_report
    assert csv_state.summary[0] == "1 produit ajouté"
    assert csv_state.failures[0].startswith("Ligne 3\u00a0:")
    call(state, ProductsState.refresh)
    assert [r.name for r in state.rows] == ["Conseil"]
    assert product_csv.match_columns(["Référence", "Taux de taxe"]) == {"sku": 0, "tax_rate": 1}
