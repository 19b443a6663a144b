"""Settings -> Web forms (administrators and managers), and the public page /forms/<slug>."""

from __future__ import annotations

import dataclasses
import html

import reflex as rx

from crm_app import routes
from crm_app.services import intake, web_forms
from crm_app.services.defaults import display_name
from crm_app.services.errors import DomainError, NotFound, PermissionDenied
from crm_app.services.i18n import N_, normalize_language
from crm_app.state.offload import db_event
from crm_app.state.session import SessionState, visitor_address

# what each field of a form can be: not on the form, optional, required
FIELD_MODES = [("off", N_("Not shown")), ("optional", N_("Optional")), ("required", N_("Required"))]
IFRAME_HEIGHT = 820


def form_path(slug: str) -> str:
    return routes.public_form(slug)


def iframe_snippet(url: str, name: str) -> str:
    """The HTML an administrator pastes into another site (the name is escaped for the attribute)."""
    return (
        f'<iframe src="{html.escape(url)}" title="{html.escape(name)}" width="100%" '
        f'height="{IFRAME_HEIGHT}" style="border:0;max-width:40rem" loading="lazy"></iframe>'
    )


@dataclasses.dataclass
class WebFormView:
    id: int
    name: str
    slug: str
    url: str
    is_active: bool
    fields_text: str
    source: str
    responsible: str


@dataclasses.dataclass
class Choice:
    value: str
    label: str


@dataclasses.dataclass
class FieldChoice:
    name: str
    label: str
    mode: str


class WebFormsState(SessionState):
    rows: rx.Field[list[WebFormView]] = rx.field(default_factory=list)
    loaded: bool = False
    forbidden: bool = False
    base_url: str = ""
    # the create / edit dialog
    dialog_open: bool = False
    editing_id: int = 0
    edit_version: int = 0
    edit_name: str = ""
    edit_slug: str = ""
    edit_thank_you: str = ""
    edit_source: rx.Field[str] = rx.field("")
    edit_responsible: rx.Field[str] = rx.field("")
    edit_active: bool = True
    edit_fields: list[FieldChoice] = []
    sources: rx.Field[list[Choice]] = rx.field(default_factory=list)
    users: rx.Field[list[Choice]] = rx.field(default_factory=list)
    errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)

    @rx.var
    def edit_url(self) -> str:
        return f"{self.base_url}{form_path(self.edit_slug)}" if self.edit_slug else ""

    @rx.var
    def edit_snippet(self) -> str:
        return iframe_snippet(self.edit_url, self.edit_name) if self.edit_slug else ""

    # --- helpers ------------------------------------------------------------------------------

    def _base_url(self) -> str:
        origin = self.router.url.origin
        return origin if origin.startswith(("http://", "https://")) else ""

    def _forbidden(self, _exc: DomainError) -> None:
        self.forbidden, self.loaded = True, True

    def _load(self, s) -> None:
        user = self._user(s)
        self.base_url = self._base_url()
        rows = web_forms.list_web_forms(session=s, user=user)
        self.rows = [
            WebFormView(
                id=r.id,
                name=r.name,
                slug=r.slug,
                url=f"{self.base_url}{form_path(r.slug)}",
                is_active=r.is_active,
                fields_text=", ".join(
                    self._t(web_forms.FORM_FIELDS[f["name"]][0]) + ("*" if f.get("required") else "")
                    for f in r.fields
                    if f.get("name") in web_forms.FORM_FIELDS
                ),
                source=display_name(r.source_name, self.lang) if r.source_name else "",
                responsible=r.responsible_name,
            )
            for r in rows
        ]
        self.loaded = True

    def _fill_dialog(self, s, user, form=None) -> None:
        sources, users = web_forms.form_choices(session=s, user=user)
        self.sources = [Choice(str(i), n) for i, n in sources]
        self.users = [Choice(str(i), n) for i, n in users]
        if form is None:
            chosen = {f["name"]: f["required"] for f in web_forms.DEFAULT_FIELDS}
            default_source = intake.source_id_by_code(s, "web_form")
            self.editing_id, self.edit_version = 0, 0
            self.edit_name = self.edit_slug = self.edit_thank_you = self.edit_responsible = ""
            self.edit_source = str(default_source or "")
            self.edit_active = True
        else:
            chosen = {f["name"]: bool(f.get("required")) for f in form.fields or []}
            self.editing_id, self.edit_version = form.id or 0, form.version
            self.edit_name, self.edit_slug, self.edit_thank_you = form.name, form.slug, form.thank_you_text
            self.edit_source = str(form.source_id or "")
            self.edit_responsible = str(form.responsible_id or "")
            self.edit_active = form.is_active
        self.edit_fields = [
            FieldChoice(
                name=name,
                label=self._t(label),
                mode=("required" if chosen[name] else "optional") if name in chosen else "off",
            )
            for name, (label, _) in web_forms.FORM_FIELDS.items()
        ]
        self.errors = {}

    # --- events -------------------------------------------------------------------------------

    @db_event
    def load(self):
        return self._in_session(self._load, on={PermissionDenied: self._forbidden}, page=True)

    @db_event
    def open_create(self):
        with self._db() as s:
            with self._handling() as h:
                self._fill_dialog(s, self._user(s))
            if h.failed:
                return h.events
        self.dialog_open = True
        return None

    @db_event
    def open_edit(self, form_id: int):
        with self._db() as s:
            with self._handling() as h:
                user = self._user(s)
                form = web_forms.get_web_form(session=s, user=user, form_id=int(form_id))
                self._fill_dialog(s, user, form)
            if h.failed:
                return h.events
        self.dialog_open = True
        return None

    @rx.event
    def set_dialog_open(self, value: bool):
        self.dialog_open = value
        if not value:
            self.errors = {}

    @db_event
    def save(self, form: dict):
        self.errors = {}
        data = {
            "name": str(form.get("name", "")),
            "slug": str(form.get("slug", "")).strip(),
            "thank_you_text": str(form.get("thank_you_text", "")),
            "source_id": str(form.get("source_id", "")),
            "responsible_id": str(form.get("responsible_id", "")),
            "is_active": form.get("is_active") in ("on", True, "true"),
            "fields": [
                {"name": name, "required": form.get(f"field_{name}") == "required"}
                for name in web_forms.FORM_FIELDS
                if form.get(f"field_{name}") in ("optional", "required")
            ],
        }
        with self._db() as s:
            with self._handling("errors") as h:
                user = self._user(s)
                if self.editing_id:
                    saved = web_forms.update_web_form(
                        session=s,
                        user=user,
                        form_id=self.editing_id,
                        data=data,
                        expected_version=self.edit_version,
                    )
                else:
                    saved = web_forms.create_web_form(session=s, user=user, data=data)
                self._load(s)
            if h.failed:
                return h.events
        self.dialog_open = False
        return rx.toast.success(self._t("Web form {name} saved.").format(name=saved.name))

    @db_event
    def set_active(self, form_id: int, active: bool):
        with self._db() as s:
            with self._handling() as h:
                user = self._user(s)
                web_forms.set_web_form_active(session=s, user=user, form_id=int(form_id), active=bool(active))
                self._load(s)
            if h.failed:
                return h.events
        return rx.toast.success(
            self._t("Web form activated.") if active else self._t("Web form deactivated.")
        )

    @rx.event
    def copy_link(self, url: str):
        return [rx.set_clipboard(url), rx.toast.success(self._t("Link copied."))]

    @rx.event
    def copy_snippet(self, url: str, name: str):
        return [rx.set_clipboard(iframe_snippet(url, name)), rx.toast.success(self._t("Embed code copied."))]


# --- the public page -----------------------------------------------------------------------


@dataclasses.dataclass
class PublicFieldView:
    name: str
    label: str
    kind: str
    required: bool
    field_id: str


class PublicFormState(SessionState):
    """/forms/<slug>: no login. The route's `slug` is read on the server, never from the form."""

    status: str = "loading"  # loading, ready, missing, done
    form_title: str = ""
    fields: list[PublicFieldView] = []
    has_required: bool = False
    thank_you: str = ""
    errors: rx.Field[dict[str, str]] = rx.field(default_factory=dict)

    def _missing(self, _exc: DomainError) -> None:
        self.status = "missing"

    def _form_error(self, exc: DomainError) -> None:
        self.errors = {"": self._t(exc.message)}

    def _slug(self) -> str:
        return str(getattr(self, "slug", "") or "")

    @db_event
    def load(self):
        if not self.user_id:  # a visitor: the browser's language
            self._assign(lang=normalize_language(self.router.headers.accept_language.split(",")[0]))
        self.errors, self.thank_you = {}, ""
        with self._db() as s:
            form = web_forms.public_form(session=s, slug=self._slug())
        if form is None:
            self.status, self.fields, self.form_title = "missing", [], ""
            return
        self.form_title = form.name
        self.fields = [
            PublicFieldView(
                name=f.name, label=self._t(f.label), kind=f.kind, required=f.required, field_id=f"wf-{f.name}"
            )
            for f in form.fields
        ]
        self.has_required = any(f.required for f in form.fields)
        self.status = "ready"

    @db_event
    def submit(self, form: dict):
        self.errors = {}
        with self._db() as s:
            with self._handling(
                "errors",
                on={NotFound: self._missing, DomainError: self._form_error},  # too many submissions
            ) as h:
                text = web_forms.submit_web_form(
                    session=s, slug=self._slug(), data=dict(form), ip=visitor_address(self)
                )
            if h.failed:
                return h.events
        self.thank_you = self._t(text) if text == web_forms.DEFAULT_THANK_YOU else text
        self.status = "done"
        return None
