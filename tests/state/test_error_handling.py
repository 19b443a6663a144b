"""SessionState._handling: the one way handlers turn domain errors into field errors or toasts."""

import pytest

from crm_app.models import Role
from crm_app.services.errors import (
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    StaleRecord,
    ValidationError,
)
from crm_app.services.i18n import Msg
from crm_app.state.lead_card import LeadCardState
from crm_app.state.session import SessionState
from tests.state.conftest import call, substate
from tests.state.test_leads_state import _login


def _event_text(events) -> str:
    return repr(events)


def test_it_does_nothing_when_nothing_fails(root, db_url):
    state = substate(root, LeadCardState)
    with state._handling("errors") as h:
        state.errors = {"kept": "yes"}
    assert not h.failed and h.events is None and state.errors == {"kept": "yes"}


def test_it_puts_field_errors_in_the_named_var_translated(root, db_url):
    state = substate(root, LeadCardState)
    state.lang = "fr"
    with state._handling("errors") as h:
        raise ValidationError({"last_name": Msg("Enter a name, a company name or a lead title.")})
    assert h.failed and h.events is None
    assert state.errors == {"last_name": "Saisissez un nom, un nom de société ou un titre de prospect."}


def test_it_hands_field_errors_to_a_callable_and_returns_what_it_returns(root, db_url):
    state = substate(root, LeadCardState)
    seen = []
    with state._handling(lambda errors: seen.append(errors) or "returned") as h:
        raise ValidationError({"a": Msg("Choose a status."), "b": Msg("Choose a source.")})
    assert seen == [{"a": "Choose a status.", "b": "Choose a source."}] and h.events == "returned"


def test_without_a_field_target_a_validation_error_is_a_toast_of_its_first_message(root, db_url):
    state = substate(root, LeadCardState)
    with state._handling() as h:
        raise ValidationError({"a": Msg("Choose a status."), "b": Msg("Choose a source.")})
    assert h.failed and "Choose a status." in _event_text(h.events)
    assert "Choose a source." not in _event_text(h.events)


def test_other_domain_errors_become_a_toast(root, db_url):
    state = substate(root, LeadCardState)
    with state._handling("errors") as h:
        raise PermissionDenied()
    assert h.failed and "You do not have permission to do this." in _event_text(h.events)
    assert state.errors == {}


def test_errors_named_in_on_get_their_own_answer_in_order(root, db_url):
    state = substate(root, LeadCardState)
    answers = {StaleRecord: lambda exc: ("stale", exc), NotFound: lambda exc: "gone"}
    with state._handling("errors", on=answers) as h:
        raise StaleRecord()
    assert h.events[0] == "stale" and isinstance(h.events[1], StaleRecord)
    with state._handling("errors", on=answers) as h:
        raise NotFound()
    assert h.events == "gone"
    # field errors still go to their var, even when `on` names a parent class
    with state._handling("errors", on={Exception: lambda exc: "caught"}) as h:
        raise ValidationError({"x": Msg("Choose a source.")})
    assert h.events is None and state.errors == {"x": "Choose a source."}
    # a non-domain error named in `on` is answered; one not named propagates
    with state._handling(on={ValueError: lambda _: None}) as h:
        raise ValueError("bad id")
    assert h.failed and h.events is None
    with pytest.raises(KeyError), state._handling():
        raise KeyError("bug")


def test_an_ended_session_logs_out(root, db_url):
    state, _user = _login(root, db_url, LeadCardState, role=Role.SALES)
    assert state.user_id
    with state._handling("errors") as h:
        raise NotAuthenticated()
    assert h.failed and state.user_id == 0
    assert "/auth/logout" in _event_text(h.events) and "Your session has ended" in _event_text(h.events)


def test_a_handler_on_it_keeps_its_field_errors_and_stale_message(root, db_url):
    from crm_app import db
    from crm_app.services import leads

    state, user = _login(root, db_url, LeadCardState, role=Role.ADMIN)
    with db.session(db_url) as s:
        lead_id = leads.create_lead(session=s, user=user, data={"last_name": "Martin"}).id
    state.lead_id = lead_id
    with db.session(db_url) as s:
        state._reload(s)
    assert call(state, LeadCardState.save, {"last_name": "Other", "emails": "not an e-mail"}) is None
    assert "emails" in state.errors and not state.stale
    state.version -= 1  # someone saved in between
    assert call(state, LeadCardState.save, {"last_name": "Other"}) is None
    assert state.stale and "Someone else changed this record" in state.errors[""]
    with db.session(db_url) as s:
        assert s.get(leads.Lead, lead_id).last_name == "Martin"  # nothing lost, nothing changed
    # the state class every page inherits carries the helper
    assert hasattr(SessionState, "_handling")
