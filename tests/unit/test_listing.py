"""services/listing: one listing module (filters, sort on any column, page, keyset, capped count,
permission scope), with leads as its first configuration and any other entity as configuration."""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from crm_app.models import Company, EntityType, Role, User
from crm_app.services import leads, listing
from tests.factories import create_user


def _lead(session, user, **data):
    return leads.create_lead(session=session, user=user, data=data)


@pytest.fixture
def people(session):
    user = create_user(session)
    other = create_user(session, email="other@example.com", name="Zoe Other")
    made = []
    for i, (first, last, company, amount, email) in enumerate(
        [
            ("Anne", "Durand", "Globex", "30", "c@example.com"),
            ("Paul", "Martin", "", "10", "a@example.com"),
            ("", "", "Initech", "20", "b@example.com"),
        ]
    ):
        made.append(
            _lead(
                session,
                user if i % 2 == 0 else other,
                first_name=first,
                last_name=last,
                company_name=company,
                amount=amount,
                emails=email,
            )
        )
    return user, other, made


def test_every_sort_key_sorts_both_ways_in_sql(session, people):
    user, _other, _made = people
    for key in leads.SORT_COLUMNS:
        up = leads.search_leads(session=session, user=user, sort=key, descending=False).rows
        down = leads.search_leads(session=session, user=user, sort=key, descending=True).rows
        assert len(up) == 3 and {r.id for r in up} == {r.id for r in down}, key
    by_amount = leads.search_leads(session=session, user=user, sort="amount", descending=False).rows
    assert [str(r.amount) for r in by_amount] == ["10.00", "20.00", "30.00"]
    by_email = leads.search_leads(session=session, user=user, sort="email", descending=True).rows
    assert [r.email for r in by_email] == ["c@example.com", "b@example.com", "a@example.com"]
    by_responsible = leads.search_leads(session=session, user=user, sort="responsible", descending=True)
    assert by_responsible.rows[0].responsible == "Zoe Other"
    # an unknown sort key falls back to the default (newest first), never to raw SQL
    unknown = leads.search_leads(session=session, user=user, sort="id; drop table lead")
    assert [r.id for r in unknown.rows] == sorted((r.id for r in unknown.rows), reverse=True)


def test_rows_carry_one_display_name(session, people):
    user, _other, made = people
    rows = {r.id: r for r in leads.search_leads(session=session, user=user).rows}
    assert rows[made[0].id].name == "Anne Durand" and rows[made[0].id].person == "Anne Durand"
    assert rows[made[2].id].name == "Initech" and rows[made[2].id].person == ""  # company-only lead


def test_the_name_column_sorts_by_the_name_it_shows(session):
    user = create_user(session)
    for first, last, company in [
        ("Anne", "Zed", ""),
        ("Bob", "Adams", ""),
        ("élodie", "Martin", "Zenith"),
        ("", "", "Initech"),  # shown by its company
        ("anne", "Bell", ""),
    ]:
        _lead(session, user, first_name=first, last_name=last, company_name=company)
    up = leads.search_leads(session=session, user=user, sort="name", descending=False).rows
    shown = ["anne Bell", "Anne Zed", "Bob Adams", "élodie Martin", "Initech"]
    assert [r.name for r in up] == shown
    down = leads.search_leads(session=session, user=user, sort="name", descending=True).rows
    assert [r.name for r in down] == shown[::-1]
    # the keyset pages of /leads read the same order
    first = leads.browse_leads(session=session, user=user, sort="name", descending=False, page_size=10)
    assert [r.name for r in first.rows] == shown
    # a rename moves the lead: the write path keeps its sort name
    bob = next(r for r in up if r.name == "Bob Adams")
    leads.update_lead(session=session, user=user, lead_id=bob.id, data={"first_name": "Zach"})
    again = leads.search_leads(session=session, user=user, sort="name", descending=False).rows
    assert [r.name for r in again][-1] == "Zach Adams"


def test_the_list_shows_the_middle_name_as_everywhere(session):
    user = create_user(session)
    made = _lead(session, user, first_name="Ann", second_name="Marie", last_name="Smith")
    [row] = leads.search_leads(session=session, user=user, sort="name").rows
    assert row.id == made.id and row.name == row.person == "Ann Marie Smith"


def test_count_and_cap(session, people, monkeypatch):
    user, other, _made = people
    assert leads.count_leads(session=session, user=user) == (3, False)
    assert leads.count_leads(session=session, user=user, filters=leads.LeadFilters(mine=True)) == (2, False)
    assert leads.count_leads(session=session, user=other, filters=leads.LeadFilters(mine=True)) == (1, False)
    monkeypatch.setattr(listing, "COUNT_CAP", 2)
    monkeypatch.setattr(leads.LEAD_LIST, "_cache", {})
    page = leads.search_leads(session=session, user=user)
    assert page.total == 2 and page.total_is_capped and len(page.rows) == 3
    assert leads.count_leads(session=session, user=user) == (2, True)


def test_unfiltered_statements_are_built_once_filtered_ones_each_time(session, people):
    user, _other, _made = people
    leads.LEAD_LIST._cache.clear()
    leads.search_leads(session=session, user=user, filters=leads.LeadFilters(result="open"))
    leads.search_leads(session=session, user=user, filters=leads.LeadFilters(result="open"))
    leads.search_leads(session=session, user=user, filters=leads.LeadFilters(text="anne"))
    assert list(leads.LEAD_LIST._cache) == [("created_at", True, ("open", False))]


def test_the_permission_scope_narrows_page_count_and_keyset_in_sql(session, people, monkeypatch):
    user, other, made = people
    calls = []

    def only_responsible(stmt, *, session, user, entity, action="view"):
        calls.append((entity, str(action)))
        return stmt.where(leads.Lead.responsible_id == user.id)

    # warm the cache first: the cached statement must not keep a scope
    assert leads.search_leads(session=session, user=user).total == 3
    monkeypatch.setattr(listing.permissions, "visible", only_responsible)
    page = leads.search_leads(session=session, user=other)
    assert [r.id for r in page.rows] == [made[1].id] and page.total == 1
    assert leads.count_leads(session=session, user=other) == (1, False)
    assert [x.id for x in leads.leads_after(session=session, user=other)] == [made[1].id]
    leads.leads_after(session=session, user=other, action=listing.permissions.Action.EXPORT)
    assert (EntityType.LEAD, "export") in calls and (EntityType.LEAD, "view") in calls
    monkeypatch.undo()
    assert leads.search_leads(session=session, user=other).total == 3


def test_keyset_pages_never_overlap(session):
    user = create_user(session, role=Role.ADMIN)
    ids = [_lead(session, user, last_name=f"K{i}").id for i in range(7)]
    seen, after = [], None
    while True:
        page = leads.leads_after(session=session, user=user, after_id=after, limit=3)
        if not page:
            break
        seen += [x.id for x in page]
        after = page[-1].id
    assert seen == sorted(ids, reverse=True)
    found = leads.leads_after(session=session, user=user, filters=leads.LeadFilters(text="K3"))
    assert [x.id for x in found] == [ids[3]]


@dataclass
class CompanyFilters:
    text: str = ""
    deleted: bool = False


COMPANIES = listing.ListConfig(
    entity=EntityType.COMPANY,
    table=Company,
    columns=sa_select(Company.id, Company.name),
    sort={"name": Company.name, "created_at": Company.created_at},
    default_sort="name",
    filters_type=CompanyFilters,
    filters=(
        listing.FilterSpec("deleted", listing.deleted_flag(Company.deleted_at), always=True),
        listing.FilterSpec("text", listing.text_search(EntityType.COMPANY, Company.id, [Company.name])),
    ),
    row=lambda r: (r[0], r[1]),
    cache_fields=("deleted",),
)


def test_another_entity_is_only_configuration(session):
    user = create_user(session, role=Role.ADMIN)
    for name in ("Zenith", "Acme", "Globex"):
        session.add(Company(name=name, responsible_id=user.id))
    session.commit()
    page = listing.page(COMPANIES, session=session, user=user, sort="name", descending=False, page_size=10)
    assert [name for _id, name in page.rows] == ["Acme", "Globex", "Zenith"] and page.total == 3
    found = listing.page(COMPANIES, session=session, user=user, filters=CompanyFilters(text="glo"))
    assert [name for _id, name in found.rows] == ["Globex"]
    newest = listing.keyset(COMPANIES, select(Company), session=session, user=user, limit=2)
    assert [c.name for c in newest] == ["Globex", "Acme"]
    assert listing.count(COMPANIES, session=session, user=user) == (3, False)


def _grouped_leads(session) -> User:
    """23 leads over three statuses, two sources (and none) and two responsibles: the admin."""
    from tests.factories import create_source

    admin = create_user(session, role=Role.ADMIN, name="Mia Admin")
    rep = create_user(session, email="rep@example.com", name="Al Rep")
    statuses = leads.lead_statuses(session)[:3]
    sources = [create_source(session, name=n) for n in ("Zeta fair", "Alpha ads")]
    for i in range(23):
        leads.create_lead(
            session=session,
            user=admin,
            data={
                "last_name": f"L{i:02d}",
                "status_id": statuses[i % 3].id,
                "source_id": sources[i % 2].id if i % 5 else None,
                "responsible_id": rep.id if i % 3 else admin.id,
            },
        )
    return admin


@pytest.mark.parametrize("key", ["status", "source", "responsible"])
def test_grouped_sorts_give_the_join_order_on_every_page(session, key, monkeypatch):
    """Status, source and responsible sort with one index branch per referenced row: the same rows,
    in the same order, page after page, as sorting the join (NULL first ascending, last descending)."""
    admin = _grouped_leads(session)
    config = leads.LEAD_LIST
    grouped = config.sort[key]
    assert isinstance(grouped, listing.GroupedSort)

    def names(rows, attr):
        return [getattr(r, attr) for r in rows]

    for descending in (False, True):
        grouped_rows = []
        for page in range(3):
            grouped_rows += leads.search_leads(
                session=session, user=admin, sort=key, descending=descending, page=page, page_size=10
            ).rows
        monkeypatch.setitem(config.sort, key, grouped.fallback)  # the plain join sort
        try:
            joined = leads.search_leads(
                session=session, user=admin, sort=key, descending=descending, page_size=50
            ).rows
        finally:
            monkeypatch.setitem(config.sort, key, grouped)
        attr = {"status": "status", "source": "source", "responsible": "responsible"}[key]
        assert len(grouped_rows) == 23
        assert len({r.id for r in grouped_rows}) == 23
        if key == "source":  # leads without a source: first ascending, last descending, on both databases
            blank = [r.source == "" for r in grouped_rows]
            assert blank == sorted(blank, reverse=not descending)
            joined = [r for r in joined if r.source]
            grouped_rows = [r for r in grouped_rows if r.source]
        assert names(grouped_rows, attr) == names(joined, attr)
        assert [r.id for r in grouped_rows] == [r.id for r in joined]


# --- keyset pages (the /leads list) ------------------------------------------------------------


@pytest.mark.parametrize("key", ["status", "source", "responsible"])
def test_keyset_pages_of_a_grouped_sort_walk_every_row_in_the_join_order(session, key):
    """The plain list's grouped reads are built once (one UNION ALL with the cursor as a
    parameter): page after page forwards and back, the same rows as the offset pages."""
    admin = _grouped_leads(session)
    for descending in (False, True):
        expected = leads.search_leads(
            session=session, user=admin, sort=key, descending=descending, page_size=50
        )
        walked, after, pages = [], "", []
        for _ in range(5):
            page = leads.browse_leads(
                session=session, user=admin, sort=key, descending=descending, after=after, page_size=10
            )
            walked += [r.id for r in page.rows]
            pages.append(page)
            if not page.has_next:
                break
            after = page.last
        assert walked == [r.id for r in expected.rows]
        back = leads.browse_leads(
            session=session, user=admin, sort=key, descending=descending, before=pages[-1].first, page_size=10
        )
        assert [r.id for r in back.rows] == [r.id for r in pages[-2].rows]


@pytest.fixture
def varied(session):
    """33 leads with ties and NULLs on every sort key: amounts, titles, a shared creation time,
    three statuses, sources and responsibles (some none)."""
    from datetime import UTC, datetime

    from crm_app.models import Lead
    from tests.factories import create_lead, create_lead_status, create_source

    admin = create_user(session, role=Role.ADMIN, name="Ada Admin")
    other = create_user(session, email="bob@example.com", name="Bob Other")
    statuses = [create_lead_status(session, name=f"S{i}", sort=i) for i in range(3)]
    sources = [create_source(session, name=f"Src {i}") for i in range(2)]
    tie = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    for i in range(33):
        create_lead(
            session,
            title=f"T{i % 4}",
            last_name=f"L{i % 5}",
            amount=None if i % 3 == 0 else [Decimal("10"), Decimal("20.5"), Decimal("7")][i % 3],
            status_id=statuses[i % 3].id,
            source_id=None if i % 4 == 0 else sources[i % 2].id,
            responsible_id=[admin.id, other.id][i % 2],
            created_at=tie if i % 6 == 0 else datetime(2026, 1, 2, tzinfo=UTC).replace(minute=i),
            primary_email=None if i % 5 == 0 else f"m{i % 7}@example.com",
        )
    session.commit()
    assert session.exec(select(Lead)).all()
    return admin


def _all_by_offset(session, user, sort, descending, **kw):
    return [
        r.id
        for r in leads.search_leads(
            session=session, user=user, sort=sort, descending=descending, page_size=100, **kw
        ).rows
    ]


def _walk(session, user, sort, descending, size=10, **kw):
    """Every page from the first by "Next"; then back by "Previous" from the last page."""
    pages, cursor = [], ""
    while True:
        page = leads.browse_leads(
            session=session, user=user, sort=sort, descending=descending, after=cursor, page_size=size, **kw
        )
        pages.append(page)
        if not page.has_next:
            break
        cursor = page.last
        assert len(pages) < 100
    back = [
        leads.browse_leads(
            session=session, user=user, sort=sort, descending=descending, last=True, page_size=size, **kw
        )
    ]
    while back[-1].has_prev:
        back.append(
            leads.browse_leads(
                session=session,
                user=user,
                sort=sort,
                descending=descending,
                before=back[-1].first,
                page_size=size,
                **kw,
            )
        )
        assert len(back) < 100
    return pages, back


def test_keyset_pages_every_sort_key_both_ways_as_offset_paging(session, varied):
    user = varied
    for key in leads.SORT_COLUMNS:
        for descending in (False, True):
            expected = _all_by_offset(session, user, key, descending)
            assert len(expected) == 33, key
            pages, back = _walk(session, user, key, descending)
            forward = [r.id for p in pages for r in p.rows]
            assert forward == expected, (key, descending)
            assert [p.position for p in pages] == [0, 10, 20, 30]
            assert [len(p.rows) for p in pages] == [10, 10, 10, 3]
            assert not pages[0].has_prev and all(p.has_prev for p in pages[1:])
            # "Last" is the reverse order turned back: the last 10; "Previous" ends on a full first page
            assert [r.id for r in back[0].rows] == expected[-10:] and back[0].position == 23
            assert [r.id for r in back[-1].rows] == expected[:10] and back[-1].position == 0
            assert [r.id for r in back[1].rows] == expected[13:23], (key, descending)


def test_keyset_pages_past_the_count_cap(session, varied, monkeypatch):
    monkeypatch.setattr(listing, "COUNT_CAP", 15)
    monkeypatch.setattr(leads.LEAD_LIST, "_cache", {})
    pages, back = _walk(session, varied, "amount", True)
    assert [r.id for p in pages for r in p.rows] == _all_by_offset(session, varied, "amount", True)
    assert all(p.total == 15 and p.total_is_capped for p in pages)
    assert all(p.has_next for p in pages[:-1]) and len(pages) == 4  # "Next" works past the cap
    assert [p.position for p in pages] == [0, 10, None, None]  # more than 15 before: not counted
    assert back[0].position is None and back[-1].position == 0


def test_keyset_search_still_reads_at_most_its_cap(session, varied, monkeypatch):
    from crm_app.services import search_index

    monkeypatch.setattr(search_index, "SEARCH_CAP", 12)
    monkeypatch.setattr(
        leads.LEAD_LIST,
        "filters",
        tuple(
            listing.FilterSpec(
                f.name, listing.indexed_search(lambda text: search_index.lead_matching(text, 12)), cap=12
            )
            if f.name == "text"
            else f
            for f in leads.LEAD_LIST.filters
        ),
    )
    filters = leads.LeadFilters(text="example")
    pages, _back = _walk(session, varied, "last_name", True, filters=filters)  # not creation order
    seen = [r.id for p in pages for r in p.rows]
    assert len(seen) <= 12 and pages[0].total <= 12


def test_a_tampered_or_foreign_cursor_means_the_first_page(session, varied):
    user = varied
    first = leads.browse_leads(session=session, user=user, sort="amount", page_size=10)
    second = leads.browse_leads(session=session, user=user, sort="amount", after=first.last, page_size=10)
    assert second.position == 10
    first_ids = [r.id for r in first.rows]
    for bad in ("x", "!!!", "e30", first.last[:-3], first.last + "AAAA", "A" * 5000):
        page = leads.browse_leads(session=session, user=user, sort="amount", after=bad, page_size=10)
        assert [r.id for r in page.rows] == first_ids and not page.has_prev, bad
    # a cursor of another sort or way, or with a value of the wrong type
    other = leads.browse_leads(session=session, user=user, sort="title", after=first.last, page_size=10)
    assert other.position == 0 and not other.has_prev
    flipped = leads.browse_leads(
        session=session, user=user, sort="amount", descending=False, after=first.last
    )
    assert not flipped.has_prev
    forged = listing.Cursor("created_at", True, "not a date", 5).encode()
    assert not leads.browse_leads(session=session, user=user, after=forged).has_prev
    forged = listing.Cursor("status", True, 999_999, 5).encode()  # a status that does not exist
    page = leads.browse_leads(session=session, user=user, sort="status", after=forged, page_size=10)
    assert page.rows  # nothing after an unknown group: the last page, not an error


def test_keyset_reads_the_partial_index(session, varied):
    """Each keyset page is a range of the index (column, id) in its order: no sort step."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("the plan is read on SQLite (PostgreSQL plans depend on its statistics)")
    from datetime import UTC, datetime

    from sqlalchemy import text

    from crm_app.models import Lead

    live = listing.apply_filters(leads.LEAD_LIST, leads.LEAD_LIST.columns, varied, leads.LeadFilters())
    for column, value, descending in [
        (Lead.amount, Decimal("10"), True),
        (Lead.amount, Decimal("10"), False),
        (Lead.amount, None, True),
        (Lead.created_at, datetime(2026, 1, 1, tzinfo=UTC), True),
        (Lead.title, "T1", False),
        (Lead.sort_name, "lena l2", False),  # the Name column
        (Lead.sort_name, "lena l2", True),
    ]:
        parts = listing._after_parts(
            column,
            Lead.id,
            value,
            5,
            descending=descending,
            nulls_small=True,
            nullable=listing._nullable(column),
        )
        order = (col(column).desc(), col(Lead.id).desc()) if descending else (col(column), col(Lead.id))
        for after in parts:  # each part is read alone, in order
            stmt = live.where(after).order_by(*order).limit(11)
            compiled = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
            explain = session.connection().execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
            plan = " / ".join(str(r[-1]) for r in explain)
            assert f"ix_lead_by_{column.key}" in plan and "TEMP B-TREE" not in plan, plan
            assert "SEARCH lead USING INDEX" in plan, plan  # a range, not a scan from the start


def test_keyset_on_a_grouped_key_with_too_many_groups_pages_the_join_sort(session, varied, monkeypatch):
    import dataclasses

    narrow = {
        key: dataclasses.replace(value, max_groups=0) if isinstance(value, listing.GroupedSort) else value
        for key, value in leads.LEAD_LIST.sort.items()
    }
    monkeypatch.setattr(leads.LEAD_LIST, "sort", narrow)
    monkeypatch.setattr(leads.LEAD_LIST, "_cache", {})
    for key in ("status", "source", "responsible"):
        for descending in (False, True):
            expected = _all_by_offset(session, varied, key, descending)
            pages, back = _walk(session, varied, key, descending)
            assert [r.id for p in pages for r in p.rows] == expected, (key, descending)
            assert [p.position for p in pages] == [0, 10, 20, 30]
            assert [r.id for r in back[1].rows] == expected[13:23] and back[1].position == 13
