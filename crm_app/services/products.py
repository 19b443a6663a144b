"""The product catalogue (/products): name, SKU, description, price in a currency, unit, tax rate
(included in the price or added to it), a section, active or not.

Who may do what is the permission matrix's "product" row (none or all: the catalogue has no
owner). By default everyone views it, adds a product (a representative creates one on the fly
from a deal) and exports it; managers and administrators edit, deactivate, delete and import.
A product that deals use is never deleted: it is deactivated (no longer offered, still on its
deals). The list is paged, searched (every word in the name or SKU, accents and case ignored)
and sorted in SQL through `services.listing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from crm_app.models import Currency, DealProduct, Product, ProductSection, User
from crm_app.models.base import saved_id
from crm_app.services import defaults, listing, money, permissions, uow
from crm_app.services import settings_lists as sl
from crm_app.services.errors import Conflict, NotFound, ValidationError
from crm_app.services.i18n import N_, Msg
from crm_app.services.permissions import PRODUCT, Action
from crm_app.services.validation import clean_text, fold

# units offered in the form (msgids: shown and stored in the user's language); any other short
# unit may be typed
COMMON_UNITS = (
    N_("pcs"),
    N_("h"),
    N_("day"),
    N_("month"),
    N_("year"),
    N_("licence"),
    N_("kg"),
    N_("m"),
    N_("l"),
)
MAX_UNIT = 20
FIELDS = (
    "name",
    "sku",
    "description",
    "price",
    "currency_code",
    "unit",
    "tax_rate",
    "tax_included",
    "section_id",
    "is_active",
)
ACTIVE_CHOICES = ("active", "inactive", "all")
NO_SECTION = -1  # the section filter's "without a section"
SEARCH_WORDS = 5
MAX_SEARCH_TEXT = 330
_LABELS = {"name": N_("Name"), "sku": N_("SKU"), "description": N_("Description"), "unit": N_("Unit")}
_TEXTS = {"name": (255, True), "sku": (64, False), "description": (10000, False), "unit": (MAX_UNIT, False)}


@dataclass
class ProductRow:
    id: int
    name: str
    sku: str
    price: Decimal
    currency_code: str
    unit: str
    tax_rate: Decimal
    tax_included: bool
    is_active: bool
    section_id: int | None
    section_name: str
    deal_rows: int  # deal line items that use it (it cannot be deleted while there are some)
    version: int


@dataclass(frozen=True)
class ProductFilters:
    text: str = ""
    active: str = "active"  # ACTIVE_CHOICES
    section_id: int = 0  # 0: every section; NO_SECTION: products without one
    deleted: bool = False  # products are deleted for good: the flag only keeps the column's rule


def search_text(name: str, sku: str) -> str:
    """What the catalogue search reads: the name and SKU, accents and case folded."""
    return fold(f"{name} {sku}")[:MAX_SEARCH_TEXT]


# --- validation ------------------------------------------------------------------------------


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().casefold() in ("1", "true", "on", "yes", "y", "oui", "vrai", "x")


def clean_product_data(
    session: Session, data: dict[str, Any], *, product_id: int | None = None
) -> dict[str, Any]:
    """The product fields of `data`, checked: every error at once (ValidationError, per field).
    A new product (`product_id` None) needs a name; its currency is the base one when not given."""
    out: dict[str, Any] = {}
    errors: dict[str, Msg] = {}
    for key, (max_len, required) in _TEXTS.items():
        if key in data or (required and product_id is None):
            text, err = clean_text(
                str(data.get(key) or ""), field_label=_LABELS[key], max_len=max_len, required=required
            )
            if err:
                errors[key] = err
            else:
                out[key] = text
    if "unit" in out and not out["unit"]:
        out["unit"] = "pcs"
    if out.get("sku"):
        stmt = select(Product.id).where(sa.func.lower(Product.sku) == out["sku"].lower())
        if product_id is not None:
            stmt = stmt.where(Product.id != product_id)
        if session.exec(stmt).first() is not None:
            errors["sku"] = Msg("Another product has this SKU.")
    if "price" in data:
        price, err = money.clean_amount(data["price"])
        if err:
            errors["price"] = err
        else:
            out["price"] = price if price is not None else Decimal("0.00")
    if "tax_rate" in data:
        rate, err = money.clean_percent(data["tax_rate"])
        if err:
            errors["tax_rate"] = err
        else:
            out["tax_rate"] = rate if rate is not None else Decimal("0.00")
    if "currency_code" in data or product_id is None:
        code = str(data.get("currency_code") or "").strip().upper()[:3] or defaults.base_currency(
            session=session
        )
        if session.get(Currency, code) is None:
            errors["currency_code"] = Msg("Choose a currency of the CRM (Settings -> Currencies).")
        else:
            out["currency_code"] = code
    for key in ("tax_included", "is_active"):
        if key in data:
            out[key] = _flag(data[key])
    if "section_id" in data:
        section_id = sl.int_id(data.get("section_id"))
        if section_id is not None and session.get(ProductSection, section_id) is None:
            errors["section_id"] = Msg("Choose a section from the list.")
        else:
            out["section_id"] = section_id
    if errors:
        raise ValidationError(errors)
    return out


# --- reading ---------------------------------------------------------------------------------


def _text_filter(stmt, text: str, _user):
    for word in fold(text[:200]).split()[:SEARCH_WORDS]:
        stmt = stmt.where(col(Product.search_text).contains(word, autoescape=True))
    return stmt


def _active_filter(stmt, value: str, _user):
    if value == "active":
        return stmt.where(col(Product.is_active))
    if value == "inactive":
        return stmt.where(~col(Product.is_active))
    return stmt


def _section_filter(stmt, section_id: int, _user):
    if section_id == NO_SECTION:
        return stmt.where(col(Product.section_id).is_(None))
    return stmt.where(Product.section_id == section_id)


_USAGE = (
    sa.select(sa.func.count())
    .where(col(DealProduct.product_id) == col(Product.id))
    .correlate(Product)
    .scalar_subquery()
)
_SELECT = sa.select(
    col(Product.id),
    col(Product.name),
    col(Product.sku),
    col(Product.price),
    col(Product.currency_code),
    col(Product.unit),
    col(Product.tax_rate),
    col(Product.tax_included),
    col(Product.is_active),
    col(Product.section_id),
    sa.func.coalesce(ProductSection.name, ""),
    _USAGE,
    col(Product.version),
).outerjoin(ProductSection, col(ProductSection.id) == col(Product.section_id))

SORT_COLUMNS = {
    "name": sa.func.lower(Product.name),
    "sku": sa.func.lower(Product.sku),
    "price": Product.price,
    "section": sa.func.lower(sa.func.coalesce(ProductSection.name, "")),
    "updated_at": Product.updated_at,
}

PRODUCTS = listing.ListConfig(
    entity=PRODUCT,  # pyright: ignore[reportArgumentType]  # a pseudo-entity of the matrix (none or all)
    table=Product,
    columns=_SELECT,
    sort=SORT_COLUMNS,
    default_sort="name",
    filters_type=ProductFilters,
    filters=(
        listing.FilterSpec("deleted", listing.deleted_flag(Product.deleted_at), always=True),
        listing.FilterSpec("text", _text_filter),
        listing.FilterSpec("active", _active_filter),
        listing.FilterSpec("section_id", _section_filter),
    ),
    row=lambda r: ProductRow(*r),
    cache_fields=("active", "deleted"),
)


def list_products(
    *,
    session: Session,
    user: User,
    filters: ProductFilters | None = None,
    sort: str = "name",
    descending: bool = False,
    page: int = 0,
    page_size: int = 20,
) -> listing.Page[ProductRow]:
    """One page of the catalogue (what the user may see: all or nothing)."""
    permissions.require_user(user)
    filters = filters or ProductFilters()
    if filters.active not in ACTIVE_CHOICES:
        filters = ProductFilters(text=filters.text, section_id=filters.section_id)
    return listing.page(
        PRODUCTS,
        session=session,
        user=user,
        filters=filters,
        sort=sort,
        descending=descending,
        page=page,
        page_size=page_size,
    )


def search_catalogue(*, session: Session, user: User, text: str, limit: int = 10) -> list[ProductRow]:
    """Active products with every word of `text` in their name or SKU ("Choose from the catalogue")."""
    size = min((s for s in listing.PAGE_SIZES if s >= limit), default=listing.PAGE_SIZES[-1])
    found = list_products(session=session, user=user, filters=ProductFilters(text=text), page_size=size)
    return found.rows[:limit]


def get_product(*, session: Session, user: User, product_id: Any) -> Product:
    permissions.require(session, user, Action.VIEW, PRODUCT)
    product = session.get(Product, sl.int_id(product_id) or 0)
    if product is None or product.deleted_at is not None:
        raise NotFound(Msg("This product does not exist or was deleted."))
    return product


def usage(session: Session, product_id: int) -> int:
    """Deal line items that use the product."""
    return session.exec(select(sa.func.count()).where(DealProduct.product_id == product_id)).one()


# --- writing ---------------------------------------------------------------------------------


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in FIELDS}


def create_product(*, session: Session, user: User, data: dict[str, Any], commit: bool = True) -> Product:
    """A new catalogue product; `commit=False` flushes only (an import or a deal row commits)."""
    permissions.require(session, user, Action.CREATE, PRODUCT)
    cleaned = clean_product_data(session, _fields(data))
    product = Product(**cleaned, created_by_id=user.id)
    product.search_text = search_text(product.name, product.sku)
    session.add(product)
    if commit:
        uow.commit(session)
        session.refresh(product)
    else:
        session.flush()
    return product


def update_product(
    *,
    session: Session,
    user: User,
    product_id: Any,
    data: dict[str, Any],
    expected_version: int | None = None,
    commit: bool = True,
) -> Product:
    """Change the fields given; refused (StaleRecord) when the product changed since `expected_version`."""
    permissions.require(session, user, Action.EDIT, PRODUCT)
    product = get_product(session=session, user=user, product_id=product_id)
    sl.check_version(product, expected_version)
    cleaned = clean_product_data(session, _fields(data), product_id=saved_id(product))
    changed = {k: v for k, v in cleaned.items() if getattr(product, k) != v}
    if not changed:
        return product
    for key, value in changed.items():
        setattr(product, key, value)
    product.search_text = search_text(product.name, product.sku)
    session.add(product)
    if commit:
        uow.commit(session)
        session.refresh(product)
    else:
        session.flush()
    return product


def set_active(
    *, session: Session, user: User, product_id: Any, active: bool, expected_version: int | None = None
) -> Product:
    """Deactivated products stay on their deals but are no longer offered."""
    return update_product(
        session=session,
        user=user,
        product_id=product_id,
        data={"is_active": bool(active)},
        expected_version=expected_version,
    )


def delete_product(*, session: Session, user: User, product_id: Any) -> None:
    """Delete for good a product no deal uses; one that deals use stays (deactivate it instead)."""
    permissions.require(session, user, Action.DELETE, PRODUCT)
    product = get_product(session=session, user=user, product_id=product_id)
    count = usage(session, saved_id(product))
    if count:
        raise Conflict(
            Msg(
                "Deals use this product ({count} row): deactivate it instead; it stays on those deals.",
                plural="Deals use this product ({count} rows): deactivate it instead; it stays on those deals.",
                count=count,
            )
        )
    session.delete(product)
    uow.commit(session)


# --- sections --------------------------------------------------------------------------------


@dataclass
class SectionRow:
    id: int
    name: str
    products: int
    version: int


def sections(session: Session) -> list[ProductSection]:
    return list(
        session.exec(select(ProductSection).order_by(col(ProductSection.sort), col(ProductSection.id)))
    )


def section_rows(*, session: Session, user: User) -> list[SectionRow]:
    """The sections, in order, with how many products each holds."""
    permissions.require(session, user, Action.VIEW, PRODUCT)
    counts = dict(
        session.exec(
            select(Product.section_id, sa.func.count())
            .where(col(Product.section_id).is_not(None))
            .group_by(col(Product.section_id))
        ).all()
    )
    return [SectionRow(saved_id(s), s.name, counts.get(s.id, 0), s.version) for s in sections(session)]


def _section(session: Session, section_id: Any) -> ProductSection:
    section = session.get(ProductSection, sl.int_id(section_id) or 0)
    if section is None:
        raise NotFound(Msg("This section does not exist or was deleted."))
    return section


def add_section(*, session: Session, user: User, name: str, commit: bool = True) -> ProductSection:
    permissions.require(session, user, Action.EDIT, PRODUCT)
    return sl.add_item(
        session,
        sections(session),
        name,
        lambda clean, sort: ProductSection(name=clean, sort=sort),
        commit=commit,
    )


def rename_section(
    *, session: Session, user: User, section_id: Any, name: str, expected_version: int | None = None
) -> ProductSection:
    permissions.require(session, user, Action.EDIT, PRODUCT)
    section = _section(session, section_id)
    return sl.rename_item(session, section, sections(session), name, expected_version)


def delete_section(*, session: Session, user: User, section_id: Any) -> int:
    """Delete a section; its products stay, without a section. Returns how many there were."""
    permissions.require(session, user, Action.EDIT, PRODUCT)
    section = _section(session, section_id)
    moved = sl.move_refs(session, Product, Product.section_id, saved_id(section), None)
    session.delete(section)
    session.flush()
    sl.renumber(session, [s for s in sections(session) if s.id != section.id])
    uow.commit(session)
    return moved
