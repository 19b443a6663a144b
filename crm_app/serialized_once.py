"""Large values that never change, serialized for the browser once per process.

Each time a tab's socket opens, Reflex compares every var of the state tree with the defaults the
page was built with, in their JSON form (`reflex.state._serialize_var`), to send only what
differs. The UI catalogue (`SessionState.tr`, about 40 KB of JSON) is one of those vars: its JSON
was made again on every page open, about 0.65 ms of the worker's single thread, a twentieth of
an open of /leads. `frozen(value)` registers such a value (the same object every time: the
catalogue of a language is cached); its JSON is then made once and reused by that comparison.
The value must never be changed after it is registered.
"""

from __future__ import annotations

import threading
from typing import Any, TypeVar

import reflex.state as reflex_state
from reflex_base.utils import format as reflex_format

T = TypeVar("T")

_serialize_var = reflex_state._serialize_var
# id(value) -> (value, its JSON): the value is kept, so its id cannot be reused by another object
_known: dict[int, tuple[Any, str]] = {}
_lock = threading.Lock()


def frozen(value: T) -> T:
    """`value`, registered as never changing: its JSON is made now, once."""
    if id(value) not in _known:
        with _lock:
            _known.setdefault(id(value), (value, reflex_format.json_dumps(value)))
    return value


def serialize_var(value: Any) -> str:
    """`reflex.state._serialize_var`, with the JSON of a frozen value made once."""
    hit = _known.get(id(value))
    if hit is not None and hit[0] is value:
        return hit[1]
    return _serialize_var(value)


reflex_state._serialize_var = serialize_var
