"""/products: one page of the catalogue, its search and filters, the product form, deactivate and
delete, and the sections (services.products; every write checked there)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import reflex as rx

from crm_app.services import currencies, formatting, permissions, products
from crm_app.services.errors import DomainError, StaleRecord
from crm_app.services.i18n import N_, Msg
from crm_app.services.permissions import PRODUCT
from crm_app.state.leads import ALL, Option
from crm_app.state.listing import ListState
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState

ACTIVE_FILTERS = ("active", "inactive", ALL)


@dataclasses.dataclass
class ProductView:
    id: int
    name: str
    sku: str
    section: str
    price: str
    unit: str
    tax: str
    is_active: bool
    deal_rows: int
    version: int


@dataclasses.dataclass
class SectionView:
    id: int
    name: str
    products: int
    version: int


class ProductsState(ListState, SessionState):
    PAGE_SIZES: ClassVar[tuple[int, ...]] = (10, 20, 50, 100)
    SORT_COLUMNS: ClassVar[frozenset[str]] = frozenset(products.SORT_COLUMNS)
    DESCENDING_FIRST: ClassVar[frozenset[str]] = frozenset({"price", "updated_at"})

    rows: rx.Field[list[ProductView]] = rx.field(default_factory=list)
    sort: str = "name"
    search: str = ""
    active_filter: str = "active"
    section_filter: str = ALL
    loaded: bool = False
    section_options: list[Option] = []
    currency_options: list[str] = []
    unit_options: list[str] = []
    can_create: bool = False
    can_edit: bool = False
    can_delete: bool = False
    can_import: bool = False
    can_export: bool = False
    # the product form (a new product when edit_id is 0)
    edit_open: bool = False
    edit_id: int = 0
    edit_version: int = 0
    edit_values: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    edit_tax_included: bool = False
    edit_active: bool = True
    edit_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    delete_open: bool = False
    delete_id: int = 0
    delete_name: str = ""
    # the sections dialog
    sections_open: bool = False
    sections: list[SectionView] = []
    section_errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    section_key: int = 0

    def _filters(self) -> products.ProductFilters:
        section = self.section_filter
        return products.ProductFilters(
            text=self.search,
            active=self.active_filter if self.active_filter in products.ACTIVE_CHOICES else "active",
            section_id=int(section) if section.lstrip("-").isdigit() else 0,
        )

    def _tax(self, row: products.ProductRow) -> str:
        rate = formatting.decimal_text(row.tax_rate, self.lang)
        if not row.tax_rate:
            return self._t("No tax")
        if row.tax_included:
            return self._t(Msg("{rate} % included", rate=rate))
        return self._t(Msg("{rate} % added", rate=rate))

    def _load_options(self, s) -> None:
        user = self._user(s)
        allowed = permissions.entity_capabilities(s, user, PRODUCT)
        self.can_create, self.can_edit, self.can_delete = (
            allowed["create"],
            allowed["edit"],
            allowed["delete"],
        )
        self.can_import, self.can_export = allowed["import"], allowed["export"]
        self.sections = [
            SectionView(r.id, r.name, r.products, r.version)
            for r in products.section_rows(session=s, user=user)
        ]
        self.section_options = [Option(str(r.id), r.name) for r in self.sections]
        self.currency_options = currencies.codes(s)
        self.unit_options = [self._t(u) for u in products.COMMON_UNITS]

    def _query(self, s) -> None:
        result = products.list_products(
            session=s,
            user=self._user(s),
            filters=self._filters(),
            sort=self.sort,
            descending=self.descending,
            page=self.page,
            page_size=self.page_size,
        )
        if not result.rows and result.total and self.page:  # the page is past the end now
            self.page = self._last_page(result.total)
            return self._query(s)
        self.rows = [
            ProductView(
                id=r.id,
                name=r.name,
                sku=r.sku,
                section=r.section_name,
                price=formatting.money(r.price, r.currency_code, self.lang),
                unit=r.unit,
                tax=self._tax(r),
                is_active=r.is_active,
                deal_rows=r.deal_rows,
                version=r.version,
            )
            for r in result.rows
        ]
        self._set_page([r.id for r in self.rows], result.total, capped=result.total_is_capped)
        self.loaded = True
        return None

    def _reload(self):
        return self._in_session(self._query)

    def _refresh(self, s) -> None:
        self._load_options(s)
        self._query(s)

    def _stale(self, exc: DomainError):
        """Someone changed the product meanwhile: the list shows it as it is now."""
        self.edit_open = False
        with self._db() as s, self._handling(on={DomainError: lambda _: None}):
            self._refresh(s)
        return self._fail(exc)

    @db_event
    def load(self):
        self.edit_open = self.delete_open = self.sections_open = False
        return self._in_session(self._refresh, page=True)

    @db_event
    def run_search(self, form: dict):
        self.search = str(form.get("search", ""))[:200]
        return self._first_page()

    @db_event
    def set_active_filter(self, value: str):
        self.active_filter = value if value in ACTIVE_FILTERS else "active"
        return self._first_page()

    @db_event
    def set_section_filter(self, value: str):
        value = str(value)[:20]
        self.section_filter = value if value.lstrip("-").isdigit() else ALL
        return self._first_page()

    @db_event
    def reset_filters(self):
        self.search, self.active_filter, self.section_filter = "", "active", ALL
        return self._first_page()

    # --- the product form ----------------------------------------------------------------------

    @rx.event
    def open_new(self):
        self.edit_id, self.edit_version, self.edit_errors = 0, 0, {}
        section = self.section_filter if self.section_filter.isdigit() else ""
        currency = self.currency_options[0] if self.currency_options else ""
        self.edit_values = {"currency_code": currency, "unit": self._t("pcs"), "section_id": section}
        self.edit_tax_included, self.edit_active = False, True
        self.edit_open = True

    @db_event
    def open_edit(self, product_id: int):
        with self._db() as s, self._handling() as h:
            p = products.get_product(session=s, user=self._user(s), product_id=product_id)
            self.edit_id, self.edit_version = int(p.id or 0), p.version
            self.edit_values = {
                "name": p.name,
                "sku": p.sku,
                "description": p.description,
                "price": format(p.price, "f"),
                "currency_code": p.currency_code,
                "unit": p.unit,
                "tax_rate": format(p.tax_rate.normalize(), "f"),
                "section_id": str(p.section_id or ""),
            }
            self.edit_tax_included, self.edit_active = p.tax_included, p.is_active
            self.edit_errors = {}
            self.edit_open = True
        return h.events if h.failed else None

    @rx.event
    def set_edit_open(self, value: bool):
        self.edit_open = bool(value)
        if not value:
            self.edit_errors = {}

    @db_event
    def save_product(self, form: dict):
        data = {k: str(form.get(k, "")) for k in products.FIELDS if k not in ("tax_included", "is_active")}
        data["tax_included"] = str(form.get("tax_included", ""))
        if self.edit_id:
            data["is_active"] = str(form.get("is_active", ""))
        with self._db() as s:
            with self._handling("edit_errors", on={StaleRecord: self._stale}) as h:
                user = self._user(s)
                if self.edit_id:
                    products.update_product(
                        session=s,
                        user=user,
                        product_id=self.edit_id,
                        data=data,
                        expected_version=self.edit_version,
                    )
                else:
                    products.create_product(session=s, user=user, data=data)
                self._refresh(s)
            if h.failed:
                return h.events
        self.edit_open, self.edit_errors = False, {}
        return rx.toast.success(self._t(N_("Saved.") if self.edit_id else N_("Product added.")))

    @db_event
    def toggle_active(self, product_id: int, version: int, active: bool):
        with self._db() as s:
            with self._handling(on={StaleRecord: self._stale}) as h:
                products.set_active(
                    session=s,
                    user=self._user(s),
                    product_id=product_id,
                    active=active,
                    expected_version=version,
                )
                self._refresh(s)
            if h.failed:
                return h.events
        return rx.toast.success(self._t(N_("Product activated.") if active else N_("Product deactivated.")))

    @rx.event
    def ask_delete(self, product_id: int):
        row = next((r for r in self.rows if r.id == product_id), None)
        if row is not None:
            self.delete_id, self.delete_name, self.delete_open = row.id, row.name, True

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = bool(value)

    @db_event
    def confirm_delete(self):
        self.delete_open = False
        with self._db() as s:
            with self._handling() as h:
                products.delete_product(session=s, user=self._user(s), product_id=self.delete_id)
                self._refresh(s)
            if h.failed:
                return h.events
        return rx.toast.success(self._t("Deleted."))

    # --- sections ------------------------------------------------------------------------------

    @rx.event
    def set_sections_open(self, value: bool):
        self.sections_open = bool(value)
        self.section_errors = {}

    def _section_write(self, work, done: str):
        with self._db() as s:
            with self._handling("section_errors", on={StaleRecord: self._stale}) as h:
                work(s, self._user(s))
                self._refresh(s)
            if h.failed:
                return h.events
        self.section_errors = {}
        self.section_key += 1
        return rx.toast.success(self._t(done))

    @db_event
    def add_section(self, form: dict):
        name = str(form.get("name", ""))
        return self._section_write(
            lambda s, user: products.add_section(session=s, user=user, name=name), N_("Section added.")
        )

    @db_event
    def rename_section(self, section_id: int, version: int, form: dict):
        name = str(form.get("name", ""))
        return self._section_write(
            lambda s, user: products.rename_section(
                session=s, user=user, section_id=section_id, name=name, expected_version=version
            ),
            N_("Saved."),
        )

    @db_event
    def delete_section(self, section_id: int):
        if self.section_filter == str(section_id):
            self.section_filter = ALL
        return self._section_write(
            lambda s, user: products.delete_section(session=s, user=user, section_id=section_id),
            N_("Section deleted; its products stay, without a section."),
        )

    @db_event
    def refresh(self):
        """After an import: the list and its options read again."""
        return self._in_session(self._refresh)
