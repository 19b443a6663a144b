"""The top bar's global search."""

from sqlmodel import select

from crm_app.models import CommKind, Communication, Company, Contact, EntityType, Lead, Stage
from crm_app.services import search
from tests.factories import create_user


def test_it_finds_records_by_name_email_and_ignores_wildcards(session):
    user = create_user(session)
    status = session.exec(select(Stage)).first()
    lead = Lead(first_name="Zoé", last_name="Martin", company_name="Acme 100%", status_id=status.id)
    session.add_all([lead, Contact(first_name="Zoe", last_name="Blanc"), Company(name="Zenith SARL")])
    session.commit()
    session.add(
        Communication(
            entity_type=EntityType.LEAD,
            entity_id=lead.id,
            kind=CommKind.EMAIL,
            value="Z@Acme.io",
            normalized="z@acme.io",
        )
    )
    session.commit()
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
