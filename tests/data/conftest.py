"""Fixtures for the data tests: an isolated environment (no real network, no user cache) and a
local HTTP server on 127.0.0.1 whose routes a test fills in."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tinygrad_np.data import mnist

_REAL_SYSTEM_DIRS = {k: list(v) for k, v in mnist.SYSTEM_DIRS.items()}


@pytest.fixture
def real_system_dirs() -> dict[str, list[str]]:
    """The system folders the package ships with (the autouse fixture hides them)."""
    return {k: list(v) for k, v in _REAL_SYSTEM_DIRS.items()}


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No $TINYGRAD_NP_DATA, a fresh cache dir, no system dirs, and no mirrors: a test that
    wants any of them sets them itself, so no test reads the user's files or the internet."""
    monkeypatch.delenv("TINYGRAD_NP_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setattr(mnist, "SYSTEM_DIRS", {"mnist": [], "fashion-mnist": []})
    monkeypatch.setattr(mnist, "MIRRORS", {"mnist": [], "fashion-mnist": []})
    monkeypatch.setattr(mnist, "SHA256", {"mnist": {}, "fashion-mnist": {}})
    monkeypatch.setattr(mnist, "DOWNLOAD_TIMEOUT", 5.0)


@dataclass
class Route:
    """What the server answers for one path: status, body, and the Content-Length it claims."""

    body: bytes = b""
    status: int = 200
    claimed_length: int | None = None  # larger than len(body): send body, then hang up


@dataclass
class LocalServer:
    url: str
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    def add(self, path: str, body: bytes, claimed_length: int | None = None, status: int = 200):
        """Serve body at path (which starts with "/")."""
        self.routes[path] = Route(body, status, claimed_length)


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """A threaded HTTP server on 127.0.0.1 (port 0); unknown paths get 404."""
    state = LocalServer(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            state.hits.append(self.path)
            route = state.routes.get(self.path)
            if route is None:
                self.send_error(404, "Not Found")
                return
            self.send_response(route.status)
            length = route.claimed_length if route.claimed_length is not None else len(route.body)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.write(route.body)
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # a short poll interval: shutdown() waits up to one interval (default 0.5 s)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
