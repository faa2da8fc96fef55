// The members of the current tenant (#/users): search, pages, activate / deactivate, remove,
// and creating an account straight into the tenant.

import {h, append, replace, pageHeader, loading, alertBox, tableView, pager, badge, confirmDialog, modal,
  field, withBusy, messageSlot, timeEl, emptyState} from '../dom.js';
import {api, errorText} from '../api.js';
import {can, session} from '../session.js';
import {registerPage, navigate} from '../router.js';

const LIMIT = 20;

registerPage({
  path: '/users',
  title: 'Users',
  permission: 'user:read',
  nav: {label: 'Users', group: 'tenant', order: 20},
  async render(container) {
    const state = {page: 1, search: ''};
    const messages = messageSlot();
    const actions = [];
    if (can('invitation:create')) actions.push(h('button', {type: 'button', onclick: () => navigate('/invitations')}, 'Invite'));
    if (can('user:create')) actions.push(h('button', {type: 'button', class: 'primary', onclick: () => openCreate()}, 'Create user'));

    const search = h('input', {type: 'search', id: 'user-search', autocomplete: 'off', placeholder: 'Email or name',
      maxlength: 254});
    let timer = null;
    // Searching as one types, but not on every keystroke.
    search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => { state.search = search.value.trim(); state.page = 1; load(); }, 300);
    });
    search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') { e.preventDefault(); clearTimeout(timer); state.search = search.value.trim(); state.page = 1; load(); }
    });
    const body = h('div', {'aria-live': 'polite'}, loading('Loading members…'));
    append(container, [
      pageHeader('Users', {lead: `Members of ${session.tenantName || 'this tenant'} and their roles here.`, actions}),
      messages.el,
      h('div', {class: 'toolbar', role: 'search'}, field('Search', search)),
      body,
    ]);

    let sequence = 0;
    async function load() {
      const mine = ++sequence;
      let answer;
      try {
        answer = await api('GET', '/users', {query: {page: state.page, limit: LIMIT, search: state.search}});
      } catch (err) {
        if (mine === sequence) replace(body, alertBox(`${errorText(err, 'user:read')} Reload the page to try again.`));
        return;
      }
      // An older, slower search must not overwrite a newer one.
      if (mine !== sequence) return;
      if (answer.items.length === 0 && state.page > 1) { state.page -= 1; load(); return; }
      const empty = state.search
        ? emptyState(`No member matches "${state.search}".`)
        : emptyState('This tenant has no members yet.');
      replace(body,
        tableView([
          {label: 'Email', field: 'email', render: (u) => h('a', {href: `#/users/${u.id}`}, u.email)},
          {label: 'First name', field: 'first_name'},
          {label: 'Last name', field: 'last_name'},
          {label: 'Roles', field: 'roles', render: (u) => u.roles.length
            ? h('span', {class: 'chips'}, u.roles.map((r) => badge(r)))
            : h('span', {class: 'muted'}, 'No role')},
          {label: 'Status', field: 'is_active', render: (u) => u.is_active ? badge('Active', 'ok') : badge('Inactive', 'warn')},
          {label: 'Joined', field: 'joined_at', render: (u) => timeEl(u.joined_at)},
          {label: 'Actions', class: 'actions-cell', render: (u) => rowActions(u)},
        ], answer.items, {empty}),
        pager(answer, (p) => { state.page = p; load(); }));
    }

    function rowActions(user) {
      const buttons = [];
      const me = session.user && session.user.id === user.id;
      if (can('user:update') && !me) {
        buttons.push(user.is_active
          ? h('button', {type: 'button', class: 'small', onclick: (e) => setActive(user, false, e.currentTarget)}, 'Deactivate')
          : h('button', {type: 'button', class: 'small', onclick: (e) => setActive(user, true, e.currentTarget)}, 'Activate'));
      }
      if (can('user:delete') && !me) {
        buttons.push(h('button', {type: 'button', class: 'small danger', onclick: (e) => remove(user, e.currentTarget)}, 'Remove'));
      }
      return buttons.length ? h('div', {class: 'actions'}, buttons) : '';
    }

    async function setActive(user, active, button) {
      if (!active && !await confirmDialog(
        `Deactivate ${user.email} in this tenant? They are refused here from their next request on, and keep working in their other tenants.`,
        'Confirm')) return;
      button.disabled = true;
      try {
        await api('PATCH', `/users/${user.id}`, {body: {is_active: active}});
        messages.success(`${user.email} is now ${active ? 'active' : 'inactive'} in this tenant.`);
        await load();
      } catch (err) {
        button.disabled = false;
        messages.error(errorText(err, 'user:update'));
      }
    }

    async function remove(user, button) {
      if (!await confirmDialog(
        `Remove ${user.email} from this tenant? Their roles here go with it; their account and other tenants stay.`)) return;
      button.disabled = true;
      try {
        await api('DELETE', `/users/${user.id}`);
        messages.success(`${user.email} was removed from this tenant.`);
        await load();
      } catch (err) {
        button.disabled = false;
        messages.error(errorText(err, 'user:delete'));
      }
    }

    async function openCreate() {
      const formMessages = messageSlot();
      const email = h('input', {type: 'email', required: true, autocomplete: 'off', maxlength: 254});
      const first = h('input', {type: 'text', required: true, maxlength: 100, autocomplete: 'off'});
      const last = h('input', {type: 'text', required: true, maxlength: 100, autocomplete: 'off'});
      const password = h('input', {type: 'password', required: true, minlength: 8, autocomplete: 'new-password'});
      const roleBox = h('div', {class: 'stack'});
      const submit = h('button', {type: 'submit', class: 'primary'}, 'Create user');
      const form = h('form', {class: 'stack', novalidate: true},
        formMessages.el,
        field('Email', email),
        h('div', {class: 'form-row'}, field('First name', first), field('Last name', last)),
        field('Password', password, {hint: 'At least 8 characters. Share it with the person safely; they can change it in their profile.'}),
        h('fieldset', {}, h('legend', {}, 'Roles in this tenant'), roleBox),
        h('div', {class: 'form-actions'}, submit));
      const dlg = modal('Create user', form);
      email.focus();

      // The roles the caller may hand out; without role:read the user is created with none.
      let roleBoxes = [];
      if (can('role:read')) {
        append(roleBox, loading('Loading roles…'));
        try {
          const roles = await api('GET', '/roles');
          roleBoxes = roles.map((r) => h('input', {type: 'checkbox', id: `new-user-role-${r.id}`, value: r.id}));
          replace(roleBox, roles.map((r, i) => h('div', {class: 'field checkbox'}, roleBoxes[i],
            h('label', {for: roleBoxes[i].id}, r.name))));
        } catch (err) {
          replace(roleBox, alertBox(errorText(err, 'role:read')));
        }
      } else {
        replace(roleBox, h('p', {class: 'hint'}, 'Assigning roles needs the permission role:read; you can add roles later.'));
      }

      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const missing = [[email, 'an email'], [first, 'a first name'], [last, 'a last name']].find(([el]) => !el.value.trim());
        if (missing) { formMessages.error(`Enter ${missing[1]}.`); missing[0].focus(); return; }
        if (password.value.length < 8) { formMessages.error('The password needs at least 8 characters.'); password.focus(); return; }
        const body = {email: email.value.trim(), first_name: first.value.trim(), last_name: last.value.trim(), password: password.value};
        const roleIds = roleBoxes.filter((b) => b.checked).map((b) => b.value);
        if (roleIds.length) body.role_ids = roleIds;
        await withBusy(submit, 'Creating…', async () => {
          try {
            const user = await api('POST', '/users', {body});
            dlg.close();
            messages.success(`${user.email} was created and added to this tenant.`);
            state.page = 1;
            await load();
          } catch (err) {
            formMessages.error(errorText(err, 'user:create'));
          }
        });
      });
    }

    await load();
    return () => clearTimeout(timer);
  },
});
