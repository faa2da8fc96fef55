"""Real-browser tests of the console's platform (superuser) pages: tenants, hosts, templates, quotas
and the audit trail, and what a tenant member sees of them (nothing but a clear refusal)."""

import re
import unittest
import urllib.parse

from selenium.webdriver.common.by import By

from support import ADMIN_EMAIL, ADMIN_PASSWORD, Api, ConsoleTest, unique

ADMIN_ROUTES = ("#/admin/tenants", "#/admin/hosts", "#/admin/templates", "#/admin/quotas")


class SuperuserPagesTest(ConsoleTest):
    """The bootstrap superuser creates a tenant, drains and undrains the simulated host, adds and
    removes a template, sets the new tenant's quota and finds the tenant's creation in the audit trail,
    each through its page; the API confirms every change."""

    def test_platform_pages(self):
        world = self.world
        api = world.admin
        page = self.browser("superuser")
        page.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        for route in ADMIN_ROUTES:
            self.assertIsNotNone(page.nav_link(route), f"the superuser's nav has no link to {route}")

        # Tenants: create one.
        tenant_name = unique("Acme")
        page.follow_nav("#/admin/tenants")
        page.wait_h1("Tenants")
        page.wait_loaded()
        panel = page.open_panel("New tenant")
        page.fill(r"^name$", tenant_name, root=panel)
        page.fill(r"^description", "Made by the browser tests", root=panel)
        page.click("Create tenant", root=panel)
        tenant = self.eventually(lambda: next((t for t in api.call("GET", "/tenants") if t["name"] == tenant_name),
                                              None), "the tenant in GET /tenants")
        self.addCleanup(api.call, "DELETE", f"/tenants/{tenant['id']}")
        page.wait_row(tenant["id"])
        self.assertEqual(page.row_field(tenant["id"], "name"), tenant_name)
        self.assertEqual(page.row_field(tenant["id"], "is_active"), "Active")

        # Hosts: drain the simulated host (PATCH enabled=false), then undrain it.
        host = next(h for h in api.call("GET", "/hosts") if h["driver"] == "simulated")
        self.assertTrue(host["enabled"], "the simulated host is drained before the test")
        self.addCleanup(api.call, "PATCH", f"/hosts/{host['id']}", {"enabled": True})
        page.follow_nav("#/admin/hosts")
        page.wait_h1("Hosts")
        page.wait_row(host["id"])
        page.wait_field("enabled", "Accepting VMs", root_fn=lambda: page.row(host["id"]))
        page.click("Drain", root=page.row(host["id"]))
        page.confirm()
        page.wait_field("enabled", "Drained", root_fn=lambda: page.row(host["id"]))
        self.assertFalse(api.call("GET", f"/hosts/{host['id']}")["enabled"], "the API still has the host enabled")
        page.click("Undrain", root=page.row(host["id"]))
        page.wait_field("enabled", "Accepting VMs", root_fn=lambda: page.row(host["id"]))
        self.assertTrue(api.call("GET", f"/hosts/{host['id']}")["enabled"], "the API still has the host drained")

        # Templates: add one, then remove it (confirmed in the dialog).
        template_name = unique("Debian 13")
        page.follow_nav("#/admin/templates")
        page.wait_h1("Templates")
        page.wait_loaded()
        panel = page.open_panel("Add a template")
        page.fill(r"^name$", template_name, root=panel)
        page.fill(r"^vcpus$", "2", root=panel)
        page.fill(r"^memory", "3", root=panel)
        page.fill(r"^disk", "25", root=panel)
        page.click("Add template", root=panel)

        def listed_template():
            return next((t for t in api.call("GET", "/vm-templates") if t["name"] == template_name), None)
        template = self.eventually(listed_template, "the template in GET /vm-templates")
        self.addCleanup(lambda: listed_template() and api.call("DELETE", f"/vm-templates/{template['id']}"))
        self.assertEqual((template["cpu"], template["memory_gb"], template["disk_gb"]), (2, 3, 25))
        page.wait_row(template["id"])
        self.assertIn(template_name, page.row_field(template["id"], "name"))
        page.click("Remove", root=page.row(template["id"]))
        page.confirm()
        page.wait(lambda d: page.row(template["id"]) is None and d.find_elements(By.CSS_SELECTOR, "main tr[data-id]"),
                  message="the removed template's row gone from the list")
        self.assertIsNone(listed_template(), "the removed template is still in GET /vm-templates")

        # Quotas: the new tenant may run 2 VMs.
        page.follow_nav("#/admin/quotas")
        page.wait_h1("Quotas")
        page.choose(r"^tenant$", tenant_name, root=page.main())
        page.wait(lambda d: f"tenant={tenant['id']}" in page.hash(), message="the quota page of the new tenant")
        page.wait(lambda d: f"Usage of {tenant_name}" in page.main().text, message="the new tenant's usage")
        limit = page.fill(r"^vms limit", "2", root=page.main())
        page.click("Save", root=limit.find_element(By.XPATH, "./ancestor::form"))
        page.wait(lambda d: any(f"Limits of {tenant_name} saved" in t for t in page.status_texts()),
                  message="the saved notice")
        self.assertEqual(page.alert_texts(), [])
        quota = api.in_tenant(tenant["id"]).call("GET", "/quota")
        self.assertEqual(quota["vms"]["limit"], 2, quota)
        for other in ("vcpus", "memory_gb", "disk_gb"):
            self.assertIsNone(quota[other]["limit"], f"{other} got a limit: {quota}")

        # Audit trail: filtered by operation, the tenant's creation is there, and only such events.
        # Without X-Tenant-ID: a superuser's header would narrow the trail to that one tenant.
        event = Api(api.token).call("GET", "/audit-events?" + urllib.parse.urlencode(
            {"operation": "tenant.create", "target_id": tenant["id"]}))["items"][0]
        page.follow_nav("#/audit")
        page.wait_h1("Audit trail")
        page.wait_loaded()
        page.fill(r"^operation$", "tenant.create", root=page.main())
        page.click("Apply filters")

        def filtered(d):
            if "operation=tenant.create" not in page.hash() or page.row(event["id"]) is None:
                return False
            operations = [e.text for e in d.find_elements(By.CSS_SELECTOR, 'main tr[data-id] [data-field="operation"]')]
            return operations and all(o == "tenant.create" for o in operations)
        page.wait(filtered, message="the audit trail filtered on tenant.create with the tenant's creation")
        target = page.row(event["id"]).find_element(By.CSS_SELECTOR, '[data-field="target_id"]')
        self.assertIn(tenant["id"], target.get_attribute("innerHTML"), "the row does not name the new tenant")
        self.assertEqual(page.row_field(event["id"], "outcome"), "success")
        self.assertEqual(page.row_field(event["id"], "tenant_id"), tenant_name)
        self.assertEqual(page.alert_texts(), [])


class MemberAdminPagesTest(ConsoleTest):
    """A tenant member, even a Tenant Admin, has no Platform pages: none in the nav, and opening one by
    its address shows a refusal that says why and where to go, never a blank page."""

    def test_member_is_refused_platform_pages(self):
        email, password, _ = self.world.create_user("Tenant Admin", prefix="member")
        page = self.browser("member")
        page.login(email, password)
        page.wait_h1("")
        nav = page.d.find_element(By.ID, "nav")
        self.assertNotIn("Platform", nav.text, "a tenant member sees the Platform nav group")
        self.assertEqual([a.get_attribute("href") for a in nav.find_elements(By.CSS_SELECTOR, 'a[href^="#/admin"]')], [],
                         "a tenant member sees links to the superuser's pages")
        for route, title in zip(ADMIN_ROUTES, ("Tenants", "Hosts", "Templates", "Quotas")):
            with self.subTest(route=route):
                page.open(route)  # typed into the address bar
                page.wait(lambda d: page.hash() == route, message=route)
                page.wait_h1(title)
                alerts = page.wait(lambda d: page.alert_texts(), message=f"a role=alert refusal on {route}")
                self.assertRegex(" ".join(alerts), re.compile(r"superuser|platform operator", re.I))
                links = [a.get_attribute("href") for a in page.main().find_elements(By.CSS_SELECTOR, "a[href]")
                         if a.is_displayed()]
                self.assertTrue(links, f"{route}: the refusal offers no way on")
                self.assertEqual(page.d.find_elements(By.CSS_SELECTOR, "main tr[data-id], main form"), [],
                                 f"{route}: platform data or forms shown to a member")
        # The API agrees: the member's token is refused on the hosts.
        Api.login(email, password, self.world.tenant_id).call("GET", "/hosts", expect=403)


if __name__ == "__main__":
    unittest.main()
