"""Real-browser tests of the web console: headless Chromium, driven by Selenium, against a live server
(scripts/browser-tests.sh starts it). Every test works through the console's pages as a person would;
the API is used only to set up data and to do what happens outside the browser."""

import html.parser
import re
import time
import unittest
import urllib.request

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By

from support import (
    ADMIN_EMAIL, ADMIN_PASSWORD, BASE_URL, JWT, SESSION_ENDED, VM_WAIT, WAIT, Api, ConsoleTest, World, unique,
)

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# Buttons (or links) that change something; none may show for a Read Only User.
WRITE_ACTION = re.compile(
    r"^(create|new|add|invite|delete|remove|start|stop|restart|reboot|rename|edit|save|revoke|assign|"
    r"unassign|deactivate|activate|disable|enable|resend)\b", re.I)
XSS = "<img src=x onerror=alert(1)>"


def vm_status_root(page, vm_id):
    """Where a VM's status shows: its row in a list, or the detail page's <main>."""
    if page.hash().startswith(f"#/vms/{vm_id}"):
        return page.main()
    return page.row(vm_id)


class ServedIndexTest(unittest.TestCase):
    """The document the server hands to browsers (no browser needed)."""

    def fetch(self, path):
        with urllib.request.urlopen(BASE_URL + path, timeout=10) as response:
            return response.status, response.headers, response.read().decode()

    def test_index_has_a_strict_content_security_policy(self):
        for path in ("/", "/invitations/accept?token=abc"):
            with self.subTest(path=path):
                status, headers, body = self.fetch(path)
                self.assertEqual(status, 200)
                self.assertIn("text/html", headers.get("Content-Type", ""))
                csp = headers.get("Content-Security-Policy")
                self.assertTrue(csp, f"{path}: no Content-Security-Policy header")
                self.assertNotIn("'unsafe-inline'", csp, csp)
                self.assertNotIn("'unsafe-eval'", csp, csp)
                directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
                self.assertEqual(directives.get("default-src"), ["'self'"], csp)
                for name in ("script-src", "style-src"):
                    for source in directives.get(name, []):
                        self.assertIn(source, ("'self'", "'none'"), f"{name} allows {source}: {csp}")
                self.assertIn('<script type="module" src="/js/app.js">', body)

    def test_index_holds_no_inline_script_or_style(self):
        _, _, body = self.fetch("/")
        problems = []

        class Parser(html.parser.HTMLParser):
            def handle_starttag(self, tag, attrs):
                attrs = dict(attrs)
                if tag == "script" and not attrs.get("src"):
                    problems.append("inline <script>")
                if tag == "style":
                    problems.append("<style> block")
                if "style" in attrs:
                    problems.append(f"style attribute on <{tag}>")
                for name in attrs:
                    if name.startswith("on"):
                        problems.append(f"{name} handler on <{tag}>")
                if tag in ("script", "link") and re.match(r"(https?:)?//", attrs.get("src") or attrs.get("href") or ""):
                    problems.append(f"external resource on <{tag}>")

        Parser().feed(body)
        self.assertEqual(problems, [])
        self.assertRegex(body, r'<meta name="viewport" content="width=device-width')


class TenantAdminFlowTest(ConsoleTest):
    """The whole flow of a tenant admin: custom role, invitation accepted in a second browser, a VM's
    life from creation to deletion, live status updates without reloading the page."""

    def test_tenant_admin_flow(self):
        world = self.world
        email, password, _ = world.create_user("Tenant Admin", prefix="tenant-admin", first_name="Ada",
                                               last_name="Admin")
        admin = self.browser("admin")
        admin.login(email, password)
        marker = admin.mark_document()

        # A custom role, made with the permission picker.
        role_name = unique("Operators")
        admin.go("#/roles")
        admin.wait_h1("Roles")
        admin.click(re.compile(r"^(create role|new role)$", re.I))
        admin.wait(lambda d: admin.hash() == "#/roles/new" or d.find_elements(By.CSS_SELECTOR, "dialog[open]"),
                   message="the role form")
        admin.fill(r"^name", role_name)
        for permission in ("vm:read", "vm:read_logs", "template:read"):
            self.check_permission(admin, permission)
        admin.click("Create role")
        roles = self.eventually(lambda: next((r for r in world.admin.call("GET", "/roles")
                                                if r["name"] == role_name), None), "the role in GET /roles")
        self.assertEqual(sorted(roles["permission_ids"]), ["template:read", "vm:read", "vm:read_logs"])
        admin.go("#/roles")
        admin.wait_row(roles["id"])
        self.assertEqual(admin.row_field(roles["id"], "name"), role_name)

        # An invitation with that role; the link it shows is opened in a second browser.
        invitee_email = f"{unique('invitee')}@example.com"
        admin.go("#/invitations")
        admin.wait_h1("Invitations")
        try:
            email_field = admin.control(r"^e-?mail", timeout=2)
        except AssertionError:
            admin.click(re.compile(r"^(invite|new invitation|invite user|invite a user)$", re.I))
            email_field = admin.control(r"^e-?mail")
        email_field.clear()
        email_field.send_keys(invitee_email)
        admin.choose(r"^role", role_name)
        form = email_field.find_element(By.XPATH, "./ancestor::form")
        admin.click(re.compile(r"^(invite|send invitation|create invitation)$", re.I), root=form)
        link = admin.wait(lambda d: self.invitation_link(d), message="the invitation link on screen")
        # The link's origin is the server's VIRTUALSTACK_PUBLIC_BASE_URL; its path and token are what count.
        path = link[link.index("/invitations/accept?token="):]
        self.assertRegex(path, r"^/invitations/accept\?token=[A-Za-z0-9._~%-]{16,}$")
        link = BASE_URL + path
        invitee = self.browser("invitee")
        invitee.d.get(link)
        invitee.wait_h1("nvitation")
        invitee.fill(r"^first name", "Ivy")
        invitee.fill(r"^last name", "Invitee")
        invitee.fill(r"^(password|choose a password|new password)$", "invitee-password-1")
        for extra in invitee.d.find_elements(By.XPATH, "//label[contains(translate(., 'CR', 'cr'), 'confirm') "
                                                       "or contains(translate(., 'R', 'r'), 'repeat')]"):
            if extra.is_displayed():
                invitee.d.find_element(By.ID, extra.get_attribute("for")).send_keys("invitee-password-1")
        invitee.click(re.compile(r"^(accept|accept invitation|join|join tenant|create account)", re.I))
        self.eventually(lambda: next((u for u in world.admin.call("GET", "/users?limit=100")["items"]
                                        if u["email"] == invitee_email), None), "the invitee as a member")
        # The invitee logs in (a fresh browser context: nothing carried over from accepting).
        login = self.browser("invitee-login")
        login.login(invitee_email, "invitee-password-1")

        # A VM from a template: PROVISIONING, then RUNNING, pushed to the open page.
        vm_name = unique("web")
        admin.go("#/vms")
        admin.wait_h1("")
        admin.click("Create VM")
        admin.wait(lambda d: admin.hash() == "#/vms/new", message="the create-VM page")
        admin.fill(r"^name", vm_name)
        admin.choose(r"^template$", world.template["name"])
        admin.click("Create VM")
        vm = self.eventually(lambda: next((v for v in world.admin.call("GET", "/vms?limit=100")["items"]
                                             if v["name"] == vm_name), None), "the VM in GET /vms")
        vm_id = vm["id"]
        seen = []
        admin.wait_field("status", "PROVISIONING", root_fn=lambda: vm_status_root(admin, vm_id), seen=seen,
                         timeout=WAIT)
        admin.wait_field("status", "RUNNING", root_fn=lambda: vm_status_root(admin, vm_id), seen=seen,
                         timeout=VM_WAIT)
        self.assertTrue(admin.same_document(marker), "the page was reloaded while the VM was provisioned")

        # The list shows it too; its detail page is one click away.
        admin.stable(lambda: admin.nav_link("#/vms").click())
        admin.wait_row(vm_id)
        admin.wait_field("status", "RUNNING", root_fn=lambda: admin.row(vm_id))
        admin.stable(lambda: admin.row(vm_id).find_element(By.CSS_SELECTOR, f'a[href="#/vms/{vm_id}"]').click())
        admin.wait(lambda d: admin.hash() == f"#/vms/{vm_id}", message="the VM's page")
        admin.wait_h1(vm_name)

        # Stop.
        admin.click("Stop")
        if admin.d.find_elements(By.CSS_SELECTOR, "dialog[open]"):
            admin.confirm()
        admin.wait_field("status", "STOPPED", root_fn=admin.main, timeout=VM_WAIT, seen=seen)
        self.assertTrue(admin.same_document(marker), "the page was reloaded while the VM stopped")

        # Logs: the entries the state changes and the power action wrote.
        self.wait_for_logs(admin)

        # Rename.
        new_name = unique("renamed")
        try:
            name_field = admin.control(r"^(new )?name$", timeout=2)
        except AssertionError:  # a Rename button that opens the form first
            admin.click("Rename")
            name_field = admin.control(r"^(new )?name$")
        name_field.clear()
        name_field.send_keys(new_name)
        form = name_field.find_element(By.XPATH, "./ancestor::form | ./ancestor::dialog")
        admin.click(re.compile(r"^(save|rename)$", re.I), root=form)
        admin.wait_h1(new_name)
        self.assertEqual(world.admin.call("GET", f"/vms/{vm_id}")["name"], new_name)

        # Delete, confirmed in a <dialog>; the row goes away.
        admin.click("Delete")
        admin.confirm()
        admin.wait(lambda d: admin.hash() in ("#/vms", f"#/vms/{vm_id}"), message="after delete")
        if admin.hash() != "#/vms":
            admin.stable(lambda: admin.nav_link("#/vms").click())
        admin.wait_h1("")

        def listed_without_it(d):
            shown = d.find_elements(By.CSS_SELECTOR, "main tr[data-id], main .empty")
            busy = [b for b in d.find_elements(By.CSS_SELECTOR, 'main .loading, main [aria-busy="true"]')
                    if b.is_displayed()]
            return shown and not busy and admin.row(vm_id) is None
        try:
            admin.wait(listed_without_it, timeout=VM_WAIT)
        except TimeoutException:
            row = admin.row(vm_id)
            self.fail(f"the deleted VM's row is still listed: {row.text!r}" if row else
                      f"the VM list never finished loading: {admin.main().text[:300]!r}")
        self.eventually(lambda: self.vm_gone(vm_id), "GET /vms/{id} answering 404", timeout=VM_WAIT)
        self.assertTrue(admin.same_document(marker), "the page was reloaded during the flow")

    def vm_gone(self, vm_id):
        try:
            self.world.admin.call("GET", f"/vms/{vm_id}", expect=404)
            return True
        except AssertionError:
            return False

    @staticmethod
    def invitation_link(driver):
        texts = driver.execute_script(
            "return [...document.querySelectorAll('a[href]')].map(a => a.href)"
            ".concat([...document.querySelectorAll('input, textarea')].map(i => i.value))"
            ".concat([document.body.innerText])")
        for text in texts:
            found = re.search(r"(https?://[^\s\"']*)?/invitations/accept\?token=[A-Za-z0-9._~%-]+", text or "")
            if found:
                return found.group(0)
        return None

    def check_permission(self, page, permission):
        box = page.wait(lambda d: next(iter(
            d.find_elements(By.CSS_SELECTOR, f'input[type=checkbox][value="{permission}"]')
            or [d.find_element(By.ID, label.get_attribute("for"))
                for label in d.find_elements(By.TAG_NAME, "label")
                if label.is_displayed() and permission in label.text and label.get_attribute("for")]), None),
            message=f"a checkbox for {permission}")
        page.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
        if not box.is_selected():
            box.click()
        self.assertTrue(box.is_selected(), permission)

    def wait_for_logs(self, page):
        def entries(d):
            found = [e for e in d.find_elements(By.CSS_SELECTOR, '[data-field="message"]') if e.is_displayed()]
            return found if found else None
        try:
            found = page.wait(entries, timeout=3)
        except TimeoutException:
            page.click(re.compile(r"^(show )?logs$", re.I))
            found = page.wait(entries, message="VM log entries ([data-field=message])")
        self.assertTrue(any(text for text in (e.text.strip() for e in found)), "log entries are empty")


class ReadOnlyUserTest(ConsoleTest):
    """A Read Only User sees the tenant's resources and no button that would change them."""

    def test_no_write_actions(self):
        world = self.world
        email, password, user_id = world.create_user("Read Only User", prefix="reader")
        vm = world.create_vm(unique("ro-vm"))
        invitation = world.admin.call("POST", "/invitations", {
            "email": f"{unique('ro-invitee')}@example.com", "role_id": world.role_ids["Read Only User"]})
        page = self.browser("reader")
        page.login(email, password)
        pages = [
            ("#/users", lambda: page.wait_row(user_id)),
            (f"#/users/{user_id}", lambda: page.wait_h1("")),
            ("#/roles", lambda: page.wait_row(world.role_ids["Tenant Admin"])),
            (f"#/roles/{world.role_ids['Tenant Admin']}", lambda: page.wait_h1("Tenant Admin")),
            ("#/invitations", lambda: page.wait_row(invitation["id"])),
            ("#/vms", lambda: page.wait_row(vm["id"])),
            (f"#/vms/{vm['id']}", lambda: page.wait(lambda d: page.field_text("status"), message="VM status")),
        ]
        for route, loaded in pages:
            with self.subTest(route=route):
                page.go(route)
                page.wait_h1("")
                loaded()
                self.assertEqual(page.alert_texts(), [], f"{route} shows an error")
                shown = [" ".join(b.text.split()) or b.get_attribute("value")
                         for b in page.buttons(WRITE_ACTION, root=page.main())]
                self.assertEqual(shown, [], f"{route} shows write actions to a Read Only User")
                for href in ("#/vms/new", "#/roles/new"):
                    links = [a for a in page.d.find_elements(By.CSS_SELECTOR, f'a[href="{href}"]') if a.is_displayed()]
                    self.assertEqual(links, [], f"{route} links to {href}")
        admin_links = [a.get_attribute("href") for a in page.d.find_elements(By.CSS_SELECTOR, 'nav a[href^="#/admin"]')]
        self.assertEqual(admin_links, [], "a tenant member sees the superuser's pages in the nav")


class XssTest(ConsoleTest):
    """Names are text: markup in a VM's or a user's name is shown, never parsed."""

    def test_markup_in_names_is_shown_as_text(self):
        world = self.world
        email, password, _ = world.create_user("Tenant Admin", prefix="xss-admin")
        vm = world.create_vm(XSS)
        _, _, user_id = world.create_user("Read Only User", prefix="xss-user", first_name=XSS.replace("1", "2"),
                                          last_name="Mallory")
        page = self.browser("admin")
        page.login(email, password)

        page.go("#/vms")
        page.wait_row(vm["id"])
        self.assertEqual(page.row_field(vm["id"], "name"), XSS)
        self.assert_no_injected_image(page)

        page.go(f"#/vms/{vm['id']}")
        page.wait_h1(XSS)
        self.assert_no_injected_image(page)

        page.go("#/users")
        page.wait_row(user_id)
        self.assertIn(XSS.replace("1", "2"), page.row_text(user_id))
        self.assert_no_injected_image(page)

        # The confirmation of a delete names the VM, as text too.
        page.go(f"#/vms/{vm['id']}")
        page.wait_h1(XSS)
        page.click("Delete")
        page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "dialog[open]"), message="the confirm dialog")
        self.assert_no_injected_image(page)
        page.confirm("Cancel")

    def assert_no_injected_image(self, page):
        images = page.d.execute_script(
            "return [...document.querySelectorAll('img')].map(i => i.getAttribute('src'))")
        self.assertNotIn("x", images, "an <img src=x> was created from a name")
        page.no_js_alert(timeout=0.5)
        self.assertEqual(page.d.execute_script("return window.__vsAlerts"), [])


class NarrowLayoutTest(ConsoleTest):
    """At 375 CSS pixels (a phone) nothing makes the page scroll sideways and the nav still works."""

    def test_375_pixels(self):
        world = self.world
        email, password, _ = world.create_user("Tenant Admin", prefix="narrow-admin")
        vm = world.create_vm(unique("a-rather-long-virtual-machine-name-for-a-narrow-screen"))
        page = self.browser("phone", width=375, height=812)
        page.login(email, password)
        for route, title, loaded in (("#/vms", "Virtual machines", lambda: page.wait_row(vm["id"])),
                                     ("#/users", "Users", lambda: page.wait(
                                         lambda d: d.find_elements(By.CSS_SELECTOR, "tr[data-id]"),
                                         message="user rows"))):
            with self.subTest(route=route):
                self.use_nav(page, route)
                page.wait_h1(title)
                loaded()
                scroll_width, inner_width, client_width = page.page_overflow()
                # A phone widens its layout viewport (innerWidth) to fit content wider than the screen.
                self.assertLessEqual(max(scroll_width, inner_width), 375,
                                     f"{route}: the page is wider than the 375px screen "
                                     f"(scrollWidth {scroll_width}, innerWidth {inner_width})")
                page.screenshot("vms-375" if route == "#/vms" else "users-375")

    def use_nav(self, page, route):
        self.assertIsNotNone(page.nav_link(route), f"the nav has no link to {route}")
        if not page.stable(lambda: page.nav_link(route).is_displayed()):
            toggles = [b for b in page.d.find_elements(By.CSS_SELECTOR, "header button, nav button")
                       if b.is_displayed() and (b.get_attribute("aria-controls") or b.get_attribute("aria-expanded")
                                                or re.search(r"menu|navigation", b.text, re.I))]
            self.assertTrue(toggles, f"the nav link to {route} is hidden and there is no menu button")
            toggles[0].click()
            page.wait(lambda d: page.nav_link(route).is_displayed(),
                      message=f"the nav link to {route} after opening the menu")
        rect = page.stable(lambda: page.d.execute_script(
            "const r = arguments[0].getBoundingClientRect(); return [r.left, r.right, r.height]", page.nav_link(route)))
        self.assertTrue(rect[0] >= 0 and rect[1] <= 375 and rect[2] >= 24,
                        f"the nav link to {route} is off screen or too small to tap: {rect}")
        page.stable(lambda: page.nav_link(route).click())
        page.wait(lambda d: page.hash() == route, message=route)


class SessionEndTest(ConsoleTest):
    """A token the API no longer accepts sends the console back to its login page with a message."""

    def test_revoked_token_returns_to_login(self):
        world = self.world
        email, password, _ = world.create_user("Tenant Admin", prefix="revoked")
        page = self.browser("user")
        page.login(email, password)
        page.go("#/vms")
        page.wait_h1("")
        self.assert_token_not_in_local_storage(page)

        # Changing the password (through the API, as from another device) revokes every earlier token.
        time.sleep(1.1)  # tokens carry whole seconds: the change must come after the console's token's second
        Api.login(email, password, world.tenant_id).call(
            "PATCH", "/users/me", {"password": "a-new-password-1", "current_password": password})

        page.go("#/users", wait=False)
        try:
            page.wait(lambda d: page.hash().startswith("#/login") and SESSION_ENDED in d.find_element(
                By.TAG_NAME, "body").text, message="the login page with the session-ended message")
        except TimeoutException:
            self.fail(f"no login page with {SESSION_ENDED!r}: hash {page.hash()!r}, body "
                      f"{page.d.find_element(By.TAG_NAME, 'body').text[:300]!r}")
        page.wait_h1("Log in")
        self.assertIn(SESSION_ENDED, " ".join(page.alert_texts() + page.status_texts()),
                      "the message is not in a role=alert or role=status element")
        self.assert_token_not_in_local_storage(page)
        leftover = [v for v in page.storage("sessionStorage").values() if JWT.search(v or "")]
        self.assertEqual(leftover, [], "the revoked token is still in sessionStorage")
        # And the new password works.
        page.fill(r"^e-?mail", email)
        page.fill(r"^password", "a-new-password-1")
        page.click("Log in")
        page.wait_logged_in(email)

    def assert_token_not_in_local_storage(self, page):
        local = page.storage("localStorage")
        tokens = [k for k, v in local.items() if JWT.search(v or "") or "token" in k.lower()]
        self.assertEqual(tokens, [], f"an access token in localStorage: {list(local)}")


class ScreenshotTest(ConsoleTest):
    """Screenshots of the main pages at 1440 px (docs/screenshots/ with --update-screenshots)."""

    def test_main_pages(self):
        world = self.world
        vms = [world.create_vm(unique(name)) for name in ("web", "db", "cache")]
        for vm in vms:
            world.wait_vm(vm["id"], "RUNNING")
        world.admin.call("POST", f"/vms/{vms[2]['id']}/actions", {"action": "stop"})
        page = self.browser("admin", width=1440, height=900)
        page.open("#/login")
        page.wait_h1("Log in")
        page.screenshot("login")
        page.login(ADMIN_EMAIL, ADMIN_PASSWORD)

        page.go("#/vms")
        for vm in vms:
            page.wait_row(vm["id"])
        page.screenshot("vms")
        page.go(f"#/vms/{vms[0]['id']}")
        page.wait_h1(vms[0]["name"])
        page.wait_field("status", "RUNNING", root_fn=page.main)
        page.screenshot("vm-detail")
        page.go("#/vms/new")
        page.wait_h1("")
        page.control(r"^template$", tag="select")
        page.screenshot("vm-create")
        page.go("#/roles")
        page.wait_row(world.role_ids["Tenant Admin"])
        page.screenshot("roles")
        page.go("#/users")
        page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "tr[data-id]"), message="user rows")
        page.screenshot("users")


if __name__ == "__main__":
    unittest.main()
