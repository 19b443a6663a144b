"""CSV import and export of leads: reading bad files, header matching, validation, duplicates, jobs."""

import csv
import io
import tracemalloc
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import select

from crm_app.models import (
    Communication,
    Contact,
    EntityType,
    ImportJob,
    ImportRowError,
    ImportStatus,
    Lead,
    Role,
    Source,
    TimelineEntry,
    TimelineKind,
)
from crm_app.services import lead_import, leads
from crm_app.services.errors import PermissionDenied, ValidationError
from crm_app.services.lead_import import ImportFileError, auto_map, open_csv, run_import
from tests.factories import create_user
from tests.factories import write_csv as write

HEADER = "First name,Last name,E-mail,Phone,Company name\n"


@pytest.fixture
def admin(session):
    return create_user(session, role=Role.ADMIN, email="admin@example.com", name="Ann Admin")


def lead_count(session) -> int:
    return session.exec(select(func.count()).select_from(Lead)).one()


def lead_by_last_name(session, last_name: str) -> Lead:
    return session.exec(select(Lead).where(Lead.last_name == last_name)).one()


def emails_of(session, lead_id: int) -> list[str]:
    return leads.communications(session, EntityType.LEAD, [lead_id])[lead_id]["emails"]


def phones_of(session, lead_id: int) -> list[str]:
    return leads.communications(session, EntityType.LEAD, [lead_id])[lead_id]["phones"]


def failed_rows(session, user, job_id, *, encoding="utf-8-sig", delimiter=",") -> list[list[str]]:
    data = lead_import.failed_rows_csv(session=session, user=user, job_id=job_id)
    return list(csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=delimiter))


# --- header matching -------------------------------------------------------------------------


def test_it_matches_bitrix_english_lead_export_headers():
    headers = [
        "ID", "Lead name", "First name", "Middle name", "Last name", "E-mail", "Work e-mail", "Phone",
        "Mobile phone", "Work phone", "Company name", "Position", "Website", "Address", "Comment",
        "Source", "Status", "Responsible", "Opportunity", "Currency", "Created",
    ]  # fmt: skip
    assert auto_map(headers) == {
        1: "title", 2: "first_name", 3: "second_name", 4: "last_name", 5: "emails", 6: "emails",
        7: "phones", 8: "phones", 9: "phones", 10: "company_name", 11: "position", 12: "website",
        13: "address", 14: "comment", 15: "source", 16: "status", 17: "responsible", 18: "amount",
        19: "currency",
    }  # fmt: skip
    assert auto_map(["Title", "Amount"]) == {0: "title", 1: "amount"}


def test_it_matches_bitrix_french_headers_ignoring_case_and_accents():
    headers = [
        "Prénom", "Nom", "Deuxième prénom", "E-mail", "Téléphone", "Téléphone mobile", "Société",
        "Poste", "Nom du prospect", "Site web", "Adresse", "Commentaire", "Source", "Statut",
        "Responsable", "Montant", "Devise",
    ]  # fmt: skip
    assert auto_map(headers) == {
        0: "first_name", 1: "last_name", 2: "second_name", 3: "emails", 4: "phones", 5: "phones",
        6: "company_name", 7: "position", 8: "title", 9: "website", 10: "address", 11: "comment",
        12: "source", 13: "status", 14: "responsible", 15: "amount", 16: "currency",
    }  # fmt: skip
    assert auto_map(["PRENOM", " telephone ", "nom de la societe", "EMAIL"]) == {
        0: "first_name", 1: "phones", 2: "company_name", 3: "emails",
    }  # fmt: skip


def test_a_field_takes_only_the_first_column_that_names_it():
    assert auto_map(["Société", "Nom de la société", "Last name", "Nom"]) == {
        0: "company_name",
        2: "last_name",
    }


# --- reading files ---------------------------------------------------------------------------


def test_it_reads_windows_1252(session, admin, tmp_path):
    path = write(tmp_path, "Prénom;Nom;Société\r\nZoé;Lefèvre;Crème & Café\r\n", encoding="cp1252")
    csv_file = open_csv(path)
    assert (csv_file.encoding, csv_file.delimiter) == ("cp1252", ";")
    assert csv_file.headers == ["Prénom", "Nom", "Société"]
    summary = run_import(session=session, user=admin, path=path)
    assert summary.created == 1
    lead = lead_by_last_name(session, "Lefèvre")
    assert (lead.first_name, lead.company_name) == ("Zoé", "Crème & Café")


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        (
            "姓,名,会社\n山田,太郎,株式会社テスト\n佐藤,花子,東京商事\n",
            "shift_jis",
            [("山田", "太郎", "株式会社テスト"), ("佐藤", "花子", "東京商事")],
        ),
        (
            "Фамилия;Имя;Компания\nИванов;Иван;ООО Ромашка\nПетрова;Мария;Газпром\n",
            "cp1251",
            [("Иванов", "Иван", "ООО Ромашка"), ("Петрова", "Мария", "Газпром")],
        ),
        (
            "姓,名,公司\n陳,大文,台灣電力\n林,美玲,中華電信\n",
            "big5",
            [("陳", "大文", "台灣電力"), ("林", "美玲", "中華電信")],
        ),
    ],
)
def test_it_recognises_the_encoding_of_files_that_are_not_utf8(
    session, admin, tmp_path, text, encoding, expected
):
    path = write(tmp_path, text, encoding=encoding)
    mapping = {0: "last_name", 1: "first_name", 2: "company_name"}
    assert run_import(session=session, user=admin, path=path, mapping=mapping).created == 2
    names = session.exec(select(Lead.last_name, Lead.first_name, Lead.company_name).order_by(Lead.id)).all()
    assert [tuple(n) for n in names] == expected


def test_a_cp1252_character_after_64_kb_of_ascii_is_still_read(tmp_path):
    path = write(tmp_path, "Last name\n" + "Martin\n" * 12_000 + "Lefèvre\n", encoding="cp1252")
    csv_file = open_csv(path)
    assert csv_file.encoding == "cp1252"
    assert list(csv_file.records())[-1][1] == ["Lefèvre"]


def test_it_reads_utf8_with_a_bom(session, admin, tmp_path):
    path = write(tmp_path, HEADER + "Zoé,Martin,zoe@example.com,,\n", encoding="utf-8-sig")
    assert open_csv(path).headers[0] == "First name"  # no BOM left on the first header
    assert run_import(session=session, user=admin, path=path).created == 1
    assert lead_by_last_name(session, "Martin").first_name == "Zoé"


def test_it_reads_semicolons_tabs_and_quoted_new_lines(session, admin, tmp_path):
    path = write(
        tmp_path,
        'Last name;Comment;E-mail\n"Martin";"line one\nline two; still";a@example.com\nDurand;;b@example.com\n',
    )
    csv_file = open_csv(path)
    assert csv_file.delimiter == ";"
    assert csv_file.preview[0] == ["Martin", "line one\nline two; still", "a@example.com"]
    assert run_import(session=session, user=admin, path=path).created == 2
    assert lead_by_last_name(session, "Martin").comment == "line one\nline two; still"
    tabs = write(tmp_path, "Last name\tCompany name\nMartin\tAcme, Inc.\n", name="tabs.txt")
    assert open_csv(tabs).delimiter == "\t"
    assert open_csv(tabs).preview == [["Martin", "Acme, Inc."]]


def test_missing_columns_and_short_rows_are_empty_values(session, admin, tmp_path):
    path = write(tmp_path, "Company name,E-mail,Phone\nAcme,acme@example.com\nGlobex\n")
    summary = run_import(session=session, user=admin, path=path)
    assert (summary.created, summary.failed) == (2, 0)
    acme = session.exec(select(Lead).where(Lead.company_name == "Acme")).one()
    assert (acme.first_name, acme.last_name) == ("", "")
    assert emails_of(session, acme.id) == ["acme@example.com"] and phones_of(session, acme.id) == []


def test_extra_columns_are_ignored(session, admin, tmp_path):
    path = write(tmp_path, "ID,Last name,Favourite colour\n17,Martin,blue,and,more,cells\n")
    assert auto_map(open_csv(path).headers) == {1: "last_name"}
    summary = run_import(session=session, user=admin, path=path)
    assert (summary.created, summary.failed) == (1, 0)


def test_empty_rows_are_skipped_silently(session, admin, tmp_path):
    path = write(tmp_path, "\n\nLast name,Company name\n\nMartin,\n,\n  ,  \nDurand,Acme\n\n")
    csv_file = open_csv(path)
    assert csv_file.headers == ["Last name", "Company name"] and csv_file.header_row == 3
    summary = run_import(session=session, user=admin, path=path)
    assert (summary.created, summary.skipped, summary.failed, summary.total) == (2, 0, 0, 2)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary data"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excel (.xls)"),
        (b"Last name\nMartin\n" + b"x" * 70_000 + b"\x00tail", "binary data"),
        (b"Last name\n\x81\x8d\x8f\x90\x9d\xff\xfe\n", "known encoding"),
        (
            b"Last name\n" + bytes(sorted(set(range(128, 256)) - set(b"\x81\x8d\x8f\x90\x9d"))) * 20,
            "known encoding",
        ),
        (b"", "empty"),
        (b"\n\n ,, \n", "empty"),
    ],
)
def test_it_refuses_binary_and_unreadable_files_with_a_clear_message(tmp_path, content, message):
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as exc:
        open_csv(path)
    assert message in str(exc.value)


def test_an_unclosed_quote_fails_its_row_and_the_next_lines_are_read(session, admin, tmp_path):
    path = write(
        tmp_path,
        "Last name,E-mail,Comment\n"
        + "Anna,a@example.com,\n"
        + 'Bob,"b@example.com,stray quote\n'  # never closed: would swallow the rest of the file
        + 'Cy,c@example.com,"two\nlines"\n'
        + "Dee,d@example.com,\n",
    )
    assert len(open_csv(path).preview) == 4  # the preview does not swallow the rest either
    summary = run_import(session=session, user=admin, path=path)
    assert (summary.created, summary.failed, summary.total) == (3, 1, 4)
    assert lead_by_last_name(session, "Cy").comment == "two\nlines"
    error = session.exec(select(ImportRowError)).one()
    assert error.row_number == 3 and error.raw == ["Bob", "b@example.com,stray quote"]
    assert error.reason == "A quote opened in this row (line 3) is not closed."


def test_a_header_with_an_unclosed_quote_or_too_many_of_them_refuse_the_file(tmp_path):
    with pytest.raises(ImportFileError) as exc:
        open_csv(write(tmp_path, 'Last name,"E-mail\nAnna,a@example.com\n'))
    assert (
        str(exc.value) == "The header row cannot be read: A quote opened in this row (line 1) is not closed."
    )
    many = write(tmp_path, "Last name,E-mail\n" + "".join(f'N{i},"x{i}\n' for i in range(25)))
    with pytest.raises(ImportFileError, match="More than 20 quotes in this file are not closed"):
        open_csv(many).count_rows()


def test_a_value_over_128_kb_fails_only_its_row(session, admin, tmp_path):
    long = "x" * (128 * 1024 + 1)
    path = write(
        tmp_path,
        "Last name,Comment\n" + "Anna,short\n" + f"Bob,{long}\n" + f'Cy,"quoted\n{long}"\n' + "Dee,\n",
    )
    summary = run_import(session=session, user=admin, path=path)
    assert (summary.created, summary.failed, summary.total) == (2, 2, 4)
    errors = session.exec(select(ImportRowError).order_by(ImportRowError.row_number)).all()
    assert [e.row_number for e in errors] == [3, 4]
    assert errors[0].reason == "Field too long: column 2 holds 131073 characters, at most 131072."
    assert errors[0].raw == ["Bob", long[:-1]]  # kept cut to the limit, not the whole value
    assert {lead.last_name for lead in session.exec(select(Lead))} == {"Anna", "Dee"}


def test_a_file_that_cannot_be_read_fails_the_job_with_its_message(session, admin, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(ImportFileError):
        run_import(session=session, user=admin, path=path)
    job = session.exec(select(ImportJob)).one()
    assert job.status == ImportStatus.FAILED and "binary data" in job.message
    assert job.finished_at is not None and lead_count(session) == 0


def test_a_big_file_is_streamed(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Last name", "E-mail", "Comment"])
        for i in range(40_000):
            writer.writerow([f"Name {i}", f"p{i}@example.com", "x" * 200])
    assert path.stat().st_size > 8 * 2**20
    tracemalloc.start()
    try:
        csv_file = open_csv(path)
        rows = sum(1 for _ in csv_file.records())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == 40_000
    assert peak < 3 * 2**20  # a few read buffers, never the file


def test_a_5_mb_file_imports(session, admin, tmp_path):
    path = tmp_path / "fat.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Last name", "E-mail", "Comment"])
        for i in range(2_500):
            writer.writerow([f"Name {i}", f"p{i}@example.com", f"note {i} " + "y" * 2_100])
    assert path.stat().st_size > 5 * 2**20
    summary = run_import(session=session, user=admin, path=path)
    assert (summary.created, summary.failed) == (2_500, 0)
    assert lead_count(session) == 2_500


# --- validation and failed rows -------------------------------------------------------------


def test_bad_rows_fail_with_reasons_and_download_as_csv(session, admin, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "Zoé,Martin,zoe@example.com,01 23 45 67 89,Acme\n"
        + "Bob,Bad,not-an-email,,\n"
        + '"Multi\nline",Phone,,12,\n'
        + ",,,,\n"
        + ",,x@example.com,,\n"
        + "Eve,Good,eve@example.com,,\n",
    )
    summary = run_import(session=session, user=admin, path=path)
    assert (summary.created, summary.failed, summary.total) == (2, 3, 5)
    errors = session.exec(select(ImportRowError).order_by(ImportRowError.row_number)).all()
    assert [e.row_number for e in errors] == [3, 4, 6]  # spreadsheet rows: header is row 1
    assert "E-mail: not-an-email: Enter a valid e-mail address" in errors[0].reason
    assert "Phone: 12: Enter a valid phone number" in errors[1].reason
    assert "Enter a name, a company name or a lead title." in errors[2].reason
    assert errors[0].raw == ["Bob", "Bad", "not-an-email", "", ""]

    rows = failed_rows(session, admin, summary.job_id)
    assert rows[0] == ["First name", "Last name", "E-mail", "Phone", "Company name", "Error"]
    assert rows[1][:5] == ["Bob", "Bad", "not-an-email", "", ""]
    assert rows[1][5].startswith("Row 3: E-mail: not-an-email")
    assert rows[2][0] == "Multi\nline" and len(rows) == 4


def test_failed_rows_keep_the_separator_and_encoding_of_the_file(session, admin, tmp_path):
    path = write(
        tmp_path,
        "Prénom;Nom;E-mail\r\nZoé;Lefèvre;zoe@example.com\r\nGaël;Crème;pas-un-e-mail\r\n",
        encoding="cp1252",
    )
    summary = run_import(session=session, user=admin, path=path)
    assert (summary.created, summary.failed) == (1, 1)
    job = session.get(ImportJob, summary.job_id)
    assert job is not None and (job.mapping["encoding"], job.mapping["delimiter"]) == ("cp1252", ";")

    data = lead_import.failed_rows_csv(session=session, user=admin, job_id=summary.job_id)
    assert data.startswith("Prénom;Nom;E-mail;Error\r\nGaël;Crème;pas-un-e-mail;Row 3:".encode("cp1252"))
    fixed = tmp_path / "fixed.csv"  # the user corrects the e-mail in a spreadsheet and imports again
    fixed.write_bytes(data.replace(b"pas-un-e-mail", b"gael@example.com"))
    assert (open_csv(fixed).encoding, open_csv(fixed).delimiter) == ("cp1252", ";")
    assert run_import(session=session, user=admin, path=fixed).created == 1
    assert lead_by_last_name(session, "Crème").first_name == "Gaël"


def test_failed_rows_that_do_not_fit_the_encoding_are_all_written_in_utf8(session, admin, tmp_path):
    path = write(tmp_path, "Nom;E-mail\r\nLefèvre;zoe@\r\n", encoding="cp1252")
    summary = run_import(session=session, user=admin, path=path)
    assert summary.job_id is not None and summary.failed == 1
    session.add(ImportRowError(job_id=summary.job_id, row_number=3, reason="Bad", raw=["Žižek ★", "x"]))
    session.commit()
    data = lead_import.failed_rows_csv(session=session, user=admin, job_id=summary.job_id)
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read it as UTF-8
    rows = failed_rows(session, admin, summary.job_id, delimiter=";")
    assert [r[0] for r in rows] == ["Nom", "Lefèvre", "Žižek ★"]


def test_names_of_settings_are_resolved_and_unknown_ones_are_left_empty_with_a_warning(
    session, admin, tmp_path
):
    sales = create_user(session, email="sam@example.com", name="Sam Sales")
    path = write(
        tmp_path,
        "Last name,Source,Status,Responsible,Opportunity,Currency\n"
        'A,phone call,in progress,SAM@example.com,"1 500,50",usd\n'
        "B,TRADE_SHOW,New,Sam Sales,200,\n"
        "C,Carrier pigeon,New,,,\n"
        "D,,Unknown status,,,\n"
        "E,,,nobody@example.com,,\n"
        "F,,,,10,XYZ\n"
        "G,,Converted,,,\n"
        "H,carrier PIGEON,,,,\n",
    )
    summary = run_import(session=session, user=admin, path=path)
    # rows are kept: an unknown value is left empty (the lead gets the defaults)
    assert (summary.created, summary.failed) == (7, 1)
    a, b = lead_by_last_name(session, "A"), lead_by_last_name(session, "B")
    statuses = {s.name: s.id for s in leads.lead_statuses(session)}
    sources = {s.code: s.id for s in session.exec(select(Source)).all()}
    assert (a.source_id, a.status_id, a.responsible_id) == (
        sources["phone"],
        statuses["In progress"],
        sales.id,
    )
    assert (a.amount, a.currency_code) == (Decimal("1500.50"), "USD")
    assert (b.source_id, b.responsible_id, b.currency_code) == (sources["trade_show"], sales.id, "EUR")
    c, d, e, f = (lead_by_last_name(session, n) for n in "CDEF")
    assert c.source_id == sources["import"] and d.status_id == leads.first_status(session).id
    assert e.responsible_id == admin.id and (f.amount, f.currency_code) == (Decimal("10"), "EUR")
    reasons = [e.reason for e in session.exec(select(ImportRowError).order_by(ImportRowError.row_number))]
    assert reasons == ["A new lead starts in a status in progress."]
    job = session.get(ImportJob, summary.job_id)
    # the values left empty, with their rows (two spellings of one value counted together)
    assert sorted(map(tuple, job.warnings)) == [
        ("currency", "XYZ", 1),
        ("responsible", "nobody@example.com", 1),
        ("source", "Carrier pigeon", 2),
        ("status", "Unknown status", 1),
    ]


def test_leads_get_history_import_source_and_the_importer_as_defaults(session, admin, tmp_path):
    path = write(tmp_path, HEADER + "Zoé,Martin,zoe@example.com,+33 1 23 45 67 89,Acme\n")
    run_import(session=session, user=admin, path=path)
    lead = lead_by_last_name(session, "Martin")
    assert lead.responsible_id == admin.id and lead.created_by_id == admin.id
    assert lead.source_id == session.exec(select(Source.id).where(Source.code == "import")).one()
    assert lead.status_id == leads.first_status(session).id
    assert phones_of(session, lead.id) == ["+33123456789"]
    comm = session.exec(select(Communication).where(Communication.entity_id == lead.id)).all()
    assert {c.value for c in comm} == {"zoe@example.com", "+33 1 23 45 67 89"}
    entries = session.exec(select(TimelineEntry).where(TimelineEntry.entity_id == lead.id)).all()
    assert [(e.kind, e.payload, e.author_id) for e in entries] == [
        (TimelineKind.CREATED, {"origin": "import"}, admin.id)
    ]


def test_html_in_a_field_is_kept_as_text(session, admin, tmp_path):
    script = "<script>alert('x')</script>"
    path = write(
        tmp_path, f'Last name,Company name,Comment\n"<b>Bold</b>","<img src=x onerror=alert(1)>","{script}"\n'
    )
    run_import(session=session, user=admin, path=path)
    lead = lead_by_last_name(session, "<b>Bold</b>")
    assert (lead.company_name, lead.comment) == ("<img src=x onerror=alert(1)>", script)


def test_a_full_name_column_is_split(session, admin, tmp_path):
    path = write(tmp_path, "Name,E-mail\nJean Pierre Martin,jp@example.com\nMadonna,m@example.com\n")
    run_import(session=session, user=admin, path=path)
    assert lead_by_last_name(session, "Martin").first_name == "Jean Pierre"
    assert lead_by_last_name(session, "Madonna").first_name == ""


def test_a_name_column_next_to_last_name_gives_the_first_name(session, admin, tmp_path):
    path = write(tmp_path, "Name,Last name\nJean,Dupont\nAnne Durand,Durand\nLéa,\n")
    run_import(session=session, user=admin, path=path)
    assert lead_by_last_name(session, "Dupont").first_name == "Jean"
    assert lead_by_last_name(session, "Durand").first_name == "Anne"
    assert lead_by_last_name(session, "Léa").first_name == ""


def test_it_reads_utf16_tab_separated_text_from_excel(session, admin, tmp_path):
    path = write(tmp_path, "Prénom\tNom\nZoé\tLefèvre\n", encoding="utf-16")
    csv_file = open_csv(path)
    assert (csv_file.encoding, csv_file.delimiter, csv_file.headers) == ("utf-16", "\t", ["Prénom", "Nom"])
    assert run_import(session=session, user=admin, path=path).created == 1
    assert lead_by_last_name(session, "Lefèvre").first_name == "Zoé"


def test_a_mapping_that_does_not_fit_the_file_is_refused(session, admin, tmp_path):
    path = write(tmp_path, HEADER + "Zoé,Martin,,,\n")
    for mapping in ({9: "last_name"}, {0: "nonsense"}, {0: "last_name", 1: "last_name"}, {0: ""}):
        with pytest.raises(ValidationError):
            run_import(session=session, user=admin, path=path, mapping=mapping)
    summary = run_import(session=session, user=admin, path=path, mapping={0: "company_name", 2: "emails"})
    assert summary.failed == 0
    assert session.exec(select(Lead.company_name)).one() == "Zoé"


# --- duplicates ----------------------------------------------------------------------------------


def _existing(session, admin):
    lead = leads.create_lead(
        session=session,
        user=admin,
        data={"last_name": "Martin", "first_name": "Zoé", "emails": "zoe@example.com", "company_name": "Old"},
    )
    contact = Contact(last_name="Durand")
    session.add(contact)
    session.commit()
    leads.set_communications(session, EntityType.CONTACT, contact.id, phones=[("0102030405", "+33102030405")])
    session.commit()
    return lead


DUPLICATES = (
    HEADER
    + "Zoé,Martin-New,ZOE@example.com,06 11 22 33 44,New Co\n"  # the existing lead's e-mail
    + "Paul,Durand,,01 02 03 04 05,\n"  # a contact's phone
    + "Ann,First,ann@example.com,,\n"
    + "Ann,Again,ann@example.com,07 00 00 00 01,Ann Co\n"  # an earlier row of the file
    + "Nina,New,nina@example.com,,\n"
)


def test_skip_leaves_duplicates_alone(session, admin, tmp_path):
    lead = _existing(session, admin)
    summary = run_import(session=session, user=admin, path=write(tmp_path, DUPLICATES), on_duplicate="skip")
    assert (summary.created, summary.updated, summary.skipped, summary.failed) == (2, 0, 3, 0)
    session.refresh(lead)
    assert (lead.last_name, lead.company_name) == ("Martin", "Old")
    assert lead_count(session) == 3


def test_update_fills_the_existing_lead_with_history(session, admin, tmp_path):
    lead = _existing(session, admin)
    summary = run_import(session=session, user=admin, path=write(tmp_path, DUPLICATES), on_duplicate="update")
    # the contact-only match has no lead to update: skipped; the file's own repeat updates its lead
    assert (summary.created, summary.updated, summary.skipped, summary.failed) == (2, 2, 1, 0)
    session.refresh(lead)
    assert (lead.first_name, lead.last_name, lead.company_name) == ("Zoé", "Martin-New", "New Co")
    assert phones_of(session, lead.id) == ["+33611223344"]
    assert emails_of(session, lead.id) == ["zoe@example.com"]
    changes = session.exec(
        select(TimelineEntry).where(
            TimelineEntry.entity_id == lead.id, TimelineEntry.kind == TimelineKind.FIELD_CHANGE
        )
    ).all()
    assert {c.payload["field"] for c in changes} == {"last_name", "company_name", "phones"}
    ann = lead_by_last_name(session, "Again")  # one lead from both "Ann" rows, the later one wins
    assert ann.company_name == "Ann Co" and phones_of(session, ann.id) == ["+33700000001"]


def test_update_never_rewrites_a_final_lead_and_reports_the_row(session, admin, tmp_path):
    """Issue 8: converted and junk leads are final; the row is skipped and listed with a link."""
    from crm_app.services import conversion

    lead = _existing(session, admin)
    conversion.close_as_junk(
        session=session,
        user=admin,
        lead_id=lead.id,
        reason_id=conversion.junk_reasons(session)[0].id,
        comment="",
    )
    session.refresh(lead)
    before = (lead.version, lead.last_name, lead.company_name)
    path = write(tmp_path, HEADER + "Zoé,Martin-New,zoe@example.com,06 11 22 33 44,New Co\n")
    for dry_run in (True, False):
        summary = run_import(session=session, user=admin, path=path, on_duplicate="update", dry_run=dry_run)
        assert (summary.created, summary.updated, summary.skipped, summary.failed) == (0, 0, 1, 0)
        session.refresh(lead)
        assert (lead.version, lead.last_name, lead.company_name) == before
        assert phones_of(session, lead.id) == []
        [row] = failed_rows(session, admin, summary.job_id)[1:]
        assert "a final lead" in row[-1] and f"/leads/{lead.id}" in row[-1]


def test_update_keeps_values_the_file_leaves_blank(session, admin, tmp_path):
    lead = _existing(session, admin)
    path = write(tmp_path, "E-mail,Company name,Position\nzoe@example.com,,CEO\n")
    summary = run_import(session=session, user=admin, path=path, on_duplicate="update")
    assert summary.updated == 1
    session.refresh(lead)
    assert (lead.company_name, lead.position, lead.last_name) == ("Old", "CEO", "Martin")


def test_create_makes_duplicates_anyway(session, admin, tmp_path):
    _existing(session, admin)
    summary = run_import(session=session, user=admin, path=write(tmp_path, DUPLICATES), on_duplicate="create")
    assert (summary.created, summary.skipped) == (5, 0)
    assert lead_count(session) == 6


def _created_entry(session, lead_id: int) -> TimelineEntry:
    return session.exec(
        select(TimelineEntry).where(
            TimelineEntry.entity_id == lead_id, TimelineEntry.kind == TimelineKind.CREATED
        )
    ).one()


def test_create_flags_a_duplicate_as_the_lead_form_does(session, admin, tmp_path):
    """A row imported with "create" that matches an existing lead, contact or company gets the
    same "possible duplicates" in its "created" history entry as the same lead saved in the form."""
    from crm_app.services import intake

    lead = _existing(session, admin)
    row = "Zoé,Martin,zoe@example.com,01 02 03 04 05,Old\n"  # the lead's e-mail and name, the contact's phone
    summary = run_import(
        session=session, user=admin, path=write(tmp_path, HEADER + row), on_duplicate="create"
    )
    assert summary.created == 1
    imported = session.exec(select(Lead).where(Lead.id != lead.id)).one()
    entry = _created_entry(session, imported.id)
    assert entry.payload["origin"] == "import"
    flagged = entry.payload["duplicates"]
    assert {(d["entity_type"], d["reason"]) for d in flagged} == {("lead", "email"), ("contact", "phone")}

    values = {"first_name": "Zoé", "last_name": "Martin", "emails": "zoe@example.com",
              "phones": "01 02 03 04 05", "company_name": "Old"}  # fmt: skip
    by_form = intake.create_lead_with_policy(session=session, user=admin, data=values, origin="form").lead
    form_entry = _created_entry(session, by_form.id)
    assert form_entry.payload["origin"] == "form"
    # the form's lead also matches the imported one (it exists by then); the rest is the same
    assert [d for d in form_entry.payload["duplicates"] if d["id"] != imported.id] == flagged


def test_create_flags_rows_of_the_same_file_as_each_other(session, admin, tmp_path):
    body = "Ann,First,ann@example.com,,\nAnn,Again,ann@example.com,,\nBob,Alone,bob@example.com,,\n"
    run_import(session=session, user=admin, path=write(tmp_path, HEADER + body), on_duplicate="create")
    first, again, alone = (lead_by_last_name(session, n) for n in ("First", "Again", "Alone"))
    assert "duplicates" not in _created_entry(session, first.id).payload
    assert [(d["id"], d["reason"]) for d in _created_entry(session, again.id).payload["duplicates"]] == [
        (first.id, "email")
    ]
    assert "duplicates" not in _created_entry(session, alone.id).payload


def test_a_close_company_name_from_an_earlier_batch_is_flagged(session, admin, tmp_path):
    """The import reads company names once per prefix and keeps them up to date with the leads it
    writes: a later batch still sees the leads of the earlier ones, as the form would."""
    body = "Ann,A,,,Globex Corporation\nBob,B,,,GLOBEX corporation\n"
    run_import(
        session=session, user=admin, path=write(tmp_path, HEADER + body), on_duplicate="create", batch_size=1
    )
    first, second = lead_by_last_name(session, "A"), lead_by_last_name(session, "B")
    assert "duplicates" not in _created_entry(session, first.id).payload
    assert [(d["id"], d["reason"]) for d in _created_entry(session, second.id).payload["duplicates"]] == [
        (first.id, "company")
    ]


def test_reimporting_the_same_file_with_skip_creates_nothing(session, admin, tmp_path):
    path = write(tmp_path, DUPLICATES + "No,Contact,,,\n" + ",,,,Company Only\n")
    first = run_import(session=session, user=admin, path=path, batch_size=2)
    count = lead_count(session)
    again = run_import(session=session, user=admin, path=path, batch_size=2)
    assert first.created == count == 6
    assert (again.created, again.updated, again.skipped, again.failed) == (0, 0, 7, 0)
    assert lead_count(session) == count


def test_a_deleted_lead_is_not_a_duplicate(session, admin, tmp_path):
    lead = _existing(session, admin)
    leads.bulk_delete(session=session, user=admin, ids=[lead.id])
    summary = run_import(
        session=session, user=admin, path=write(tmp_path, HEADER + "Zoé,Martin,zoe@example.com,,\n")
    )
    assert summary.created == 1


def test_a_dry_run_checks_everything_and_writes_no_lead(session, admin, tmp_path):
    _existing(session, admin)
    path = write(tmp_path, DUPLICATES + "Bad,Row,bad@,,\n")
    dry = run_import(session=session, user=admin, path=path, dry_run=True, batch_size=2)
    assert lead_count(session) == 1
    assert session.exec(select(func.count()).select_from(TimelineEntry)).one() == 1
    job = session.get(ImportJob, dry.job_id)
    assert job.dry_run and job.status == ImportStatus.DONE
    assert (job.created, job.skipped, job.failed) == (dry.created, dry.skipped, dry.failed) == (2, 3, 1)
    assert len(failed_rows(session, admin, dry.job_id)) == 2
    real = run_import(session=session, user=admin, path=path, batch_size=2)
    assert (real.created, real.updated, real.skipped, real.failed) == (
        dry.created, dry.updated, dry.skipped, dry.failed,
    )  # fmt: skip
    dry_update = run_import(session=session, user=admin, path=path, dry_run=True, on_duplicate="update")
    assert lead_count(session) == 3 and dry_update.created == 0


# --- jobs -------------------------------------------------------------------------------------


def test_each_batch_commits_with_its_summary(session, admin, tmp_path):
    body = "".join(f"N{i},Name{i},n{i}@example.com,,\n" for i in range(5))
    calls = []

    def crash_after_first_batch(processed, total):
        calls.append((processed, total))
        if processed:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        run_import(
            session=session, user=admin, path=write(tmp_path, HEADER + body), batch_size=2,
            progress=crash_after_first_batch,
        )  # fmt: skip
    job = session.exec(select(ImportJob)).one()
    assert calls == [(0, 5), (2, 5)]
    assert job.status == ImportStatus.FAILED and "disk full" in job.message
    assert (job.total_rows, job.processed, job.created) == (5, 2, 2) and lead_count(session) == 2


def test_a_job_runs_once_and_only_its_owner_reads_its_failed_rows(session, admin, tmp_path):
    path = write(tmp_path, HEADER + "A,B,bad@,,\n")
    job = lead_import.create_job(session=session, user=admin, filename="../../etc/leads.csv")
    assert job.filename == "leads.csv" and job.status == ImportStatus.PENDING
    run_import(session=session, user=admin, path=path, job_id=job.id)
    with pytest.raises(ValidationError):
        run_import(session=session, user=admin, path=path, job_id=job.id)
    other = create_user(session, role=Role.SALES)
    with pytest.raises(PermissionDenied):
        lead_import.failed_rows_csv(session=session, user=other, job_id=job.id)
    manager = create_user(session, role=Role.MANAGER)
    assert len(failed_rows(session, manager, job.id)) == 2


# --- export -------------------------------------------------------------------------------------


def test_export_writes_what_the_import_reads(session, admin, tmp_path):
    kept = leads.create_lead(
        session=session,
        user=admin,
        data={
            "first_name": "Zoé",
            "last_name": "Martin",
            "phones": "+33 1 23 45 67 89, +1 212-555-0100",
            "emails": "zoe@example.com; z@example.org",
            "comment": '=HYPERLINK("http://evil")',
            "amount": "1500",
        },
    )
    gone = leads.create_lead(session=session, user=admin, data={"last_name": "Deleted"})
    leads.bulk_delete(session=session, user=admin, ids=[gone.id])
    path = tmp_path / "export.csv"
    assert lead_import.export_leads(session=session, user=admin, path=path) == 1
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig", newline="")))
    assert len(rows) == 1
    row = rows[0]
    assert row["Phone"] == "+33123456789, +12125550100"
    assert row["E-mail"] == "zoe@example.com, z@example.org"
    assert row["Comment"] == '\'=HYPERLINK("http://evil")'  # a spreadsheet shows it, never runs it
    assert (row["Status"], row["Responsible"], row["Opportunity"], row["Currency"]) == (
        "New", "admin@example.com", "1500.00", "EUR",
    )  # fmt: skip
    headers = open_csv(path).headers
    assert set(auto_map(headers).values()) >= {"first_name", "phones", "emails", "status", "amount"}
    assert len(auto_map(headers)) == len(headers)
    leads.bulk_delete(session=session, user=admin, ids=[kept.id])
    assert run_import(session=session, user=admin, path=path).created == 1
    again = session.exec(select(Lead).where(Lead.last_name == "Martin", Lead.deleted_at.is_(None))).one()
    assert again.comment == '=HYPERLINK("http://evil")'
    assert phones_of(session, again.id) == ["+33123456789", "+12125550100"]


def test_export_neutralises_every_formula_but_keeps_phones():
    """Issue 8: "+1+1", "-1+1" and "-2-3/4" were written as they are (a spreadsheet computes them)."""
    from crm_app.services.lead_import.export import _safe_cell

    for value in ("+1+1", "-1+1", "-2-3/4", "=1+1", "@SUM(A1)", "+33 1-2", "-5", "\t=1", "+A1"):
        assert _safe_cell(value) == "'" + value, value
    for value in ("+33123456789", "+33 1 23 45 67 89", "+33123456789, +12125550100", "1+1", "Ann", ""):
        assert _safe_cell(value) == value, value


def test_validation_in_a_worker_process_gives_the_same_result(session, admin, tmp_path, monkeypatch):
    """Big files are validated one batch ahead in a second process: same leads, same failures."""
    lines = ["First name,Last name,E-mail,Phone"]
    for i in range(60):
        email = "broken@" if i % 7 == 0 else f"p{i % 50}@example.com"  # bad rows and repeats
        lines.append(f"P{i},Worker{i},{email},+33 6 12 34 {i:02d} 00")
    path = write(tmp_path, "\n".join(lines) + "\n")
    monkeypatch.setattr(lead_import.run, "PARALLEL_MIN_ROWS", 1)
    used = []
    real = lead_import.run._parallel_pool
    monkeypatch.setattr(
        lead_import.run, "_parallel_pool", lambda ctx, total: used.append(1) or real(ctx, total)
    )
    parallel = lead_import.run_import(session=session, user=admin, path=path, batch_size=7)
    assert used and (parallel.created, parallel.failed, parallel.skipped) == (44, 9, 7)
    names = sorted(lead.last_name for lead in session.exec(select(Lead)).all())
    monkeypatch.setenv("CRM_IMPORT_WORKERS", "0")
    again = lead_import.run_import(session=session, user=admin, path=path, batch_size=7)
    assert (again.created, again.failed, again.skipped) == (0, 9, 51)  # everything known now
    assert len(names) == 44 and lead_count(session) == 44
    reasons = [row[-1] for row in failed_rows(session, admin, parallel.job_id)[1:]]
    assert len(reasons) == 9 and all("valid e-mail" in r for r in reasons)
