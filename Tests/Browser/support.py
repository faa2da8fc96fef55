"""Shared pieces of the web console's browser tests: an API client for set-up, a Chromium factory and
locators that follow the DOM conventions of the console (docs: /work/notes/console-spec.md, summarised
in Tests/Browser/README.md).

The server is started by scripts/browser-tests.sh, which passes VS_BASE_URL, VS_ADMIN_EMAIL,
VS_ADMIN_PASSWORD and VS_SCREENSHOT_DIR.
"""

import json
import os
import re
import time
import unittest
import urllib.error
import urllib.request
import uuid

from selenium import webdriver
from selenium.common.exceptions import (
    NoAlertPresentException,
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE_URL = os.environ.get("VS_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
ADMIN_EMAIL = os.environ.get("VS_ADMIN_EMAIL", "admin@example.com")
ADMIN_PASSWORD = os.environ.get("VS_ADMIN_PASSWORD", "change-me-now")
SCREENSHOT_DIR = os.environ.get("VS_SCREENSHOT_DIR", "/tmp/virtualstack-browser-screenshots")
os.makedirs(SCREENSHOT_DIR, exist_ok=True)

WAIT = 15  # seconds for the page to react (API round trips, rendering)
VM_WAIT = 30  # seconds for a VM's background operation (the simulated driver takes ~1.5 s per step)

SESSION_ENDED = "Your session has ended; log in again."
JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# --------------------------------------------------------------------------------------------- API


class ApiFailure(AssertionError):
    pass


class Api:
    """A small JSON client of /api/v1 for the tests' set-up (never for what the console must do)."""

    def __init__(self, token=None, tenant_id=None, api_key=None):
        self.token = token
        self.tenant_id = tenant_id
        self.api_key = api_key

    @classmethod
    def login(cls, email, password, tenant_id=None):
        body = cls().call("POST", "/auth/token", {"username": email, "password": password})
        return cls(body["access_token"], tenant_id)

    def call(self, method, path, body=None, expect=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(BASE_URL + "/api/v1" + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", "Bearer " + self.token)
        if self.tenant_id:
            request.add_header("X-Tenant-ID", self.tenant_id)
        if self.api_key:
            request.add_header("X-API-Key", self.api_key)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        if (expect is not None and status != expect) or (expect is None and not 200 <= status < 300):
            raise ApiFailure(f"{method} {path} answered {status}: {raw[:500]!r}")
        return json.loads(raw) if raw else None

    def in_tenant(self, tenant_id):
        """The same caller acting in another tenant (X-Tenant-ID)."""
        return Api(self.token, tenant_id, self.api_key)


class World:
    """What every test shares: the superuser's client, the Default tenant, system roles, a template."""

    _instance = None

    @classmethod
    def get(cls):
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def __init__(self):
        self.admin = Api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        tenants = self.admin.call("GET", "/tenants")
        tenants = tenants["items"] if isinstance(tenants, dict) else tenants
        default = next(t for t in tenants if t["name"] == "Default")
        self.tenant_id = default["id"]
        self.admin.tenant_id = self.tenant_id
        roles = self.admin.call("GET", "/roles")
        roles = roles["items"] if isinstance(roles, dict) else roles
        self.role_ids = {r["name"]: r["id"] for r in roles}
        templates = self.admin.call("GET", "/vm-templates")
        templates = templates["items"] if isinstance(templates, dict) else templates
        self.template = templates[0]

    def create_user(self, role_name, prefix="user", first_name="Test", last_name="User", tenant_id=None):
        """A member of Default (or of tenant_id) with one role, created through POST /users; returns
        (email, password, id)."""
        email = f"{unique(prefix)}@example.com"
        password = "password-" + uuid.uuid4().hex[:10]
        api = self.admin.in_tenant(tenant_id) if tenant_id else self.admin
        user = api.call("POST", "/users", {
            "email": email, "password": password, "first_name": first_name, "last_name": last_name,
            "role_ids": [self.role_ids[role_name]],
        })
        return email, password, user["id"]

    def create_tenant(self, test, prefix="tenant"):
        """A new tenant (POST /tenants), deleted again when `test` ends (after its VMs, which the
        test must delete first, e.g. with delete_vm_later). Returns the tenant."""
        tenant = self.admin.call("POST", "/tenants", {"name": unique(prefix)})

        def delete():
            # A deleted VM is 404 at once but still counts against its tenant until the driver is done.
            deadline = time.monotonic() + VM_WAIT
            while True:
                try:
                    self.admin.call("DELETE", f"/tenants/{tenant['id']}")
                    return
                except ApiFailure:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        test.addCleanup(delete)
        return tenant

    def delete_vm_later(self, test, vm_id, api=None):
        """Deletes the VM when `test` ends (cleanups run last-in first-out) and waits until it is gone."""
        def delete():
            caller = api or self.admin
            deadline = time.monotonic() + VM_WAIT
            deleted = False
            while time.monotonic() < deadline:
                if not deleted:
                    try:  # refused (409) while an operation is still running on it
                        caller.call("DELETE", f"/vms/{vm_id}")
                        deleted = True
                    except ApiFailure:
                        pass
                try:
                    caller.call("GET", f"/vms/{vm_id}", expect=404)
                    return
                except ApiFailure:
                    time.sleep(0.2)
            raise ApiFailure(f"VM {vm_id} still exists {VM_WAIT} s after DELETE")
        test.addCleanup(delete)

    def create_vm(self, name, api=None):
        return (api or self.admin).call("POST", "/vms", {"name": name, "template_id": self.template["id"]})

    def wait_vm(self, vm_id, status, api=None, timeout=VM_WAIT):
        deadline = time.monotonic() + timeout
        while True:
            vm = (api or self.admin).call("GET", f"/vms/{vm_id}")
            if vm["status"] == status or time.monotonic() > deadline:
                return vm
            time.sleep(0.2)


# ----------------------------------------------------------------------------------------- browser


# Runs before every document's own scripts (CDP scripts are not subject to the page's CSP): records
# CSP violations, alerts and whether the document was reloaded.
PROBE = """
window.__vsViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__vsViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
    ' at ' + (e.sourceFile || '') + ':' + (e.lineNumber || 0) + ' ' + (e.sample || ''));
});
window.__vsAlerts = [];
for (const name of ['alert', 'confirm', 'prompt']) {
  const original = window[name];
  window[name] = function (message) { window.__vsAlerts.push(name + ': ' + message); return original.call(window, message); };
}
"""


def new_driver(width=1440, height=900, mobile=False):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}", "--lang=en-US"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
    if mobile or width < 600:
        # A phone's viewport: the layout viewport is `width` CSS pixels only when the page declares
        # <meta name="viewport" content="width=device-width">, as a real phone would need.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 2, "mobile": True})
    return driver


class Page:
    """Locators of the console's conventions around one WebDriver session."""

    def __init__(self, driver, name="browser"):
        self.d = driver
        self.name = name
        self.logs = []

    # --- navigation and waiting

    def wait(self, condition, timeout=WAIT, message=""):
        return WebDriverWait(self.d, timeout, poll_frequency=0.1,
                             ignored_exceptions=(StaleElementReferenceException,)).until(condition, message)

    def open(self, route="", path="/"):
        """Loads the console at path (a real page load) with hash route `route` (e.g. '#/vms')."""
        self.d.get(BASE_URL + path + route)

    def go(self, route, wait=True):
        """Changes the hash route inside the running console (no document load)."""
        self.d.execute_script("location.hash = arguments[0]", route)
        if wait:
            self.wait(lambda d: d.execute_script("return location.hash") == route, message=f"hash {route}")

    def hash(self):
        return self.d.execute_script("return location.hash")

    def mark_document(self):
        """Marks the current document; `same_document()` is false after any reload or navigation."""
        token = uuid.uuid4().hex
        self.d.execute_script("window.__vsMarker = arguments[0]", token)
        return token

    def same_document(self, token):
        return self.d.execute_script("return window.__vsMarker") == token

    def h1(self):
        return self.wait(lambda d: self._one_visible(d.find_elements(By.CSS_SELECTOR, "main h1, h1")),
                         message="an <h1>")

    def wait_h1(self, text, timeout=WAIT):
        def ok(d):
            heads = [h for h in d.find_elements(By.TAG_NAME, "h1") if h.is_displayed()]
            return heads and any(text.lower() in h.text.lower() for h in heads)
        try:
            self.wait(ok, timeout)
        except TimeoutException:
            raise AssertionError(f"{self.name}: no <h1> containing {text!r}; h1s: "
                                 f"{[h.text for h in self.d.find_elements(By.TAG_NAME, 'h1')]}; "
                                 f"hash {self.hash()!r}; alerts {self.alert_texts()}") from None

    @staticmethod
    def _one_visible(elements):
        visible = [e for e in elements if e.is_displayed()]
        return visible[0] if visible else None

    # --- finding things

    def control(self, label, root=None, timeout=WAIT, tag=None):
        """The visible form control whose <label for> text matches `label` (regex, case-insensitive);
        only <tag> elements (e.g. 'select') when tag is given."""
        pattern = re.compile(label, re.I)

        def find(d):
            for lab in (root or d).find_elements(By.CSS_SELECTOR, "label"):
                try:
                    if not lab.is_displayed() or not pattern.search(lab.text.strip()):
                        continue
                    target = lab.get_attribute("for")
                    if target:
                        el = d.find_elements(By.ID, target)
                    else:
                        el = lab.find_elements(By.CSS_SELECTOR, "input, select, textarea")
                    if el and el[0].is_enabled() and (tag is None or el[0].tag_name == tag):
                        return el[0]
                except StaleElementReferenceException:
                    continue
            return None
        try:
            return self.wait(find, timeout)
        except TimeoutException:
            labels = [l.text for l in self.d.find_elements(By.TAG_NAME, "label") if l.is_displayed()]
            raise AssertionError(f"{self.name}: no control labelled /{label}/ in {self.hash()!r}; "
                                 f"visible labels: {labels}") from None

    def fill(self, label, value, root=None):
        el = self.control(label, root)
        el.clear()
        el.send_keys(value)
        return el

    def choose(self, label, visible_text=None, value=None, root=None):
        el = self.control(label, root, tag="select")
        select = Select(el)
        self.wait(lambda d: len(select.options) > (1 if visible_text or value else 0),
                  message=f"options of {label}")
        if value is not None:
            select.select_by_value(value)
        else:
            texts = [o.text for o in select.options]
            match = next((t for t in texts if t.strip() == visible_text), None) or \
                next((t for t in texts if visible_text in t), None)
            if match is None:
                raise AssertionError(f"{self.name}: {label} has no option {visible_text!r}: {texts}")
            select.select_by_visible_text(match)
        return el

    def buttons(self, text=None, root=None):
        """Visible actions — <button>s, <a href> links and submit inputs — whose text is `text` (exact,
        whitespace-normalised) or matches `text` when it is a compiled regex; all of them when None."""
        found = []
        scope = root or self.d
        for b in scope.find_elements(By.CSS_SELECTOR, "button, a[href], input[type=submit], input[type=button]"):
            try:
                if not b.is_displayed():
                    continue
                raw = b.text if b.tag_name != "input" else (b.get_attribute("value") or "")
                label = " ".join(raw.split())
                if text is None or (isinstance(text, re.Pattern) and text.search(label)) or label == text:
                    found.append(b)
            except StaleElementReferenceException:
                continue
        return found

    def button(self, text, root=None, timeout=WAIT):
        def find(d):
            return next((b for b in self.buttons(text, root) if b.is_enabled()), None)
        try:
            return self.wait(find, timeout)
        except TimeoutException:
            raise AssertionError(f"{self.name}: no enabled visible button {text!r} in {self.hash()!r}; "
                                 f"visible buttons: {[b.text for b in self.buttons()]}; "
                                 f"alerts: {self.alert_texts()}") from None

    def click(self, text, root=None):
        def press():
            b = self.button(text, root)
            self.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", b)
            b.click()
        self.stable(press)

    def open_panel(self, summary, root=None):
        """Opens the <details> whose <summary> reads `summary` (a collapsed create form); returns it."""
        def find(d):
            for el in (root or d).find_elements(By.CSS_SELECTOR, "details > summary"):
                if el.is_displayed() and " ".join(el.text.split()) == summary:
                    return el
            return None
        try:
            toggle = self.wait(find, message=f"a <summary> {summary!r}")
        except TimeoutException:
            raise AssertionError(f"{self.name}: no <summary> {summary!r} in {self.hash()!r}") from None
        details = toggle.find_element(By.XPATH, "..")
        if details.get_attribute("open") is None:
            self.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", toggle)
            toggle.click()
            self.wait(lambda d: details.get_attribute("open") is not None, message=f"{summary!r} open")
        return details

    def confirm(self, label="Confirm"):
        """Answers the open <dialog> with `label`."""
        dialog = self.wait(lambda d: self._one_visible(d.find_elements(By.CSS_SELECTOR, "dialog[open]")),
                           message="an open <dialog>")
        self.button(label, root=dialog).click()
        self.wait(lambda d: not d.find_elements(By.CSS_SELECTOR, "dialog[open]"), message="dialog closed")

    def row(self, resource_id):
        rows = self.d.find_elements(By.CSS_SELECTOR, f'tr[data-id="{resource_id}"]')
        return self._one_visible(rows)

    def wait_row(self, resource_id, timeout=WAIT):
        try:
            return self.wait(lambda d: self.row(resource_id), timeout)
        except TimeoutException:
            ids = [r.get_attribute("data-id") for r in self.d.find_elements(By.CSS_SELECTOR, "tr[data-id]")]
            raise AssertionError(f"{self.name}: no row data-id={resource_id} in {self.hash()!r}; rows: {ids}; "
                                 f"alerts: {self.alert_texts()}") from None

    def stable(self, read, attempts=20):
        """Runs read() again when the page re-rendered the element it used (live updates redraw rows)."""
        for attempt in range(attempts):
            try:
                return read()
            except StaleElementReferenceException:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.05)

    def row_field(self, resource_id, name):
        """The text of [data-field=name] in the row data-id=resource_id (None when either is missing)."""
        def read():
            row = self.row(resource_id)
            return self.field_text(name, row) if row else None
        return self.stable(read)

    def row_text(self, resource_id):
        return self.stable(lambda: (self.row(resource_id).text if self.row(resource_id) else None))

    def field_text(self, name, root=None):
        """Text of the first visible [data-field=name] (in root, else the page's <main>)."""
        scope = root or self.main()
        for el in scope.find_elements(By.CSS_SELECTOR, f'[data-field="{name}"]'):
            try:
                if el.is_displayed():
                    return " ".join(el.text.split())
            except StaleElementReferenceException:
                continue
        return None

    def wait_field(self, name, expected, root_fn=None, timeout=WAIT, seen=None):
        """Waits until [data-field=name] shows `expected` (exact); records each distinct value in `seen`."""
        def ok(d):
            root = root_fn() if root_fn else None
            if root_fn and root is None:
                return False
            text = self.field_text(name, root)
            if seen is not None and text and (not seen or seen[-1] != text):
                seen.append(text)
            return text == expected
        try:
            self.wait(ok, timeout)
        except TimeoutException:
            raise AssertionError(f"{self.name}: [data-field={name}] never showed {expected!r} in "
                                 f"{self.hash()!r} (seen: {seen}, now: {self.field_text(name)!r}); "
                                 f"alerts: {self.alert_texts()}") from None

    def wait_loaded(self, timeout=WAIT):
        """Waits until <main> shows no loading indicator (class "loading" or aria-busy="true")."""
        def done(d):
            busy = d.find_elements(By.CSS_SELECTOR, 'main .loading, main [aria-busy="true"]')
            return not [b for b in busy if b.is_displayed()]
        try:
            self.wait(done, timeout)
        except TimeoutException:
            raise AssertionError(f"{self.name}: {self.hash()!r} is still loading after {timeout} s: "
                                 f"{self.main().text[:300]!r}") from None

    def main(self):
        found = self.d.find_elements(By.CSS_SELECTOR, "main")
        return found[0] if found else self.d.find_element(By.TAG_NAME, "body")

    def alert_texts(self):
        texts = []
        for el in self.d.find_elements(By.CSS_SELECTOR, '[role="alert"]'):
            try:
                if el.is_displayed() and el.text.strip():
                    texts.append(el.text.strip())
            except StaleElementReferenceException:
                pass
        return texts

    def status_texts(self):
        return [el.text.strip() for el in self.d.find_elements(By.CSS_SELECTOR, '[role="status"]')
                if el.is_displayed() and el.text.strip()]

    # --- keyboard

    # What has the focus, in one round trip: tag, id, href, text, whether it is (in) <main> or the
    # skip link, and its box (to tell whether a focused element is on screen).
    FOCUS = """
    const a = document.activeElement;
    if (!a) return null;
    const r = a.getBoundingClientRect();
    const style = getComputedStyle(a);
    return {tag: a.tagName.toLowerCase(), id: a.id, href: a.getAttribute('href'), type: a.getAttribute('type'),
            text: (a.innerText || a.value || '').trim().slice(0, 60), in_main: !!a.closest('main'),
            in_nav: !!a.closest('nav'), skip: a.classList.contains('skip-link'),
            rect: [r.left, r.top, r.width, r.height], outline: [style.outlineStyle, style.outlineWidth]};
    """

    def focus(self):
        """A description (dict) of the focused element; see FOCUS."""
        return self.d.execute_script(self.FOCUS)

    def press(self, *keys):
        """Key presses sent to whatever has the focus (no element is targeted, as with a keyboard)."""
        ActionChains(self.d).send_keys(*keys).perform()

    def tab_to(self, matches, what, limit=150, backwards=False):
        """Presses Tab (Shift+Tab when backwards) until matches(self.focus()) is true, at most `limit`
        times; returns the descriptions of the focus stops passed on the way (the last one matched)."""
        stops = []
        for _ in range(limit):
            if backwards:
                ActionChains(self.d).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
            else:
                ActionChains(self.d).send_keys(Keys.TAB).perform()
            here = self.focus()
            stops.append(here)
            if here and matches(here):
                return stops
        raise AssertionError(f"{self.name}: {limit} presses of {'Shift+' if backwards else ''}Tab never reached "
                             f"{what} in {self.hash()!r}; stops: "
                             f"{[(s or {}).get('tag', '') + ' ' + ((s or {}).get('text') or '') for s in stops[:40]]}")

    # --- session

    def login(self, email, password):
        """Logs in through the login page and waits until the console shows the user's email."""
        self.open("#/login")
        self.wait_h1("Log in")
        self.fill(r"^e-?mail", email)
        self.fill(r"^password", password)
        self.click("Log in")
        self.wait_logged_in(email)

    def wait_logged_in(self, email):
        def ok(d):
            top = d.find_elements(By.CSS_SELECTOR, "header")
            return (top and email.lower() in top[0].text.lower()) and self.buttons("Log out")
        try:
            self.wait(ok, WAIT)
        except TimeoutException:
            raise AssertionError(f"{self.name}: not logged in as {email} (hash {self.hash()!r}, "
                                 f"alerts {self.alert_texts()}, header "
                                 f"{[h.text for h in self.d.find_elements(By.TAG_NAME, 'header')]})") from None

    def nav_link(self, route):
        links = self.d.find_elements(By.CSS_SELECTOR, f'#nav a[href="{route}"], nav a[href="{route}"]')
        return links[0] if links else None

    def follow_nav(self, route):
        """Clicks the nav's link to `route` (scrolled into view first: the sticky header may cover it)."""
        def press():
            link = self.nav_link(route)
            if link is None:
                raise AssertionError(f"{self.name}: the nav has no link to {route}")
            self.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
            link.click()
        self.stable(press)
        self.wait(lambda d: self.hash().split("?")[0] == route, message=f"the nav's link to {route}")

    def storage(self, kind):
        return self.d.execute_script(
            f"const s = window.{kind}; const o = {{}}; for (let i = 0; i < s.length; i++) "
            "{ o[s.key(i)] = s.getItem(s.key(i)); } return o;")

    def no_js_alert(self, timeout=1.0):
        """True when no window.alert/confirm dialog opens within `timeout` (a negative check)."""
        try:
            WebDriverWait(self.d, timeout).until(lambda d: self._alert_open(d))
            text = self.d.switch_to.alert.text
            self.d.switch_to.alert.dismiss()
            raise AssertionError(f"{self.name}: a JavaScript alert opened: {text!r}")
        except TimeoutException:
            return True

    @staticmethod
    def _alert_open(d):
        try:
            d.switch_to.alert.text
            return True
        except NoAlertPresentException:
            return False

    def page_overflow(self):
        return self.d.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth, document.documentElement.clientWidth]")

    def screenshot(self, name):
        self.d.save_screenshot(os.path.join(SCREENSHOT_DIR, name + ".png"))

    # --- what the browser reported

    def collect_logs(self):
        try:
            self.logs.extend(self.d.get_log("browser"))
        except WebDriverException:
            pass
        try:
            self.violations = self.d.execute_script("return window.__vsViolations || []")
        except WebDriverException:
            self.violations = []
        return self.logs


def csp_problems(page):
    page.collect_logs()
    logged = [e["message"] for e in page.logs
              if "Content Security Policy" in e["message"] or "Content-Security-Policy" in e["message"]]
    return logged + list(getattr(page, "violations", []) or [])


def script_errors(page):
    """Uncaught exceptions and console.error calls (network failures such as an expected 401 are not)."""
    return [e["message"] for e in page.logs
            if e.get("level") == "SEVERE" and e.get("source") in ("javascript",)]


class ConsoleTest(unittest.TestCase):
    """Opens browsers on demand, closes them after each test, and fails the test on CSP violations or
    uncaught script errors in any of them; saves a screenshot of each browser when a test fails."""

    maxDiff = None

    def setUp(self):
        self.world = World.get()
        self.pages = []

    def browser(self, name="browser", width=1440, height=900):
        page = Page(new_driver(width, height), name)
        self.pages.append(page)
        return page

    def eventually(self, fetch, what, timeout=WAIT):
        """Polls fetch() (an API read) until it returns something true; fails naming `what`."""
        deadline = time.monotonic() + timeout
        while True:
            value = fetch()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail(f"never found {what}; console alerts: "
                          f"{[a for p in self.pages for a in p.alert_texts()]}")
            time.sleep(0.2)

    def tearDown(self):
        outcome_failed = self._failed()
        problems = []
        for page in self.pages:
            try:
                if outcome_failed:
                    page.screenshot(f"failure-{self.id().split('.')[-1]}-{page.name}")
                for message in csp_problems(page):
                    problems.append(f"{page.name}: CSP violation: {message}")
                for message in script_errors(page):
                    problems.append(f"{page.name}: script error: {message}")
            finally:
                page.d.quit()
        if problems and not outcome_failed:
            self.fail("the browser reported:\n" + "\n".join(problems))
        elif problems:
            print("\n(browser reported: " + "; ".join(problems) + ")")

    def _failed(self):
        # Python 3.11+ reports a failure of the test method to the result before tearDown runs.
        outcome = getattr(self, "_outcome", None)
        if outcome is None:
            return False
        if not outcome.success:
            return True
        result = outcome.result
        return any(test is self for test, _ in list(getattr(result, "failures", [])) + list(getattr(result, "errors", [])))
