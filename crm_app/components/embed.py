"""Lets pages run inside an iframe on another site (the public web form, /forms/<slug>).

A browser that blocks third-party cookies (Chrome's incognito windows, some privacy settings)
also refuses `localStorage` and `sessionStorage` to a page framed by another site: reading them
throws SecurityError, and the Reflex front end, which keeps its client token and some settings
there, stops rendering. This script, placed in the document head before the app's own scripts,
puts an in-memory store in their place when (and only when) the real one is refused: the framed
form then works for the life of the page.

The server sends no X-Frame-Options or CSP frame-ancestors header (checked on Reflex's prod
server, granian), so nothing else stops the framing.
"""

from __future__ import annotations

import reflex as rx

# No "<", ">" or "&" in it: it is written into the HTML as the text of a <script> element.
STORAGE_FALLBACK_JS = """
(function () {
  function memoryStorage() {
    var data = {};
    return {
      getItem: function (k) { return Object.prototype.hasOwnProperty.call(data, k) ? data[k] : null; },
      setItem: function (k, v) { data[k] = String(v); },
      removeItem: function (k) { delete data[k]; },
      clear: function () { data = {}; },
      key: function (i) { var k = Object.keys(data)[i]; return k === undefined ? null : k; },
      get length() { return Object.keys(data).length; }
    };
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try { window[name].getItem("crm-probe"); } catch (e) {
      try { Object.defineProperty(window, name, { value: memoryStorage(), configurable: true }); } catch (e2) {}
    }
  });
})();
"""


def storage_fallback() -> rx.Component:
    """For the app's head_components."""
    return rx.el.script(STORAGE_FALLBACK_JS)
