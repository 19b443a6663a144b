"""The product catalogue as CSV: export every product, import a file back (or a spreadsheet's).

Import: the columns are recognised by their names in English or French (case, accents and
punctuation ignored; "Prix", "TVA", "Référence"...); a file without a name column is refused
whole. A row whose SKU is already in the catalogue updates that product, any other row adds
one; a section named in the file that does not exist is created. Each row is checked by the
same rules as the form (services.products) and written in its own savepoint: a bad row is
reported with its number and reason, and never stops or undoes the others.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from crm_app.models import Product, User
from crm_app.models.base import saved_id
from crm_app.services import money, permissions, products, uow
from crm_app.services.errors import DomainError, ValidationError
from crm_app.services.i18n import N_, Msg
from crm_app.services.lead_import.export import FALLBACK_ENCODING, _safe_cell
from crm_app.services.lead_import.rows import _cell
from crm_app.services.lead_import.upload import ImportFileError, open_csv
from crm_app.services.permissions import PRODUCT, Action
from crm_app.services.validation import fold

# field -> (the export's header, other names a file may use)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("Name", ("product", "product name", "title", "nom", "nom du produit", "produit", "designation")),
    "sku": ("SKU", ("article", "article number", "code", "product code", "reference", "ref", "code article")),
    "description": ("Description", ("detailed description", "description detaillee")),
    "price": ("Price", ("unit price", "base price", "prix", "prix unitaire", "prix de base")),
    "currency_code": ("Currency", ("devise", "monnaie")),
    "unit": ("Unit", ("unit of measure", "measure", "unite", "unite de mesure", "mesure")),
    "tax_rate": (
        "Tax rate",
        ("vat", "vat rate", "tax", "tax %", "vat %", "tva", "taux de tva", "taux de taxe", "taxe", "tva %"),
    ),
    "tax_included": ("Tax included", ("vat included", "tva incluse", "taxe incluse", "ttc")),
    "section": ("Section", ("category", "categorie", "rubrique", "product section")),
    "is_active": ("Active", ("actif", "is active", "enabled")),
}
MAX_FAILURES = 1000  # rows listed in the report (the others are counted)


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9%]", "", fold(header))


_HEADERS = {_key(name): f for f, (header, aliases) in COLUMNS.items() for name in (f, header, *aliases)}


def match_columns(headers: list[str]) -> dict[str, int]:
    """{field: column index} for the headers that name a product field (the first one wins)."""
    found: dict[str, int] = {}
    for i, header in enumerate(headers):
        key = _HEADERS.get(_key(header))
        if key and key not in found:
            found[key] = i
    return found


@dataclass
class RowFailure:
    row: int
    reasons: list[Msg]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    sections_created: int = 0
    failed: int = 0
    failures: list[RowFailure] = field(default_factory=list)  # the first MAX_FAILURES
    ignored_columns: list[str] = field(default_factory=list)


def _yes(value: str) -> bool:
    return fold(value) in ("1", "true", "yes", "y", "oui", "o", "vrai", "x", "on")


def _no(value: str) -> bool:
    return fold(value) in ("0", "false", "no", "n", "non", "faux", "off")


def _row_data(cells: list[str], columns: dict[str, int]) -> tuple[dict[str, Any], str | None, list[Msg]]:
    """The product fields of one row (only the columns the file has), its section name, problems."""
    data: dict[str, Any] = {}
    problems: list[Msg] = []
    for key, index in columns.items():
        value = _cell(cells, index)
        if key in ("tax_included", "is_active"):
            if not value:
                continue
            if not (_yes(value) or _no(value)):
                problems.append(Msg("{field}: write yes or no.", field=Msg(COLUMNS[key][0])))
                continue
            data[key] = _yes(value)
        elif key != "section":
            data[key] = value
    section = _cell(cells, columns["section"]) if "section" in columns else None
    return data, section, problems


class _Sections:
    """The catalogue's sections by folded name; missing ones are added as the file names them."""

    def __init__(self, session: Session, user: User) -> None:
        self.session, self.user, self.created = session, user, 0
        self.ids = {fold(s.name): saved_id(s) for s in products.sections(session)}

    def id_of(self, name: str) -> int | None:
        if not name:
            return None
        key = fold(name)
        if key not in self.ids:
            section = products.add_section(session=self.session, user=self.user, name=name, commit=False)
            self.ids[key] = saved_id(section)
            self.created += 1
        return self.ids[key]


def _existing(session: Session, sku: str) -> Product | None:
    if not sku:
        return None
    stmt = select(Product).where(sa.func.lower(Product.sku) == sku.lower(), col(Product.deleted_at).is_(None))
    return session.exec(stmt).first()


def import_products(*, session: Session, user: User, path: str | Path) -> ImportReport:
    """Add or update products from a CSV file (see the module's docstring). Raises ImportFileError
    for a file that cannot be read or has no name column; row problems are in the report."""
    permissions.require(session, user, Action.IMPORT, PRODUCT, Msg("You may not import products."))
    csv_file = open_csv(path)
    columns = match_columns(csv_file.headers)
    if "name" not in columns:
        raise ImportFileError(
            Msg(
                "No column holds the product names: name one of them “Name” (or “Nom”). Columns read: {columns}.",
                columns=", ".join(csv_file.headers)[:300],
            )
        )
    report = ImportReport(
        ignored_columns=[h for i, h in enumerate(csv_file.headers) if i not in columns.values()]
    )
    sections = _Sections(session, user)

    def fail(row: int, reasons: list[Msg]) -> None:
        report.failed += 1
        if len(report.failures) < MAX_FAILURES:
            report.failures.append(RowFailure(row, reasons))

    with uow.unit_of_work(session):
        for number, cells, problem in csv_file.records():
            if not any(c.strip() for c in cells):
                continue
            if problem is not None:
                fail(number, [problem])
                continue
            data, section, problems = _row_data(cells, columns)
            if problems:
                fail(number, problems)
                continue
            try:
                if section is not None:
                    with session.begin_nested():  # kept even if the row fails: other rows name it too
                        data["section_id"] = sections.id_of(section)
                with session.begin_nested():
                    _write_row(session, user, data, report)
            except ValidationError as exc:
                fail(number, list(exc.errors.values()))
            except DomainError as exc:
                fail(number, [exc.message])
        report.sections_created = sections.created
    return report


def _write_row(session: Session, user: User, data: dict[str, Any], report: ImportReport) -> None:
    product = _existing(session, str(data.get("sku") or "").strip())
    if product is None:
        products.create_product(session=session, user=user, data=data, commit=False)
        report.created += 1
        return
    before = product.version
    products.update_product(session=session, user=user, product_id=product.id, data=data, commit=False)
    if product.version != before:
        report.updated += 1
    else:
        report.unchanged += 1


# --- export ----------------------------------------------------------------------------------


def _number(value) -> str:
    return format(value.normalize(), "f") if value is not None else ""


def export_csv(*, session: Session, user: User) -> bytes:
    """Every product (active or not) as CSV, UTF-8 with a BOM, in the order of the catalogue."""
    permissions.require(session, user, Action.EXPORT, PRODUCT, Msg("You may not export products."))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for header, _aliases in COLUMNS.values()])
    names = {saved_id(s): s.name for s in products.sections(session)}
    stmt = (
        select(Product)
        .where(col(Product.deleted_at).is_(None))
        .order_by(sa.func.lower(Product.name), col(Product.id))
        .execution_options(yield_per=500)
    )
    for p in session.exec(stmt):
        writer.writerow(
            [
                _safe_cell(p.name),
                _safe_cell(p.sku),
                _safe_cell(p.description),
                format(p.price.quantize(money.CENT), "f"),  # an amount keeps its cents: 100.50
                p.currency_code,
                _safe_cell(p.unit),
                _number(p.tax_rate),
                "yes" if p.tax_included else "no",
                _safe_cell(names.get(p.section_id or 0, "")),
                "yes" if p.is_active else "no",
            ]
        )
    return out.getvalue().encode(FALLBACK_ENCODING)


def export_products(*, session: Session, user: User, path: str | Path) -> int:
    """Write the catalogue to `path` (`crm export products`). Returns how many products."""
    data = export_csv(session=session, user=user)
    Path(path).write_bytes(data)
    return session.exec(select(sa.func.count()).where(col(Product.deleted_at).is_(None))).one()


FAILED_ROW = N_("Row {row}: {reasons}")
