"""The top bar's global search."""

from crm_app.services import search
from tests.factories import create_company, create_contact, create_lead, create_user


def test_it_finds_records_by_name_email_and_ignores_wildcards(session):
    user = create_user(session)
    create_lead(
        session,
        first_name="Zoé",
        last_name="Martin",
        company_name="Acme 100%",
        emails="Z@Acme.io",
        responsible_id=user.id,
    )
    create_contact(session, first_name="Zoe", last_name="Blanc", responsible_id=user.id)
    create_company(session, name="Zenith SARL", responsible_id=user.id)
    kinds = {(h.entity_type, h.title) for h in search.global_search(session=session, user=user, text="zo")}
    assert ("lead", "Zoé Martin") in kinds and ("contact", "Zoe Blanc") in kinds
    assert [h.entity_type for h in search.global_search(session=session, user=user, text="acme.io")] == [
        "lead"
    ]
    assert [h.title for h in search.global_search(session=session, user=user, text="zenith")] == [
        "Zenith SARL"
    ]
    assert search.global_search(session=session, user=user, text="%") == []
    assert [h.entity_type for h in search.global_search(session=session, user=user, text="100%")] == ["lead"]
    assert search.global_search(session=session, user=user, text="x" * 10_000) == []
