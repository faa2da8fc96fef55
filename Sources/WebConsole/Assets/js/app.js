// Boot: registers every page, draws the header, restores this tab's session and starts routing.

import './pages/identity.js';
import './pages/compute.js';
import {h, clear, append} from './dom.js';
import {session, onSessionChange, endSession, restoreSession, selectTenant, isLoggedIn} from './session.js';
import {errorText} from './api.js';
import {startRouter, navigate, refresh, currentRoute, landingPath, renderNav} from './router.js';

const top = document.getElementById('top');
const nav = document.getElementById('nav');
const main = document.getElementById('main');

// The skip link moves focus to the page's content without changing the route in the address.
document.querySelector('.skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

/** The header: brand, menu toggle (narrow screens), tenant switcher, the user and "Log out". */
function renderHeader() {
  clear(top);
  const brand = h('a', {class: 'brand', href: '#/'}, h('span', {class: 'brand-mark', 'aria-hidden': 'true'}), 'VirtualStack');
  if (!isLoggedIn()) {
    append(top, brand);
    return;
  }
  const menu = h('button', {type: 'button', class: 'menu-toggle ghost', 'aria-controls': 'nav',
    'aria-expanded': String(nav.classList.contains('open')), onclick: () => toggleNav()}, 'Menu');

  const select = h('select', {id: 'tenant-select', onchange: (e) => switchTenant(e.target.value)});
  if (!session.tenantId) select.append(h('option', {value: '', selected: true}, 'Choose a tenant…'));
  for (const tenant of session.tenants) {
    const label = tenant.is_active === false ? `${tenant.name} (deactivated)` : tenant.name;
    select.append(h('option', {value: tenant.id, selected: tenant.id === session.tenantId}, label));
  }
  const tenantSwitch = session.tenants.length
    ? h('div', {class: 'tenant-switch'}, h('label', {for: 'tenant-select'}, 'Tenant'), select)
    : null;

  const who = session.user ? session.user.email : '';
  append(top, [
    brand,
    menu,
    tenantSwitch,
    h('div', {class: 'account'},
      session.isSuperuser ? h('span', {class: 'badge badge-info'}, 'Superuser') : null,
      h('a', {class: 'user-email', href: '#/profile', title: 'Your profile'}, who),
      h('button', {type: 'button', class: 'ghost', onclick: logOut}, 'Log out')),
  ]);
}

function toggleNav(force) {
  const open = force ?? !nav.classList.contains('open');
  nav.classList.toggle('open', open);
  const button = top.querySelector('.menu-toggle');
  if (button) button.setAttribute('aria-expanded', String(open));
}

async function switchTenant(tenantId) {
  if (!tenantId) return;
  try {
    await selectTenant(tenantId);
  } catch (err) {
    showBanner(errorText(err));
    return;
  }
  const here = currentRoute();
  // A detail page (a VM, a role) belongs to the tenant just left: go to its list instead.
  if (!here || !here.page || here.path === '/tenants/pick') {
    const back = session.returnTo;
    session.returnTo = null;
    navigate(back || landingPath());
  } else if (here.page.path.includes('/:')) {
    navigate(here.page.path.split('/:')[0]);
  } else {
    refresh();
  }
}

function showBanner(message) {
  const existing = document.querySelector('.banner');
  if (existing) existing.remove();
  main.prepend(h('div', {class: 'error banner', role: 'alert'}, message));
}

function logOut() {
  endSession(null);
  session.flash = 'You have logged out.';
  navigate('/login');
}

onSessionChange(() => { renderHeader(); renderNav(); });
// Following a link in the collapsed (narrow-screen) menu closes it.
nav.addEventListener('click', (e) => { if (e.target.closest('a')) toggleNav(false); });

async function boot() {
  renderHeader();
  // The invitation page is public: a stale token must not stand in its way.
  if (location.pathname !== '/invitations/accept') {
    try {
      await restoreSession();
    } catch (err) {
      // A 401 already ended the session; anything else (network) is shown, and pages retry.
      if (err.status !== 401) showBanner(errorText(err));
    }
  }
  renderHeader();
  await startRouter(main, nav);
}

boot();
