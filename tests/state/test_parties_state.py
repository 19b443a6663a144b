"""/contacts, /companies, their cards and their "new" forms through the states: the list in the
user's language with its filters in the URL, bulk actions, the form's duplicate warning, the card's
edit (errors, stale edit), links and delete."""

from __future__ import annotations

from sqlmodel import select

from crm_app import db, routes
from crm_app.models import Company, Contact, ContactCompany, Role
from crm_app.services import auth, records
from crm_app.state.parties import CompaniesState, ContactsState
from crm_app.state.party_card import CompanyCardState, ContactCardState
from crm_app.state.party_form import CompanyFormState, ContactFormState
from crm_app.state.session import SessionState
from tests.factories import PASSWORD, create_user
from tests.state.conftest import call, open_page, sign_in, substate


def _signed(root, db_url, cls, url: str, pattern: str, *, language: str = "en", role: Role = Role.ADMIN):
    with db.session(db_url) as s:
        user = create_user(s, role=role, language=language)
        _, token = auth.login(session=s, email=user.email, password=PASSWORD)
        user_id = user.id
    state = substate(root, cls)
    sign_in(state, token, url)
    call(state, SessionState.check_login)
    open_page(state, url, pattern)
    return state, user_id


def _make(db_url, user_id, contacts=(), companies=()):
    with db.session(db_url) as s:
        from crm_app.models import User

        user = s.get(User, user_id)
        made = [records.create_contact(session=s, user=user, data=d).id for d in contacts]
        made += [records.create_company(session=s, user=user, data=d).id for d in companies]
        return made


def test_contacts_list_search_filters_in_the_url_and_bulk_delete(root, db_url):
    state, uid = _signed(root, db_url, ContactsState, "/contacts", routes.CONTACTS, language="fr")
    _make(
        db_url,
        uid,
        contacts=[
            {"first_name": "Zoé", "last_name": "Martin", "emails": "zoe@example.com", "position": "CEO"},
            {"first_name": "Paul", "last_name": "Durand", "phones": "06 12 34 56 78"},
        ],
    )
    call(state, ContactsState.load)
    assert [r.name for r in state.rows] == ["Paul Durand", "Zoé Martin"]
    assert state.page_label == "1–2 sur 2" and state.can_create
    events = call(state, ContactsState.run_search, {"search": "martin"})
    assert [r.name for r in state.rows] == ["Zoé Martin"]
    assert "q=martin" in str(events)  # the place goes to the URL
    assert state.rows[0].detail == "CEO" and state.rows[0].email == "zoe@example.com"
    call(state, ContactsState.run_search, {"search": "x"})
    assert state.search_too_short
    call(state, ContactsState.reset_filters)
    call(state, ContactsState.toggle_all, True)
    assert len(state.selected) == 2 and state.can_delete_selection
    call(state, ContactsState.bulk_delete)
    assert state.rows == []
    call(state, ContactsState.set_filter, "shown_filter", "deleted")
    assert len(state.rows) == 2 and state.in_recycle_bin
    call(state, ContactsState.toggle_all, True)
    call(state, ContactsState.bulk_restore)
    assert state.rows == []
    # a URL with the recycle bin and a sort is read back
    open_page(state, "/contacts?shown=deleted&sort=name&desc=0", routes.CONTACTS)
    call(state, ContactsState.load)
    assert state.shown_filter == "deleted" and state.sort == "name" and not state.descending


def test_companies_list_counts_contacts(root, db_url):
    state, uid = _signed(root, db_url, CompaniesState, "/companies", routes.COMPANIES)
    [zoe, acme] = _make(
        db_url, uid, contacts=[{"first_name": "Zoé"}], companies=[{"name": "Acme", "industry": "Retail"}]
    )
    with db.session(db_url) as s:
        records.link_contact_company(s, contact_id=zoe, company_id=acme)
        s.commit()
    call(state, CompaniesState.load)
    [row] = state.rows
    assert (row.name, row.detail, row.related, row.href) == ("Acme", "Retail", "1", f"/companies/{acme}")


def test_new_contact_warns_of_duplicates_once_then_saves_in_the_company(root, db_url):
    state, uid = _signed(root, db_url, ContactFormState, "/contacts/new", routes.CONTACT_NEW)
    [_, acme] = _make(
        db_url,
        uid,
        contacts=[{"first_name": "Old", "emails": "zoe@example.com"}],
        companies=[{"name": "Acme"}],
    )
    open_page(state, f"/contacts/new?company={acme}", routes.CONTACT_NEW)
    call(state, ContactFormState.load)
    assert state.ready and state.company_name == "Acme"
    form = {
        "first_name": "Zoé",
        "last_name": "Martin",
        "emails": "ZOE@example.com",
        "responsible_id": str(uid),
    }
    call(state, ContactFormState.submit, {**form, "emails": "not-an-email"})
    assert "emails" in state.errors
    events = call(state, ContactFormState.submit, form)
    assert events is None and [m.title for m in state.matches] == ["Old"]
    events = call(state, ContactFormState.submit, form)  # "Save anyway"
    with db.session(db_url) as s:
        zoe = s.exec(select(Contact).where(Contact.first_name == "Zoé")).one()
        link = s.exec(select(ContactCompany).where(ContactCompany.contact_id == zoe.id)).one()
        assert link.company_id == acme and link.is_primary
    assert f"/contacts/{zoe.id}" in str(events)


def test_new_company_needs_a_name(root, db_url):
    state, _uid = _signed(root, db_url, CompanyFormState, "/companies/new", routes.COMPANY_NEW)
    call(state, CompanyFormState.load)
    call(state, CompanyFormState.submit, {"name": "  ", "employees": "many"})
    assert set(state.errors) >= {"name", "employees"}
    events = call(state, CompanyFormState.submit, {"name": "Acme <b>SA</b>", "employees": "12"})
    with db.session(db_url) as s:
        acme = s.exec(select(Company)).one()
        assert (acme.name, acme.employees) == ("Acme <b>SA</b>", 12)
    assert f"/companies/{acme.id}" in str(events)


def test_contact_card_edit_stale_links_and_delete(root, db_url):
    state, uid = _signed(root, db_url, ContactCardState, "/contacts/1", routes.CONTACT_CARD)
    [zoe, acme, globex] = _make(
        db_url,
        uid,
        contacts=[{"first_name": "Zoé", "last_name": "Martin"}],
        companies=[{"name": "Acme"}, {"name": "Globex"}],
    )
    open_page(state, f"/contacts/{zoe}", routes.CONTACT_CARD)
    call(state, ContactCardState.load)
    assert state.loaded and state.heading == "Zoé Martin" and state.can_edit
    call(state, ContactCardState.start_edit)
    call(state, ContactCardState.save, {**state.values, "emails": "nope", "position": "CEO"})
    assert "emails" in state.errors and state.editing
    assert state.values["position"] == "CEO"  # what was typed stays
    call(state, ContactCardState.save, {**state.values, "emails": "zoe@example.com"})
    assert not state.editing and ("E-mails", "zoe@example.com") in [(f.label, f.value) for f in state.fields]
    with db.session(db_url) as s:  # someone else saves meanwhile
        other = s.get(Contact, zoe)
        other.position, other.version = "CTO", other.version + 1
        s.add(other)
        s.commit()
    call(state, ContactCardState.start_edit)
    call(state, ContactCardState.save, {**state.values, "position": "COO"})
    assert state.stale and state.editing
    with db.session(db_url) as s:
        assert s.get(Contact, zoe).position == "CTO"
    call(state, ContactCardState.reload_after_stale)
    assert state.values["position"] == "CTO"
    # links: search, pick, link; the first company is primary, then make another primary
    call(state, ContactCardState.search_link, "acm")
    assert [h.name for h in state.link_hits] == ["Acme"]
    call(state, ContactCardState.pick_link, acme)
    call(state, ContactCardState.add_link)
    call(state, ContactCardState.search_link, "glob")
    call(state, ContactCardState.pick_link, globex)
    call(state, ContactCardState.add_link)
    assert [(r.name, r.primary) for r in state.related] == [("Acme", True), ("Globex", False)]
    call(state, ContactCardState.set_primary, globex)
    assert [(r.name, r.primary) for r in state.related] == [("Globex", True), ("Acme", False)]
    assert state.subtitle == "CTO · Globex"
    call(state, ContactCardState.remove_link, globex)
    assert [(r.name, r.primary) for r in state.related] == [("Acme", True)]
    events = call(state, ContactCardState.delete_record)
    assert "/contacts" in str(events)
    with db.session(db_url) as s:
        assert s.get(Contact, zoe).deleted_at is not None
    call(state, ContactCardState.load)
    assert state.not_found


def test_company_card_shows_contacts_and_a_representative_cannot_edit_anothers(root, db_url):
    state, _uid = _signed(
        root, db_url, CompanyCardState, "/companies/1", routes.COMPANY_CARD, role=Role.SALES
    )
    with db.session(db_url) as s:
        owner = create_user(s)
        owner_id = owner.id
    [zoe, acme] = _make(
        db_url, owner_id, contacts=[{"first_name": "Zoé"}], companies=[{"name": "Acme", "revenue": "1000"}]
    )
    with db.session(db_url) as s:
        records.link_contact_company(s, contact_id=zoe, company_id=acme)
        s.commit()
    open_page(state, f"/companies/{acme}", routes.COMPANY_CARD)
    call(state, CompanyCardState.load)
    assert [r.name for r in state.related] == ["Zoé"]
    assert any(f.label == "Annual revenue" for f in state.fields)
    assert not state.can_edit  # the default rights of a representative: their own records only
    events = call(state, CompanyCardState.save, {"name": "Mine now"})  # the service refuses it anyway
    assert "belongs to another user" in str(events) or "may not" in str(events)
    with db.session(db_url) as s:
        assert s.get(Company, acme).name == "Acme"
