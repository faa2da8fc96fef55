// The roles of a tenant (#/roles): system roles first, then the tenant's custom ones, with how
// many members hold each. Viewing, editing and the holders live on the role's own page.

import {h, append, replace, pageHeader, loading, alertBox, tableView, badge, confirmDialog, messageSlot} from '../dom.js';
import {api, errorText} from '../api.js';
import {can} from '../session.js';
import {registerPage, navigate} from '../router.js';

registerPage({
  path: '/roles',
  title: 'Roles',
  permission: 'role:read',
  nav: {label: 'Roles', group: 'tenant', order: 30},
  async render(container) {
    const actions = can('role:create')
      ? [h('button', {type: 'button', class: 'primary', onclick: () => navigate('/roles/new')}, 'Create role')]
      : [];
    const messages = messageSlot();
    const body = h('div', {}, loading('Loading roles…'));
    append(container, [
      pageHeader('Roles', {lead: 'A role is a set of permissions. System roles are built in; custom roles belong to this tenant.', actions}),
      messages.el,
      body,
    ]);

    async function load() {
      let roles;
      try {
        roles = await api('GET', '/roles');
      } catch (err) {
        replace(body, alertBox(`${errorText(err, 'role:read')} Reload the page to try again.`));
        return;
      }
      replace(body, tableView([
        {label: 'Name', field: 'name', render: (r) => h('a', {href: `#/roles/${r.id}`}, r.name)},
        {label: 'Type', field: 'is_system_role', render: (r) => r.is_system_role ? badge('System', 'info') : badge('Custom')},
        {label: 'Description', field: 'description', class: 'wrap', render: (r) => r.description || h('span', {class: 'muted'}, '—')},
        {label: 'Permissions', field: 'permission_ids', render: (r) => String((r.permission_ids || []).length)},
        {label: 'Members', field: 'user_count', render: (r) => String(r.user_count ?? 0)},
        {label: 'Actions', class: 'actions-cell', render: (r) => rowActions(r)},
      ], roles, {empty: 'No roles yet.'}));
    }

    function rowActions(role) {
      const buttons = [h('button', {type: 'button', class: 'small', onclick: () => navigate(`/roles/${role.id}`)},
        !role.is_system_role && can('role:update') ? 'Edit' : 'View')];
      if (!role.is_system_role && can('role:delete')) {
        buttons.push(h('button', {type: 'button', class: 'small danger', onclick: (e) => remove(role, e.currentTarget)}, 'Delete'));
      }
      return h('div', {class: 'actions'}, buttons);
    }

    async function remove(role, button) {
      const holders = role.user_count ? ` ${role.user_count} member(s) hold it; take it from them first.` : '';
      if (!await confirmDialog(`Delete the role "${role.name}"?${holders} This cannot be undone.`)) return;
      button.disabled = true;
      try {
        await api('DELETE', `/roles/${role.id}`);
        messages.success(`The role "${role.name}" was deleted.`);
        await load();
      } catch (err) {
        button.disabled = false;
        messages.error(errorText(err, 'role:delete'));
      }
    }

    await load();
  },
});
