"""The list-state base (crm_app/state/listing.py) through the three lists built on it."""

from crm_app import db
from crm_app.models import Role
from crm_app.services import auth, leads
from crm_app.state.duplicates import DuplicatesState
from crm_app.state.leads import LeadsState
from crm_app.state.listing import ListState
from crm_app.state.session import SessionState
from crm_app.state.users import UsersState
from tests.factories import PASSWORD, create_user
from tests.state.conftest import call, sign_in, substate


def _login(root, db_url, cls, role=Role.SALES):
    with db.session(db_url) as s:
        user = create_user(s, role=role)
        _, token = auth.login(session=s, email=user.email, password=PASSWORD)
    state = substate(root, cls)
    sign_in(state, token)
    call(state, SessionState.check_login)
    return state, user


def _make_leads(db_url, user, n, **data):
    with db.session(db_url) as s:
        return [
            leads.create_lead(session=s, user=user, data={"last_name": f"Lead {i:03d}", **data}).id
            for i in range(n)
        ]


def test_each_list_is_its_own_state_with_the_base_events():
    for cls in (LeadsState, DuplicatesState, UsersState):
        assert issubclass(cls, ListState) and cls.get_parent_state() is SessionState
        for name in ("next_page", "prev_page", "set_page_size", "sort_by", "toggle_row", "toggle_all"):
            assert name in cls.event_handlers, (cls, name)
        for name in ("page_label", "has_next", "has_prev", "all_selected", "page_count"):
            assert name in cls.computed_vars, (cls, name)
    # the mixin's vars live on each list: paging one list leaves the others where they are
    assert LeadsState.get_full_name() != DuplicatesState.get_full_name()


def test_paging_clamps_and_page_size_is_one_of_the_offered(root, db_url):
    state, user = _login(root, db_url, LeadsState)
    _make_leads(db_url, user, 25)
    call(state, LeadsState.load)
    assert (state.page, state.page_size, state.total) == (0, 20, 25)
    assert state.has_next and not state.has_prev and state.page_count == 2
    call(state, LeadsState.next_page)
    call(state, LeadsState.next_page)  # no page 3: stays on the last one
    assert state.page == 1 and len(state.rows) == 5 and state.page_label == "21–25 of 25"
    assert not state.has_next and state.has_prev
    call(state, LeadsState.set_page_size, "10")  # back to the first page
    assert (state.page, state.page_size, len(state.rows)) == (0, 10, 10)
    for bad in ("7", "abc", "-10", ""):
        call(state, LeadsState.set_page_size, bad)
        assert state.page_size == 20
    call(state, LeadsState.prev_page)
    assert state.page == 0


def test_the_name_header_sorts_by_the_name_the_rows_show(root, db_url):
    from crm_app.pages.leads_list import COLUMNS

    state, user = _login(root, db_url, LeadsState)
    with db.session(db_url) as s:
        for first, last in [("Zoe", "Adams"), ("Anne", "Zed"), ("Marc", "Lopez")]:
            leads.create_lead(session=s, user=user, data={"first_name": first, "last_name": last})
    call(state, LeadsState.load)
    name_column = next(c for c in COLUMNS if c.label == "Name")
    call(state, LeadsState.sort_by, name_column.sort)
    assert [r.name for r in state.rows] == ["Anne Zed", "Marc Lopez", "Zoe Adams"]


def test_sort_flips_on_the_same_column_and_ignores_unknown_ones(root, db_url):
    state, user = _login(root, db_url, LeadsState)
    _make_leads(db_url, user, 3)
    call(state, LeadsState.load)
    call(state, LeadsState.next_page)
    call(state, LeadsState.sort_by, "last_name")
    assert (state.sort, state.descending, state.page) == ("last_name", False, 0)
    assert [r.name for r in state.rows] == ["Lead 000", "Lead 001", "Lead 002"]
    call(state, LeadsState.sort_by, "last_name")
    assert state.descending and state.rows[0].name == "Lead 002"
    call(state, LeadsState.sort_by, "amount")  # money sorts the largest first
    assert (state.sort, state.descending) == ("amount", True)
    call(state, LeadsState.sort_by, "password_hash")
    assert state.sort == "amount"


def test_selection_holds_only_rows_of_the_page(root, db_url):
    state, user = _login(root, db_url, LeadsState)
    ids = _make_leads(db_url, user, 3)
    call(state, LeadsState.load)
    call(state, LeadsState.toggle_row, ids[0])
    call(state, LeadsState.toggle_row, 999_999)  # not on the page: not selectable
    call(state, LeadsState.toggle_row, "not a number")
    assert state.selected == [ids[0]] and state.selected_count == 1 and not state.all_selected
    call(state, LeadsState.toggle_all, True)
    assert sorted(state.selected) == sorted(ids) and state.all_selected
    call(state, LeadsState.toggle_row, ids[1])
    assert ids[1] not in state.selected and not state.all_selected
    # rows that leave the page (here: a filter) leave the selection
    call(state, LeadsState.run_search, {"search": "Lead 000"})
    assert state.selected == [ids[0]]
    call(state, LeadsState.toggle_all, False)
    assert state.selected == []


def test_duplicates_and_users_page_with_the_base(root, db_url):
    dups, user = _login(root, db_url, DuplicatesState)
    with db.session(db_url) as s:
        for i in range(12):
            for _ in range(2):
                leads.create_lead(
                    session=s, user=user, data={"last_name": "Twin", "emails": f"t{i}@dup.example"}
                )
    call(dups, DuplicatesState.load)
    call(dups, DuplicatesState.set_page_size, "10")
    assert (dups.total, len(dups.groups), dups.page_label) == (12, 10, "1–10 of 12")
    call(dups, DuplicatesState.next_page)
    assert (dups.page, len(dups.groups), dups.has_next) == (1, 2, False)
    call(dups, DuplicatesState.set_page_size, "100")  # not offered for groups
    assert dups.page_size == 20

    users, _admin = _login(root, db_url, UsersState, role=Role.ADMIN)
    with db.session(db_url) as s:
        for _ in range(30):
            create_user(s)
    call(users, UsersState.load)
    assert users.page_size == 25 and len(users.rows) == 25 and users.has_next
    call(users, UsersState.next_page)
    assert users.page == 1 and len(users.rows) == users.total - 25
    call(users, UsersState.set_page_size, "50")
    assert users.page == 0 and len(users.rows) == users.total
