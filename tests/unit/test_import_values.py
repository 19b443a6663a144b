"""Value mapping of an import (issue 8.2): list values that match nothing are shown with their
row counts, mapped, created or left empty; rows are never lost for them."""

import pytest
from sqlmodel import select

from crm_app.models import ImportJob, Lead, Role, Source, Stage
from crm_app.services import lead_import, leads
from crm_app.services.lead_import import values
from crm_app.services.lead_import.run import run_import
from tests.factories import create_user
from tests.factories import write_csv as write


@pytest.fixture
def admin(session):
    return create_user(session, role=Role.ADMIN, email="admin@example.com", name="Ann Admin")


def mapping_of(path):
    csv_file = lead_import.open_csv(path)
    return lead_import.auto_map(csv_file.headers)


def source_of(session, last_name: str) -> str:
    lead = session.exec(select(Lead).where(Lead.last_name == last_name)).one()
    return session.get(Source, lead.source_id).name


FRENCH = (
    "Nom,Source,Statut\n"
    "A,Salon,Nouveau\n"
    "B,Salon,En cours\n"
    "C,salon ,nouveau\n"
    "D,Appel téléphonique,Qualifié\n"
    "E,Pigeon voyageur,Nouveau\n"
    "F,Site web,Qualifié\n"
)


def test_unknown_values_with_their_rows_and_french_default_names_known(session, admin, tmp_path):
    path = write(tmp_path, FRENCH)
    found = values.unknown_values(session=session, user=admin, path=path, mapping=mapping_of(path))
    by_field = {f.name: f for f in found}
    assert set(by_field) == {"source", "status"}
    # "Appel téléphonique" and "Site web" are the French names of default sources, "Nouveau"
    # and "En cours" of default statuses: known in a CRM set up in English
    assert [(v.value, v.rows) for v in by_field["source"].values] == [("Salon", 3), ("Pigeon voyageur", 1)]
    assert [(v.value, v.rows) for v in by_field["status"].values] == [("Qualifié", 2)]
    # an administrator may create them (the default), a close name is suggested instead
    assert by_field["source"].can_create and by_field["source"].values[0].choice == values.CREATE
    assert by_field["status"].values[0].choice == values.CREATE
    names = dict(by_field["source"].options)
    assert "Trade show" in names.values()


def test_a_close_name_is_suggested(session, admin, tmp_path):
    path = write(tmp_path, "Last name,Source\nA,Trade shows\n")
    [field] = values.unknown_values(session=session, user=admin, path=path, mapping=mapping_of(path))
    trade_show = session.exec(select(Source).where(Source.code == "trade_show")).one()
    assert field.values[0].choice == f"use:{trade_show.id}"


def test_choices_map_create_and_leave_empty(session, admin, tmp_path):
    path = write(tmp_path, FRENCH)
    phone = session.exec(select(Source).where(Source.code == "phone")).one()
    choices = {
        "source": {
            "values": {
                "salon": ["create", "Salon"],
                "pigeon voyageur": [f"use:{phone.id}", "Pigeon voyageur"],
            }
        },
        "status": {"values": {"qualifie": ["empty", "Qualifié"]}},
    }
    summary = run_import(session=session, user=admin, path=path, values=choices)
    assert (summary.created, summary.failed) == (6, 0)
    assert source_of(session, "A") == source_of(session, "C") == "Salon"
    assert source_of(session, "E") == phone.name
    assert session.exec(select(Source).where(Source.name == "Salon")).one().is_active
    d = session.exec(select(Lead).where(Lead.last_name == "D")).one()
    assert d.status_id == leads.first_status(session).id
    # "Nouveau" matched the default status New
    new = session.exec(select(Stage).where(Stage.name == "New")).first()
    a = session.exec(select(Lead).where(Lead.last_name == "A")).one()
    assert a.status_id == new.id
    # decided values are not warned about
    assert session.get(ImportJob, summary.job_id).warnings == []


def test_without_choices_values_are_left_empty_with_a_warning_and_the_cli_flag_creates(
    session, admin, tmp_path
):
    path = write(tmp_path, FRENCH)
    summary = run_import(session=session, user=admin, path=path)
    assert summary.created == 6
    warnings = sorted(map(tuple, session.get(ImportJob, summary.job_id).warnings))
    assert warnings == [
        ("source", "Pigeon voyageur", 1),
        ("source", "Salon", 3),
        ("status", "Qualifié", 2),
    ]
    lines = lead_import.warning_lines(session=session, user=admin, job_id=summary.job_id, lang="en")
    assert "Source “Salon”: left empty (rows: 3)" in lines
    second = write(tmp_path, FRENCH.replace("A,", "A2,"), name="again.csv")
    summary = run_import(
        session=session, user=admin, path=second, on_duplicate="create", create_missing_values=True
    )
    assert session.get(ImportJob, summary.job_id).warnings == []
    assert source_of(session, "A2") == "Salon"
    assert session.exec(select(Stage).where(Stage.name == "Qualifié")).one()


def test_a_dry_run_creates_nothing(session, admin, tmp_path):
    path = write(tmp_path, FRENCH)
    summary = run_import(
        session=session,
        user=admin,
        path=path,
        dry_run=True,
        values={"source": {"values": {"salon": ["create", "Salon"]}}},
    )
    assert summary.created == 6
    assert session.exec(select(Source).where(Source.name == "Salon")).first() is None


def test_a_manager_without_the_settings_right_cannot_create_values(session, admin, tmp_path):
    rep = create_user(session, role=Role.MANAGER, email="rep@example.com", name="Max Manager")
    path = write(tmp_path, FRENCH)
    found = values.unknown_values(session=session, user=rep, path=path, mapping=mapping_of(path))
    assert not any(f.can_create for f in found)
    assert all(v.choice != values.CREATE for f in found for v in f.values)
    summary = run_import(
        session=session, user=rep, path=path, values={"source": {"values": {"salon": ["create", "Salon"]}}}
    )
    assert summary.created == 6
    assert session.exec(select(Source).where(Source.name == "Salon")).first() is None
    assert ("source", "Salon", 3) in map(tuple, session.get(ImportJob, summary.job_id).warnings)


def test_ten_thousand_distinct_values_show_the_top_ones_and_share_one_choice(session, admin, tmp_path):
    rows = ["Last name,Source"]
    rows += [f"Top{i},Fair {i % 3}" for i in range(30)]
    rows += [f"L{i},Unique source {i}" for i in range(10_000)]
    path = write(tmp_path, "\n".join(rows) + "\n")
    [field] = values.unknown_values(session=session, user=admin, path=path, mapping=mapping_of(path))
    assert [v.value for v in field.values[:3]] == ["Fair 0", "Fair 1", "Fair 2"]
    assert len(field.values) == values.TOP_VALUES
    assert (field.other_values, field.other_rows) == (10_003 - values.TOP_VALUES, 10_003 - values.TOP_VALUES)
    referral = session.exec(select(Source).where(Source.code == "referral")).one()
    choices = values.choices_of([field], other=f"use:{referral.id}")
    choices["source"]["values"] = {k: ["empty", v] for k, (_c, v) in choices["source"]["values"].items()}
    summary = run_import(session=session, user=admin, path=path, values=choices)
    assert (summary.created, summary.failed) == (10_030, 0)
    assert source_of(session, "L9999") == referral.name
    assert session.get(ImportJob, summary.job_id).warnings == []


def test_failure_reasons_are_grouped_with_their_counts(session, admin, tmp_path):
    path = write(
        tmp_path,
        "Last name,E-mail\nA,bad\nB,bad\nC,bad\nD,worse@\n",
    )
    summary = run_import(session=session, user=admin, path=path)
    assert summary.failed == 4
    reasons, rest = lead_import.failure_reasons(session=session, user=admin, job_id=summary.job_id)
    # one line per reason, the most rows first, with its row count
    assert [n for _r, n in reasons] == [3, 1] and rest == 0
    assert "bad" in reasons[0][0] and "worse@" in reasons[1][0]
    top, rest = lead_import.failure_reasons(session=session, user=admin, job_id=summary.job_id, limit=1)
    assert len(top) == 1 and rest == 1


def test_failure_reasons_are_written_in_the_importers_language(session, admin, tmp_path):
    admin.language = "fr"
    session.add(admin)
    session.commit()
    path = write(tmp_path, "Last name,E-mail\nA,not-an-email\n")
    summary = run_import(session=session, user=admin, path=path)
    [(reason, rows)], _rest = lead_import.failure_reasons(session=session, user=admin, job_id=summary.job_id)
    assert rows == 1 and reason.startswith("E-mail\u00a0:") and "valide" in reason
