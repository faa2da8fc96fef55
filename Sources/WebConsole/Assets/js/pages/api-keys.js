// The caller's API keys (#/api-keys): create one (name, optional expiry, optional permission
// subset), see its secret exactly once, list and revoke them.

import {h, append, replace, pageHeader, loading, alertBox, tableView, pager, badge, confirmDialog, field,
  withBusy, messageSlot, timeEl, emptyState} from '../dom.js';
import {api, errorText} from '../api.js';
import {session} from '../session.js';
import {registerPage} from '../router.js';
import {secretPanel} from './secret-once.js';
import {loadCatalog, permissionPicker} from './permission-picker.js';

const LIMIT = 20;

registerPage({
  path: '/api-keys',
  title: 'API keys',
  tenant: false,
  nav: {label: 'API keys', group: 'account', order: 10},
  async render(container) {
    const state = {page: 1};
    const messages = messageSlot();
    const secretSlot = h('div', {});
    const formSlot = h('div', {});
    const listBody = h('div', {}, loading('Loading your keys…'));
    const createButton = h('button', {type: 'button', class: 'primary', onclick: () => openForm()}, 'Create API key');
    append(container, [
      pageHeader('API keys', {
        lead: 'Keys let scripts call the API as you (header X-API-Key). A key can be limited to some of your permissions.',
        actions: [createButton]}),
      messages.el,
      secretSlot,
      formSlot,
      h('section', {class: 'section'}, h('h2', {}, 'Your keys'), listBody),
    ]);

    async function openForm() {
      createButton.hidden = true;
      const formMessages = messageSlot();
      const name = h('input', {type: 'text', required: true, maxlength: 100, autocomplete: 'off'});
      const expires = h('input', {type: 'date', min: tomorrow()});
      const limit = h('input', {type: 'checkbox'});
      const pickerSlot = h('div', {hidden: true}, loading('Loading permissions…'));
      let picker = null;
      limit.addEventListener('change', async () => {
        pickerSlot.hidden = !limit.checked;
        if (limit.checked && !picker) {
          try {
            picker = permissionPicker(await loadCatalog(), []);
            replace(pickerSlot, picker.el);
          } catch (err) {
            replace(pickerSlot, alertBox(errorText(err)));
          }
        }
      });
      const submit = h('button', {type: 'submit', class: 'primary'}, 'Create API key');
      const cancel = h('button', {type: 'button', onclick: () => close()}, 'Cancel');
      const form = h('form', {class: 'stack', novalidate: true},
        formMessages.el,
        h('div', {class: 'form-row'},
          field('Name', name, {hint: 'What the key is for, e.g. "Backup script".'}),
          field('Expires on (optional)', expires, {hint: 'The key stops working at the end of that day. Leave empty for a key that does not expire.'})),
        field('Limit this key to chosen permissions', limit, {hint: 'Without a limit the key can do all that you can, in every tenant you belong to.'}),
        pickerSlot,
        h('div', {class: 'form-actions'}, submit, cancel));
      const card = h('section', {class: 'card'}, h('h2', {}, 'New API key'), form);
      replace(formSlot, card);
      name.focus();

      function close() {
        replace(formSlot);
        createButton.hidden = false;
        createButton.focus();
      }

      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        if (!name.value.trim()) { formMessages.error('Give the key a name.'); name.focus(); return; }
        const body = {name: name.value.trim()};
        if (expires.value) {
          // The end of the chosen day in the reader's time zone, sent as UTC.
          const end = new Date(`${expires.value}T23:59:59`);
          if (Number.isNaN(end.getTime()) || end <= new Date()) {
            formMessages.error('Choose an expiry date in the future, or leave it empty.');
            expires.focus();
            return;
          }
          body.expires_at = end.toISOString().replace(/\.\d{3}Z$/, 'Z');
        }
        if (limit.checked) {
          const ids = picker ? picker.value() : [];
          if (!ids.length) { formMessages.error('Tick at least one permission, or untick "Limit this key".'); return; }
          body.permission_ids = ids;
        }
        await withBusy(submit, 'Creating…', async () => {
          try {
            const created = await api('POST', '/api-keys', {body, tenant: false});
            close();
            const panel = secretPanel({
              title: `Your new key "${created.name}"`,
              label: 'API key',
              secret: created.key,
              warning: 'Copy this key now and store it somewhere safe: only a fingerprint of it is kept, so it cannot be shown again. '
                + 'If you lose it, revoke it and create a new one.',
              onDone: () => createButton.focus(),
            });
            replace(secretSlot, panel.el);
            panel.focus();
            state.page = 1;
            await load();
          } catch (err) {
            formMessages.error(errorText(err));
          }
        });
      });
    }

    async function load() {
      let answer;
      try {
        answer = await api('GET', '/api-keys', {query: {page: state.page, limit: LIMIT}, tenant: false});
      } catch (err) {
        replace(listBody, alertBox(`${errorText(err)} Reload the page to try again.`));
        return;
      }
      replace(listBody,
        tableView([
          {label: 'Name', field: 'name'},
          {label: 'Key', field: 'prefix', render: (k) => h('code', {}, `${k.prefix}…`)},
          {label: 'Permissions', field: 'permission_ids', render: (k) => k.permission_ids
            ? h('span', {class: 'chips'}, k.permission_ids.map((p) => badge(p)))
            : h('span', {class: 'muted'}, 'All of yours')},
          {label: 'Created', field: 'created_at', render: (k) => timeEl(k.created_at)},
          {label: 'Expires', field: 'expires_at', render: (k) => k.expires_at
            ? (new Date(k.expires_at) < new Date() ? badge('Expired', 'warn') : timeEl(k.expires_at))
            : h('span', {class: 'muted'}, 'Never')},
          {label: 'Last used', field: 'last_used_at', render: (k) => k.last_used_at ? timeEl(k.last_used_at) : h('span', {class: 'muted'}, 'Never')},
          {label: 'Actions', class: 'actions-cell', render: (k) =>
            h('button', {type: 'button', class: 'small danger', onclick: (e) => revoke(k, e.currentTarget)}, 'Revoke')},
        ], answer.items, {empty: emptyState('You have no API keys.')}),
        pager(answer, (p) => { state.page = p; load(); }));
    }

    async function revoke(key, button) {
      if (!await confirmDialog(`Revoke the key "${key.name}" (${key.prefix}…)? Scripts using it are refused from now on.`)) return;
      button.disabled = true;
      try {
        await api('DELETE', `/api-keys/${key.id}`, {tenant: false});
        messages.success(`The key "${key.name}" was revoked.`);
        await load();
      } catch (err) {
        button.disabled = false;
        messages.error(errorText(err));
      }
    }

    if (!session.tenantId) {
      messages.success('Choose a tenant in the header to limit a new key to some permissions.');
    }
    await load();
  },
});

function tomorrow() {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  return d.toISOString().slice(0, 10);
}
