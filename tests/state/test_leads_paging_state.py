"""/leads pages by keyset: "Next" past the count cap, "Previous", "First", "Last", and the place
kept in the URL (written on every move, read back by on_load: reload and "Back" return to it)."""

from urllib.parse import parse_qsl, urlsplit

import pytest
import reflex as rx

from crm_app import db, routes
from crm_app.models import Role
from crm_app.services import leads, listing
from crm_app.state.leads import LeadsState
from tests.state.conftest import call, open_page
from tests.state.test_listing_state import _login, _make_leads


def _visit(root, state, url: str):
    """The browser opening `url` (a reload, a link or "Back"): its on_load."""
    open_page(state, url, routes.LEADS)
    return call(state, LeadsState.load)


def _go(root, state, handler, *args):
    """A click: the handler loads the page and redirects to its URL, whose on_load follows."""
    event = call(state, handler, *args)
    url = event.args[0][1]._var_value if event is not None else None  # rx.redirect(path)
    assert isinstance(url, str) and url.startswith(routes.LEADS), event
    assert _visit(root, state, url) is None
    return url


@pytest.fixture
def capped(monkeypatch):
    monkeypatch.setattr(listing, "COUNT_CAP", 25)
    monkeypatch.setattr(leads.LEAD_LIST, "_cache", {})


def test_next_pages_on_past_the_count_cap_and_last_reads_the_reverse_order(root, db_url, capped):
    state, user = _login(root, db_url, LeadsState, role=Role.ADMIN)
    ids = _make_leads(db_url, user, 47)  # newest first: reversed
    newest = list(reversed(ids))
    _visit(root, state, routes.leads())
    assert state.total == 25 and state.total_capped and state.has_next and not state.has_prev
    assert state.page_label == "1–20 of 25+"
    seen = list(state.page_ids)
    _go(root, state, LeadsState.next_page)
    assert state.page_label == "21–40 of 25+" and state.has_next  # the count stopped, "Next" did not
    seen += state.page_ids
    _go(root, state, LeadsState.next_page)  # 40 rows before it: more than the count
    assert state.page_label == "7 rows past the first 25" and not state.has_next and state.has_prev
    seen += state.page_ids
    assert seen == newest
    _go(root, state, LeadsState.prev_page)
    assert state.page_ids == newest[20:40] and state.has_next
    _go(root, state, LeadsState.prev_page)
    assert state.page_ids == newest[:20] and not state.has_prev
    _go(root, state, LeadsState.last_page)
    assert state.page_ids == newest[-20:] and not state.has_next and state.has_prev
    _go(root, state, LeadsState.prev_page)  # before the last page: 7 rows left, then a full first page
    assert state.page_ids == newest[7:27]
    _go(root, state, LeadsState.first_page)
    assert state.page_ids == newest[:20] and not state.has_prev
    call(state, LeadsState.prev_page)  # nothing before: no move
    assert state.page_ids == newest[:20]


def test_the_place_is_in_the_url_and_read_back(root, db_url):
    state, user = _login(root, db_url, LeadsState, role=Role.ADMIN)
    _make_leads(db_url, user, 30, amount="5")
    _visit(root, state, routes.leads())
    url = _go(root, state, LeadsState.sort_by, "last_name")
    assert dict(parse_qsl(urlsplit(url).query)) == {"sort": "last_name", "desc": "0"}
    url = _go(root, state, LeadsState.set_page_size, "10")
    url = _go(root, state, LeadsState.next_page)
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["size"] == "10" and query["after"] and state.page_label == "11–20 of 30"
    page = list(state.page_ids)
    url = _go(root, state, LeadsState.run_search, {"search": "lead"})
    assert "after" not in url and "q=lead" in url and state.position == 0
    _go(root, state, LeadsState.next_page)
    after_search = list(state.page_ids)
    # a reload, or "Back" to an earlier URL, reads the place from the URL: a fresh tab too
    tab = rx.State(_reflex_internal_init=True)
    fresh = _login(tab, db_url, LeadsState, role=Role.ADMIN)[0]
    back = routes.leads(sort="last_name", desc="0", size=10, after=query["after"])
    _visit(tab, fresh, back)
    assert (fresh.sort, fresh.descending, fresh.page_size, fresh.search) == ("last_name", False, 10, "")
    assert fresh.page_ids == page and fresh.page_label == "11–20 of 30"
    assert state.page_ids == after_search
    # a filter, the recycle bin and dates go in the URL too
    url = _go(root, state, LeadsState.set_filter, "result_filter", "all")
    assert "result=all" in url and "q=lead" in url
    _visit(tab, fresh, url)
    assert fresh.result_filter == "all" and fresh.search == "lead" and fresh.position == 0


def test_a_bad_url_means_the_defaults_and_a_bad_cursor_the_first_page(root, db_url):
    state, user = _login(root, db_url, LeadsState, role=Role.ADMIN)
    _make_leads(db_url, user, 25)
    _visit(root, state, routes.leads())
    first = list(state.page_ids)
    for query in (
        {"after": "garbage"},
        {"before": "%%%"},
        {"after": listing.Cursor("amount", True, "1", 3).encode()},  # another sort's cursor
        {"sort": "id; drop table lead", "size": "7", "result": "<x>", "status": "x", "created_from": "no"},
    ):
        assert _visit(root, state, routes.leads(**query)) is None
        assert state.page_ids == first and not state.has_prev, query
        assert (state.sort, state.page_size, state.result_filter, state.status_filter) == (
            "created_at",
            20,
            "open",
            "all",
        )


def test_reload_of_the_url_just_written_reads_it_once_more(root, db_url):
    state, user = _login(root, db_url, LeadsState, role=Role.ADMIN)
    ids = _make_leads(db_url, user, 25)
    _visit(root, state, routes.leads())
    url = _go(root, state, LeadsState.next_page)  # its on_load found the page loaded
    with db.session(db_url) as s:  # meanwhile a new lead
        leads.create_lead(session=s, user=user, data={"last_name": "Newest"})
    _visit(root, state, url)  # F5: the same URL, read again (the count has the new lead)
    assert state.total == 26 and state.page_ids == list(reversed(ids))[20:]


def test_the_sidebar_link_returns_to_the_tabs_place_and_back_to_a_bare_url_is_the_first_page(root, db_url):
    """The sidebar's "Leads" (or a card's link) opens /leads?resume=1: the tab goes back to where it
    was. A bare /leads is the first page: "Back" from the last page reaches it."""
    state, user = _login(root, db_url, LeadsState, role=Role.ADMIN)
    ids = _make_leads(db_url, user, 25)
    newest = list(reversed(ids))
    resume = routes.back_to_list(routes.LEADS)
    # a new tab: the first page, under the bare URL
    event = _visit(root, state, resume)
    assert event is not None and event.args[0][1]._var_value == routes.leads()
    assert _visit(root, state, routes.leads()) is None and state.page_ids == newest[:20]
    _go(root, state, LeadsState.last_page)
    assert state.page_ids == newest[-20:]
    assert _visit(root, state, routes.leads()) is None  # "Back": the first page, no redirect
    assert state.page_ids == newest[:20] and not state.at_last
    url = _go(root, state, LeadsState.run_search, {"search": "lead"})
    event = _visit(root, state, resume)
    assert event is not None and event.args[0][1]._var_value == url  # rx.redirect(the place)
    _visit(root, state, url)
    assert state.search == "lead"
    _go(root, state, LeadsState.reset_filters)  # Reset: the bare list again
    event = _visit(root, state, resume)
    assert event is not None and event.args[0][1]._var_value == routes.leads()
    assert _visit(root, state, routes.leads()) is None and state.search == ""
