"""Business rules. Plain functions taking a `session=` and the acting user; no Reflex import."""
