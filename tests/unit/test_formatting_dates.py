"""Issue 8: one date format per language, everywhere (lists, cards, users, API keys)."""

from datetime import UTC, datetime

from crm_app.services import formatting

AT = datetime(2026, 12, 1, 18, 50, tzinfo=UTC)


def test_a_date_and_a_date_with_time_share_one_format_per_language():
    assert formatting.day(AT, "en") == "1 Dec 2026"
    assert formatting.when(AT, "en") == "1 Dec 2026, 18:50"  # not "01/12/2026, 18:50"
    assert formatting.day(AT, "fr") == "1 déc. 2026"
    assert formatting.when(AT, "fr").startswith("1 déc. 2026") and formatting.when(AT, "fr").endswith("18:50")
    assert formatting.when(None, "en") == "" == formatting.day(None, "fr")
