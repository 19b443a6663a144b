"""Leads -> Import through the state: the upload step, the mapping and the failed-rows download."""

import asyncio
import base64
import io
import re
from pathlib import Path

import pytest
import reflex as rx

from crm_app import db
from crm_app.models import Role
from crm_app.services import auth, lead_import
from crm_app.state.lead_import import IGNORE, LeadImportState
from tests.factories import PASSWORD, create_user
from tests.state.conftest import call, sign_in, substate


@pytest.fixture
def uploads(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "uploads"
    monkeypatch.setenv("CRM_UPLOAD_DIR", str(folder))
    return folder


@pytest.fixture
def state(root, db_url):
    with db.session(db_url) as s:
        create_user(s, role=Role.SALES, email="sam@example.com")
        _user, token = auth.login(session=s, email="sam@example.com", password=PASSWORD)
    page = substate(root, LeadImportState)
    sign_in(page, token)
    return page


def upload(page, content: bytes, name: str = "leads.csv"):
    file = rx.UploadFile(file=io.BytesIO(content), path=Path(name))
    return asyncio.run(call(page, LeadImportState.handle_upload, [file]))


CSV = "Prénom;Nom;E-mail;Couleur\nZoé;Martin;zoe@example.com;bleu\n".encode("cp1252")


def test_upload_needs_a_session(root, db_url, uploads):
    with db.session(db_url) as s:
        create_user(s)
    page = substate(root, LeadImportState)
    result = upload(page, CSV)
    assert "/auth/logout" in repr(result)  # through the route that clears the cookie
    assert page.step == "upload" and not list(uploads.glob("*"))


def test_upload_maps_the_columns_and_keeps_the_file_out_of_public_folders(state, uploads):
    upload(state, CSV, name="../../prospects.csv")
    assert state.step == "map" and state.upload_error == ""
    assert state.file_name == "prospects.csv"
    assert state.file_note == "Read as Windows-1252, columns separated by semicolons."
    assert state.headers == ["Prénom", "Nom", "E-mail", "Couleur"]
    assert state.mapping == ["first_name", "last_name", "emails", IGNORE]
    assert state.preview == [["Zoé", "Martin", "zoe@example.com", "bleu"]]
    assert [c.sample for c in state.columns] == ["Zoé", "Martin", "zoe@example.com", "bleu"]
    stored = Path(state._upload_path)
    assert stored.parent == uploads and stored.read_bytes() == CSV
    # another file replaces the first one, which is deleted
    upload(state, b"Last name\nDurand\n")
    assert not stored.exists() and len(list(uploads.glob("*.csv"))) == 1


def test_a_binary_upload_gives_a_message_and_keeps_nothing(state, uploads):
    upload(state, b"PK\x03\x04 not a csv")
    assert state.step == "upload"
    assert state.upload_error == "This is a zip or Excel (.xlsx) file, not a CSV file. Save it as CSV first."
    assert not list(uploads.glob("*.csv"))


def test_a_file_over_the_limit_is_refused(state, uploads, monkeypatch):
    monkeypatch.setattr(lead_import.upload, "MAX_FILE_BYTES", 10)
    upload(state, CSV)
    assert "larger than" in state.upload_error and not list(uploads.glob("*.csv"))


def test_the_mapping_takes_only_known_fields(state, uploads):
    upload(state, CSV)
    asyncio.run(call(state, LeadImportState.set_column, 3, "comment"))
    asyncio.run(call(state, LeadImportState.set_column, 3, "password_hash"))
    asyncio.run(call(state, LeadImportState.set_column, 9, "comment"))
    assert state.mapping == ["first_name", "last_name", "emails", "comment"]
    call(state, LeadImportState.set_on_duplicate, "merge")
    assert state.on_duplicate == "skip"
    call(state, LeadImportState.set_on_duplicate, "update")
    assert state.on_duplicate == "update"


def test_failed_rows_of_another_users_job_are_refused(state, db_url, tmp_path):
    with db.session(db_url) as s:
        other = create_user(s, role=Role.MANAGER)  # sales representatives import nothing by default
        path = tmp_path / "x.csv"
        path.write_text("Last name,E-mail\nA,bad@\n")
        job_id = lead_import.run_import(session=s, user=other, path=path).job_id
    state.job_id = job_id
    result = call(state, LeadImportState.download_failed_rows)
    assert "permission" in str(result)


def test_values_that_match_nothing_are_listed_with_their_rows_and_choices(root, db_url, uploads):
    from crm_app.services.lead_import import values
    from crm_app.state import import_values

    with db.session(db_url) as s:
        create_user(s, role=Role.ADMIN, email="ann@example.com")
        _user, token = auth.login(session=s, email="ann@example.com", password=PASSWORD)
    page = substate(root, LeadImportState)
    sign_in(page, token)
    upload(page, "Nom;Source;Statut\nA;Salon;Nouveau\nB;Salon;Qualifié\nC;Site web;Nouveau\n".encode())
    assert page.step == "map"
    rows = {(r.field, r.shown): r for r in page.value_rows}
    # "Site web" and "Nouveau" are default names (French): known; the others are listed
    assert set(rows) == {("source", "Salon"), ("status", "Qualifié")}
    salon = rows[("source", "Salon")]
    assert salon.rows == "2" and salon.label == "Source"
    assert salon.options[0] == [values.CREATE, "Create “Salon”"]
    assert page.value_choices[salon.id] == values.CREATE
    existing = next(c for c, label in salon.options if label == "Trade show")
    call(page, LeadImportState.set_value_choice, salon.id, existing)
    assert import_values.choices(page.value_rows, page.value_choices)["source"] == {
        "values": {"salon": [existing, "Salon"]}
    }
    # no longer importing the source column: its values are not asked about any more
    asyncio.run(call(page, LeadImportState.set_column, 1, IGNORE))
    assert [r.field for r in page.value_rows] == ["status"]


def test_failed_rows_download_in_the_files_encoding_and_separator(root, db_url, tmp_path):
    with db.session(db_url) as s:
        user = create_user(s, role=Role.MANAGER, email="meg@example.com")
        _user, token = auth.login(session=s, email="meg@example.com", password=PASSWORD)
        path = tmp_path / "x.csv"
        path.write_bytes("Nom;E-mail\r\nLefèvre;pas-un-e-mail\r\n".encode("cp1252"))
        job_id = lead_import.run_import(session=s, user=user, path=path).job_id
    page = substate(root, LeadImportState)
    sign_in(page, token)
    page.job_id = job_id
    result = call(page, LeadImportState.download_failed_rows)
    [encoded] = set(re.findall(r"data:text/csv;base64,([A-Za-z0-9+/=]+)", repr(result)))
    assert base64.b64decode(encoded).startswith("Nom;E-mail;Error\r\nLefèvre;pas-un-e-mail;".encode("cp1252"))


def test_past_the_top_values_one_row_holds_the_other_values(root, db_url, uploads):
    from crm_app.services.lead_import import values
    from crm_app.state import import_values

    with db.session(db_url) as s:
        create_user(s, role=Role.ADMIN, email="ann@example.com")
        _user, token = auth.login(session=s, email="ann@example.com", password=PASSWORD)
    page = substate(root, LeadImportState)
    sign_in(page, token)
    lines = ["Nom;Source"] + [f"L{i};Fair number {i}" for i in range(values.TOP_VALUES + 5)]
    upload(page, ("\n".join(lines) + "\n").encode())
    assert len(page.value_rows) == values.TOP_VALUES + 1
    other = page.value_rows[-1]
    assert other.key == import_values.OTHER and other.shown == "Other values (5)" and other.rows == "5"
    assert values.CREATE not in [c for c, _label in other.options]  # no "create" for the rest
    assert page.value_choices[other.id] == values.EMPTY
    assert import_values.choices(page.value_rows, page.value_choices)["source"]["other"] == values.EMPTY
