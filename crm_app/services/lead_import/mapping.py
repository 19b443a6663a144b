"""Which column of a CSV file feeds which lead field: `auto_map` matches headers (Bitrix24's
English and French lead export headers included), `clean_mapping` checks a mapping chosen by hand."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from crm_app.services.errors import ValidationError
from crm_app.services.i18n import LANGUAGES, N_, Msg, catalog
from crm_app.services.validation import fold

IGNORE = ""  # a column mapped to nothing


@dataclass(frozen=True)
class ImportField:
    key: str
    label: str  # English, translated where shown
    many: bool = False  # several columns may feed it (phones, e-mails)
    aliases: tuple[str, ...] = ()


# fmt: off
FIELDS: tuple[ImportField, ...] = (
    ImportField("title", N_("Lead title"), aliases=("Lead name", "Title", "Lead title", "Nom du prospect",
                                                   "Titre", "Nom du lead", "Titre du prospect")),
    ImportField("honorific", N_("Salutation"), aliases=("Salutation", "Civility", "Civilité",
                                                       "Formule de politesse", "Appellation")),
    ImportField("first_name", N_("First name"), aliases=("First name", "Firstname", "Given name", "Prénom")),
    ImportField("second_name", N_("Middle name"), aliases=("Middle name", "Second name", "Deuxième prénom",
                                                          "Second prénom", "Autre prénom")),
    ImportField("last_name", N_("Last name"), aliases=("Last name", "Lastname", "Surname", "Family name",
                                                      "Nom", "Nom de famille")),
    ImportField("full_name", N_("Full name (first and last)"), aliases=("Name", "Full name", "Contact name",
                                                                       "Contact", "Nom complet")),
    ImportField("company_name", N_("Company name"), aliases=("Company name", "Company", "Organization",
                                                            "Organisation", "Account name", "Société",
                                                            "Nom de la société", "Entreprise",
                                                            "Nom de l'entreprise", "Raison sociale")),
    ImportField("position", N_("Position"), aliases=("Position", "Job title", "Job", "Role", "Poste",
                                                    "Fonction", "Intitulé du poste")),
    ImportField("phones", N_("Phone"), many=True, aliases=(
        "Phone", "Phones", "Phone number", "Telephone", "Mobile", "Mobile phone", "Work phone",
        "Home phone", "Other phone", "Cell phone", "Téléphone", "Téléphones", "Téléphone mobile",
        "Téléphone professionnel", "Téléphone portable", "Téléphone personnel", "Autre téléphone",
        "Portable", "Numéro de téléphone", "Tél", "Tel")),
    ImportField("emails", N_("E-mail"), many=True, aliases=(
        "E-mail", "Email", "E-mails", "Emails", "E-mail address", "Work e-mail", "Home e-mail",
        "Private e-mail", "Personal e-mail", "Other e-mail", "Adresse e-mail", "Adresse électronique",
        "Courriel", "E-mail professionnel", "E-mail personnel", "E-mail privé", "Autre e-mail")),
    ImportField("website", N_("Website"), aliases=("Website", "Web site", "Web", "Site", "URL",
                                                  "Corporate website", "Site web", "Site internet",
                                                  "Site web de l'entreprise")),
    ImportField("address", N_("Address"), aliases=("Address", "Street address", "Adresse",
                                                  "Adresse postale")),
    ImportField("comment", N_("Comment"), aliases=("Comment", "Comments", "Note", "Notes", "Description",
                                                  "Commentaire", "Commentaires", "Remarque", "Remarques")),
    ImportField("source", N_("Source"), aliases=("Source", "Lead source", "Origine", "Source du prospect")),
    ImportField("status", N_("Status"), aliases=("Status", "Stage", "Lead status", "Statut", "Étape",
                                                "Statut du prospect")),
    ImportField("responsible", N_("Responsible"), aliases=("Responsible", "Responsible person",
                                                          "Assigned to", "Owner", "Responsable",
                                                          "Assigné à", "Personne responsable")),
    ImportField("amount", N_("Expected amount"), aliases=("Opportunity", "Amount", "Expected amount",
                                                         "Value", "Montant", "Opportunité",
                                                         "Montant prévu", "Montant estimé")),
    ImportField("currency", N_("Currency"), aliases=("Currency", "Devise", "Monnaie")),
)
# fmt: on
FIELDS_BY_KEY = {f.key: f for f in FIELDS}
# what the export writes, in this order (each header is one auto_map recognises)
EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("title", "Lead name"),
    ("honorific", "Salutation"),
    ("first_name", "First name"),
    ("second_name", "Middle name"),
    ("last_name", "Last name"),
    ("company_name", "Company name"),
    ("position", "Position"),
    ("phones", "Phone"),
    ("emails", "E-mail"),
    ("website", "Website"),
    ("address", "Address"),
    ("comment", "Comment"),
    ("source", "Source"),
    ("status", "Status"),
    ("responsible", "Responsible"),
    ("amount", "Opportunity"),
    ("currency", "Currency"),
)


_fold = fold  # the same folding as the duplicate rule's names


def _header_key(header: str) -> str:
    """Headers compare without case, accents, spaces or punctuation: 'E-mail' == 'email'."""
    return re.sub(r"[^a-z0-9]", "", _fold(header))


def _header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for f in FIELDS:
        names = [*f.aliases, f.key, f.label]
        # the field's label in every language of the UI matches too
        names += [catalog(lang).get(f.label, "") for lang in LANGUAGES]
        for name in names:
            key = _header_key(name)
            if key:
                index.setdefault(key, f.key)
    return index


_HEADER_INDEX = _header_index()


def match_header(header: str) -> str:
    """The field a header names, or IGNORE."""
    return _HEADER_INDEX.get(_header_key(header), IGNORE)


def auto_map(headers: list[str]) -> dict[int, str]:
    """{column index: field} for the headers that name a lead field.

    Phones and e-mails may come from several columns; any other field takes the first column
    that names it. Unknown columns are left out (ignored).
    """
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for i, header in enumerate(headers):
        key = match_header(header)
        if not key or (key in taken and not FIELDS_BY_KEY[key].many):
            continue
        mapping[i] = key
        taken.add(key)
    return mapping


def clean_mapping(mapping: dict[Any, Any], column_count: int) -> dict[int, str]:
    """A mapping from a form or a stored job: int column -> known field, checked."""
    out: dict[int, str] = {}
    seen: set[str] = set()
    for raw_index, raw_key in mapping.items():
        key = str(raw_key or "")
        if not key:
            continue
        try:
            index = int(raw_index)
        except (TypeError, ValueError):
            index = -1
        if key not in FIELDS_BY_KEY or not 0 <= index < column_count:
            raise ValidationError({"mapping": Msg("This column mapping does not fit the file.")})
        if key in seen and not FIELDS_BY_KEY[key].many:
            raise ValidationError(
                {
                    "mapping": Msg(
                        "Several columns go to {field}: keep one.", field=Msg(FIELDS_BY_KEY[key].label)
                    )
                }
            )
        seen.add(key)
        out[index] = key
    if not out:
        raise ValidationError({"mapping": Msg("Choose a lead field for at least one column.")})
    return dict(sorted(out.items()))
