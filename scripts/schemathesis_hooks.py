"""schemathesis hooks for scripts/schemathesis.sh: rules a JSON Schema cannot state, applied to the
generated request bodies so that schema-valid data is also valid for the server.

- Ids in a body must name records of the tenant (an unknown role or user id is 422 by contract).
  Any seeded record can be deleted during the run (schemathesis reuses ids it has seen), so role ids
  become the `Read Only User` system role, which cannot be deleted, and user ids are dropped
  (an empty list of holders is valid).
- Passwords are at most 72 bytes of UTF-8 (bcrypt's limit); the schema can only count characters.
- A new password needs `current_password` (PATCH /users/me); a new account needs a password
  (POST /users: optional in the schema because an existing account's email takes none).
- `expires_at` must lie in the future (and the server reads offsets only up to ±14:00): a valid
  timestamp becomes one 30 days ahead, in UTC.
- A VM is made from a template or from an ISO, not both: fields of the other source are dropped, an
  ISO VM gets the sizes it needs, and a template id becomes the seeded template's. An ISO URL that
  matches the schema's pattern but has no host becomes a valid one.
- Hosts: the run registers simulated hosts only (a libvirt or vCenter host would need a hypervisor
  to answer): `virt_type` belongs to libvirt hosts and the credentials, TLS and placement fields to
  vcenter hosts, so they are dropped from host bodies (their rules have tests of their own).
Invalid values (not UUIDs, wrong types) are left alone, so negative tests still send them.
"""
import os
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import schemathesis

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ROLE = "00000000-0000-4000-8000-000000000002"  # Read Only User (seeded by migration)
TEMPLATE = os.environ.get("VS_TEMPLATE_ID", "")
VCENTER_FIELDS = (
    "username", "password", "insecure", "ca_pem", "thumbprint", "datacenter", "cluster", "resource_pool", "datastore", "folder",
    "network",
)


def _known(value, replacement):
    return replacement if isinstance(value, str) and UUID.match(value) else value


def _known_list(values, replacement):
    return [_known(value, replacement) for value in values] if isinstance(values, list) else values


@schemathesis.hook
def map_case(context, case):
    # Applied in every phase (coverage, examples, fuzzing, stateful), unlike `map_body`.
    if isinstance(case.body, dict):
        case.body = _adapted(case.body)
        if case.method.upper() == "POST" and case.path == "/vms":
            case.body = _vm_source(case.body)
        if case.path.startswith("/hosts"):
            for field in VCENTER_FIELDS:
                case.body.pop(field, None)
    return case


def _adapted(body):
    body = dict(body)
    if "template_id" in body or "iso_url" in body or "source_type" in body:
        body = _vm_source(body)
    if body.get("driver") in ("libvirt", "vcenter"):
        body["driver"] = "simulated"
    if "driver" in body and body.get("driver") != "libvirt":
        body.pop("virt_type", None)
    if "role_id" in body:
        body["role_id"] = _known(body["role_id"], ROLE)
    if "role_ids" in body:
        body["role_ids"] = _known_list(body["role_ids"], ROLE)
    if isinstance(body.get("user_ids"), list):
        body["user_ids"] = [value for value in body["user_ids"] if not (isinstance(value, str) and UUID.match(value))]
    password = body.get("password")
    if isinstance(password, str) and len(password.encode()) > 72 and len(password) <= 72:
        body["password"] = password.encode()[:72].decode(errors="ignore").ljust(8, "x")
    if "email" in body and "first_name" in body and "last_name" in body and "password" not in body and "token" not in body:
        body["password"] = "generated-password"
    if isinstance(password, str) and "first_name" not in body and "current_password" not in body and "token" not in body \
            and "email" not in body:
        body["current_password"] = "not-the-password"
    expires = body.get("expires_at")
    if isinstance(expires, str):
        try:
            moment = datetime.fromisoformat(expires.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            body["expires_at"] = (datetime.now(timezone.utc) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return body


def _vm_source(body):
    source = body.get("source_type")
    if source not in ("template", "iso"):
        if source is not None:
            return body  # an invalid source type: left for the negative tests
        source = "iso" if "iso_url" in body and "template_id" not in body else "template"
    if source == "template":
        body.pop("iso_url", None)
        body["template_id"] = _known(body.get("template_id", TEMPLATE), TEMPLATE)
    else:
        body.pop("template_id", None)
        url = body.get("iso_url")
        if not isinstance(url, str) or not _has_host(url):
            body["iso_url"] = "https://example.com/boot.iso"
        for size in ("cpu", "memory_gb", "disk_gb"):
            body.setdefault(size, 1)
    return body


def _has_host(url):
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises for a port that is not a number
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False
