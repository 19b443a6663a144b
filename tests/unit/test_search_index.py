"""The lead search index (FTS5 trigram on SQLite, pg_trgm on PostgreSQL) gives the rows of the
search rules, on random data, and stays right after every kind of write."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa
from sqlmodel import select

from crm_app.models import Lead, Role
from crm_app.models.base import table_of
from crm_app.services import duplicates, leads, search, search_index, textsearch
from crm_app.services.phones import digits
from tests.factories import create_lead, create_user

FIRST = ["Marie", "Élodie", "Zoé", "Jean-Luc", "Mariam", "Amar", "Léa", "Noël", "Olga", "Ömer"]
LAST = ["Martin", "Dupont", "Lemaître", "Marchand", "Müller", "O'Brien", "Tamara", "Smith"]
COMPANIES = ["", "", "Acme", "Marbre & Co", "Société Générale", "100% Bio", "Tamaris_SA"]
DOMAINS = ["example.com", "mar.io", "acme.fr"]


def _all_ids(session, user, text: str) -> set[int]:
    page = leads.search_leads(session=session, user=user, filters=leads.LeadFilters(text=text), page_size=100)
    total, _capped = leads.count_leads(session=session, user=user, filters=leads.LeadFilters(text=text))
    assert total == len(page.rows) <= 100, (text, total, len(page.rows))
    return {r.id for r in page.rows}


def _expected(docs: dict[int, tuple[str, str]], text: str) -> set[int]:
    """The search rules, in Python, over the folded documents."""
    query = search_index.parse(text)
    out = set()
    for lead_id, (doc, phones) in docs.items():
        words_ok = bool(query.words) and all((f" {w}" if len(w) < 3 else w) in doc for w in query.words)
        phone_ok = bool(query.phone) and query.phone in phones
        if words_ok or phone_ok:
            out.add(lead_id)
    return out


def _random_leads(session, user, rng: random.Random, n: int) -> dict[int, tuple[str, str]]:
    docs = {}
    for i in range(n):
        first, last, company = rng.choice(FIRST), rng.choice(LAST), rng.choice(COMPANIES)
        email = f"{search_index.fold(first)[:3]}{i}@{rng.choice(DOMAINS)}"
        phone = f"+336{rng.randrange(10**7, 10**8)}"
        lead = leads.create_lead(
            session=session,
            user=user,
            data={
                "first_name": first,
                "last_name": last,
                "company_name": company,
                "title": f"{company or last} deal",
                "emails": [email],
                "phones": [phone],
            },
        )
        docs[lead.id] = (
            search_index.document((first, last, company, f"{company or last} deal", email)),
            f" {digits(phone)} ",
        )
    return docs


def test_index_gives_the_rows_of_the_rules_on_random_data(session):
    user = create_user(session, role=Role.ADMIN)
    rng = random.Random(7)
    docs = _random_leads(session, user, rng, 60)
    queries = [
        "ma",
        "mar",
        "MAR",
        "élo",
        "elo",
        "lemaitre",
        "muller",
        "o'br",
        "100%",
        "tamaris_",
        "acme.fr",
        "co",
        "mar dup",
        "noel martin",
        "zz",
        "Ömer",
        "deal",
    ]
    for _ in range(40):  # fragments of stored documents, and phone fragments
        doc, phones = rng.choice(list(docs.values()))
        start = rng.randrange(0, max(1, len(doc) - 4))
        queries.append(doc[start : start + rng.randrange(3, 6)].strip() or "mar")
        p = phones.strip()
        queries.append(f"0{p[2:3]} {p[3:6]}-{p[6:8]}")
    for text in queries:
        assert _all_ids(session, user, text) == _expected(docs, text), text


def test_index_gives_the_rows_of_the_old_search_on_plain_text(session):
    """On ASCII data (where the old LIKE rule folded case the same way on both databases), the
    index finds the same leads as the old search, for words of three characters or more."""
    user = create_user(session, role=Role.ADMIN)
    rng = random.Random(11)
    for i in range(50):
        leads.create_lead(
            session=session,
            user=user,
            data={
                "first_name": rng.choice(["Mark", "Maria", "Tom", "Anna", "Omar"]),
                "last_name": rng.choice(["Martin", "Smith", "Palmer", "Tamar"]),
                "company_name": rng.choice(["", "Acme", "Marvel Ltd"]),
                "emails": [f"p{i}@{rng.choice(DOMAINS)}"],
                "phones": [f"+336{rng.randrange(10**7, 10**8)}"],
            },
        )
    lead = table_of(Lead)
    for text in ["mar", "MARTIN", "smi", "ar tin", "acme", "vel ltd", "mar.io", "p1@", "0612", "6 1"]:
        old = set(
            session.connection()
            .execute(
                sa.select(lead.c.id).where(
                    textsearch.matching(
                        leads.EntityType.LEAD,
                        lead.c.id,
                        [lead.c.first_name, lead.c.last_name, lead.c.company_name, lead.c.title],
                        text,
                    )
                )
            )
            .scalars()
        )
        if all(len(w) >= 3 for w in text.split()):
            assert _all_ids(session, user, text) == old, text


def test_index_follows_updates_merges_deletes_and_restores(session):
    user = create_user(session, role=Role.ADMIN)
    a = leads.create_lead(
        session=session, user=user, data={"first_name": "Quentin", "emails": ["q@alpha.io"]}
    )
    b = leads.create_lead(
        session=session, user=user, data={"first_name": "Quinn", "emails": ["quinn@beta.io"]}
    )
    assert _all_ids(session, user, "quentin") == {a.id}

    leads.update_lead(session=session, user=user, lead_id=a.id, data={"first_name": "Xavier"})
    assert _all_ids(session, user, "quentin") == set()
    assert _all_ids(session, user, "xavier") == {a.id}

    leads.update_lead(
        session=session,
        user=user,
        lead_id=a.id,
        data={"emails": ["x@gamma.io"], "phones": ["+33 6 11 22 33 44"]},
    )
    assert _all_ids(session, user, "alpha") == set()
    assert _all_ids(session, user, "gamma") == {a.id}
    assert _all_ids(session, user, "06 11 22") == {a.id}
    row = leads.search_leads(session=session, user=user, filters=leads.LeadFilters(text="gamma")).rows[0]
    assert (row.email, row.phone) == ("x@gamma.io", "+33611223344")

    duplicates.merge_leads(session=session, user=user, keep_id=a.id, merge_ids=[b.id])
    assert _all_ids(session, user, "beta.io") == {a.id}  # the kept lead took b's e-mail
    assert _all_ids(session, user, "quinn") <= {a.id}  # b is in the recycle bin

    leads.bulk_delete(session=session, user=user, ids=[a.id])
    assert _all_ids(session, user, "gamma") == set()
    bin_rows = leads.search_leads(
        session=session, user=user, filters=leads.LeadFilters(text="gamma", deleted=True)
    ).rows
    assert [r.id for r in bin_rows] == [a.id]
    leads.bulk_restore(session=session, user=user, ids=[a.id])
    assert _all_ids(session, user, "gamma") == {a.id}

    c = leads.create_lead(session=session, user=user, data={"first_name": "Zebulon"})
    session.delete(session.get(Lead, c.id))  # a hard delete leaves nothing in the index
    session.commit()
    assert _all_ids(session, user, "zebulon") == set()
    bin_filters = leads.LeadFilters(text="zebulon", deleted=True)
    assert leads.search_leads(session=session, user=user, filters=bin_filters).rows == []
    _assert_index_matches_leads(session)


def _assert_index_matches_leads(session) -> None:
    """The index holds exactly the leads' documents: FTS5's own check on SQLite, the narrow
    table against `lead` on PostgreSQL."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO lead_fts(lead_fts, rank) VALUES ('integrity-check', 1)")
        return
    columns = "id, search_text, search_phones"
    indexed = conn.exec_driver_sql(f"SELECT {columns} FROM {search_index.PG_TABLE} ORDER BY id").all()
    stored = conn.exec_driver_sql(f"SELECT {columns} FROM lead ORDER BY id").all()
    assert indexed == stored and stored


def test_factories_and_orm_writes_are_indexed(session):
    """An ORM insert (demo data, factories) gets its document before the commit."""
    user = create_user(session, role=Role.ADMIN)
    lead = create_lead(session, first_name="Bérénice", company_name="Orme", emails="b@orme.fr")
    assert _all_ids(session, user, "berenice orme") == {lead.id}
    stored = session.exec(select(Lead).where(Lead.id == lead.id)).one()
    session.refresh(stored)
    assert stored.primary_email == "b@orme.fr"


def test_rebuild_restores_lost_documents(session):
    user = create_user(session, role=Role.ADMIN)
    lead = create_lead(session, first_name="Rosalind", emails="r@x.org")
    lead_table = table_of(Lead)
    session.connection().execute(sa.update(lead_table).values(search_text="", primary_email=""))
    session.commit()
    assert _all_ids(session, user, "rosalind") == set()
    search_index.rebuild_all(session.connection())
    session.commit()
    assert _all_ids(session, user, "rosalind") == {lead.id}


@pytest.mark.parametrize(
    "text",
    [
        "a",
        "x" * 200,
        "y" * 10_000,
        "%",
        "_",
        "%%",
        "'",
        '"',
        "' OR 1=1 --",
        '"a" OR "b"',
        "*",
        "NEAR(a b)",
        "-",
        "()",
        "search_text:x",
        "\\",
        "Ольга",
        "北京",
        "ﬁ",
        "  ",
    ],
)
def test_bad_queries_never_fail(session, text):
    user = create_user(session, role=Role.ADMIN)
    olga = create_lead(session, first_name="Ольга", last_name="Смирнова", company_name="北京 Trading")
    page = leads.search_leads(session=session, user=user, filters=leads.LeadFilters(text=text))
    total, _capped = leads.count_leads(session=session, user=user, filters=leads.LeadFilters(text=text))
    hits = search.global_search(session=session, user=user, text=text)
    ids = [r.id for r in page.rows]
    assert total == len(ids)
    if not text.strip():  # no search: the whole list
        assert ids == [olga.id]
    elif search_index.too_short(text):  # nothing to search for: nothing found, said in the UI
        assert ids == [] and [h for h in hits if h.entity_type == "lead"] == []
    else:  # found only if the rules say so (no wildcard, no FTS syntax leaks)
        doc = search_index.document(("Ольга", "Смирнова", "北京 Trading"))
        query = search_index.parse(text)
        expected = all((f" {w}" if len(w) < 3 else w) in doc for w in query.words) and bool(query.words)
        assert ids == ([olga.id] if expected else [])


def test_other_scripts_and_short_queries(session):
    user = create_user(session, role=Role.ADMIN)
    olga = create_lead(session, first_name="Ольга", last_name="Смирнова", company_name="北京 Trading")
    assert _all_ids(session, user, "ольга") == {olga.id}
    assert _all_ids(session, user, "СМИР") == {olga.id}
    assert _all_ids(session, user, "北京") == {olga.id}
    assert search_index.too_short("a") and search_index.too_short("%%") and search_index.too_short(" - ")
    assert not search_index.too_short("ab") and not search_index.too_short("")
    assert _all_ids(session, user, "a") == set()


def test_crm_db_reindex_rebuilds_every_document(session, capsys):
    from crm_app import cli

    user = create_user(session, role=Role.ADMIN)
    lead = create_lead(session, first_name="Winifred")
    session.connection().execute(sa.update(table_of(Lead)).values(search_text=""))
    session.commit()
    assert _all_ids(session, user, "winifred") == set()
    assert cli.main(["db", "reindex"]) == 0
    assert "Search index rebuilt: 1 lead(s)" in capsys.readouterr().out
    session.expire_all()
    assert _all_ids(session, user, "winifred") == {lead.id}
    _assert_index_matches_leads(session)


def test_past_the_cap_a_search_reads_the_newest_matches(session, monkeypatch):
    """More matches than the cap: the newest matches (cap + 1), then the other filters, on both
    databases and whichever way PostgreSQL reads them (see _pg_newest); the count stops at the cap."""
    monkeypatch.setattr(search_index, "SEARCH_CAP", 5)
    monkeypatch.setattr(leads.LEAD_LIST, "_cache", {})
    monkeypatch.setattr(
        leads.LEAD_LIST,
        "filters",
        tuple(
            f if f.name != "text" else type(f)(f.name, _capped_at(5), cap=5) for f in leads.LEAD_LIST.filters
        ),
    )
    user = create_user(session, role=Role.ADMIN)
    statuses = leads.lead_statuses(session)
    for i in range(3):
        leads.create_lead(
            session=session, user=user, data={"last_name": f"Quill {i}", "status_id": statuses[1].id}
        )
    newer = [
        leads.create_lead(session=session, user=user, data={"last_name": f"Quill new {i}"}).id
        for i in range(8)
    ]
    only_old = leads.LeadFilters(text="quill", status_ids=[statuses[1].id or 0])
    for sort in ("created_at", "last_name"):
        assert leads.browse_leads(session=session, user=user, filters=only_old, sort=sort).rows == []
    everything = leads.browse_leads(session=session, user=user, filters=leads.LeadFilters(text="quill"))
    assert everything.total == 5 and everything.total_is_capped
    assert [r.id for r in everything.rows] == list(reversed(newer))[:6]


def _capped_at(cap: int):
    from crm_app.services import listing

    return listing.indexed_search(lambda text: search_index.lead_matching(text, cap))


@pytest.mark.parametrize("way", ["scan", "index"])
def test_postgresql_reads_the_newest_matches_either_way(session, monkeypatch, way):
    """_pg_newest after its probe: the newest ids filtered, or the trigram index: the same ids,
    those of the plain query, and the planner settings put back."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the PostgreSQL way of reading the newest matches")
    user = create_user(session, role=Role.ADMIN)
    rng = random.Random(7)
    _random_leads(session, user, rng, 60)
    monkeypatch.setattr(search_index, "PROBE_ROWS", 8)
    monkeypatch.setattr(search_index, "SCAN_COST", 0.0 if way == "scan" else 1e9)
    conn = session.connection()
    for text in ("mar", "martin", "example.com", "zzq", "06 1"):
        match = search_index.LeadMatch(table_of(Lead).c, search_index.parse(text), 10)
        plain = match.like_matched()
        expected = list(conn.execute(plain).scalars()) if plain is not None else []
        assert search_index._pg_newest(conn, match) == expected, text
    settings = (
        conn.exec_driver_sql("SHOW enable_bitmapscan").scalar(),
        conn.exec_driver_sql("SHOW enable_indexscan").scalar(),
    )
    assert settings == ("on", "on")


def test_a_searched_page_searches_the_index_once(session):
    """The page, its count and its position take the ids found once (ListConfig.reading):
    only the lookup itself reads the index, never the statements over `lead`."""
    user = create_user(session, role=Role.ADMIN)
    for i in range(30):
        leads.create_lead(session=session, user=user, data={"last_name": f"Once {i}"})
    engine = session.get_bind()
    seen: list[str] = []

    def spy(_conn, _cursor, statement, *_args):
        seen.append(statement)

    first = leads.browse_leads(
        session=session, user=user, filters=leads.LeadFilters(text="once"), page_size=10
    )
    sa.event.listen(engine, "before_cursor_execute", spy)
    try:
        page = leads.browse_leads(
            session=session, user=user, filters=leads.LeadFilters(text="once"), after=first.last, page_size=10
        )
    finally:
        sa.event.remove(engine, "before_cursor_execute", spy)
    assert len(page.rows) == 10 and page.position == 10 and page.total == 30
    index = "lead_fts" if engine.dialect.name == "sqlite" else search_index.PG_TABLE
    lookups = [s for s in seen if index in s]
    over_leads = [s for s in seen if "FROM lead" in s and index not in s]
    assert lookups and len(over_leads) >= 3  # the page, its count, its position
    assert len([s for s in lookups if "FROM lead " in s or "FROM lead\n" in s]) == 0
