// One member of the tenant (#/users/:id): names, membership state and the roles held here.

import {h, append, replace, pageHeader, loading, alertBox, badge, confirmDialog, field, withBusy,
  messageSlot, formatDate, tableView} from '../dom.js';
import {api, errorText} from '../api.js';
import {can, session} from '../session.js';
import {registerPage, navigate} from '../router.js';
import {fullName} from './role-detail.js';

registerPage({
  path: '/users/:id',
  title: 'User',
  permission: 'user:read',
  async render(container, {id}) {
    const back = h('a', {class: 'back-link', href: '#/users'}, '← Users');
    const body = h('div', {}, back, pageHeader('User'), loading('Loading the member…'));
    container.append(body);
    const messages = messageSlot();

    let user;
    let roles = null;
    async function fetchAll() {
      const [u, r] = await Promise.all([
        api('GET', `/users/${encodeURIComponent(id)}`),
        can('role:read') ? api('GET', '/roles').catch(() => null) : Promise.resolve(null),
      ]);
      user = u;
      roles = r;
    }
    try {
      await fetchAll();
    } catch (err) {
      replace(body, back, pageHeader('User'),
        alertBox(err.status === 404 ? 'This user is not a member of this tenant (they may have been removed).' : errorText(err, 'user:read')));
      return;
    }

    function draw() {
      document.title = `${user.email} · VirtualStack`;
      const me = session.user && session.user.id === user.id;
      const actions = [];
      if (can('user:update') && !me) {
        actions.push(user.is_active
          ? h('button', {type: 'button', onclick: (e) => setActive(false, e.currentTarget)}, 'Deactivate')
          : h('button', {type: 'button', onclick: (e) => setActive(true, e.currentTarget)}, 'Activate'));
      }
      if (can('user:delete') && !me) {
        actions.push(h('button', {type: 'button', class: 'danger', onclick: (e) => remove(e.currentTarget)}, 'Remove'));
      }
      replace(body,
        back,
        h('div', {class: 'page-header'},
          h('div', {class: 'page-title'},
            h('h1', {}, fullName(user) || user.email),
            h('p', {class: 'lead'}, user.email, ' ',
              user.is_active ? badge('Active', 'ok') : badge('Inactive', 'warn'),
              user.is_superuser ? [' ', badge('Superuser', 'info')] : null)),
          actions.length ? h('div', {class: 'actions'}, actions) : null),
        messages.el,
        h('section', {class: 'card'}, h('h2', {}, 'Member'), h('dl', {class: 'facts', 'data-id': user.id},
          h('dt', {}, 'Email'), h('dd', {'data-field': 'email'}, user.email),
          h('dt', {}, 'Status in this tenant'), h('dd', {'data-field': 'is_active'}, user.is_active ? 'Active' : 'Inactive'),
          h('dt', {}, 'Joined'), h('dd', {'data-field': 'joined_at'}, formatDate(user.joined_at)))),
        can('user:update') ? namesCard() : null,
        rolesCard());
    }

    function namesCard() {
      const first = h('input', {type: 'text', maxlength: 100, required: true, value: user.first_name});
      const last = h('input', {type: 'text', maxlength: 100, required: true, value: user.last_name});
      const save = h('button', {type: 'submit', class: 'primary'}, 'Save');
      const form = h('form', {class: 'stack', novalidate: true},
        h('div', {class: 'form-row'}, field('First name', first), field('Last name', last)),
        h('div', {class: 'form-actions'}, save));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        if (!first.value.trim() || !last.value.trim()) { messages.error('Both names are needed.'); return; }
        await withBusy(save, 'Saving…', async () => {
          try {
            user = await api('PATCH', `/users/${user.id}`, {body: {first_name: first.value.trim(), last_name: last.value.trim()}});
            draw();
            messages.success('The names were saved.');
          } catch (err) {
            messages.error(errorText(err, 'user:update'));
          }
        });
      });
      return h('section', {class: 'card section'}, h('h2', {}, 'Names'), form);
    }

    function rolesCard() {
      const section = h('section', {class: 'card section'}, h('h2', {}, 'Roles in this tenant'));
      // /users answers role names; the role ids (for removing) come from /roles.
      const byName = new Map((roles || []).map((r) => [r.name, r]));
      const held = user.roles.map((name) => ({id: byName.get(name)?.id || name, name, role: byName.get(name)}));
      const mayAssign = can('role:assign_users') && roles;
      append(section, tableView([
        {label: 'Role', field: 'name', render: (r) => r.role ? h('a', {href: `#/roles/${r.role.id}`}, r.name) : r.name},
        {label: 'Type', field: 'is_system_role', render: (r) => r.role ? (r.role.is_system_role ? badge('System', 'info') : badge('Custom')) : '—'},
        {label: 'Actions', class: 'actions-cell', render: (r) => mayAssign && r.role
          ? h('button', {type: 'button', class: 'small danger', onclick: (e) => unassign(r.role, e.currentTarget)}, 'Remove role')
          : ''},
      ], held, {empty: 'This member holds no role here, so they can do nothing in this tenant yet.'}));

      if (mayAssign) {
        const available = roles.filter((r) => !user.roles.includes(r.name));
        if (available.length) {
          const select = h('select', {}, available.map((r) => h('option', {value: r.id}, r.is_system_role ? `${r.name} (system)` : r.name)));
          const assign = h('button', {type: 'submit', class: 'primary'}, 'Assign role');
          const form = h('form', {class: 'toolbar section'}, field('Role to assign', select), assign);
          form.addEventListener('submit', async (event) => {
            event.preventDefault();
            await withBusy(assign, 'Assigning…', async () => {
              try {
                await api('POST', `/users/${user.id}/roles`, {body: {role_id: select.value}});
                await fetchAll();
                draw();
                messages.success('The role was assigned.');
              } catch (err) {
                messages.error(errorText(err, 'role:assign_users'));
              }
            });
          });
          section.append(form);
        }
      } else if (!roles && can('role:assign_users')) {
        section.append(h('p', {class: 'hint'}, 'Assigning roles needs the permission role:read too.'));
      }
      return section;
    }

    async function unassign(role, button) {
      if (!await confirmDialog(`Take the role "${role.name}" from ${user.email} in this tenant?`)) return;
      button.disabled = true;
      try {
        await api('DELETE', `/users/${user.id}/roles/${role.id}`);
        await fetchAll();
        draw();
        messages.success(`The role "${role.name}" was taken from ${user.email}.`);
      } catch (err) {
        button.disabled = false;
        messages.error(errorText(err, 'role:assign_users'));
      }
    }

    async function setActive(active, button) {
      if (!active && !await confirmDialog(
        `Deactivate ${user.email} in this tenant? They are refused here from their next request on, and keep working in their other tenants.`)) return;
      await withBusy(button, null, async () => {
        try {
          user = await api('PATCH', `/users/${user.id}`, {body: {is_active: active}});
          draw();
          messages.success(`${user.email} is now ${active ? 'active' : 'inactive'} in this tenant.`);
        } catch (err) {
          messages.error(errorText(err, 'user:update'));
        }
      });
    }

    async function remove(button) {
      if (!await confirmDialog(`Remove ${user.email} from this tenant? Their roles here go with it; their account and other tenants stay.`)) return;
      await withBusy(button, 'Removing…', async () => {
        try {
          await api('DELETE', `/users/${user.id}`);
          navigate('/users');
        } catch (err) {
          messages.error(errorText(err, 'user:delete'));
        }
      });
    }

    draw();
  },
});
