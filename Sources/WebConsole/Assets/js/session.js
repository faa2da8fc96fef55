// Who is logged in, in which tenant, with which permissions.
//
// The access token lives in memory and in sessionStorage: sessionStorage is per tab and survives a
// reload, but unlike localStorage it is gone when the tab closes and is not shared with other tabs.

import {api} from './api.js';

const TOKEN_KEY = 'virtualstack.token';
const TENANT_KEY = 'virtualstack.tenant';

export const session = {
  token: null,
  user: null,          // GET /users/me
  tenantId: null,
  tenantName: null,
  tenants: [],         // GET /tenants
  permissions: new Set(),
  // False until GET /users/me/permissions has answered for the current tenant.
  permissionsKnown: false,
  isSuperuser: false,
  // A one-time message for the login page ("Your session has ended; log in again.").
  flash: null,
  // The route to return to after logging in.
  returnTo: null,
};

const listeners = new Set();

/** Calls fn() after every change of user, tenant or permissions; returns an unsubscribe function. */
export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function notify() {
  for (const fn of listeners) {
    try { fn(session); } catch (err) { console.error(err); }
  }
}

/** True when the caller may do what needs permissionId in the current tenant. */
export function can(permissionId) {
  if (session.isSuperuser) return true;
  // Until the permissions are known (an API without /users/me/permissions), show the action and
  // let the API's 403 explain; hiding everything would leave a useless console.
  if (!session.permissionsKnown) return Boolean(session.token);
  return session.permissions.has(permissionId);
}

/** True when a user is logged in. */
export function isLoggedIn() {
  return Boolean(session.token);
}

/** Stores a fresh access token (after POST /auth/token). */
export function setToken(token) {
  session.token = token;
  session.flash = null;
  sessionStorage.setItem(TOKEN_KEY, token);
}

/**
 * Forgets everything about the session; `message` is shown on the login page.
 * Also used by api.js when the API answers 401.
 */
export function endSession(message = null) {
  session.token = null;
  session.user = null;
  session.tenantId = null;
  session.tenantName = null;
  session.tenants = [];
  session.permissions = new Set();
  session.permissionsKnown = false;
  session.isSuperuser = false;
  session.flash = message;
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(TENANT_KEY);
  notify();
}

/** Loads the user and the tenants they may enter (after logging in or on reload). */
export async function loadIdentity() {
  const user = await api('GET', '/users/me', {tenant: false});
  session.user = user;
  session.isSuperuser = Boolean(user.is_superuser);
  await loadTenants();
  notify();
  return user;
}

/** Reloads the tenant list (the header's switcher); keeps the current tenant's name in step. */
export async function loadTenants() {
  const tenants = await api('GET', '/tenants', {tenant: false});
  session.tenants = Array.isArray(tenants) ? tenants : [];
  const current = session.tenants.find((t) => t.id === session.tenantId);
  if (current) session.tenantName = current.name;
  notify();
  return session.tenants;
}

/** Enters a tenant: remembers it for this tab and loads the caller's permissions there. */
export async function selectTenant(tenantId) {
  const tenant = session.tenants.find((t) => t.id === tenantId);
  session.tenantId = tenantId;
  session.tenantName = tenant ? tenant.name : null;
  sessionStorage.setItem(TENANT_KEY, tenantId);
  session.permissions = new Set();
  session.permissionsKnown = false;
  try {
    await loadPermissions();
  } finally {
    notify();
  }
}

/** Leaves the current tenant (for the tenant picker). */
export function clearTenant() {
  session.tenantId = null;
  session.tenantName = null;
  session.permissions = new Set();
  session.permissionsKnown = false;
  sessionStorage.removeItem(TENANT_KEY);
  notify();
}

/**
 * GET /users/me/permissions in the current tenant → {tenant_id, permission_ids, is_superuser}.
 * The console hides the buttons of actions these do not allow; the API still decides.
 */
export async function loadPermissions() {
  let answer;
  try {
    answer = await api('GET', '/users/me/permissions');
  } catch (err) {
    if (err.status !== 404) throw err;
    // An older server without the endpoint: the permissions stay unknown (see can()).
    session.permissions = new Set();
    session.permissionsKnown = false;
    notify();
    return session.permissions;
  }
  session.permissions = new Set(answer.permission_ids || []);
  if (typeof answer.is_superuser === 'boolean') session.isSuperuser = answer.is_superuser || Boolean(session.user?.is_superuser);
  session.permissionsKnown = true;
  notify();
  return session.permissions;
}

/**
 * On page load: picks up the token and tenant this tab had before a reload.
 * Returns false when there is no session to restore (or it has expired).
 */
export async function restoreSession() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return false;
  session.token = token;
  await loadIdentity();
  const tenantId = sessionStorage.getItem(TENANT_KEY);
  if (tenantId && session.tenants.some((t) => t.id === tenantId)) {
    await selectTenant(tenantId);
  } else if (session.tenants.length === 1) {
    await selectTenant(session.tenants[0].id);
  }
  return true;
}
