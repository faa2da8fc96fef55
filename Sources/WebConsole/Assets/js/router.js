// Hash routes (#/users/42) to page modules, with the checks every page shares: logged in,
// a tenant chosen, superuser-only, holding the page's permission. It also draws the <nav> from the
// pages that asked to appear there and that the caller may open.

import {h, clear, append, pageHeader, alertBox, emptyState} from './dom.js';
import {session, can, isLoggedIn} from './session.js';

const pages = [];
let mainEl = null;
let navEl = null;
let cleanup = null;
let renderCount = 0;
let lastPath = null;
let current = null;

// Nav groups in the order they appear, with the heading shown above each.
const NAV_GROUPS = [
  {id: 'tenant', title: 'Tenant'},
  {id: 'account', title: 'Your account'},
  {id: 'admin', title: 'Platform'},
];

/**
 * Adds a page. path: '/vms/:id'; nav: {label, group: 'tenant'|'account'|'admin', order};
 * permission: needed to open it; superuser: only for superusers; public: no login needed;
 * tenant: false for pages that work without a chosen tenant (default: needed, except for
 * public and superuser pages), or a function of the session saying whether this caller needs one.
 * render(container, params, query) may return a cleanup function.
 */
export function registerPage(def) {
  const names = [];
  const source = def.path.replace(/\/:([A-Za-z_]+)/g, (_, name) => { names.push(name); return '/([^/]+)'; });
  const page = {
    ...def,
    isPublic: Boolean(def.public),
    tenantRule: def.tenant ?? !(def.public || def.superuser),
    regex: new RegExp(`^${source}/?$`),
    names,
  };
  // Literal paths win over parameterised ones (/roles/new before /roles/:id), whatever the order
  // the modules were loaded in.
  pages.push(page);
  pages.sort((a, b) => a.names.length - b.names.length);
  if (navEl) renderNav();
}

/** Goes to a hash route: navigate('#/users') or navigate('/users'). */
export function navigate(hashPath) {
  const target = hashPath.startsWith('#') ? hashPath : `#${hashPath}`;
  if (location.pathname !== '/') {
    // Leaving a real path (the invitation page) for the single-page app.
    location.assign(`/${target}`);
  } else if (location.hash === target) {
    route();
  } else {
    location.hash = target;
  }
}

/** Renders the current route again (after a tenant switch, for instance). */
export function refresh() {
  lastPath = null;
  return route();
}

/** The page on screen: {page, params, query, path}. */
export function currentRoute() {
  return current;
}

/** Whether the page can only be shown inside a chosen tenant, for the caller as they are. */
function needsTenant(page) {
  return typeof page.tenantRule === 'function' ? page.tenantRule(session) : page.tenantRule;
}

/** Why the caller may not open a page, or null when they may. */
export function denial(page) {
  if (page.superuser && !session.isSuperuser) {
    return 'This page is for platform operators (superusers) only.';
  }
  if (page.permission && !can(page.permission)) {
    return `You need the permission ${page.permission} to see this page.`;
  }
  return null;
}

/** The first page a logged-in user lands on: the first tenant page in the nav they may open. */
export function landingPath() {
  if (!isLoggedIn()) return '/login';
  if (!session.tenantId) {
    if (session.isSuperuser && session.tenants.length === 0) return '/admin/tenants';
    return '/tenants/pick';
  }
  const first = navPages().find((p) => p.nav.group === 'tenant');
  return first ? first.path : '/profile';
}

function parseLocation() {
  if (location.pathname === '/invitations/accept') {
    return {path: '/invitations/accept', query: new URLSearchParams(location.search)};
  }
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = raw.split('?');
  return {path: path || '/', query: new URLSearchParams(search)};
}

function match(path) {
  for (const page of pages) {
    const m = page.regex.exec(path);
    if (m) {
      const params = {};
      page.names.forEach((name, i) => { params[name] = decodeURIComponent(m[i + 1]); });
      return {page, params};
    }
  }
  return null;
}

/** Renders the page for the current location. */
export async function route() {
  const {path, query} = parseLocation();
  if (path === '/') {
    navigate(landingPath());
    return;
  }
  const found = match(path);
  if (found && !found.page.isPublic && !isLoggedIn()) {
    session.returnTo = `#${path}${query.toString() ? `?${query}` : ''}`;
    navigate('/login');
    return;
  }
  if (found && needsTenant(found.page) && !session.tenantId) {
    session.returnTo = `#${path}${query.toString() ? `?${query}` : ''}`;
    navigate(landingPath());
    return;
  }

  if (cleanup) {
    try { cleanup(); } catch (err) { console.error(err); }
    cleanup = null;
  }
  const pathChanged = path !== lastPath;
  lastPath = path;
  renderCount += 1;
  const myRender = renderCount;

  // Each render gets its own container: a slow page that finishes after the user has moved on
  // writes into a detached element instead of over the new page.
  const container = h('div', {class: 'page', tabindex: '-1'});
  clear(mainEl);
  mainEl.append(container);
  current = found ? {page: found.page, params: found.params, query, path} : {page: null, params: {}, query, path};
  renderNav();
  document.body.classList.toggle('signed-out', !isLoggedIn());

  if (!found) {
    document.title = 'Not found · VirtualStack';
    append(container, [pageHeader('Page not found'),
      emptyState('There is no page at this address.', h('a', {href: `#${landingPath()}`}, 'Go to the start page'))]);
    return;
  }
  const {page, params} = found;
  document.title = `${page.title} · VirtualStack`;
  const refused = denial(page);
  if (refused) {
    append(container, [pageHeader(page.title), alertBox(refused),
      h('p', {}, page.superuser && !session.isSuperuser
        ? 'No tenant role gives access to it: log in as a platform operator, or '
        : 'Ask an administrator of this tenant for a role that includes it, or ',
      h('a', {href: `#${landingPath()}`}, 'go to the start page'), '.')]);
    return;
  }
  if (pathChanged) container.focus({preventScroll: true});
  try {
    const result = await page.render(container, params, query);
    if (typeof result === 'function') {
      if (myRender === renderCount) cleanup = result;
      else result();
    }
  } catch (err) {
    console.error(err);
    if (myRender !== renderCount) return;
    clear(container);
    append(container, [pageHeader(page.title),
      alertBox(`This page failed to load: ${err && err.message ? err.message : err}. Reload the page to try again.`)]);
  }
}

function navPages() {
  return pages
    .filter((p) => p.nav && !denial(p) && (!needsTenant(p) || session.tenantId))
    .sort((a, b) => (a.nav.order ?? 100) - (b.nav.order ?? 100));
}

/** Draws the navigation: one list per group, the current page marked with aria-current. */
export function renderNav() {
  if (!navEl) return;
  clear(navEl);
  if (!isLoggedIn()) {
    navEl.hidden = true;
    return;
  }
  navEl.hidden = false;
  const visible = navPages();
  const activePath = current ? current.path : '';
  for (const group of NAV_GROUPS) {
    const items = visible.filter((p) => (p.nav.group || 'tenant') === group.id);
    if (!items.length) continue;
    const headingId = `nav-${group.id}`;
    navEl.append(h('div', {class: 'nav-group'},
      h('p', {class: 'nav-group-title', id: headingId}, group.title),
      h('ul', {'aria-labelledby': headingId}, items.map((p) => {
        const active = activePath === p.path || activePath.startsWith(`${p.path}/`);
        return h('li', {}, h('a', {href: `#${p.path}`, 'aria-current': active ? 'page' : null}, p.nav.label));
      }))));
  }
}

/** Starts routing into main, drawing the navigation into nav. */
export function startRouter(main, nav) {
  mainEl = main;
  navEl = nav;
  // Only `#/…` hashes are routes; any other (an in-page anchor) leaves the page as it is.
  window.addEventListener('hashchange', () => { if (location.hash.startsWith('#/') || !location.hash) route(); });
  return route();
}
