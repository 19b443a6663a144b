"""Public web forms (/forms/<slug>) that create leads, and their settings.

Administrators and managers choose the fields shown (from FORM_FIELDS), which are required, the
thank-you text, and the source and responsible user given to every new lead.

A post from the public page (`submit_web_form`):
1. counts against a per-address, per-form rate limit (RATE_LIMIT posts per RATE_WINDOW), every
   post alike, valid or not, so a flood from one address is slowed down whatever it sends;
2. is silently dropped when the honeypot field (hidden from people, filled by bots) has a value:
   the bot sees the thank-you text and nothing is created;
3. keeps only the fields the form shows (a visitor cannot set the status or the responsible);
4. goes through `leads.clean_lead_data` and the one write path, `leads.create_leads` (origin
   "web_form"), by way of `intake.create_lead_with_policy`.
Duplicates never stop a web form lead (a visitor cannot choose to update an existing lead):
the lead is created and its matches are kept in its "created" history entry as
payload["duplicates"] (see services.intake).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from crm_app.models import EntityType, Source, User, WebForm
from crm_app.services import intake, leads, permissions, rate_limit, uow
from crm_app.services.errors import DomainError, NotFound, Throttled, ValidationError
from crm_app.services.i18n import N_, Msg
from crm_app.services.validation import clean_text

# field name -> (label, input kind); "phone" and "email" become the lead's first phone / e-mail
FORM_FIELDS: dict[str, tuple[str, str]] = {
    "first_name": (N_("First name"), "text"),
    "last_name": (N_("Last name"), "text"),
    "company_name": (N_("Company name"), "text"),
    "position": (N_("Position"), "text"),
    "phone": (N_("Phone"), "tel"),
    "email": (N_("E-mail"), "email"),
    "website": (N_("Website"), "text"),
    "address": (N_("Address"), "text"),
    "comment": (N_("Comment"), "textarea"),
}
NAME_FIELDS = ("first_name", "last_name", "company_name")
DEFAULT_FIELDS = [
    {"name": "first_name", "required": True},
    {"name": "last_name", "required": False},
    {"name": "email", "required": True},
    {"name": "phone", "required": False},
    {"name": "comment", "required": False},
]
DEFAULT_THANK_YOU = N_("Thank you! We have received your message and will get back to you soon.")
HONEYPOT = "fax_number"  # the hidden field only bots fill in
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 64
MAX_THANK_YOU = 2000
MAX_FORMS = 200
RATE_SCOPE = "web_form"
RATE_LIMIT = 5
RATE_WINDOW = timedelta(minutes=10)


def _require_manager(session: Session, user: User | None) -> None:
    """A web form is a way in for leads, like an import: managed by who may import leads."""
    permissions.require(
        session, user, permissions.Action.IMPORT, EntityType.LEAD, Msg("You may not manage web forms.")
    )


class TooManySubmissions(Throttled):
    """Too many posts of one form from one address; `retry_after` in seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        minutes = max(1, math.ceil(retry_after / 60))
        if minutes == 1:
            message = Msg("Too many submissions, try again in a minute.")
        else:
            message = Msg("Too many submissions, try again in {minutes} minutes.", minutes=minutes)
        DomainError.__init__(self, message)


@dataclass
class WebFormRow:
    id: int
    name: str
    slug: str
    is_active: bool
    fields: list[dict[str, Any]]
    thank_you_text: str
    source_id: int | None
    source_name: str
    responsible_id: int | None
    responsible_name: str
    version: int


@dataclass
class PublicField:
    name: str
    label: str  # an English msgid, translated where shown
    kind: str  # text, tel, email, textarea
    required: bool


@dataclass
class PublicForm:
    slug: str
    name: str
    fields: list[PublicField]


# --- slugs ---------------------------------------------------------------------------------


def slugify(text: str) -> str:
    """A URL-safe slug: "Contact us — Été 2026" gives "contact-us-ete-2026"."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[: MAX_SLUG - 4].strip("-") or "form"


def _slug_taken(session: Session, slug: str, exclude_id: int | None) -> bool:
    stmt = select(WebForm.id).where(WebForm.slug == slug)
    if exclude_id is not None:
        stmt = stmt.where(WebForm.id != exclude_id)
    return session.exec(stmt).first() is not None


def _unique_slug(session: Session, base: str, exclude_id: int | None) -> str:
    slug, n = base, 2
    while _slug_taken(session, slug, exclude_id):
        slug = f"{base}-{n}"
        n += 1
    return slug


# --- settings ------------------------------------------------------------------------------


def _clean_fields(value: Any) -> tuple[list[dict[str, Any]], Msg | None]:
    items = value if isinstance(value, list) else []
    seen: set[str] = set()
    fields: list[dict[str, Any]] = []
    for item in items:
        name = str(item.get("name", "")) if isinstance(item, dict) else str(item)
        if name in FORM_FIELDS and name not in seen:
            seen.add(name)
            fields.append(
                {"name": name, "required": bool(item.get("required")) if isinstance(item, dict) else False}
            )
    if not fields:
        return fields, Msg("Choose at least one field.")
    if not seen.intersection(NAME_FIELDS):
        return fields, Msg("Show the first name, the last name or the company name: a lead needs a name.")
    return fields, None


def _clean_form(
    session: Session, data: dict[str, Any], *, form_id: int | None, current_slug: str = ""
) -> dict[str, Any]:
    errors: dict[str, Msg] = {}
    name, err = clean_text(str(data.get("name") or ""), field_label=N_("Name"), max_len=100, required=True)
    if err:
        errors["name"] = err
    raw_slug = str(data.get("slug") or "").strip()
    if not raw_slug:
        slug = current_slug or _unique_slug(session, slugify(name), form_id)
    elif len(raw_slug) > MAX_SLUG or not SLUG_RE.match(raw_slug):
        slug = raw_slug
        errors["slug"] = Msg("Use only lower-case letters, digits and hyphens, like contact-us.")
    elif _slug_taken(session, raw_slug, form_id):
        slug = raw_slug
        errors["slug"] = Msg("Another form already uses this address.")
    else:
        slug = raw_slug
    fields, err = _clean_fields(data.get("fields"))
    if err:
        errors["fields"] = err
    thank_you, err = clean_text(
        str(data.get("thank_you_text") or ""), field_label=N_("Thank-you text"), max_len=MAX_THANK_YOU
    )
    if err:
        errors["thank_you_text"] = err
    source_id = leads.int_or_none(data.get("source_id"))  # same id parsing as a lead's
    if source_id is not None and session.get(Source, source_id) is None:
        errors["source_id"] = Msg("Choose a source.")
    responsible_id = leads.int_or_none(data.get("responsible_id"))
    if responsible_id is not None:
        user = session.get(User, responsible_id)
        if user is None or not user.is_active:
            errors["responsible_id"] = Msg("Choose an active user.")
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "slug": slug,
        "fields": fields,
        "thank_you_text": thank_you,
        "source_id": source_id,
        "responsible_id": responsible_id,
        "is_active": bool(data.get("is_active", True)),
    }


def _save(session: Session, form: WebForm) -> WebForm:
    session.add(form)
    try:
        uow.commit(session)
    except IntegrityError:  # the same slug saved at the same moment by someone else
        session.rollback()
        raise ValidationError({"slug": Msg("Another form already uses this address.")}) from None
    session.refresh(form)
    return form


def create_web_form(*, session: Session, user: User, data: dict[str, Any]) -> WebForm:
    """A new form; with no source given it gets the "Web form" source."""
    _require_manager(session, user)
    data = dict(data)
    if "source_id" not in data:
        data["source_id"] = intake.source_id_by_code(session, "web_form")
    return _save(session, WebForm(**_clean_form(session, data, form_id=None)))


def get_web_form(*, session: Session, user: User, form_id: int) -> WebForm:
    _require_manager(session, user)
    form = session.get(WebForm, form_id)
    if form is None:
        raise NotFound(Msg("This web form does not exist."))
    return form


def update_web_form(
    *, session: Session, user: User, form_id: int, data: dict[str, Any], expected_version: int | None = None
) -> WebForm:
    """Change a form. An empty slug keeps the current one (links already shared keep working)."""
    form = get_web_form(session=session, user=user, form_id=form_id)
    uow.check_version(form, expected_version)
    values = _clean_form(
        session, {"is_active": form.is_active, **data}, form_id=form.id, current_slug=form.slug
    )
    for key, value in values.items():
        setattr(form, key, value)
    return _save(session, form)


def set_web_form_active(*, session: Session, user: User, form_id: int, active: bool) -> WebForm:
    form = get_web_form(session=session, user=user, form_id=form_id)
    if form.is_active != active:
        form.is_active = active
        form = _save(session, form)
    return form


def list_web_forms(*, session: Session, user: User) -> list[WebFormRow]:
    _require_manager(session, user)
    stmt = (
        select(WebForm, Source.name, User.name)
        .join(Source, col(Source.id) == col(WebForm.source_id), isouter=True)
        .join(User, col(User.id) == col(WebForm.responsible_id), isouter=True)
        .order_by(col(WebForm.is_active).desc(), col(WebForm.name), col(WebForm.id))
        .limit(MAX_FORMS)
    )
    return [
        WebFormRow(
            id=form.id or 0,
            name=form.name,
            slug=form.slug,
            is_active=form.is_active,
            fields=list(form.fields or []),
            thank_you_text=form.thank_you_text,
            source_id=form.source_id,
            source_name=source_name or "",
            responsible_id=form.responsible_id,
            responsible_name=responsible_name or "",
            version=form.version,
        )
        for form, source_name, responsible_name in session.exec(stmt).all()
    ]


def form_choices(*, session: Session, user: User) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(sources, active users) to pick from: [(id, name)]."""
    _require_manager(session, user)
    sources = session.exec(select(Source.id, Source.name).order_by(col(Source.sort), col(Source.id))).all()
    users = session.exec(
        select(User.id, User.name).where(User.is_active).order_by(col(User.name), col(User.id)).limit(500)
    ).all()
    return [(i or 0, n) for i, n in sources], [(i or 0, n) for i, n in users]


# --- the public side -----------------------------------------------------------------------


def _active_form(session: Session, slug: str) -> WebForm:
    slug = (slug or "").strip().lower()
    form = None
    if slug and len(slug) <= MAX_SLUG:
        form = session.exec(select(WebForm).where(WebForm.slug == slug)).first()
    if form is None or not form.is_active:
        raise NotFound(Msg("This form is not available."))
    return form


def _shown_fields(form: WebForm) -> list[dict[str, Any]]:
    return [f for f in form.fields or [] if isinstance(f, dict) and f.get("name") in FORM_FIELDS]


def public_form(*, session: Session, slug: str) -> PublicForm | None:
    """What the public page shows, or None for an unknown or inactive form. No login needed."""
    try:
        form = _active_form(session, slug)
    except NotFound:
        return None
    return PublicForm(
        slug=form.slug,
        name=form.name,
        fields=[
            PublicField(
                name=f["name"],
                label=FORM_FIELDS[f["name"]][0],
                kind=FORM_FIELDS[f["name"]][1],
                required=bool(f.get("required")),
            )
            for f in _shown_fields(form)
        ],
    )


def thank_you_text(form: WebForm) -> str:
    """The form's own text, or DEFAULT_THANK_YOU (a msgid: translate it where it is shown)."""
    return form.thank_you_text or DEFAULT_THANK_YOU


def submit_web_form(
    *, session: Session, slug: str, data: dict[str, Any], ip: str, now: datetime | None = None
) -> str:
    """A visitor's post. Returns the thank-you text (see `thank_you_text`).

    Raises NotFound (unknown or inactive form), TooManySubmissions, or ValidationError keyed by
    the form's field names ("" for a problem with no field on the form).
    """
    form = _active_form(session, slug)
    wait = rate_limit.hit(
        session=session,
        scope=RATE_SCOPE,
        key=ip,  # per address, whatever the form: a flood cannot spread over forms
        limit=RATE_LIMIT,
        window=RATE_WINDOW,
        now=now,
    )
    if wait:
        raise TooManySubmissions(wait)
    if str(data.get(HONEYPOT) or "").strip():
        return thank_you_text(form)  # a bot: pretend, create nothing

    shown = _shown_fields(form)
    values = {f["name"]: str(data.get(f["name"]) or "").strip() for f in shown}
    errors: dict[str, Msg] = {}
    for f in shown:
        if f.get("required") and not values[f["name"]]:
            label = Msg(FORM_FIELDS[f["name"]][0])
            errors[f["name"]] = Msg("{field} is required.", field=label)
    names = [n for n in NAME_FIELDS if n in values]
    no_name = not any(values[n] for n in names)
    if names and no_name:
        errors.setdefault(names[0], Msg("Enter your name or your company name."))

    lead_data: dict[str, Any] = {k: v for k, v in values.items() if k not in ("phone", "email")}
    lead_data["phones"] = [values["phone"]] if values.get("phone") else []
    lead_data["emails"] = [values["email"]] if values.get("email") else []
    if form.source_id is not None and session.get(Source, form.source_id) is not None:
        lead_data["source_id"] = form.source_id
    responsible = session.get(User, form.responsible_id) if form.responsible_id else None
    if responsible is not None and responsible.is_active:
        lead_data["responsible_id"] = responsible.id
    try:
        leads.clean_lead_data(session, lead_data)
    except ValidationError as exc:
        for key, msg in exc.errors.items():
            field = {"phones": "phone", "emails": "email"}.get(key, key)
            if key == "last_name" and no_name and names:
                continue  # "a lead needs a name": already said above, in the visitor's words
            errors.setdefault(field if field in values else "", msg)
    if errors:
        raise ValidationError(errors)
    intake.create_lead_with_policy(
        session=session, user=None, data=lead_data, origin="web_form", on_duplicate="create"
    )
    return thank_you_text(form)
