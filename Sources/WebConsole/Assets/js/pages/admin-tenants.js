// #/admin/tenants — superusers: list, create, rename/describe/(de)activate, delete tenants.

import { h, clear, modal } from '../dom.js';
import { api } from '../api.js';
import { session, loadTenants, clearTenant } from '../session.js';
import { registerPage } from '../router.js';
import {
  pageHeader, dataTable, dateCell, labelled, loading, errorBox, messageSlot, button,
  busy, idempotency, confirmDialog, put,
} from './compute-ui.js';

async function render(main) {
  clear(main);
  const messages = messageSlot();
  const listBox = h('div', {});
  put(main,
    pageHeader('Tenants', { lead: 'Every customer organisation on the platform. Users, roles and VMs belong to one tenant.' }),
    messages.el, createForm(), listBox);

  let tenants = [];

  async function load() {
    clear(listBox);
    put(listBox, loading('Loading tenants…'));
    try {
      tenants = await api('GET', '/tenants', { tenant: false });
      draw();
    } catch (err) {
      clear(listBox);
      put(listBox, errorBox(err, 'Could not load the tenants'), button('Retry', load));
    }
  }

  // The header's tenant switcher lists tenants too: keep it in step after a change.
  function syncSwitcher() { loadTenants().catch(() => {}); }

  function draw() {
    const table = dataTable([
      { label: 'Name', field: 'name' },
      { label: 'Description', field: 'description', className: 'wrap' },
      { label: 'State', field: 'is_active', render: (t) => h('span', { class: `badge ${t.is_active ? 'badge-running' : 'badge-stopped'}` }, t.is_active ? 'Active' : 'Deactivated') },
      { label: 'Created', field: 'created_at', render: (t) => dateCell(t.created_at) },
      { label: 'Actions', field: 'actions', render: (t) => h('div', { class: 'row-actions' },
        button('Edit', () => edit(t)),
        button('Delete', (e) => remove(t, e.currentTarget), { kind: 'danger' })) },
    ], tenants, { empty: 'No tenants yet. Create the first one above.' });
    clear(listBox);
    put(listBox, table.el);
  }

  // The create form exists only while its panel is open, so the page never holds two
  // "Name" fields at once (the edit dialog has its own).
  function createForm() {
    const panel = h('details', { class: 'create-panel' }, h('summary', {}, 'New tenant'));
    let form = null;
    panel.addEventListener('toggle', () => {
      if (panel.open && !form) { form = buildCreateForm(() => { panel.open = false; }); put(panel, form); form.querySelector('input').focus(); }
      if (!panel.open && form) { form.remove(); form = null; }
    });
    return panel;
  }

  function buildCreateForm(done) {
    const name = h('input', { type: 'text', name: 'name', required: true, maxlength: '100', autocomplete: 'off' });
    const description = h('textarea', { name: 'description', rows: '2', maxlength: '1000' });
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Create tenant');
    const formMessages = messageSlot();
    const keyFor = idempotency();
    return h('form', { class: 'cx-form compact', onsubmit: async (e) => {
      e.preventDefault();
      formMessages.clear();
      const body = { name: name.value.trim() };
      if (description.value.trim()) body.description = description.value.trim();
      if (!body.name) { formMessages.error({ detail: 'Give the tenant a name.' }); name.focus(); return; }
      try {
        const t = await busy(submit, () => api('POST', '/tenants', { body, tenant: false, headers: keyFor(body) }));
        messages.notice(`Tenant “${t.name}” created. Switch to it in the header to invite its first administrator.`);
        done();
        syncSwitcher();
        load();
      } catch (err) {
        formMessages.error(err, 'The tenant was not created');
      }
    } }, formMessages.el, labelled('Name', name), labelled('Description', description, { hint: 'Optional.' }), h('div', { class: 'form-actions' }, submit));
  }

  // Editing happens in a modal dialog: the list stays in place and the form is unambiguous.
  function edit(t) {
    const name = h('input', { type: 'text', name: 'name', value: t.name, required: true, maxlength: '100' });
    const description = h('textarea', { name: 'description', rows: '3', maxlength: '1000' });
    description.value = t.description || '';
    const active = h('input', { type: 'checkbox', name: 'is_active', checked: t.is_active });
    const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
    const formMessages = messageSlot();
    let dlg = null;
    const form = h('form', { class: 'cx-form', onsubmit: async (e) => {
      e.preventDefault();
      formMessages.clear();
      // An empty description clears it (the API's rule for PATCH).
      const body = { name: name.value.trim(), description: description.value.trim(), is_active: active.checked };
      if (!body.name) { formMessages.error({ detail: 'A tenant needs a name.' }); name.focus(); return; }
      try {
        const updated = await busy(save, () => api('PATCH', `/tenants/${t.id}`, { body, tenant: false }));
        dlg.close();
        messages.notice(`Tenant “${updated.name}” saved.`);
        syncSwitcher();
        load();
      } catch (err) {
        formMessages.error(err, 'The tenant was not saved');
      }
    } },
    formMessages.el,
    labelled('Name', name),
    labelled('Description', description, { hint: 'Leave empty for none.' }),
    labelled('Active', active, { hint: 'A deactivated tenant refuses its members’ requests; its VMs keep running.' }),
    h('div', { class: 'form-actions' }, save, button('Cancel', () => dlg.close())));
    dlg = modal(`Edit tenant “${t.name}”`, form);
    name.focus();
  }

  async function remove(t, btn) {
    const ok = await confirmDialog(`Delete the tenant “${t.name}” with its memberships, custom roles and role assignments? A tenant that still has VMs cannot be deleted.`);
    if (!ok) return;
    try {
      await busy(btn, () => api('DELETE', `/tenants/${t.id}`, { tenant: false }));
      // The console must not keep acting in a tenant that no longer exists.
      if (t.id === session.tenantId) clearTenant();
      messages.notice(`Tenant “${t.name}” deleted.`);
      syncSwitcher();
      load();
    } catch (err) {
      messages.error(err, 'The tenant was not deleted');
    }
  }

  await load();
}

registerPage({
  path: '/admin/tenants',
  title: 'Tenants',
  nav: { label: 'Tenants', group: 'admin', order: 10 },
  superuser: true,
  render,
});
