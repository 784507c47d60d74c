"""Screenshots of the main screens for the README, taken from a running `make run` server.

Run it with `bash scripts/screenshots.sh` while `make run` serves the demo database. It drives
headless Chromium through the DevTools protocol and writes field_service_evidence/static/description/<name>.png (the README and the Apps page show them).

Settings (environment): FSE_URL (http://localhost:8069), FSE_DB (fse_demo), FSE_LOGIN and
FSE_PASSWORD (admin / admin), FSE_PORTAL_PASSWORD (the demo customer's portal password, set
by this script), FSE_CHROMIUM (/usr/bin/chromium), FSE_SHOTS_DIR (field_service_evidence/static/description).
Arguments: the names of the screens to take (all when none).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import xmlrpc.client
from base64 import b64decode
from dataclasses import dataclass
from pathlib import Path

import websocket

MODULE = "field_service_evidence"
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Screen:
    """One screenshot: who looks at what, at which size, and what must be on screen first."""

    name: str
    caption: str
    width: int
    height: int
    url: str  # a path; {id} is the id of `record`, {token} its access token, {action} the xmlid of `action`
    ready: str  # a CSS selector present once the view is drawn
    record: str = ""  # xmlid of the record shown
    action: str = ""  # xmlid of the window action the record is opened in (breadcrumbs)
    tab: str = ""  # `name` of the notebook page to show
    show: str = ""  # a selector scrolled into view: all of it when it fits, else its top
    user: str = "admin"  # "admin", "portal", or "public" (not logged in)
    mobile: bool = False
    full_page: bool = False  # the whole page, not only the viewport (pages that scroll as a whole)


# Every selector and record the screenshots depend on. Change here when a view changes.
NOTEBOOK_TAB = ".o_notebook .nav-link[name='{tab}']"
FORM_READY = ".o_form_view .o_form_sheet"
BUSY = ".o_loading_indicator, .o_loading, .o_blockUI"
ERROR_DIALOG = ".o_error_dialog, .o_dialog .modal-title.text-danger"


def form_page(name, caption, action, record, tab, size=(1440, 900)):
    """A record's form opened in a window action (for its breadcrumbs), on one notebook page."""
    return Screen(
        name, caption, *size, "/odoo/action-{action}/{id}", FORM_READY, record, action, tab, ".o_notebook"
    )


def phone_page(name, caption, url, record, ready, user):
    """A portal page on a phone, whole (the page scrolls as a whole)."""
    return Screen(name, caption, 390, 844, url, ready, record, user=user, mobile=True, full_page=True)


SCREENS = [
    form_page(
        "job_tablet",
        "A job on a 1024×768 tablet: the readings before and after the repair.",
        action=f"{MODULE}.project_task_action",
        record=f"{MODULE}.demo_task_capacitor",
        tab="service_readings_page",
        size=(1024, 768),
    ),
    form_page(
        "invoice_evidence",
        "The invoice's Evidence tab: each line's approval, readings and justification.",
        action="account.action_move_out_invoice_type",
        record=f"{MODULE}.demo_invoice_capacitor",
        tab="service_evidence",
    ),
    form_page(
        "walkthrough",
        "A dispute's walkthrough: the script to read to the customer on the phone.",
        action=f"{MODULE}.invoice_dispute_action",
        record=f"{MODULE}.demo_dispute_capacitor",
        tab="walkthrough",
    ),
    Screen(
        name="accountant_queue",
        caption="The accountant's queue: the concessions agreed on disputes, waiting to be posted.",
        width=1440,
        height=900,
        url="/odoo/action-{action}",
        action=f"{MODULE}.invoice_dispute_action_concessions_to_post",
        ready=".o_list_view .o_list_table, .o_view_nocontent",
    ),
    Screen(
        name="apps",
        caption="The app in Odoo's Apps: its icon and description page (static/description).",
        width=1440,
        height=900,
        url="/odoo/action-base.open_module_tree/{id}",
        record="base.module_field_service_evidence",
        ready=".o_form_view .o_field_html iframe, .o_form_view .o_field_html .o_readonly",
    ),
    phone_page(
        "portal",
        "The customer's dispute on the portal, on a phone.",
        url="/my/disputes/{id}",
        record=f"{MODULE}.demo_dispute_capacitor",
        # the portal's chatter is drawn late, inside a shadow root
        ready="#wrap #chatterRoot >>> .o-mail-Chatter",
        user="portal",
    ),
    phone_page(
        "approval",
        "The estimate a landlord approved from her phone: the declined item, her signature.",
        url="/my/approvals/{id}?access_token={token}",
        record=f"{MODULE}.demo_approval_remote",
        ready=".o_portal_approval .o_approval_signature img",
        user="public",
    ),
]
# The demo customer who logs in to the portal: the capacitor dispute is hers.
PORTAL_PARTNER = f"{MODULE}.demo_partner_dana_whitfield"
TIMEOUT = 60  # seconds for a page to be drawn
SETTLE = 0.6  # seconds the page must stay unchanged before the shot
# Screenshots show the page at rest: no caret, no transition half-way.
STILL_CSS = "*, *::before, *::after { transition: none !important; animation: none !important; caret-color: transparent !important; }"
# querySelector where "host >>> inner" looks for inner inside host's shadow root.
JS_FIND = """((selector) => {
    const parts = selector.split(">>>");
    let root = document;
    for (const part of parts.slice(0, -1)) {
        root = root.querySelector(part)?.shadowRoot;
        if (!root) return null;
    }
    return root.querySelector(parts.at(-1));
})"""
# Scroll the element's scrolling area to show all of the element when it fits, else its top.
JS_SHOW = """((el) => {
    let area = el.parentElement;
    while (area && !(area.scrollHeight > area.clientHeight && /auto|scroll/.test(getComputedStyle(area).overflowY))) {
        area = area.parentElement;
    }
    area = area || document.scrollingElement;
    const view = area === document.scrollingElement ? innerHeight : area.clientHeight;
    const areaTop = area === document.scrollingElement ? 0 : area.getBoundingClientRect().top;
    const top = el.getBoundingClientRect().top - areaTop + area.scrollTop;
    area.scrollTop = Math.max(0, Math.min(top - 8, top + el.offsetHeight - view + 16));
    return true;
})"""


class Odoo:
    """The server: XML-RPC as the administrator, and sessions for the browser."""

    def __init__(self, url, db, login, password):
        self.url, self.db, self.login, self.password = url.rstrip("/"), db, login, password
        self.uid = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common").authenticate(
            db, login, password, {}
        )
        if not self.uid:
            sys.exit(f"Cannot log in to {self.url} (database {db}) as {login}: is `make run` serving it?")
        self.models = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/object", allow_none=True)

    def call(self, model, method, *args, **kwargs):
        return self.models.execute_kw(self.db, self.uid, self.password, model, method, list(args), kwargs)

    def ref(self, xmlid):
        module, name = xmlid.split(".", 1)
        found = self.call(
            "ir.model.data", "search_read", [("module", "=", module), ("name", "=", name)], ["res_id"]
        )
        if not found:
            sys.exit(f"{xmlid} is not in database {self.db}: is the addon installed with its demo data?")
        return found[0]["res_id"]

    def access_token(self, xmlid):
        """The portal access token of a record: its link for a customer without an account."""
        module, name = xmlid.split(".", 1)
        [data] = self.call(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            ["model", "res_id"],
        )
        return self.call(data["model"], "read", [data["res_id"]], ["access_token"])[0]["access_token"]

    def ensure_portal_user(self, partner_xmlid, password):
        """The partner's portal user, created once; its password is set on every run."""
        partner_id = self.ref(partner_xmlid)
        user_ids = self.call(
            "res.users", "search", [("partner_id", "=", partner_id)], context={"active_test": False}
        )
        if user_ids:
            self.call("res.users", "write", user_ids[:1], {"active": True, "password": password})
            user_id = user_ids[0]
        else:
            partner = self.call("res.partner", "read", [partner_id], ["email"])[0]
            user_id = self.call(
                "res.users",
                "create",
                {
                    "partner_id": partner_id,
                    "login": partner["email"],
                    "password": password,
                    "groups_id": [(6, 0, [self.ref("base.group_portal")])],
                },
            )
        return self.call("res.users", "read", [user_id], ["login"])[0]["login"]

    def session(self, login, password):
        """A session id for the browser, from Odoo's own login route."""
        body = json.dumps(
            {"jsonrpc": "2.0", "params": {"db": self.db, "login": login, "password": password}}
        ).encode()
        request = urllib.request.Request(
            f"{self.url}/web/session/authenticate", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
            cookie = response.headers.get("Set-Cookie", "")
        if answer.get("error") or "session_id=" not in cookie:
            sys.exit(f"Cannot log in as {login}: {answer.get('error', {}).get('message', 'no session')}")
        return cookie.split("session_id=", 1)[1].split(";", 1)[0]


class Chromium:
    """Headless Chromium and one tab, driven through the DevTools protocol."""

    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="fse-shots-")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        # a process group of its own: stopping it stops its helpers too
        self.process = subprocess.Popen(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--hide-scrollbars",
                "--force-color-profile=srgb",
                f"--user-data-dir={self.profile}",
                f"--remote-debugging-port={port}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.next_id = 0
        self.ws = websocket.create_connection(self._page_socket(port), timeout=TIMEOUT, suppress_origin=True)

    def _page_socket(self, port):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as response:
                    pages = [target for target in json.load(response) if target["type"] == "page"]
                if pages:
                    return pages[0]["webSocketDebuggerUrl"]
            except (urllib.error.URLError, ConnectionError):
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.close()
        sys.exit("Chromium did not start (set FSE_CHROMIUM to its path)")

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def close(self):
        if getattr(self, "ws", None):
            self.ws.close()
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            self.process.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)


def wait_until_still(browser, screen, ready):
    """Wait until `ready` is drawn, nothing loads, and the page stays unchanged for SETTLE seconds."""
    probe = f"""(() => {{
        if (window.fseLeft || document.readyState !== "complete") return "loading";
        const error = document.querySelector({json.dumps(ERROR_DIALOG)});
        if (error) return "error: " + (error.closest(".modal-content") || error).innerText.slice(0, 500);
        if (!{JS_FIND}({json.dumps(ready)})) return "drawing";
        if (document.querySelector({json.dumps(BUSY)})) return "busy";
        if (document.fonts.status !== "loaded") return "fonts";
        const shadows = [...document.querySelectorAll("*")].filter((el) => el.shadowRoot);
        return "ok " + [document.body, ...shadows.map((el) => el.shadowRoot)].map((el) => el.innerHTML.length);
    }})()"""
    deadline = time.monotonic() + TIMEOUT
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        state = browser.evaluate(probe)
        if state.startswith("error"):
            sys.exit(f"{screen.name}: Odoo shows an error: {state[7:]}")
        if state != last:
            last, since = state, time.monotonic()
        elif state.startswith("ok") and time.monotonic() - since >= SETTLE:
            return
        time.sleep(0.1)
    sys.exit(f"{screen.name}: the page was not ready within {TIMEOUT} s (waiting for {ready}: {last})")


def take(browser, odoo, screen, sessions, out_dir):
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        width=screen.width,
        height=screen.height,
        deviceScaleFactor=1,
        mobile=screen.mobile,
    )
    browser.send("Emulation.setTouchEmulationEnabled", enabled=screen.mobile)
    browser.send("Network.clearBrowserCookies")
    if screen.user != "public":
        browser.send("Network.setCookie", name="session_id", value=sessions[screen.user], url=odoo.url)
    path = screen.url.format(
        id=odoo.ref(screen.record) if screen.record else "",
        token=odoo.access_token(screen.record) if "{token}" in screen.url else "",
        action=screen.action,
    )
    browser.evaluate("window.fseLeft = true")  # the page being left is not the one awaited
    browser.send("Page.navigate", url=odoo.url + path)
    wait_until_still(browser, screen, screen.ready)
    browser.evaluate(
        f"document.head.appendChild(Object.assign(document.createElement('style'), {{textContent: {json.dumps(STILL_CSS)}}})) && 1"
    )
    if screen.tab:
        tab = NOTEBOOK_TAB.format(tab=screen.tab)
        if not browser.evaluate(
            f"(el => el ? (el.click(), true) : false)(document.querySelector({json.dumps(tab)}))"
        ):
            sys.exit(f"{screen.name}: no notebook page {screen.tab!r} ({tab}) on {path}")
        wait_until_still(browser, screen, f"{tab}.active")
    if screen.show:
        if not browser.evaluate(f"(el => el && {JS_SHOW}(el))({JS_FIND}({json.dumps(screen.show)}))"):
            sys.exit(f"{screen.name}: nothing to show at {screen.show} on {path}")
        wait_until_still(browser, screen, screen.ready)
    browser.evaluate("document.activeElement?.blur(), 1")  # no focus ring on the search box
    shot = {"format": "png"}
    if screen.full_page:
        height = browser.evaluate("document.documentElement.scrollHeight")
        shot.update(
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": screen.width, "height": height, "scale": 1},
        )
    png = b64decode(browser.send("Page.captureScreenshot", **shot)["data"])
    target = out_dir / f"{screen.name}.png"
    target.write_bytes(png)
    print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: {screen.caption}")


def main(names):
    unknown = set(names) - {screen.name for screen in SCREENS}
    if unknown:
        sys.exit(f"Unknown screens {sorted(unknown)}; the screens are {[screen.name for screen in SCREENS]}")
    screens = [screen for screen in SCREENS if not names or screen.name in names]
    odoo = Odoo(
        os.environ.get("FSE_URL", "http://localhost:8069"),
        os.environ.get("FSE_DB", "fse_demo"),
        os.environ.get("FSE_LOGIN", "admin"),
        os.environ.get("FSE_PASSWORD", "admin"),
    )
    sessions = {"admin": odoo.session(odoo.login, odoo.password)}
    if any(screen.user == "portal" for screen in screens):
        portal_password = os.environ.get("FSE_PORTAL_PASSWORD", "portal-demo")
        sessions["portal"] = odoo.session(
            odoo.ensure_portal_user(PORTAL_PARTNER, portal_password), portal_password
        )
    out_dir = Path(os.environ.get("FSE_SHOTS_DIR", ROOT / MODULE / "static" / "description"))
    out_dir.mkdir(parents=True, exist_ok=True)
    browser = Chromium(os.environ.get("FSE_CHROMIUM", "/usr/bin/chromium"))
    try:
        browser.send("Page.enable")
        browser.send("Network.enable")
        for screen in screens:
            take(browser, odoo, screen, sessions, out_dir)
    finally:
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
