"""``fenjie serve``: the local service behind the WPS add-in.

One per user, on 127.0.0.1 only. ``POST /dispatch`` takes ``{"control": id, "book":
{...}}`` and answers ``{"actions": [...]}``: the writes :func:`addin.ribbon.dispatch`
made on a :class:`~addin.wps.book.RecordingBook`. A request without the user's
token (header ``X-FenJie-Token``) or from a web page's Origin gets 403 and runs
nothing, so a web page open in a browser cannot drive FenJie.

The standard library's ThreadingHTTPServer is enough for one user's clicks; no
framework to install on an offline PC.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import secrets
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .. import __version__
from ..errors import FenJieError
from .book import RecordingBook

DEFAULT_PORT = 28517
MAX_BODY = 64 * 1024 * 1024
# The add-in's page is loaded from the jsaddons folder: its Origin is "null" (a file), none at
# all, or a scheme of WPS' own. A web page's Origin is always http(s): never the add-in.
WEB_ORIGINS = ("http://", "https://")
LOG = logging.getLogger("fenjie.service")
# One button at a time: two clicks must not write the same output files at once.
_DISPATCH = threading.Lock()


def default_port() -> int:
    """The port of this user's service: one per user, so on a shared 信创 desktop each user's differs."""
    if hasattr(os, "getuid"):
        return 27000 + os.getuid() % 2000
    return DEFAULT_PORT


def config_dir() -> Path:
    """The per-user FenJie folder (%APPDATA%\\FenJie on Windows, ~/.config/fenjie elsewhere)."""
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "FenJie"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "fenjie"


def token_path() -> Path:
    return config_dir() / "service.json"


def write_private(path: Path, text: str) -> None:
    """Write a file only its user may read (0600), created so from the start."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def service_settings(create: bool = True) -> dict:
    """The user's port and token, from the token file (created with a new token when missing).

    Raises:
        FenJieError: the file exists but cannot be read.
    """
    path = token_path()
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return {"port": int(data["port"]), "token": str(data["token"])}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise FenJieError(f"FenJie 服务配置“{path}”无法读取（{exc}）："
                              "删除它后重新运行 fenjie wps install。") from exc
    settings = {"port": default_port(), "token": secrets.token_urlsafe(24)}
    if create:
        write_private(path, json.dumps(settings))
    return settings


def dispatch_request(body: dict) -> list[dict]:
    """Run one button on the posted workbook; the actions for the add-in to apply.

    Raises:
        FenJieError: the request names no button or carries no workbook.
    """
    from .. import ribbon

    control = body.get("control")
    if not isinstance(control, str) or not control:
        raise FenJieError("请求中没有按钮（control）。")
    book = RecordingBook.from_request(body)
    with _DISPATCH:
        ribbon.dispatch(control, book)
    if book.unsent:
        # The button reads a sheet the add-in did not send (a sheet newer than the add-in's list):
        # nothing is applied; the add-in posts again with those sheets.
        return [{"type": "sendSheets", "sheets": sorted(book.unsent), "control": control}]
    if book.app.pick_request:
        # The button needs a file and none was given: the add-in shows WPS' dialog and asks again.
        return [dict(book.app.pick_request, control=control)]
    return book.actions


class Handler(BaseHTTPRequestHandler):
    """The HTTP side: checks, then :func:`dispatch_request`."""

    server_version = f"FenJie/{__version__}"
    token = ""  # set per server by make_server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class' name
        LOG.info("%s %s", self.address_string(), format % args)

    def _origin_ok(self) -> bool:
        return not self.headers.get("Origin", "").strip().lower().startswith(WEB_ORIGINS)

    def _answer(self, status: int, payload: dict | None = None) -> None:
        body = json.dumps(payload or {}, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        if self._origin_ok() and self.headers.get("Origin"):
            self.send_header("Access-Control-Allow-Origin", self.headers["Origin"])
        self.end_headers()
        self.wfile.write(body)

    def _refuse(self, why: str) -> None:
        self._answer(HTTPStatus.FORBIDDEN, {"error": why})

    def do_OPTIONS(self) -> None:  # noqa: N802 - http.server's name
        """The CORS preflight a custom header causes: allowed for the add-in's origin only."""
        if not self._origin_ok():
            self._refuse("来源不是 FenJie 加载项。")
            return
        self.send_response(HTTPStatus.NO_CONTENT)
        if self.headers.get("Origin"):
            self.send_header("Access-Control-Allow-Origin", self.headers["Origin"])
        self.send_header("Access-Control-Allow-Methods", "POST, GET")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, X-FenJie-Token")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _host_ok(self) -> bool:
        """Host is the loopback address: a web site whose name resolves to 127.0.0.1 (DNS rebinding) is not."""
        host = self.headers.get("Host", "").rsplit(":", 1)[0]
        return host in ("127.0.0.1", "localhost", "")

    def _checked(self) -> bool:
        if not self._origin_ok() or not self._host_ok():
            self._refuse("来源不是 FenJie 加载项。")
            return False
        given = self.headers.get("X-FenJie-Token", "")
        if not hmac.compare_digest(given.encode("utf-8"), self.token.encode("utf-8")):
            self._refuse("令牌不对。")
            return False
        return True

    def do_GET(self) -> None:  # noqa: N802
        if self.path != "/status":
            self._answer(HTTPStatus.NOT_FOUND, {"error": "没有这个地址。"})
        elif self._checked():
            self._answer(HTTPStatus.OK, {"service": "FenJie", "version": __version__})

    def do_POST(self) -> None:  # noqa: N802
        if self.path != "/dispatch":
            self._answer(HTTPStatus.NOT_FOUND, {"error": "没有这个地址。"})
            return
        if not self._checked():
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 < length <= MAX_BODY:
                raise FenJieError("请求为空或过大。")
            body = json.loads(self.rfile.read(length).decode("utf-8"))
            if not isinstance(body, dict):
                raise FenJieError("请求不是 JSON 对象。")
            actions = dispatch_request(body)
        except (FenJieError, ValueError) as exc:
            self._answer(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            return
        except Exception as exc:  # noqa: BLE001 - the add-in shows a message rather than "cannot connect"
            LOG.exception("dispatch failed")
            self._answer(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"服务内部错误：{exc}"})
            return
        self._answer(HTTPStatus.OK, {"actions": actions})


def log_to_file() -> Path:
    """Warnings and failures of the service into FenJie's log (the service has no console at login)."""
    from ..ribbon import log_path

    handler = logging.FileHandler(log_path(), encoding="utf-8")
    handler.setFormatter(logging.Formatter("--- %(asctime)s %(name)s %(levelname)s\n%(message)s"))
    LOG.addHandler(handler)
    LOG.setLevel(logging.WARNING)
    return log_path()


def make_server(port: int, token: str) -> ThreadingHTTPServer:
    """A server on 127.0.0.1:``port`` (0: any free port) accepting ``token``.

    Raises:
        FenJieError: the token is empty or the port is taken.
    """
    if not token:
        raise FenJieError("令牌不能为空。")
    handler = type("FenJieHandler", (Handler,), {"token": token})
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise FenJieError(f"无法在 127.0.0.1:{port} 上启动 FenJie 服务（{exc.strerror or exc}）："
                          "可能已有一个在运行，或用 --port 换一个端口。") from exc
    server.daemon_threads = True
    return server


def serve_in_thread(port: int, token: str) -> ThreadingHTTPServer:
    """Start a server in a daemon thread (tests, embedding); stop it with ``server.shutdown()``."""
    server = make_server(port, token)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
