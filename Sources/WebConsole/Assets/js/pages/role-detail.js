// One role (#/roles/:id) and the form for a new one (#/roles/new): name, description and the
// permission picker; for existing roles also the members holding it (GET/PUT /roles/{id}/users).

import {h, append, replace, clear, pageHeader, loading, alertBox, field, badge, confirmDialog, withBusy, messageSlot, formatDate} from '../dom.js';
import {api, errorText} from '../api.js';
import {can, session} from '../session.js';
import {registerPage, navigate} from '../router.js';
import {loadCatalog, permissionPicker, permissionList} from './permission-picker.js';

registerPage({
  path: '/roles/new',
  title: 'Create role',
  permission: 'role:create',
  async render(container) {
    append(container, [
      h('a', {class: 'back-link', href: '#/roles'}, '← Roles'),
      pageHeader('Create role', {lead: 'A custom role of this tenant. You can change it later.'}),
    ]);
    const body = h('div', {}, loading('Loading the permissions…'));
    container.append(body);
    let catalog;
    try {
      catalog = await loadCatalog();
    } catch (err) {
      replace(body, alertBox(`${errorText(err, 'role:read')} Reload the page to try again.`));
      return;
    }
    replace(body, roleForm({catalog, submitLabel: 'Create role', onSubmit: async (values) => {
      const role = await api('POST', '/roles', {body: values});
      session.flashOnPage = `The role "${role.name}" was created.`;
      navigate(`/roles/${role.id}`);
    }}));
  },
});

registerPage({
  path: '/roles/:id',
  title: 'Role',
  permission: 'role:read',
  async render(container, {id}) {
    const body = h('div', {}, h('a', {class: 'back-link', href: '#/roles'}, '← Roles'), pageHeader('Role'), loading('Loading the role…'));
    container.append(body);
    let role;
    let catalog = [];
    try {
      [role, catalog] = await Promise.all([api('GET', `/roles/${encodeURIComponent(id)}`), loadCatalog().catch(() => [])]);
    } catch (err) {
      replace(body, h('a', {class: 'back-link', href: '#/roles'}, '← Roles'), pageHeader('Role'),
        alertBox(err.status === 404 ? 'This role does not exist in this tenant (it may have been deleted).' : errorText(err, 'role:read')));
      return;
    }
    document.title = `${role.name} · VirtualStack`;
    const messages = messageSlot();
    if (session.flashOnPage) { messages.success(session.flashOnPage); session.flashOnPage = null; }

    const editable = !role.is_system_role && can('role:update');
    const actions = [];
    if (!role.is_system_role && can('role:delete')) {
      actions.push(h('button', {type: 'button', class: 'danger', onclick: (e) => removeRole(e.currentTarget)}, 'Delete'));
    }
    const lead = role.is_system_role
      ? 'A built-in role: it cannot be changed or deleted.'
      : `A custom role of this tenant, created ${formatDate(role.created_at)}.`;

    const details = editable
      ? h('section', {class: 'card'}, h('h2', {}, 'Details and permissions'), roleForm({catalog, role, submitLabel: 'Save',
        onSubmit: async (values) => {
          role = await api('PATCH', `/roles/${role.id}`, {body: values});
          messages.success('The role was saved.');
          replace(container.querySelector('h1'), role.name);
        }}))
      : h('section', {class: 'card'},
        h('h2', {}, 'Permissions'),
        role.description ? h('p', {class: 'muted'}, role.description) : null,
        permissionList(role.permission_ids || [], catalog));

    const holders = h('section', {class: 'card section'});
    replace(body,
      h('a', {class: 'back-link', href: '#/roles'}, '← Roles'),
      h('div', {class: 'page-header'},
        h('div', {class: 'page-title'},
          h('h1', {}, role.name),
          h('p', {class: 'lead'}, role.is_system_role ? badge('System', 'info') : badge('Custom'), ' ', lead)),
        actions.length ? h('div', {class: 'actions'}, actions) : null),
      messages.el,
      details,
      holders);
    await renderHolders(holders, role, messages);

    async function removeRole(button) {
      if (!await confirmDialog(`Delete the role "${role.name}"? This cannot be undone.`)) return;
      await withBusy(button, 'Deleting…', async () => {
        try {
          await api('DELETE', `/roles/${role.id}`);
          navigate('/roles');
        } catch (err) {
          messages.error(errorText(err, 'role:delete'));
        }
      });
    }
  },
});

/**
 * The name / description / permissions form. onSubmit(values) may throw an ApiError, shown
 * above the form.
 */
function roleForm({catalog, role = null, submitLabel, onSubmit}) {
  const messages = messageSlot();
  const name = h('input', {type: 'text', required: true, maxlength: 100, value: role ? role.name : ''});
  const description = h('textarea', {maxlength: 1000, rows: 2});
  description.value = role && role.description ? role.description : '';
  const picker = permissionPicker(catalog, role ? role.permission_ids : []);
  const submit = h('button', {type: 'submit', class: 'primary'}, submitLabel);
  const form = h('form', {class: 'stack', novalidate: true},
    messages.el,
    h('div', {class: 'form-row'}, field('Name', name), field('Description', description, {hint: 'Optional; what the role is for.'})),
    h('fieldset', {}, h('legend', {}, 'Permissions'), picker.el),
    h('div', {class: 'form-actions'}, submit,
      role ? null : h('a', {class: 'button', href: '#/roles'}, 'Cancel')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!name.value.trim()) {
      messages.error('Give the role a name.');
      name.focus();
      return;
    }
    messages.clear();
    await withBusy(submit, 'Saving…', async () => {
      try {
        await onSubmit({name: name.value.trim(), description: description.value.trim(), permission_ids: picker.value()});
      } catch (err) {
        messages.error(errorText(err, role ? 'role:update' : 'role:create'));
      }
    });
  });
  return form;
}

/**
 * The members holding the role. With role:assign_users, a checklist of the tenant's members
 * sets the complete list at once (PUT /roles/{id}/users).
 */
async function renderHolders(section, role) {
  replace(section, h('h2', {}, 'Members with this role'), loading('Loading members…'));
  if (!(can('user:read') && can('role:read'))) {
    replace(section, h('h2', {}, 'Members with this role'),
      h('p', {class: 'muted'}, `${role.user_count ?? 0} member(s) hold this role. Seeing who needs the permission user:read.`));
    return;
  }
  let holderIds;
  let members;
  try {
    const [holders, all] = await Promise.all([api('GET', `/roles/${role.id}/users`), loadAllMembers()]);
    holderIds = new Set(holders.user_ids || []);
    members = all;
  } catch (err) {
    replace(section, h('h2', {}, 'Members with this role'), alertBox(errorText(err, 'user:read')));
    return;
  }
  const messages = messageSlot();
  const heading = h('h2', {}, 'Members with this role');
  if (!can('role:assign_users')) {
    const list = members.filter((m) => holderIds.has(m.id));
    replace(section, heading, list.length
      ? h('ul', {class: 'plain-list'}, list.map((m) => h('li', {'data-id': m.id}, h('a', {href: `#/users/${m.id}`}, m.email), ' ', h('span', {class: 'muted'}, fullName(m)))))
      : h('p', {class: 'muted'}, 'Nobody holds this role in this tenant.'));
    return;
  }
  const filter = h('input', {type: 'search', autocomplete: 'off'});
  const rows = members.map((m) => {
    const box = h('input', {type: 'checkbox', id: `holder-${m.id}`, value: m.id, checked: holderIds.has(m.id)});
    const row = h('div', {class: 'field checkbox', 'data-id': m.id}, box,
      h('label', {for: box.id}, m.email, ' ', h('span', {class: 'muted'}, fullName(m))));
    return {m, box, row};
  });
  const count = h('p', {class: 'muted small'});
  const updateCount = () => { count.textContent = `${rows.filter((r) => r.box.checked).length} of ${rows.length} members selected.`; };
  rows.forEach((r) => r.box.addEventListener('change', updateCount));
  updateCount();
  filter.addEventListener('input', () => {
    const needle = filter.value.trim().toLowerCase();
    for (const r of rows) r.row.hidden = Boolean(needle) && !`${r.m.email} ${fullName(r.m)}`.toLowerCase().includes(needle);
  });
  const save = h('button', {type: 'submit', class: 'primary'}, 'Save members');
  const form = h('form', {class: 'stack'},
    members.length > 8 ? field('Filter members', filter) : null,
    h('div', {class: 'holder-list'}, rows.map((r) => r.row)),
    count,
    h('div', {class: 'form-actions'}, save));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const ids = rows.filter((r) => r.box.checked).map((r) => r.m.id);
    await withBusy(save, 'Saving…', async () => {
      try {
        await api('PUT', `/roles/${role.id}/users`, {body: {user_ids: ids}});
        messages.success(`${ids.length} member(s) now hold this role.`);
      } catch (err) {
        messages.error(errorText(err, 'role:assign_users'));
      }
    });
  });
  replace(section, heading,
    h('p', {class: 'muted'}, 'Tick the members who should hold this role in this tenant, then save.'),
    messages.el, members.length ? form : h('p', {class: 'muted'}, 'This tenant has no members yet.'));
}

/** Every member of the tenant, page by page (the API gives at most 100 at a time). */
export async function loadAllMembers() {
  const all = [];
  for (let page = 1; page <= 50; page += 1) {
    const answer = await api('GET', '/users', {query: {page, limit: 100}});
    all.push(...answer.items);
    if (all.length >= answer.total || answer.items.length === 0) break;
  }
  return all;
}

export function fullName(user) {
  return [user.first_name, user.last_name].filter(Boolean).join(' ');
}
