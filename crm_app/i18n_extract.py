"""Finds every UI and service string that goes through the catalogue (Python AST, no imports).

Marked strings: the first argument of t(), Msg(), N_(), self._t(), text_field(), app_shell(),
domain errors' messages, field_label=, public_card(title=) and the shared components' labels.
Counted messages are pairs: Msg(singular, plural=...) and tn(singular, plural, count).
`python -m crm_app.i18n_extract` lists msgids missing from the French catalogue.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
FIRST_ARG = {
    "t",
    "Msg",
    "N_",
    "_t",
    "text_field",
    "app_shell",
    "coming_soon",
    "make_page",
    "page_title",
    # shared components whose first argument is a label (crm_app/components)
    "select_field",
    "field_label",
    "form_dialog",
    "dialog_buttons",
    "filter_select",
    "date_filter",
    "switch_filter",
    "record_picker",
    "option_select",
    "empty_state",
    # the lead form's fields and sections (crm_app/components/lead_fields.py)
    "fields_section",
    "text_input",
    "text_area",
    "select_input",
    "labelled",
    "_row_select",
    # domain errors take their message first
    "__init__",
    "DomainError",
    "Conflict",
    "NotFound",
    "PermissionDenied",
}
KEYWORDS = {"field_label"}
CALL_KEYWORDS = {"public_card": "title", "search_form": "label", "stage_bar": "label"}
# calls with several translated keywords
MORE_CALL_KEYWORDS = {
    "search_form": ("placeholder",),
    "record_picker": ("placeholder", "picked_text"),
    "filter_select": ("all_label",),
    "form_dialog": ("submit_label",),
    "select_field": ("placeholder",),
    "text_input": ("hint",),
    "text_area": ("hint",),
    "select_input": ("empty",),
    "bulk_bar": ("delete_title", "delete_denied"),
}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _text(node: ast.expr | None) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""


def _plural(node: ast.Call) -> tuple[str, str] | None:
    """(singular, plural) of Msg(singular, plural=...) or tn(singular, plural, count)."""
    name = _name(node.func)
    if name == "Msg" and node.args:
        plural = next((_text(kw.value) for kw in node.keywords if kw.arg == "plural"), "")
        singular = _text(node.args[0])
    elif name == "tn" and len(node.args) >= 2:
        singular, plural = _text(node.args[0]), _text(node.args[1])
    else:
        return None
    return (singular, plural) if singular and plural else None


def extract_plurals_file(path: Path) -> set[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {pair for node in ast.walk(tree) if isinstance(node, ast.Call) and (pair := _plural(node))}


def extract_file(path: Path) -> set[str]:
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _plural(node):
            continue
        if _name(node.func) in FIRST_ARG and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value:
                found.add(arg.value)
        for kw in node.keywords:
            if (
                (
                    kw.arg in KEYWORDS
                    or CALL_KEYWORDS.get(_name(node.func)) == kw.arg
                    or kw.arg in MORE_CALL_KEYWORDS.get(_name(node.func), ())
                )
                and isinstance(kw.value, ast.Constant)
                and isinstance(kw.value.value, str)
            ):
                if kw.value.value:
                    found.add(kw.value.value)
    return found


def extract(root: Path = PACKAGE) -> set[str]:
    found: set[str] = set()
    for path in sorted(root.rglob("*.py")):
        found |= extract_file(path)
    return found


def extract_plurals(root: Path = PACKAGE) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in sorted(root.rglob("*.py")):
        found |= extract_plurals_file(path)
    return found


def missing(lang: str = "fr") -> list[str]:
    from crm_app.services.i18n import catalog, plural_catalog

    cat, plurals = catalog(lang), plural_catalog(lang)
    return sorted(
        [m for m in extract() if m not in cat]
        + [f"{s} | {p}" for s, p in extract_plurals() if s not in plurals]
    )


if __name__ == "__main__":
    gaps = missing(sys.argv[1] if len(sys.argv) > 1 else "fr")
    for m in gaps:
        print(m)
    sys.exit(1 if gaps else 0)
