"""Duplicates and merge pages through their state classes."""

from sqlmodel import select

from crm_app import db
from crm_app.models import Lead, LeadMerge, Role, User
from crm_app.services import auth, duplicates, leads
from crm_app.state.duplicates import DuplicatesState, MergeState, parse_ids
from crm_app.state.session import SessionState
from crm_app.state.timeline import TimelineState
from tests.factories import PASSWORD, create_user
from tests.state.conftest import call, sign_in, substate


def _two_leads(db_url):
    with db.session(db_url) as s:
        user = create_user(s, role=Role.SALES)
        a = leads.create_lead(session=s, user=user, data={"last_name": "Lee", "emails": "ann@acme.io"})
        b = leads.create_lead(
            session=s,
            user=user,
            data={"last_name": "Leigh", "emails": "ann@acme.io", "phones": "+33612345678"},
        )
        _, token = auth.login(session=s, email=user.email, password=PASSWORD)
    return user, token, a.id, b.id


def _logged_in(root, cls, token):
    state = substate(root, cls)
    sign_in(state, token)
    call(state, SessionState.check_login)
    return state


def _leads(db_url):
    with db.session(db_url) as s:
        return {lead.id: lead for lead in s.exec(select(Lead)).all()}


def test_handlers_refuse_without_a_valid_session(root, db_url):
    user, _, a, b = _two_leads(db_url)
    with db.session(db_url) as s:
        merge = duplicates.merge_leads(session=s, user=user, keep_id=a, merge_ids=[b])
        duplicates.undo_merge(session=s, user=user, merge_id=merge.id)
        merge = duplicates.merge_leads(session=s, user=user, keep_id=a, merge_ids=[b])
    page = substate(root, MergeState)
    sign_in(page, "forged-token")
    page.user_id = user.id  # what the browser claims does not matter
    page.lead_ids = [b, a]
    page.columns = []
    call(page, MergeState.undo_merge, merge.id)
    call(page, MergeState.load)
    assert page.columns == [] and page.user_id == 0
    groups = substate(root, DuplicatesState)
    sign_in(groups, "forged-token")
    call(groups, DuplicatesState.load)
    call(groups, DuplicatesState.undo_merge, merge.id)
    assert groups.groups == [] and groups.merges == []
    with db.session(db_url) as s:
        assert s.get(LeadMerge, merge.id).undone_at is None
    assert _leads(db_url)[b].deleted_at is not None


def test_list_merge_and_undo_through_the_states(root, db_url):
    _, token, a, b = _two_leads(db_url)
    groups = _logged_in(root, DuplicatesState, token)
    call(groups, DuplicatesState.load)
    assert groups.loaded and groups.total == 1
    [group] = groups.groups
    assert group.merge_href == f"/leads/merge?ids={a},{b}"
    assert [(r.reason, r.value) for r in group.reasons] == [("email", "ann@acme.io")]

    page = _logged_in(root, MergeState, token)
    page._open(f"{a},{b}")
    assert page.problem == "" and [c.id for c in page.columns] == [a, b]
    last = next(r for r in page.rows if r.field == "last_name")
    assert [(c.text, c.checked) for c in last.cells] == [("Lee", True), ("Leigh", False)]
    emails = next(r for r in page.list_rows if r.field == "emails")
    assert [[o.repeat for o in c.options] for c in emails.cells] == [[False], [True]]
    phones = next(r for r in page.list_rows if r.field == "phones")
    [[], [phone]] = [c.options for c in phones.cells]

    # the form as the browser sends it: keep b, its last name, and only the phone checked
    form = {"keep": str(b), "choice_last_name": str(a), phone.name: phone.value}
    call(page, MergeState.merge, form)
    assert page.errors == {} and page.merge_id and page.kept_id == b
    assert page.done_text == "Leads merged into Lee."  # its name after the merge, not before
    rows = _leads(db_url)
    assert rows[b].last_name == "Lee" and rows[a].deleted_at is not None

    call(groups, DuplicatesState.load)
    assert groups.total == 0 and [m.id for m in groups.merges] == [page.merge_id]
    call(page, MergeState.undo_merge, page.merge_id)
    rows = _leads(db_url)
    assert rows[b].last_name == "Leigh" and rows[a].deleted_at is None
    assert page.merge_id == 0 and [c.id for c in page.columns] == [a, b]


def test_merge_page_explains_what_cannot_be_merged(root, db_url):
    user, token, a, _ = _two_leads(db_url)
    page = _logged_in(root, MergeState, token)
    page._open(f"{a}")
    assert page.loaded and page.columns == [] and page.problem == "Choose at least two leads to merge."
    with db.session(db_url) as s:  # the page opens in the user's language
        auth.set_language(session=s, user=s.get(User, user.id), language="fr")
    page._open(f"{a},999999")
    assert page.lang == "fr"
    assert page.problem == "Le prospect n° 999999 n'existe pas ou a été supprimé."
    assert parse_ids("3, x 4;5") == [3, 4, 5]


def test_the_undo_button_leaves_the_timeline_once_the_merge_is_undone(root, db_url):
    user, token, a, b = _two_leads(db_url)
    with db.session(db_url) as s:
        merge = duplicates.merge_leads(session=s, user=user, keep_id=a, merge_ids=[b])
    tl = _logged_in(root, TimelineState, token)
    call(tl, TimelineState.load_for, "lead", a)
    assert [i.merge_id for i in tl.items if i.merge_id] == [merge.id]
    call(tl, TimelineState.undo_merge, merge.id)
    assert [i.title for i in tl.items if i.title == "Merge undone"]  # reloaded at once
    assert [i.merge_id for i in tl.items if i.merge_id] == []
    call(tl, TimelineState.load_for, "lead", a)  # and after the page reloads
    assert [i.merge_id for i in tl.items if i.merge_id] == []
    # merged again: only the new merge can be undone
    with db.session(db_url) as s:
        again = duplicates.merge_leads(session=s, user=user, keep_id=a, merge_ids=[b])
    call(tl, TimelineState.load_for, "lead", a)
    assert [i.merge_id for i in tl.items if i.merge_id] == [again.id]
