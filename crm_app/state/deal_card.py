"""/deals/<id>: the deal card — the stage bar (a won or lost stage opens the close dialog), the
fields edited in place, the products with their totals, the contact, company and lead, and the
timeline. A closed deal is read-only until reopened."""

from __future__ import annotations

import dataclasses
import re

import reflex as rx

from crm_app import routes
from crm_app.services import currencies, deal_card, deal_products, deals, formatting
from crm_app.services.deal_card import DealCard
from crm_app.services.deals import CloseRequired, DealChanged
from crm_app.services.defaults import display_name
from crm_app.services.errors import NotFound, StaleRecord
from crm_app.services.i18n import N_, Msg
from crm_app.state.lead_card import FieldView, StageView
from crm_app.state.offload import db_event
from crm_app.state.record_list import Option, set_common_options
from crm_app.state.session import SessionState
from crm_app.state.timeline import TimelineState

PATH = re.compile(r"^/deals/(\d+)/?$")
DISPLAY_FIELDS = [
    ("amount", N_("Amount")),
    ("close_date", N_("Expected close date")),
    ("source_id", N_("Source")),
    ("responsible_id", N_("Responsible")),
    ("comment", N_("Comment")),
]
ROW_KEYS = (
    "name",
    "quantity",
    "unit",
    "unit_price",
    "discount_type",
    "discount_value",
    "tax_rate",
    "tax_included",
)


@dataclasses.dataclass
class LineView:
    id: int
    name: str
    quantity: str
    price: str
    discount: str
    tax: str
    total: str
    from_catalogue: bool


@dataclasses.dataclass
class PartyView:
    kind: str  # translated: Contact, Company, Lead
    name: str
    href: str


@dataclasses.dataclass
class ProductHit:
    id: int
    name: str
    detail: str


class DealCardState(SessionState):
    deal_id: int = 0
    loaded: bool = False
    not_found: bool = False
    version: int = 0
    heading: str = ""
    subtitle: str = ""
    closed: bool = False
    result: str = ""
    result_text: str = ""
    stages: list[StageView] = []
    fields: list[FieldView] = []
    values: dict[str, str] = {}
    editing: bool = False
    stale: bool = False
    errors: dict[str, str] = {}
    created_text: str = ""
    can_edit: bool = False
    can_reopen: bool = False
    can_delete: bool = False
    source_options: list[Option] = []
    user_options: list[Option] = []
    currency_options: list[Option] = []
    reason_options: list[Option] = []
    stage_options: list[Option] = []  # the stages in progress (reopening goes back to one)
    parties: rx.Field[list[PartyView]] = rx.field(default_factory=list)
    lines: rx.Field[list[LineView]] = rx.field(default_factory=list)
    subtotal: str = ""
    discount_total: str = ""
    tax_total: str = ""
    grand_total: str = ""
    amount_follows: bool = True
    # the product row dialog: a new free row, a catalogue product, or a row being changed
    row_open: bool = False
    row_mode: str = "new"  # "new", "catalogue", "edit"
    row_id: int = 0
    row_values: dict[str, str] = {}
    row_errors: dict[str, str] = {}
    row_form_key: int = 0
    product_hits: rx.Field[list[ProductHit]] = rx.field(default_factory=list)
    product_searched: bool = False
    picked_product_id: int = 0
    picked_product_label: str = ""
    # closing and reopening
    close_open: bool = False
    close_result: str = "won"
    close_stage_id: int = 0
    close_errors: dict[str, str] = {}
    reopen_open: bool = False
    reopen_stage_id: str = ""
    reopen_errors: dict[str, str] = {}
    delete_open: bool = False

    # --- filling the card --------------------------------------------------------------------------

    def _money(self, amount, currency: str) -> str:
        return formatting.money(amount, currency, self.lang)

    def _fill(self, s) -> None:
        user = self._user(s)
        card: DealCard = deal_card.card(session=s, user=user, deal_id=self.deal_id)
        self.deal_id, self.version = card.id, card.version
        self.heading = card.title
        company = card.company.name if card.company else ""
        self.subtitle = " · ".join(p for p in (display_name(card.pipeline_name, self.lang), company) if p)
        self.closed, self.result = card.closed, card.result
        if card.result == "won":
            self.result_text = self._t(Msg("Won on {day}", day=formatting.day(card.closed_at, self.lang)))
        elif card.result == "lost":
            reason = display_name(card.lost_reason, self.lang)
            text = self._t(
                Msg("Lost on {day}: {reason}", day=formatting.day(card.closed_at, self.lang), reason=reason)
            )
            self.result_text = f"{text} — {card.lost_comment}" if card.lost_comment else text
        else:
            self.result_text = ""
        self.stages = [
            StageView(
                st.id,
                display_name(st.name, self.lang),
                st.color,
                st.semantic != "in_progress",
                st.reached,
                st.current,
                st.semantic == "failure",
            )
            for st in card.stages
        ]
        self.stage_options = [Option(str(st.id), st.name) for st in self.stages if not st.final]
        self.reopen_stage_id = self.stage_options[-1].value if self.stage_options else ""
        cur = card.currency_code
        shown = {
            "amount": self._money(card.amount, cur),
            "close_date": formatting.day(card.close_date, self.lang) if card.close_date else "",
            "source_id": display_name(card.source_name, self.lang) if card.source_name else "",
            "responsible_id": card.responsible_name,
            "comment": str(card.values.get("comment") or ""),
        }
        self.fields = [FieldView(self._t(label), shown[k]) for k, label in DISPLAY_FIELDS if shown.get(k)]
        v = card.values
        self.values = {
            "title": v["title"] or "",
            "amount": str(v["amount"] if v["amount"] is not None else ""),
            "currency_code": v["currency_code"] or "",
            "close_date": v["close_date"].isoformat() if v["close_date"] else "",
            "source_id": str(v["source_id"] or ""),
            "responsible_id": str(v["responsible_id"] or ""),
            "comment": v["comment"] or "",
            "amount_manual": "on" if v["amount_manual"] else "",
        }
        self.amount_follows = not card.amount_manual
        self.parties = [
            PartyView(self._t(label), p.name, routes.record(p.kind, p.id))
            for p, label in (
                (card.contact, N_("Contact")),
                (card.company, N_("Company")),
                (card.lead, N_("Lead")),
            )
            if p is not None
        ]
        self.lines = [self._line(line, cur) for line in card.lines]
        t = card.totals
        self.subtotal = self._money(t.subtotal, cur)
        self.discount_total = self._money(t.discount, cur)
        self.tax_total = self._money(t.tax, cur)
        self.grand_total = self._money(t.total, cur)
        self.created_text = self._t(Msg("Created {when}", when=formatting.when(card.created_at, self.lang)))
        self.can_edit, self.can_delete = card.may_edit, card.may_delete
        self.can_reopen = bool(card.extra.get("may_reopen"))
        self.loaded, self.not_found = True, False

    def _line(self, line: deal_products.ProductLine, cur: str) -> LineView:
        a = line.amounts
        qty = formatting.decimal_text(line.quantity.normalize(), self.lang)
        if a.discount:
            if line.discount_type == "percent":
                pct = formatting.decimal_text(line.discount_value.normalize(), self.lang)
                discount = f"{pct} % ({self._money(a.discount, cur)})"
            else:
                discount = self._money(a.discount, cur)
        else:
            discount = "—"
        if line.tax_rate:
            rate = formatting.decimal_text(line.tax_rate.normalize(), self.lang)
            how = self._t("incl.") if line.tax_included else self._t("added")
            tax = f"{rate} % {how} ({self._money(a.tax, cur)})"
        else:
            tax = "—"
        return LineView(
            id=line.id,
            name=line.name,
            quantity=f"{qty} {line.unit}",
            price=self._money(line.unit_price, cur),
            discount=discount,
            tax=tax,
            total=self._money(a.total, cur),
            from_catalogue=line.product_id is not None,
        )

    def _not_found(self, _exc: NotFound) -> None:
        self.not_found, self.loaded = True, True
        self.heading = self._t("This deal does not exist or was deleted.")
        self.can_edit = self.can_delete = self.can_reopen = False
        self.fields, self.lines, self.parties, self.stages = [], [], [], []

    def _changed(self, s, exc: StaleRecord):
        """Someone changed the deal: say so, and show it as it is now."""
        self._fill(s)
        return [rx.toast.error(self._t(DealChanged().message)), TimelineState.refresh]

    # --- loading and the fields ---------------------------------------------------------------------

    @db_event
    def load(self):
        self.loaded, self.editing, self.stale, self.errors = False, False, False, {}
        self.row_open = self.close_open = self.reopen_open = self.delete_open = False
        match = PATH.match(self.router.url.path or "")
        self.deal_id = int(match.group(1)) if match else 0
        with self._db() as s:
            with self._handling(on={NotFound: self._not_found}) as h:
                self._page_user(s)
                set_common_options(self, s)
                self.currency_options = [Option(c, c) for c in currencies.codes(s)]
                self.reason_options = [
                    Option(str(r.id), display_name(r.name, self.lang)) for r in deals.lost_reasons(s)
                ]
                self._fill(s)
            if h.failed:
                return h.events
        return TimelineState.load_for("deal", self.deal_id)

    @rx.event
    def start_edit(self):
        self.errors, self.stale = {}, False
        if not self.can_edit:
            return rx.toast.error(self._t("You may not change this deal."))
        self.editing = True
        return None

    @rx.event
    def cancel_edit(self):
        self.editing, self.errors, self.stale = False, {}, False

    def _stale_on_save(self, exc: StaleRecord) -> None:
        self.stale = True
        self.errors = {"": self._t(exc.message)}

    @db_event
    def save(self, form: dict):
        self.errors, self.stale = {}, False
        keys = ("title", "amount", "currency_code", "close_date", "source_id", "responsible_id", "comment")
        data: dict = {k: str(v) for k, v in form.items() if k in keys}
        data["amount_manual"] = bool(form.get("amount_manual"))
        if not data["amount_manual"] and self.lines:
            data.pop("amount", None)  # the amount follows the products
        self.values = {**self.values, **{k: str(v) for k, v in data.items() if k != "amount_manual"}}
        with self._db() as s:
            with self._handling("errors", on={StaleRecord: self._stale_on_save}) as h:
                deals.update(
                    session=s,
                    user=self._user(s),
                    deal_id=self.deal_id,
                    data=data,
                    expected_version=self.version,
                )
                self._fill(s)
            if h.failed:
                return h.events
        self.editing = False
        return [rx.toast.success(self._t("Saved.")), TimelineState.refresh]

    @db_event
    def reload_after_stale(self):
        self.editing, self.stale, self.errors = False, False, {}
        with self._db() as s:
            with self._handling(on={NotFound: self._not_found}) as h:
                self._fill(s)
            if h.failed:
                return h.events
        return TimelineState.refresh

    # --- stages, closing, reopening ------------------------------------------------------------------

    @db_event
    def move_to(self, stage_id: int):
        stage_id = int(stage_id)
        with self._db() as s:
            with self._handling(
                on={
                    CloseRequired: lambda exc: self._open_close(exc.won, exc.stage_id),
                    StaleRecord: lambda exc: self._changed(s, exc),
                }
            ) as h:
                deals.move(
                    session=s,
                    user=self._user(s),
                    deal_id=self.deal_id,
                    stage_id=stage_id,
                    expected_version=self.version,
                )
                self._fill(s)
            if h.failed:
                return h.events
        return TimelineState.refresh

    def _open_close(self, won: bool, stage_id: int) -> None:
        self.close_result = "won" if won else "lost"
        self.close_stage_id = stage_id
        self.close_errors = {}
        self.close_open = True

    @rx.event
    def open_close(self, result: str):
        self._open_close(result == "won", 0)

    @rx.event
    def set_close_open(self, value: bool):
        self.close_open = bool(value)

    @rx.event
    def set_close_result(self, value: str):
        self.close_result = "lost" if value == "lost" else "won"
        self.close_stage_id = 0  # the stage clicked was of the other result

    @db_event
    def submit_close(self, form: dict):
        self.close_errors = {}
        with self._db() as s:
            with self._handling("close_errors", on={StaleRecord: lambda exc: self._changed(s, exc)}) as h:
                deals.close(
                    session=s,
                    user=self._user(s),
                    deal_id=self.deal_id,
                    result=self.close_result,
                    reason_id=form.get("reason_id") if self.close_result == "lost" else None,
                    comment=str(form.get("comment") or ""),
                    stage_id=self.close_stage_id or None,
                    expected_version=self.version,
                )
                self._fill(s)
            if h.failed:
                self.close_open = bool(self.close_errors)  # a field to correct keeps it open
                return h.events
        self.close_open = False
        done = (
            N_("The deal is closed as won.")
            if self.close_result == "won"
            else N_("The deal is closed as lost.")
        )
        return [rx.toast.success(self._t(done)), TimelineState.refresh]

    @rx.event
    def set_reopen_open(self, value: bool):
        self.reopen_open = bool(value)
        self.reopen_errors = {}

    @db_event
    def submit_reopen(self, form: dict):
        self.reopen_errors = {}
        with self._db() as s:
            with self._handling("reopen_errors", on={StaleRecord: lambda exc: self._changed(s, exc)}) as h:
                deals.reopen(
                    session=s,
                    user=self._user(s),
                    deal_id=self.deal_id,
                    reason=str(form.get("reason") or ""),
                    stage_id=form.get("stage_id") or None,
                    expected_version=self.version,
                )
                self._fill(s)
            if h.failed:
                return h.events
        self.reopen_open = False
        return [rx.toast.success(self._t("The deal is open again.")), TimelineState.refresh]

    # --- product rows ------------------------------------------------------------------------------

    def _open_row(self, mode: str, values: dict[str, str], row_id: int = 0) -> None:
        self.row_mode, self.row_id, self.row_values, self.row_errors = mode, row_id, values, {}
        self.product_hits, self.product_searched = [], False
        self.picked_product_id, self.picked_product_label = 0, ""
        self.row_form_key += 1
        self.row_open = True

    @rx.event
    def open_new_row(self):
        self._open_row(
            "new", {"quantity": "1", "unit": "pcs", "discount_type": "percent", "discount_value": "0"}
        )

    @rx.event
    def open_catalogue(self):
        self._open_row("catalogue", {"quantity": "1", "discount_type": "percent", "discount_value": "0"})

    @rx.event
    def set_row_open(self, value: bool):
        self.row_open = bool(value)

    @db_event
    def edit_row(self, row_id: int):
        row_id = int(row_id)
        with self._db() as s:
            with self._handling() as h:
                deals.get(session=s, user=self._user(s), deal_id=self.deal_id)
                row = next((r for r in deal_products.rows_of(s, self.deal_id) if r.id == row_id), None)
                if row is None:
                    raise NotFound(Msg("This product row does not exist any more."))
                values = {k: str(getattr(row, k)) for k in ROW_KEYS}
                values["discount_type"] = row.discount_type.value
                values["tax_included"] = "on" if row.tax_included else ""
                values["quantity"] = f"{row.quantity.normalize():f}"
            if h.failed:
                return h.events
        self._open_row("edit", values, row_id)
        return None

    @db_event
    def search_products(self, text: str):
        with self._db() as s:
            with self._handling() as h:
                hits = deal_products.catalogue_hits(session=s, user=self._user(s), text=str(text or ""))
                self.product_hits = [
                    ProductHit(
                        p.id,
                        p.name,
                        " · ".join(x for x in (p.sku, self._money(p.price, p.currency_code)) if x),
                    )
                    for p in hits
                ]
                self.product_searched = bool(str(text or "").strip())
            if h.failed:
                return h.events
        return None

    @rx.event
    def pick_product(self, product_id: int):
        hit = next((p for p in self.product_hits if p.id == int(product_id)), None)
        if hit is not None:
            self.picked_product_id, self.picked_product_label = hit.id, hit.name
            self.product_hits = []

    @rx.event
    def clear_product(self):
        self.picked_product_id, self.picked_product_label = 0, ""

    @db_event
    def submit_row(self, form: dict):
        self.row_errors = {}
        data = {k: str(v) for k, v in form.items() if k in ROW_KEYS}
        data["tax_included"] = "on" if form.get("tax_included") else ""
        self.row_values = {**self.row_values, **data}
        with self._db() as s:
            with self._handling("row_errors", on={StaleRecord: lambda exc: self._changed(s, exc)}) as h:
                user = self._user(s)
                if self.row_mode == "edit":
                    deal_products.update_row(
                        session=s,
                        user=user,
                        deal_id=self.deal_id,
                        row_id=self.row_id,
                        data=data,
                        expected_version=self.version,
                    )
                elif self.row_mode == "catalogue":
                    if not self.picked_product_id:
                        self.row_errors = {"product_id": self._t("Choose a product from the catalogue.")}
                        return None
                    # the catalogue's name, price, unit and tax; the quantity and discount typed here
                    picked = {
                        k: data[k] for k in ("quantity", "discount_type", "discount_value") if k in data
                    }
                    deal_products.add_row(
                        session=s,
                        user=user,
                        deal_id=self.deal_id,
                        product_id=self.picked_product_id,
                        data=picked,
                        expected_version=self.version,
                    )
                else:
                    deal_products.add_row(
                        session=s,
                        user=user,
                        deal_id=self.deal_id,
                        data=data,
                        save_to_catalogue=bool(form.get("save_to_catalogue")),
                        expected_version=self.version,
                    )
                self._fill(s)
            if h.failed:
                return h.events
        self.row_open = False
        return [rx.toast.success(self._t("Saved.")), TimelineState.refresh]

    @db_event
    def remove_row(self, row_id: int):
        with self._db() as s:
            with self._handling(on={StaleRecord: lambda exc: self._changed(s, exc)}) as h:
                deal_products.remove_row(
                    session=s,
                    user=self._user(s),
                    deal_id=self.deal_id,
                    row_id=int(row_id),
                    expected_version=self.version,
                )
                self._fill(s)
            if h.failed:
                return h.events
        return [rx.toast.success(self._t("Product removed.")), TimelineState.refresh]

    # --- delete ------------------------------------------------------------------------------------

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = bool(value)

    @db_event
    def delete_record(self):
        self.delete_open = False
        with self._db() as s:
            with self._handling() as h:
                deals.delete(session=s, user=self._user(s), deal_id=self.deal_id)
            if h.failed:
                return h.events
        return [rx.toast.success(self._t("Moved to the recycle bin.")), rx.redirect(routes.DEALS)]
