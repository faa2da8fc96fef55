// Choosing the tenant to work in (#/tenants/pick), shown after login to users with several
// tenants (a superuser sees every tenant). The header's "Tenant" select switches later on.

import {h, append, replace, loading, alertBox, emptyState, field, badge} from '../dom.js';
import {errorText} from '../api.js';
import {session, loadTenants, selectTenant, clearTenant} from '../session.js';
import {registerPage, navigate, landingPath} from '../router.js';

registerPage({
  path: '/tenants/pick',
  title: 'Choose a tenant',
  tenant: false,
  async render(container) {
    const lead = h('p', {class: 'lead'});
    append(container, h('div', {class: 'page-header'}, h('div', {class: 'page-title'}, h('h1', {}, 'Choose a tenant'), lead)));
    const body = h('div', {}, loading('Loading your tenants…'));
    container.append(body);

    let tenants;
    try {
      tenants = await loadTenants();
    } catch (err) {
      replace(body, alertBox(`${errorText(err)} Reload the page to try again.`));
      return;
    }
    lead.textContent = session.isSuperuser
      ? 'As a superuser you can enter every tenant. Pick the one to work in.'
      : 'You belong to several tenants. Pick the one to work in; you can switch at any time from the header.';
    if (tenants.length === 0) {
      lead.textContent = '';
      replace(body, session.isSuperuser
        ? emptyState('There is no tenant yet.', h('a', {class: 'button primary', href: '#/admin/tenants'}, 'Create a tenant'))
        : emptyState('You are not an active member of any tenant. Ask a tenant administrator to invite you (then follow the link in the invitation) or to reactivate your membership.'));
      return;
    }
    if (tenants.length === 1 && !session.tenantId) {
      await enter(tenants[0].id, body);
      return;
    }

    const list = h('ul', {class: 'choice-list'});
    const status = h('div', {});
    const draw = (filter) => {
      const needle = filter.trim().toLowerCase();
      const shown = tenants.filter((t) => !needle || t.name.toLowerCase().includes(needle));
      replace(list, shown.length ? shown.map((t) => h('li', {'data-id': t.id},
        h('button', {type: 'button', onclick: (e) => enter(t.id, status, e.currentTarget)},
          h('span', {'data-field': 'name'}, t.name),
          t.id === session.tenantId ? badge('Current', 'info')
            : t.is_active === false ? badge('Deactivated', 'warn') : h('span', {class: 'muted small'}, 'Enter →'))))
        : h('li', {class: 'muted'}, 'No tenant matches this filter.'));
    };
    draw('');
    // A platform with many tenants needs a filter; a handful do not.
    const filter = tenants.length > 6
      ? field('Filter tenants', h('input', {type: 'search', autocomplete: 'off', oninput: (e) => draw(e.target.value)}))
      : null;
    replace(body, status, filter ? h('div', {class: 'toolbar'}, filter) : null, list);
  },
});

async function enter(tenantId, statusEl, button = null) {
  if (button) button.disabled = true;
  try {
    await selectTenant(tenantId);
    const back = session.returnTo;
    session.returnTo = null;
    navigate(back || landingPath());
  } catch (err) {
    clearTenant();
    replace(statusEl, alertBox(`${errorText(err)} Choose another tenant, or ask its administrator for access.`));
    if (button) button.disabled = false;
  }
}
