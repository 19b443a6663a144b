"""`crm import leads` and `crm export leads`, run in process against the test database."""

import csv
import json

import pytest
from sqlalchemy import func
from sqlmodel import select

from crm_app import cli
from crm_app.models import EntityType, ImportJob, Lead, Role
from crm_app.services import leads
from tests.factories import create_user

CSV = (
    "Prénom;Nom;E-mail;Téléphone;Société\n"
    "Zoé;Martin;zoe@example.com;01 23 45 67 89;Acme\n"
    "Bob;Bad;not-an-email;;\n"
    "Zoé;Again;ZOE@example.com;;\n"
)


@pytest.fixture
def admin(session):
    return create_user(session, role=Role.ADMIN, email="admin@example.com", name="Ann Admin")


@pytest.fixture
def leads_csv(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def lead_count(session) -> int:
    return session.exec(select(func.count()).select_from(Lead).where(Lead.deleted_at.is_(None))).one()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_prints_exactly_the_four_counts(session, admin, leads_csv, capsys):
    code, out, err = run(capsys, "import", "leads", str(leads_csv), "--json")
    assert code == 0, err
    assert out.strip() == '{"created": 1, "updated": 0, "skipped": 1, "failed": 1}'
    assert lead_count(session) == 1
    lead = session.exec(select(Lead)).one()
    assert lead.created_by_id == admin.id  # the first active administrator


def test_it_prints_a_summary_and_writes_failed_rows(session, admin, leads_csv, tmp_path, capsys):
    errors = tmp_path / "errors.csv"
    code, out, _err = run(capsys, "import", "leads", str(leads_csv), "--errors", str(errors))
    assert code == 0
    assert "1 created, 0 updated, 1 duplicates skipped, 1 failed" in out
    rows = list(csv.reader(errors.open(encoding="utf-8-sig", newline=""), delimiter=";"))  # as the file
    assert rows[0] == ["Prénom", "Nom", "E-mail", "Téléphone", "Société", "Error"]
    assert rows[1][:3] == ["Bob", "Bad", "not-an-email"] and "Enter a valid e-mail" in rows[1][5]


def test_dry_run_and_duplicate_policies(session, admin, leads_csv, capsys):
    code, out, _ = run(capsys, "import", "leads", str(leads_csv), "--dry-run", "--json")
    assert code == 0 and json.loads(out)["created"] == 1 and lead_count(session) == 0
    run(capsys, "import", "leads", str(leads_csv))
    _, out, _ = run(capsys, "import", "leads", str(leads_csv), "--on-duplicate", "update", "--json")
    assert json.loads(out) == {"created": 0, "updated": 2, "skipped": 0, "failed": 1}
    assert session.exec(select(Lead.last_name)).one() == "Again"
    _, out, _ = run(capsys, "import", "leads", str(leads_csv), "--on-duplicate", "create", "--json")
    assert json.loads(out)["created"] == 2 and lead_count(session) == 3


def test_it_acts_as_the_user_given(session, admin, leads_csv, capsys):
    manager = create_user(session, role=Role.MANAGER, email="sam@example.com")
    code, _out, err = run(capsys, "import", "leads", str(leads_csv), "--as", "SAM@example.com")
    assert code == 0, err
    assert session.exec(select(Lead.created_by_id)).one() == manager.id
    # sales representatives import nothing by default (Settings -> Permissions)
    create_user(session, email="rep@example.com")
    code, _out, err = run(capsys, "import", "leads", str(leads_csv), "--as", "rep@example.com")
    assert code == 1 and "You may not import records." in err
    code, _out, err = run(capsys, "import", "leads", str(leads_csv), "--as", "nobody@example.com")
    assert code == 1 and "No active user with the e-mail nobody@example.com" in err


def test_without_an_administrator_it_asks_for_one(session, leads_csv, capsys):
    create_user(session, role=Role.SALES)
    code, _out, err = run(capsys, "import", "leads", str(leads_csv))
    assert code == 1 and "--as EMAIL" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"\x00\x01binary\x00", "binary data"), (b"PK\x03\x04xlsx", "Save it as CSV first")],
)
def test_an_unreadable_file_exits_non_zero_with_a_message(session, admin, tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    code, out, err = run(capsys, "import", "leads", str(path), "--json")
    assert code == 1 and out == ""
    assert message in err and "Traceback" not in err
    code, _out, err = run(capsys, "import", "leads", str(tmp_path / "missing.csv"))
    assert code == 1 and "No file at" in err


def test_an_unwritable_output_is_refused_before_any_work(session, admin, leads_csv, tmp_path, capsys):
    missing = tmp_path / "no" / "such" / "folder" / "out.csv"
    code, _out, err = run(capsys, "import", "leads", str(leads_csv), "--errors", str(missing))
    assert code == 1 and "No folder for" in err and lead_count(session) == 0
    code, _out, err = run(capsys, "export", "leads", str(missing))
    assert code == 1 and "Cannot write" in err and "Traceback" not in err


def test_bad_arguments_exit_with_2(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["import", "leads", "x.csv", "--on-duplicate", "merge"])
    assert exc.value.code == 2


def test_export_then_import_gives_back_the_same_leads(session, admin, tmp_path, capsys):
    sam = create_user(session, email="sam@example.com", name="Sam Sales")
    statuses = {s.name: s.id for s in leads.lead_statuses(session)}
    originals = [
        leads.create_lead(
            session=session,
            user=admin,
            data={
                "title": "Big deal",
                "first_name": "Zoé",
                "second_name": "Anne",
                "last_name": "Lefèvre",
                "company_name": "Crème & Café; SA",
                "position": "CEO",
                "phones": "+33 1 23 45 67 89, +1 212-555-0100",
                "emails": "zoe@example.com, z@example.org",
                "website": "cafe.example.com",
                "address": "1 rue de la Paix\n75002 Paris",
                "comment": 'She said "call me" -- then @ noon; =1+1',
                "amount": "1500.50",
                "currency_code": "USD",
                "status_id": statuses["In progress"],
                "responsible_id": sam.id,
            },
        ),
        leads.create_lead(session=session, user=admin, data={"company_name": "Globex"}),
    ]
    before = [_values(session, lead) for lead in originals]
    path = tmp_path / "export.csv"
    code, out, _ = run(capsys, "export", "leads", str(path))
    assert code == 0 and "Exported 2 leads" in out

    # the same file again: everything is a duplicate
    _, out, _ = run(capsys, "import", "leads", str(path), "--json")
    assert json.loads(out) == {"created": 0, "updated": 0, "skipped": 2, "failed": 0}

    leads.bulk_delete(session=session, user=admin, ids=[lead.id for lead in originals])
    _, out, _ = run(capsys, "import", "leads", str(path), "--json")
    assert json.loads(out) == {"created": 2, "updated": 0, "skipped": 0, "failed": 0}
    session.expire_all()
    copies = session.exec(select(Lead).where(Lead.deleted_at.is_(None))).all()
    assert sorted((_values(session, lead) for lead in copies), key=repr) == sorted(before, key=repr)


def _values(session, lead: Lead) -> dict:
    comms = leads.communications(session, EntityType.LEAD, [lead.id])[lead.id]
    return {
        **{k: getattr(lead, k) for k in (*leads.TEXT_FIELDS, "amount", "currency_code")},
        "status_id": lead.status_id,
        "responsible_id": lead.responsible_id,
        **comms,
    }


def test_unknown_values_are_left_empty_with_a_warning_or_created_on_request(session, admin, tmp_path, capsys):
    from crm_app.models import Source

    path = tmp_path / "fr.csv"
    path.write_text("Nom;Source\nDupont;Salon\nDurand;Salon\n", encoding="utf-8")
    code, out, _ = run(capsys, "import", "leads", str(path))
    assert code == 0 and "2 created" in out
    assert "Source “Salon”: left empty (rows: 2)" in out and "--create-missing-values" in out
    assert session.exec(select(Source).where(Source.name == "Salon")).first() is None
    code, out, _ = run(
        capsys, "import", "leads", str(path), "--create-missing-values", "--on-duplicate", "create"
    )
    assert code == 0 and "left empty" not in out
    salon = session.exec(select(Source).where(Source.name == "Salon")).one()
    assert session.exec(select(func.count()).select_from(Lead).where(Lead.source_id == salon.id)).one() == 2


def test_history_lists_imports_and_undo_asks_for_yes(session, admin, leads_csv, capsys):
    run(capsys, "import", "leads", str(leads_csv))
    job_id = session.exec(select(ImportJob.id)).one()
    code, out, err = run(capsys, "import", "history")
    assert code == 0, err
    assert f"#{job_id}" in out and "leads.csv" in out and "done: 1 created" in out
    _, out, _ = run(capsys, "import", "history", "--json")
    assert json.loads(out)["imports"][0]["created"] == 1
    # without --yes (and no terminal to ask on): the preview only
    code, out, _ = run(capsys, "import", "undo", str(job_id))
    assert code == 0 and "1 lead to the recycle bin" in out and "Nothing undone" in out
    assert lead_count(session) == 1
    code, out, err = run(capsys, "import", "undo", str(job_id), "--yes")
    assert code == 0, err
    assert f"Import #{job_id} undone: 1 lead moved to the recycle bin" in out
    assert lead_count(session) == 0
    _, out, _ = run(capsys, "import", "history")
    assert "undone:" in out


def test_undo_twice_is_refused(session, admin, leads_csv, capsys):
    run(capsys, "import", "leads", str(leads_csv))
    job_id = session.exec(select(ImportJob.id)).one()
    run(capsys, "import", "undo", str(job_id), "--yes")
    code, _out, err = run(capsys, "import", "undo", str(job_id), "--yes")
    assert code == 1 and "This import was already undone." in err
    code, _out, err = run(capsys, "import", "undo", "9999", "--yes")
    assert code == 1 and "This import does not exist." in err


def test_products_import_reports_rows_and_export_reads_back(session, admin, tmp_path, capsys):
    path = tmp_path / "products.csv"
    path.write_text("Nom;Référence;Prix;Section\nConseil;CNS;100,50;Services\n;X;5;\n", encoding="utf-8")
    code, out, err = run(capsys, "import", "products", str(path))
    assert code == 0, err
    assert "1 products created, 0 updated, 0 unchanged, 1 failed; 1 sections created." in out
    assert "Row 3: " in out
    code, out, _ = run(capsys, "import", "products", str(path), "--json")
    assert json.loads(out) == {"created": 0, "updated": 0, "unchanged": 1, "failed": 1}
    exported = tmp_path / "out.csv"
    code, out, _ = run(capsys, "export", "products", str(exported))
    assert code == 0 and out.strip() == f"Exported 1 products to {exported}."
    rows = list(csv.reader(exported.open(encoding="utf-8-sig", newline="")))
    assert rows[1][:2] == ["Conseil", "CNS"] and "100.50" in rows[1]


def test_contacts_and_companies_export(session, admin, tmp_path, capsys):
    from crm_app.services import records

    acme = records.create_company(session=session, user=admin, data={"name": "=Acme", "revenue": "1000"})
    records.create_contact(
        session=session,
        user=admin,
        data={
            "first_name": "Zoé",
            "last_name": "Martin",
            "phones": "01 23 45 67 89",
            "emails": "a@x.org, b@x.org",
        },
    )
    records.create_contact(session=session, user=admin, data={"first_name": "Bob", "company_id": acme.id})
    contacts = tmp_path / "contacts.csv"
    code, out, err = run(capsys, "export", "contacts", str(contacts))
    assert code == 0 and out.strip() == f"Exported 2 contacts to {contacts}.", err
    rows = list(csv.DictReader(contacts.open(encoding="utf-8-sig", newline="")))
    assert [(r["First name"], r["Company"]) for r in rows] == [("Bob", "'=Acme"), ("Zoé", "")]
    assert rows[1]["Phones"] == "+33123456789" and rows[1]["E-mails"] == "a@x.org, b@x.org"
    assert rows[1]["Responsible"] == "admin@example.com"
    companies = tmp_path / "companies.csv"
    code, out, _ = run(capsys, "export", "companies", str(companies))
    rows = list(csv.DictReader(companies.open(encoding="utf-8-sig", newline="")))
    assert code == 0 and [(r["Company name"], r["Annual revenue"]) for r in rows] == [("'=Acme", "1000.00")]
