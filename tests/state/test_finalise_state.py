"""The Finalise dialog's state: defaults, convert (new and existing records), junk, refusals."""

from sqlmodel import select

from crm_app import db
from crm_app.models import (
    Company,
    Contact,
    ContactCompany,
    Deal,
    Lead,
    LeadResult,
    LostReason,
    ReasonKind,
    Role,
    User,
)
from crm_app.services import auth, conversion, leads, records
from crm_app.state.finalise import FinaliseState
from crm_app.state.session import SessionState
from tests.factories import PASSWORD, create_user
from tests.state.conftest import call, open_page, sign_in, substate


def _setup(root, db_url, **lead_data):
    """A logged-in sales rep and a lead; returns (state, lead id)."""
    with db.session(db_url) as s:
        user = create_user(s, role=Role.SALES)
        _, token = auth.login(session=s, email=user.email, password=PASSWORD)
        lead_data.setdefault("first_name", "Zoé")
        lead_data.setdefault("last_name", "Martin")
        lead = leads.create_lead(session=s, user=user, data=lead_data)
    state = substate(root, FinaliseState)
    sign_in(state, token)
    call(state, SessionState.check_login)
    return state, lead.id


def _user(s, user_id) -> User:
    return s.get(User, user_id)


def _lead(db_url, lead_id) -> Lead:
    with db.session(db_url) as s:
        return s.get(Lead, lead_id)


def _all(db_url, model):
    with db.session(db_url) as s:
        return list(s.exec(select(model)).all())


def _form(state, **overrides):
    """What the browser submits: every carried-over field, as the dialog shows it."""
    form = {f"contact_{k}": v for k, v in state.contact.items()}
    form |= {f"company_{k}": v for k, v in state.company.items()}
    form |= {f"deal_{k}": v for k, v in state.deal.items()}
    form.update(overrides)
    return form


def test_open_loads_the_carried_over_values(root, db_url):
    state, lead_id = _setup(
        root, db_url, company_name="Acme", phones="0612345678", emails="zoe@acme.example", amount="900"
    )
    call(state, FinaliseState.open_for, lead_id)
    assert state.dialog_open and state.lead_id == lead_id and state.lead_name == "Zoé Martin"
    assert not state.is_final and state.tab == "convert"
    assert state.contact["first_name"] == "Zoé" and state.contact["phones"] == "+33 6 12 34 56 78"
    assert state.contact["emails"] == "zoe@acme.example"
    assert state.company["name"] == "Acme" and state.company["phones"] == ""
    assert state.deal["title"] == "Acme deal" and state.deal["amount"] == "900.00"
    assert (state.do_contact, state.do_company, state.do_deal) == (True, True, True)
    assert [c.value for c in state.currencies] == ["EUR", "USD", "GBP"]
    assert [p.label for p in state.pipelines] == ["Sales"]
    assert "Spam" in [r.label for r in state.junk_reasons]


def test_convert_into_contact_company_and_deal(root, db_url):
    state, lead_id = _setup(root, db_url, company_name="Acme", amount="900")
    call(state, FinaliseState.open_for, lead_id)
    spec = call(state, FinaliseState.convert, _form(state, deal_amount="1 000", contact_position="CEO"))
    assert state.errors == {}
    assert not state.dialog_open and state.done_count == 1
    assert f"/leads/{lead_id}" in str(spec)
    lead = _lead(db_url, lead_id)
    assert lead.result == LeadResult.CONVERTED and lead.contact_id and lead.company_id and lead.deal_id
    [contact], [deal] = _all(db_url, Contact), _all(db_url, Deal)
    assert contact.position == "CEO" and str(deal.amount) == "1000.00"
    assert (deal.contact_id, deal.company_id) == (lead.contact_id, lead.company_id)
    assert len(_all(db_url, ContactCompany)) == 1


def test_field_errors_are_shown_next_to_fields_and_nothing_is_created(root, db_url):
    state, lead_id = _setup(root, db_url)
    call(state, FinaliseState.open_for, lead_id)
    call(state, FinaliseState.set_do_company, False)
    call(
        state, FinaliseState.convert, _form(state, contact_first_name="", contact_last_name="", deal_title="")
    )
    assert set(state.errors) == {"contact_last_name", "deal_title"}
    assert state.errors["deal_title"] == "Deal title is required."
    assert state.dialog_open and state.done_count == 0
    assert _all(db_url, Contact) == [] and _lead(db_url, lead_id).result is None


def test_a_deal_alone_is_refused(root, db_url):
    state, lead_id = _setup(root, db_url)
    call(state, FinaliseState.open_for, lead_id)
    call(state, FinaliseState.set_do_contact, False)
    call(state, FinaliseState.set_do_company, False)
    call(state, FinaliseState.convert, _form(state))
    assert set(state.errors) == {"deal"}
    assert _all(db_url, Deal) == []


def test_link_an_existing_contact_found_by_search(root, db_url):
    state, lead_id = _setup(root, db_url)
    with db.session(db_url) as s:
        owner = _user(s, s.get(Lead, lead_id).created_by_id)
        known = records.create_contact(session=s, user=owner, data={"last_name": "Known"})
    call(state, FinaliseState.open_for, lead_id)
    call(state, FinaliseState.set_contact_mode, "existing")
    # ticked "existing" without picking one: said along with the other field errors
    call(state, FinaliseState.convert, _form(state, deal_amount="abc"))
    assert set(state.errors) == {"contact_id", "deal_amount"}
    assert state.errors["contact_id"].startswith("Search for a contact and select it")
    assert _lead(db_url, lead_id).result is None and _all(db_url, Deal) == []
    call(state, FinaliseState.search_contacts, "kno")
    assert [h.name for h in state.contact_hits] == ["Known"]
    call(state, FinaliseState.pick_contact, 99999)  # not in the list: ignored
    assert state.picked_contact_id == 0
    call(state, FinaliseState.pick_contact, known.id)
    assert (state.picked_contact_id, state.picked_contact) == (known.id, "Known")
    call(state, FinaliseState.set_do_company, False)
    call(state, FinaliseState.convert, _form(state))
    assert state.errors == {} and state.done_count == 1
    lead = _lead(db_url, lead_id)
    assert lead.contact_id == known.id and len(_all(db_url, Contact)) == 1
    assert _all(db_url, Deal)[0].contact_id == known.id


def test_close_as_junk(root, db_url):
    state, lead_id = _setup(root, db_url)
    call(state, FinaliseState.open_for, lead_id)
    call(state, FinaliseState.set_tab, "junk")
    call(state, FinaliseState.close_junk, {"reason_id": "", "comment": "x"})
    assert set(state.errors) == {"reason_id"}
    with db.session(db_url) as s:
        deal_reason = s.exec(select(LostReason).where(LostReason.kind == ReasonKind.DEAL_LOST)).first()
    call(state, FinaliseState.close_junk, {"reason_id": str(deal_reason.id), "comment": "x"})
    assert set(state.errors) == {"reason_id"}
    spam = next(r for r in state.junk_reasons if r.label == "Spam")
    spec = call(state, FinaliseState.close_junk, {"reason_id": spam.value, "comment": "Bot"})
    assert state.errors == {} and state.done_count == 1 and not state.dialog_open
    assert f"/leads/{lead_id}" in str(spec)
    lead = _lead(db_url, lead_id)
    assert lead.result == LeadResult.JUNK and str(lead.junk_reason_id) == spam.value
    # opened again: the dialog says what happened instead of offering the forms
    call(state, FinaliseState.open_for, lead_id)
    assert state.is_final and "closed as junk" in state.final_text and "Spam" in state.final_text


def test_reopening_a_converted_lead_shows_its_records(root, db_url):
    state, lead_id = _setup(root, db_url, company_name="Acme")
    call(state, FinaliseState.open_for, lead_id)
    call(state, FinaliseState.convert, _form(state))
    call(state, FinaliseState.open_for, lead_id)
    assert state.is_final and state.final_text.startswith("This lead was converted on")
    lead = _lead(db_url, lead_id)
    assert [(link.kind, link.label, link.href) for link in state.final_links] == [
        ("Contact", "Zoé Martin", f"/contacts/{lead.contact_id}"),
        ("Company", "Acme", f"/companies/{lead.company_id}"),
        ("Deal", "Acme deal", f"/deals/{lead.deal_id}"),
    ]


def test_converted_meanwhile_by_someone_else(root, db_url):
    state, lead_id = _setup(root, db_url)
    call(state, FinaliseState.open_for, lead_id)
    with db.session(db_url) as s:
        lead = s.get(Lead, lead_id)
        conversion.convert_lead(
            session=s, user=_user(s, lead.created_by_id), lead_id=lead_id, company={"name": "Theirs"}
        )
    spec = call(state, FinaliseState.convert, _form(state))
    assert "already converted" in str(spec)
    assert state.is_final and state.done_count == 1  # the card reloads to show it
    assert [c.name for c in _all(db_url, Company)] == ["Theirs"] and _all(db_url, Contact) == []


def test_edited_meanwhile_keeps_the_form_and_takes_the_new_version(root, db_url):
    state, lead_id = _setup(root, db_url)
    call(state, FinaliseState.open_for, lead_id)
    with db.session(db_url) as s:
        lead = s.get(Lead, lead_id)
        leads.update_lead(
            session=s, user=_user(s, lead.created_by_id), lead_id=lead_id, data={"position": "CTO"}
        )
    call(state, FinaliseState.set_do_company, False)
    call(state, FinaliseState.convert, _form(state))
    assert state.errors[""].startswith("Someone changed this lead")
    assert _lead(db_url, lead_id).result is None
    call(state, FinaliseState.convert, _form(state))
    assert state.errors == {} and _lead(db_url, lead_id).result == LeadResult.CONVERTED


def test_without_a_session_nothing_happens(root, db_url):
    state, lead_id = _setup(root, db_url)
    call(state, FinaliseState.open_for, lead_id)
    sign_in(state, "forged")
    spec = call(state, FinaliseState.convert, _form(state))
    assert "/auth/logout" in repr(spec)  # through the route that clears the cookie
    call(state, FinaliseState.close_junk, {"reason_id": state.junk_reasons[0].value, "comment": ""})
    call(state, FinaliseState.search_contacts, "martin")
    assert _lead(db_url, lead_id).result is None
    state.dialog_open = False
    call(state, FinaliseState.open_for, lead_id)
    assert not state.dialog_open


def test_french_messages(root, db_url):
    state, lead_id = _setup(root, db_url)
    state.lang = "fr"
    call(state, FinaliseState.open_for, lead_id)
    call(state, FinaliseState.set_do_contact, False)
    call(state, FinaliseState.set_do_company, False)
    call(state, FinaliseState.convert, _form(state))
    assert state.errors["deal"].startswith("Une transaction a besoin d'un contact")


def test_the_status_bar_opens_finalise_on_the_tab_of_the_status_clicked(root, db_url):
    """Issue 8: "Junk" in the status bar opened Finalise on Convert instead of "Close as junk"."""
    from crm_app.state.lead_card import LeadCardState

    state, lead_id = _setup(root, db_url)
    card = substate(root, LeadCardState)
    card.lead_id = lead_id
    with db.session(db_url) as s:
        card._reload(s)
    junk = next(st for st in card.stages if st.final and st.failure)
    converted = next(st for st in card.stages if st.final and not st.failure)
    for stage, tab in ((junk, "junk"), (converted, "convert")):
        spec = call(card, LeadCardState.move_to, stage.id)
        assert spec.handler.fn.__name__ == "open_on_tab"
        assert [str(v) for _k, v in spec.args][-1].strip('"') == tab
        call(state, FinaliseState.open_on_tab, lead_id, tab)
        assert state.dialog_open and state.tab == tab
    assert _lead(db_url, lead_id).result is None  # clicking a final status only opens the dialog


def test_a_missing_lead_after_a_lead_shows_not_found_and_nothing_of_the_previous_one(root, db_url):
    """Issue 8: /leads/999999 after a lead kept that lead's heading and its Finalise button."""

    from crm_app.state.lead_card import LeadCardState

    _state, lead_id = _setup(root, db_url)
    card = substate(root, LeadCardState)

    def open_card(path: str):
        open_page(card, path, "/leads/[id]")
        return call(card, LeadCardState.load)

    open_card(f"/leads/{lead_id}")
    assert card.heading == "Zoé Martin" and card.can_edit and card.stages and not card.not_found
    open_card("/leads/999999")
    assert card.not_found and card.heading == "Lead not found"
    assert not card.can_edit and not card.can_convert and card.stages == [] and card.fields == []
    open_card(f"/leads/{lead_id}")  # and back: the lead again
    assert card.heading == "Zoé Martin" and not card.not_found and card.can_edit
