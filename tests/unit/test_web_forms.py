"""Web forms: settings (admins and managers), and the public post with honeypot and rate limit."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from crm_app.models import EntityType, Lead, Role, Source, TimelineEntry, TimelineKind
from crm_app.services import leads, web_forms
from crm_app.services.errors import NotFound, PermissionDenied, StaleRecord, ValidationError
from tests.factories import create_user

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
FIELDS = [
    {"name": "first_name", "required": True},
    {"name": "last_name", "required": False},
    {"name": "email", "required": True},
    {"name": "phone", "required": False},
    {"name": "comment", "required": False},
]


def make_form(session, admin, **data):
    values = {"name": "Contact us", "fields": FIELDS, "thank_you_text": "Thanks, talk soon!", **data}
    return web_forms.create_web_form(session=session, user=admin, data=values)


def lead_count(session) -> int:
    return session.exec(select(func.count()).select_from(Lead)).one()


def post(session, slug="contact-us", ip="203.0.113.7", now=T0, **data):
    values = {"first_name": "Ann", "email": "ann@example.com", **data}
    return web_forms.submit_web_form(session=session, slug=slug, data=values, ip=ip, now=now)


@pytest.fixture
def admin(session):
    return create_user(session, role=Role.ADMIN, name="Ada Admin")


# --- settings ------------------------------------------------------------------------------


def test_it_makes_a_unique_slug_from_the_name(session, admin):
    assert make_form(session, admin).slug == "contact-us"
    assert make_form(session, admin).slug == "contact-us-2"
    assert make_form(session, admin, name="Été — Demande de devis !").slug == "ete-demande-de-devis"


def test_a_new_form_gets_the_web_form_source(session, admin):
    form = make_form(session, admin)
    assert session.get(Source, form.source_id).code == "web_form"


def test_it_rejects_a_bad_or_taken_slug(session, admin):
    make_form(session, admin, slug="quote")
    with pytest.raises(ValidationError) as exc:
        make_form(session, admin, slug="Quote Form")
    assert "lower-case" in str(exc.value.errors["slug"])
    with pytest.raises(ValidationError) as exc:
        make_form(session, admin, slug="quote")
    assert "already uses" in str(exc.value.errors["slug"])


def test_it_needs_a_name_field_and_known_fields_only(session, admin):
    with pytest.raises(ValidationError) as exc:
        make_form(session, admin, fields=[{"name": "email", "required": True}])
    assert "needs a name" in str(exc.value.errors["fields"])
    form = make_form(
        session, admin, fields=[{"name": "status_id"}, {"name": "last_name"}, {"name": "last_name"}]
    )
    assert form.fields == [{"name": "last_name", "required": False}]


def test_sales_users_cannot_manage_forms(session, admin):
    sales = create_user(session, role=Role.SALES)
    with pytest.raises(PermissionDenied):
        make_form(session, sales)
    form = make_form(session, admin)
    with pytest.raises(PermissionDenied):
        web_forms.list_web_forms(session=session, user=sales)
    manager = create_user(session, role=Role.MANAGER)
    web_forms.set_web_form_active(session=session, user=manager, form_id=form.id, active=False)


def test_an_edit_keeps_the_slug_unless_changed_and_checks_the_version(session, admin):
    form = make_form(session, admin)
    version = form.version
    web_forms.update_web_form(
        session=session, user=admin, form_id=form.id, data={"name": "Renamed", "fields": FIELDS}
    )
    assert (form.name, form.slug) == ("Renamed", "contact-us")
    with pytest.raises(StaleRecord):
        web_forms.update_web_form(
            session=session,
            user=admin,
            form_id=form.id,
            data={"name": "Again", "fields": FIELDS},
            expected_version=version,
        )


def test_the_list_shows_source_and_responsible_names(session, admin):
    make_form(session, admin, responsible_id=admin.id)
    [row] = web_forms.list_web_forms(session=session, user=admin)
    assert (row.source_name, row.responsible_name) == ("Web form", "Ada Admin")


# --- the public side -----------------------------------------------------------------------


def test_a_post_creates_a_lead_with_the_forms_source_and_responsible(session, admin):
    rep = create_user(session, role=Role.SALES, name="Rep")
    form = make_form(session, admin, responsible_id=rep.id)
    assert post(session, phone="+33 6 12 34 56 78", comment="<b>Call me</b>") == "Thanks, talk soon!"
    lead = session.exec(select(Lead)).one()
    assert (lead.first_name, lead.source_id, lead.responsible_id) == ("Ann", form.source_id, rep.id)
    assert lead.created_by_id is None
    assert lead.comment == "<b>Call me</b>"  # stored as given, shown as text
    assert leads.lead_values(session, lead)["emails"] == ["ann@example.com"]
    entry = session.exec(
        select(TimelineEntry).where(
            TimelineEntry.entity_type == EntityType.LEAD,
            TimelineEntry.entity_id == lead.id,
            TimelineEntry.kind == TimelineKind.CREATED,
        )
    ).one()
    assert entry.payload["origin"] == "web_form"
    assert "duplicates" not in entry.payload


def test_the_default_thank_you_text(session, admin):
    make_form(session, admin, thank_you_text="")
    assert post(session) == web_forms.DEFAULT_THANK_YOU


def test_a_filled_honeypot_pretends_success_and_creates_nothing(session, admin):
    make_form(session, admin)
    assert post(session, **{web_forms.HONEYPOT: "http://spam.example"}) == "Thanks, talk soon!"
    assert lead_count(session) == 0


def test_required_fields_are_checked(session, admin):
    make_form(session, admin)
    with pytest.raises(ValidationError) as exc:
        web_forms.submit_web_form(session=session, slug="contact-us", data={"comment": "hi"}, ip="1.1.1.1")
    assert set(exc.value.errors) == {"first_name", "email"}
    assert str(exc.value.errors["email"]) == "E-mail is required."
    with pytest.raises(ValidationError) as exc:
        post(session, email="not an e-mail")
    assert "valid e-mail" in str(exc.value.errors["email"])
    assert lead_count(session) == 0


def test_a_name_is_needed_even_when_no_name_field_is_required(session, admin):
    make_form(session, admin, fields=[{"name": "company_name"}, {"name": "phone"}])
    with pytest.raises(ValidationError) as exc:
        web_forms.submit_web_form(session=session, slug="contact-us", data={"phone": "+33612345678"}, ip="x")
    assert list(exc.value.errors) == ["company_name"]


def test_fields_the_form_does_not_show_are_ignored(session, admin):
    other = create_user(session, role=Role.SALES)
    make_form(session, admin)
    post(session, responsible_id=str(other.id), status_id="999", last_name="Lee", position="CEO")
    lead = session.exec(select(Lead)).one()
    assert lead.responsible_id is None and lead.last_name == "Lee" and lead.position == ""


def test_a_flood_from_one_address_is_slowed_down(session, admin):
    make_form(session, admin)
    for i in range(web_forms.RATE_LIMIT):
        post(session, now=T0 + timedelta(seconds=i), email=f"a{i}@example.com")
    with pytest.raises(web_forms.TooManySubmissions) as exc:
        post(session, now=T0 + timedelta(seconds=30))
    assert str(exc.value.message) == "Too many submissions, try again in 10 minutes."
    for i in range(20):  # refused posts create nothing
        with pytest.raises(web_forms.TooManySubmissions):
            post(session, now=T0 + timedelta(seconds=40 + i))
    assert lead_count(session) == web_forms.RATE_LIMIT
    # another address is not slowed down; the flooder is let in again once the window passed
    post(session, ip="198.51.100.1", now=T0 + timedelta(minutes=1))
    post(session, now=T0 + timedelta(minutes=10, seconds=1))
    assert lead_count(session) == web_forms.RATE_LIMIT + 2


def test_invalid_posts_count_too(session, admin):
    make_form(session, admin)
    for _ in range(web_forms.RATE_LIMIT):
        with pytest.raises(ValidationError):
            post(session, first_name="")
    with pytest.raises(web_forms.TooManySubmissions):
        post(session)


def test_unknown_or_inactive_forms_are_not_available(session, admin):
    form = make_form(session, admin)
    with pytest.raises(NotFound):
        post(session, slug="nope")
    assert web_forms.public_form(session=session, slug="contact-us").name == "Contact us"
    web_forms.set_web_form_active(session=session, user=admin, form_id=form.id, active=False)
    assert web_forms.public_form(session=session, slug="contact-us") is None
    with pytest.raises(NotFound):
        post(session)


def test_the_public_form_lists_the_chosen_fields(session, admin):
    make_form(session, admin)
    public = web_forms.public_form(session=session, slug="contact-us")
    assert [(f.name, f.kind, f.required) for f in public.fields] == [
        ("first_name", "text", True),
        ("last_name", "text", False),
        ("email", "email", True),
        ("phone", "tel", False),
        ("comment", "textarea", False),
    ]


def test_a_duplicate_is_created_but_flagged(session, admin):
    make_form(session, admin)
    post(session, ip="1.1.1.1")
    post(session, ip="2.2.2.2", email="ANN@example.com")
    first, second = session.exec(select(Lead).order_by(Lead.id)).all()
    entry = session.exec(
        select(TimelineEntry).where(
            TimelineEntry.entity_id == second.id, TimelineEntry.kind == TimelineKind.CREATED
        )
    ).one()
    assert entry.payload["origin"] == "web_form"
    assert entry.payload["duplicates"] == [
        {"entity_type": "lead", "id": first.id, "title": "Ann", "reason": "email", "value": "ann@example.com"}
    ]
