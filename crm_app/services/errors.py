"""Domain errors raised by services; states and the API turn them into messages."""

from __future__ import annotations

from crm_app.services.i18n import N_, Msg


class DomainError(Exception):
    """Base class; `message` is a translatable Msg."""

    def __init__(self, message: Msg | str = "", **params) -> None:
        self.message = message if isinstance(message, Msg) else Msg(message, **params)
        super().__init__(str(self.message))


class ValidationError(DomainError):
    """Per-field problems: {field name: Msg}. `""` holds form-level messages."""

    def __init__(self, errors: dict[str, Msg]) -> None:
        self.errors = errors
        first = next(iter(errors.values()), Msg("Invalid input"))
        super().__init__(first)


class PermissionDenied(DomainError):
    def __init__(self, message: Msg | str = N_("You do not have permission to do this.")) -> None:
        super().__init__(message)


class NotAuthenticated(DomainError):
    def __init__(self) -> None:
        super().__init__("Your session has ended. Please log in again.")


class NotFound(DomainError):
    def __init__(self, message: Msg | str = N_("Not found.")) -> None:
        super().__init__(message)


class StaleRecord(DomainError):
    def __init__(self) -> None:
        super().__init__("Someone else changed this record since you opened it. Reload to see their changes.")


class Throttled(DomainError):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            Msg(
                "Too many failed attempts. Try again in {count} second.",
                plural="Too many failed attempts. Try again in {count} seconds.",
                count=retry_after,
            )
        )


class Conflict(DomainError):
    pass


class FinalLead(Conflict):
    """An import or API "update" aimed at a converted or junk lead: final leads are never updated."""

    def __init__(self, lead_id: int, title: str) -> None:
        from crm_app import routes

        self.lead_id = lead_id
        super().__init__(
            "Duplicate of {title} (#{id}, {url}), a final lead (converted or junk): not updated.",
            title=title or "—",
            id=lead_id,
            url=routes.record("lead", lead_id),
        )
