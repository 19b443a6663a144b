"""Issue 8: an API request with no key or a body over the limit is answered before its body is read."""

import asyncio

import pytest
from fastapi.testclient import TestClient

from crm_app.api.app import api
from crm_app.api.limits import DEFAULT_MAX_BODY, RequestLimits, max_body_bytes
from crm_app.models import Role
from crm_app.services import api_keys
from tests.factories import create_user

client = TestClient(api)


@pytest.fixture
def auth(session):
    user = create_user(session, role=Role.ADMIN, email="limits@example.com", name="Limits")
    _, raw = api_keys.create_api_key(session=session, actor=None, user_email=user.email, name="t")
    return {"Authorization": f"Bearer {raw}"}


class Body:
    """A request body that counts what the server read of it."""

    def __init__(self, size: int, chunk: int = 64 * 1024):
        self.size, self.chunk, self.read = size, chunk, 0

    def messages(self):
        sent = 0
        while sent < self.size:
            n = min(self.chunk, self.size - sent)
            sent += n
            yield {"type": "http.request", "body": b"x" * n, "more_body": sent < self.size}


def _call(path: str, headers: dict[str, str], body: Body, max_body: int = 1024 * 1024):
    """Run the middleware alone around an app that reads the whole body; returns (status, read)."""
    reached = []

    async def app(scope, receive, send):
        while True:
            message = await receive()
            if not message.get("more_body"):
                break
        reached.append(True)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    messages = body.messages()
    sent: list[dict] = []

    async def receive():
        message = next(messages, {"type": "http.disconnect"})
        body.read += len(message.get("body", b""))
        return message

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    asyncio.run(RequestLimits(app, max_body=max_body)(scope, receive, send))
    return sent[0]["status"], bool(reached)


def test_no_key_is_401_before_reading_a_100_mb_body():
    body = Body(100 * 1024 * 1024)
    status, reached = _call("/api/v1/leads", {"content-length": str(body.size)}, body)
    assert (status, reached, body.read) == (401, False, 0)


def test_a_declared_length_over_the_limit_is_413_unread():
    body = Body(5 * 1024 * 1024)
    status, reached = _call(
        "/api/v1/leads", {"authorization": "Bearer crm_x", "content-length": str(body.size)}, body
    )
    assert (status, reached, body.read) == (413, False, 0)


def test_a_chunked_body_is_cut_at_the_limit():
    body = Body(50 * 1024 * 1024)
    status, reached = _call(
        "/api/v1/leads", {"authorization": "Bearer crm_x", "transfer-encoding": "chunked"}, body
    )
    assert status == 413 and not reached and body.read <= 1024 * 1024 + 64 * 1024
    small = Body(10_000)
    status, reached = _call(
        "/api/v1/leads", {"authorization": "Bearer crm_x", "transfer-encoding": "chunked"}, small
    )
    assert (status, reached, small.read) == (200, True, 10_000)


def test_reflex_routes_and_the_docs_pass_untouched():
    upload = Body(3 * 1024 * 1024)
    assert _call("/_upload", {"content-length": str(upload.size)}, upload) == (200, True)
    assert _call("/api/v1/openapi.json", {}, Body(0)) == (200, True)


def test_through_the_api(session, auth):
    r = client.post("/api/v1/leads", content=b"x" * (DEFAULT_MAX_BODY + 1), headers=auth)
    assert r.status_code == 413 and "over" in r.json()["detail"]
    r = client.post("/api/v1/leads", json={"last_name": "Lee"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert client.post("/api/v1/leads", json={"last_name": "Lee"}, headers=auth).status_code == 201
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_the_limit_setting():
    assert max_body_bytes({}) == DEFAULT_MAX_BODY
    assert max_body_bytes({"CRM_API_MAX_BODY_BYTES": "2048"}) == 2048
    with pytest.raises(ValueError):
        max_body_bytes({"CRM_API_MAX_BODY_BYTES": "10"})
