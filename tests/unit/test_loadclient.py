"""The load client's protocol pieces (bench/loadclient.py) that need no server."""

from __future__ import annotations

import json

import pytest

from bench import loadclient as lc


def test_encode_event_packet_with_namespace():
    text = lc.encode_sio(lc.SioPacket(lc.SIO_EVENT, "/_event", ["event", {"name": "x"}]))
    assert text == '42/_event,["event",{"name":"x"}]'


def test_encode_disconnect_without_data():
    assert lc.encode_sio(lc.SioPacket(lc.SIO_DISCONNECT, "/_event")) == "41/_event,"


def test_parse_engineio_packets():
    assert lc.parse_eio('0{"sid":"a"}') == ("0", '{"sid":"a"}')
    assert lc.parse_eio("2") == ("2", "")
    with pytest.raises(lc.LoadError):
        lc.parse_eio("")


def test_parse_socketio_packets():
    # as the server sends them: the connect ack, an update, an ack with an id, the root namespace
    assert lc.parse_sio('0/_event,{"sid":"b"}') == lc.SioPacket(0, "/_event", {"sid": "b"})
    update = lc.parse_sio('2/_event,["event",{"delta":{"s":{"v":1}}}]')
    assert update.type == lc.SIO_EVENT and update.data == ["event", {"delta": {"s": {"v": 1}}}]
    assert lc.parse_sio("3/_event,12[true]") == lc.SioPacket(3, "/_event", [True], 12)
    assert lc.parse_sio('2["x"]') == lc.SioPacket(2, "/", ["x"])
    assert lc.parse_sio("1/_event,") == lc.SioPacket(1, "/_event")
    with pytest.raises(lc.LoadError):
        lc.parse_sio("x")


def test_round_trip_keeps_unicode():
    packet = lc.SioPacket(lc.SIO_EVENT, "/_event", ["event", {"name": "Zoë Müller"}])
    kind, rest = lc.parse_eio(lc.encode_sio(packet))
    assert kind == lc.EIO_MESSAGE and lc.parse_sio(rest) == packet


def test_connect_packet_carries_the_hydrate_event():
    storage = {lc.LANG_VAR: "en"}
    text = lc.connect_packet(lc.hydrate_event("/leads/", storage, ["ab" * 8]), "f" * 32)
    assert text.startswith("40/_event,")
    auth = json.loads(text.removeprefix("40/_event,"))
    assert auth["state_schema"] == "f" * 32
    event = auth["event"]
    assert event["name"] == "reflex___state____state.hydrate_and_load"
    assert event["payload"] == {"vars": storage, "hashes": ["ab" * 8]}
    assert event["router_data"] == {"pathname": "/leads/", "asPath": "/leads/"}


def test_hydrate_event_without_storage_or_hashes_and_with_a_query():
    event = lc.hydrate_event("/leads/", {}, None, {"page": "2"})
    assert event["payload"] == {}
    assert event["router_data"] == {"pathname": "/leads/", "asPath": "/leads/?page=2", "query": {"page": "2"}}


def test_login_form_event():
    text = lc.form_event(lc.LOGIN_SUBMIT, "/login/", [("email", "a@b.c"), ("password", "pw")])
    name, event = json.loads(text.removeprefix("42/_event,"))
    assert name == "event"
    assert event["name"].endswith("auth_pages____login_state.submit")
    assert event["payload"] == {"form": {"__reflex_form_data__": [["email", "a@b.c"], ["password", "pw"]]}}


def test_update_errors():
    assert lc.update_errors({"delta": {"s": {}}}) == []
    redirect = {"events": [{"name": "_redirect", "payload": {"path": "/login"}}]}
    assert lc.update_errors(redirect) == ["redirected to /login"]
    toast = {"events": [{"name": "_call_function", "payload": {"function": "toast.error('An error')"}}]}
    assert lc.update_errors(toast) == ["error toast"]


@pytest.mark.parametrize(
    "js",
    [
        # the compiled context.jsx, and the same values as Vite's minified bundle writes them
        'export const initialStateHashes = ["0123456789abcdef", "fedcba9876543210"]\n'
        'export const stateSchema = "0123456789abcdef0123456789abcdef"',
        "x={},initialStateHashes=`0123456789abcdef.fedcba9876543210`.split(`.`),"
        "stateSchema=`0123456789abcdef0123456789abcdef`,defaultColorMode=`system`",
    ],
)
def test_state_hashes_from_js(js):
    assert lc.state_hashes_from_js(js) == (
        ["0123456789abcdef", "fedcba9876543210"],
        "0123456789abcdef0123456789abcdef",
    )


def test_state_hashes_missing():
    assert lc.state_hashes_from_js("console.log(1)") is None


def test_percentiles_and_means():
    result = lc.LoadResult(clients=1, seconds=2.0)
    result.opens = [lc.Open(seconds=s / 100, text_bytes=100, wire_bytes=110, rows=20) for s in range(1, 101)]
    assert result.opens_per_second == 50
    assert result.percentile(50) == pytest.approx(0.505)
    assert result.percentile(95) == pytest.approx(0.9505)
    assert result.mean("wire_bytes") == 110
    assert "opens 100 (50.0/s), errors 0" in result.summary()


def test_socket_against_a_fake_engineio_server():
    """Handshake and open packet in one read, a ping answered, an update read (a local fake, no app)."""
    import asyncio

    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, Request, TextMessage

    received: list[str] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        ws = WSConnection(ConnectionType.SERVER)
        while True:
            ws.receive_data(await reader.read(65536))
            events = list(ws.events())
            if any(isinstance(e, Request) for e in events):
                break
        out = ws.send(AcceptConnection()) + ws.send(TextMessage('0{"sid":"s","pingInterval":25000}'))
        writer.write(out + ws.send(TextMessage("2")))  # the handshake, the open packet, a ping: one write
        while len(received) < 2:
            ws.receive_data(await reader.read(65536))
            for e in ws.events():
                if isinstance(e, TextMessage):
                    received.append(e.data)
        writer.write(ws.send(TextMessage('42/_event,["event",{"delta":{"s":{"v":1}}}]')))
        await writer.drain()
        await reader.read(65536)
        writer.close()

    async def main() -> dict:
        srv = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]
        sock = lc.ReflexSocket(lc.WebSocket())
        await sock.open(f"http://127.0.0.1:{port}", "tab", deflate=False)
        await sock.ws.send(lc.connect_packet(lc.hydrate_event("/leads/", {}, None), None))
        update = await asyncio.wait_for(sock.update(), 5)
        await sock.ws.close()
        srv.close()
        return update

    update = asyncio.run(main())
    assert update == {"delta": {"s": {"v": 1}}}
    assert received[0].startswith("40/_event,")
    assert received[1] == "3"  # the pong, sent while it read the packets


def test_the_login_handover_is_read_from_the_script_the_server_sends():
    update = {
        "events": [
            {
                "name": "_call_script",
                "payload": {
                    "javascript_code": 'window.location.replace("/auth/session?ticket=abc-1_2&next=%2F")'
                },
            }
        ]
    }
    assert lc.session_handover_path(update) == "/auth/session?ticket=abc-1_2&next=%2F"
    assert lc.session_handover_path({"events": [{"name": "_redirect", "payload": {"path": "/"}}]}) == ""


def test_a_load_run_without_a_single_open_fails_the_bench():
    from bench import bench_load

    empty = lc.LoadResult(clients=20, seconds=10.0)
    [row] = bench_load._rows(empty, "open /leads")
    assert row.failed
