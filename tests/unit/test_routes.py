"""crm_app/routes.py builds every URL; nothing else writes a path by hand."""

import ast
import re
from pathlib import Path

import pytest

from crm_app import routes

PACKAGE = Path(routes.__file__).resolve().parent


def test_it_builds_record_urls():
    assert routes.lead(42) == "/leads/42"
    assert routes.contact(7) == "/contacts/7"
    assert routes.company(3) == "/companies/3"
    assert routes.deal(9) == "/deals/9"
    assert [routes.record(kind, 5) for kind in ("lead", "contact", "company", "deal")] == [
        "/leads/5",
        "/contacts/5",
        "/companies/5",
        "/deals/5",
    ]
    with pytest.raises(KeyError):
        routes.record("password", 1)


def test_ids_are_numbers_and_text_is_quoted():
    with pytest.raises(ValueError):
        routes.lead("1/../../settings")  # type: ignore[arg-type]
    assert routes.lead_merge([3, 1, 2]) == "/leads/merge?ids=3,1,2"
    assert routes.search("a&b c") == "/search?q=a%26b%20c"
    assert routes.search("") == "/search?q="
    assert routes.public_form("contact-us") == "/forms/contact-us"
    assert routes.card_pattern(routes.CONTACTS) == "/contacts/[id]"


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _path_literals(tree: ast.AST):
    """String constants that look like an app path ("/leads", "/settings/users?x=1", f"/leads/{id}")."""
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if id(node) in docstrings:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if re.fullmatch(r"/[a-z][a-z0-9/_\-\[\]]*(\?[a-z_]+=\S*)?", node.value):
                yield node
        elif isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant) and re.match(r"/[a-z]", str(first.value)):
                yield node


def test_no_module_writes_an_app_path_by_hand():
    # the REST API's own routes (/api/v1/...) are FastAPI paths, not links between pages
    skip = {PACKAGE / "routes.py"}
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in skip or "api" in path.relative_to(PACKAGE).parts:
            continue
        for node in _path_literals(ast.parse(path.read_text(encoding="utf-8"))):
            offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def test_every_route_pattern_is_a_page_of_the_app():
    import crm_app.crm_app as app_module

    pages = set(app_module.app._unevaluated_pages)
    patterns = {
        value
        for name, value in vars(routes).items()
        if name.isupper() and isinstance(value, str) and not value.startswith(routes.HTTP_PREFIXES)
    }
    missing = {p for p in patterns if (p.strip("/") or "index") not in pages}
    assert missing == set(), sorted(pages)
