"""Real-browser tests of what a tenant member does for themself: API keys (secret shown once, revoke),
the console by keyboard alone, and ordering a VM against the quota's headroom."""

import re
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from support import VM_WAIT, Api, ConsoleTest, unique


class ApiKeysTest(ConsoleTest):
    """A key made on the API keys page works, its secret shows once and never again, and revoking it
    through the confirm dialog makes the API refuse it."""

    def test_create_use_and_revoke_a_key(self):
        email, password, user_id = self.world.create_user("Tenant Admin", prefix="keys")
        owner = Api.login(email, password)
        page = self.browser("owner")
        page.login(email, password)
        page.follow_nav("#/api-keys")
        page.wait_h1("API keys")
        page.wait_loaded()

        key_name = unique("backup-script")
        page.click("Create API key")
        page.fill(r"^name$", key_name)
        page.click("Create API key")  # the form's submit (the page's own button hides while it is open)
        secret_field = page.wait(lambda d: page._one_visible(d.find_elements(By.CSS_SELECTOR, '[data-field="secret"]')),
                                 message="the new key's secret")
        secret = secret_field.get_attribute("value")
        self.assertRegex(secret, r"^\S{20,}$", "the secret shown is not a key")
        self.assertRegex(page.main().text, re.compile(r"not see it again|cannot be shown again", re.I))
        key = next(k for k in owner.call("GET", "/api-keys")["items"] if k["name"] == key_name)
        self.assertTrue(secret.startswith(key["prefix"]), f"the secret does not start with the key's prefix {key['prefix']}")
        page.wait_row(key["id"])
        # The secret works.
        me = Api(api_key=secret).call("GET", "/users/me")
        self.assertEqual(me["id"], user_id)

        # Away and back: the secret is nowhere on the page, nor kept in the browser's storage.
        page.follow_nav("#/vms")
        page.wait_h1("Virtual machines")
        page.follow_nav("#/api-keys")
        page.wait_h1("API keys")
        page.wait_row(key["id"])
        page.wait_loaded()
        self.assert_secret_gone(page, secret, key["prefix"])

        # Revoke, confirmed in the dialog: the row goes and the API refuses the key.
        page.click("Revoke", root=page.row(key["id"]))
        dialog = page.wait(lambda d: page._one_visible(d.find_elements(By.CSS_SELECTOR, "dialog[open]")),
                           message="the revoke confirmation")
        self.assertIn(key_name, dialog.text)
        page.confirm()
        page.wait(lambda d: page.row(key["id"]) is None, message="the revoked key's row gone")
        page.wait(lambda d: any("revoked" in t for t in page.status_texts()), message="the revoked notice")
        Api(api_key=secret).call("GET", "/users/me", expect=401)
        self.assertNotIn(key["id"], [k["id"] for k in owner.call("GET", "/api-keys")["items"]])

    def assert_secret_gone(self, page, secret, prefix):
        rest = secret[len(prefix):]  # the list shows the prefix; nothing after it may appear
        found = page.d.execute_script(
            "const rest = arguments[0]; const hits = [];"
            "if (document.documentElement.outerHTML.includes(rest)) hits.push('the document');"
            "if (document.body.innerText.includes(rest)) hits.push('the visible text');"
            "for (const el of document.querySelectorAll('input, textarea'))"
            "  if ((el.value || '').includes(rest)) hits.push('the value of an <' + el.tagName.toLowerCase() + '>');"
            "for (const s of [sessionStorage, localStorage]) for (let i = 0; i < s.length; i++)"
            "  if ((s.getItem(s.key(i)) || '').includes(rest)) hits.push('web storage ' + s.key(i));"
            "return hits;", rest)
        self.assertEqual(found, [], "the key's secret is still shown after leaving the page and coming back")
        self.assertEqual(page.d.find_elements(By.CSS_SELECTOR, '[data-field="secret"]'), [])


class KeyboardOnlyTest(ConsoleTest):
    """Logging in and moving between pages with the keyboard alone; the skip link, the document's first
    Tab stop, moves the focus into <main> without changing the page."""

    def test_keyboard_only(self):
        email, password, _ = self.world.create_user("Tenant Admin", prefix="keyboard")
        page = self.browser("keyboard")
        page.open("#/login")
        page.wait_h1("Log in")

        # Log in: Tab to each field (the email field may already have the focus), type, Enter.
        def is_control(label):
            return lambda f: f["tag"] == "input" and f["id"] and page.d.find_elements(
                By.XPATH, f'//label[@for="{f["id"]}" and contains(translate(., "EMAILPSWORD", "emailpsword"), "{label}")]')
        if not is_control("email")(page.focus()):
            page.tab_to(is_control("email"), "the email field", limit=20)
        page.press(email)
        page.tab_to(is_control("password"), "the password field", limit=5)
        page.press(password, Keys.ENTER)
        page.wait_logged_in(email)
        page.wait_h1("")

        # Through the nav: to Users, then to VMs, by Tab (backwards from the page: the nav is before
        # <main>) and Enter. Each nav link shows where the focus is.
        for route, title in (("#/users", "Users"), ("#/vms", "Virtual machines")):
            stops = page.tab_to(lambda f, r=route: f["in_nav"] and f["href"] == r, f"the nav's link to {route}",
                                backwards=True)
            outline = stops[-1]["outline"]
            self.assertTrue(outline[0] != "none" and outline[1] not in ("0px", ""),
                            f"the focused nav link to {route} has no visible focus outline: {outline}")
            page.press(Keys.ENTER)
            page.wait(lambda d, r=route: page.hash() == r, message=f"{route} after Enter on its nav link")
            page.wait_h1(title)
        page.wait_loaded()

        # The skip link: Tab from the page wraps to the document's start, whose first stop it is.
        marker = page.mark_document()
        stops = page.tab_to(lambda f: f["skip"], "the 'Skip to content' link", limit=200)
        link = stops[-1]
        before = stops[-2] if len(stops) > 1 else None
        self.assertTrue(before is None or before["tag"] in ("body", "html"),
                        f"the skip link is not the document's first Tab stop: {before} comes before it")
        self.assertEqual(link["text"], "Skip to content")
        self.assertTrue(link["rect"][0] >= 0 and link["rect"][1] >= 0 and link["rect"][2] > 0,
                        f"the focused skip link is not on screen: {link['rect']}")
        page.press(Keys.ENTER)
        page.wait(lambda d: page.focus()["in_main"], message="the focus inside <main> after the skip link")
        self.assertEqual(page.hash(), "#/vms", "the skip link changed the route")
        page.wait_h1("Virtual machines")
        self.assertEqual([h.text for h in page.d.find_elements(By.TAG_NAME, "h1") if h.is_displayed()],
                         ["Virtual machines"])
        self.assertTrue(page.same_document(marker), "the skip link reloaded the page")
        self.assertEqual(page.alert_texts(), [])


class QuotaHeadroomTest(ConsoleTest):
    """A tenant whose quota (1 VM) is used up: the create page says so before ordering, and the order
    is answered with the API's 409 detail in a role=alert; no VM is made."""

    def test_no_headroom_is_shown_before_and_after_ordering(self):
        world = self.world
        tenant = world.create_tenant(self, prefix="full")
        admin = world.admin.in_tenant(tenant["id"])
        admin.call("PUT", f"/tenants/{tenant['id']}/quota", {"vms": 1, "vcpus": None, "memory_gb": None, "disk_gb": None})
        email, password, _ = world.create_user("Tenant Admin", prefix="full-admin", tenant_id=tenant["id"])
        vm = world.create_vm(unique("the-only-one"), api=admin)
        world.delete_vm_later(self, vm["id"], api=admin)

        page = self.browser("orderer")
        page.login(email, password)  # one tenant: straight in
        self.assertEqual(world.wait_vm(vm["id"], "RUNNING", api=admin, timeout=VM_WAIT)["status"], "RUNNING")
        page.go("#/vms/new")
        page.wait_h1("Create VM")
        page.wait_loaded()

        # Before ordering: no VM headroom left, this order would go 1 over, and a warning says so.
        quota_row = page.wait(lambda d: page.row("vms"), message="the VMs row of the quota panel")
        self.assertEqual(page.row_field("vms", "limit"), "1")
        self.assertEqual(page.row_field("vms", "headroom"), "0")
        self.assertEqual(page.row_field("vms", "after"), "1 over")
        self.assertIn("row-over", quota_row.get_attribute("class"))
        warning = page.wait(lambda d: page._one_visible(d.find_elements(By.CSS_SELECTOR, "main .quota-warn")),
                            message="the over-quota warning")
        self.assertRegex(warning.text, r"exceeds the quota for VMs")

        # Ordering anyway: the API's 409 detail, in a role=alert; still one VM.
        page.fill(r"^name$", unique("one-too-many"))
        page.choose(r"^template$", world.template["name"])
        page.click("Create VM")
        alerts = page.wait(lambda d: page.alert_texts(), message="the refusal in a role=alert")
        refusal = Api.login(email, password, tenant["id"]).call(
            "POST", "/vms", {"name": unique("probe"), "template_id": world.template["id"]}, expect=409)
        self.assertRegex(refusal["detail"], r"(?i)quota")
        self.assertTrue(any(refusal["detail"] in a for a in alerts),
                        f"the alert does not show the API's detail {refusal['detail']!r}: {alerts}")
        self.assertEqual(page.hash(), "#/vms/new")
        self.assertEqual(admin.call("GET", "/vms")["total"], 1, "a VM was created beyond the quota")


if __name__ == "__main__":
    unittest.main()
