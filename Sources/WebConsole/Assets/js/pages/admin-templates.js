// #/admin/templates — superusers: the VM catalog. Add a template (default sizes and the image
// each driver builds it from), remove one (VMs made from it are untouched).

import { h, clear } from '../dom.js';
import { api } from '../api.js';
import { registerPage } from '../router.js';
import {
  pageHeader, dataTable, dateCell, labelled, loading, errorBox, messageSlot, button,
  busy, idempotency, confirmDialog, numberInput, intValue, put,
} from './compute-ui.js';

const DRIVERS = [
  { key: 'libvirt', label: 'libvirt image', hint: 'A base volume as <pool>/<volume>, e.g. default/ubuntu-24.04.qcow2' },
  { key: 'vcenter', label: 'vCenter image', hint: 'The VM or template to clone, e.g. templates/ubuntu-24.04' },
  { key: 'simulated', label: 'Simulated image', hint: 'Optional: the simulated driver serves every template.' },
];

function imagesCell(t) {
  const images = t.images || {};
  const keys = Object.keys(images);
  if (keys.length === 0) return h('span', { class: 'muted' }, 'simulated only');
  return h('ul', { class: 'plain' }, keys.map((k) => h('li', {}, h('strong', {}, `${k}: `), h('span', { class: 'mono' }, images[k]))));
}

async function render(main) {
  clear(main);
  const messages = messageSlot();
  const listBox = h('div', {});
  put(main,
    pageHeader('Templates', { lead: 'The catalog tenants order VMs from. Sizes are the defaults of new VMs; tenants may change them.' }),
    messages.el, addForm(), listBox);

  async function load() {
    if (!listBox.firstChild) put(listBox, loading('Loading templates…'));
    try {
      const templates = await api('GET', '/vm-templates');
      const table = dataTable([
        { label: 'Name', field: 'name', render: (t) => h('div', {}, h('strong', {}, t.name), t.description ? h('small', { class: 'hint block' }, t.description) : null) },
        { label: 'vCPUs', field: 'cpu', className: 'num' },
        { label: 'Memory', field: 'memory_gb', className: 'num', render: (t) => `${t.memory_gb} GB` },
        { label: 'Disk', field: 'disk_gb', className: 'num', render: (t) => `${t.disk_gb} GB` },
        { label: 'Images', field: 'images', render: imagesCell, className: 'wrap' },
        // The default catalog is stamped with the epoch: say what it is rather than show 1970.
        { label: 'Added', field: 'created_at', render: (t) => (String(t.created_at).startsWith('1970-01-01') ? h('span', { class: 'muted' }, 'Built-in') : dateCell(t.created_at)) },
        { label: 'Actions', field: 'actions', render: (t) => button('Remove', (e) => remove(t, e.currentTarget), { kind: 'danger' }) },
      ], templates || [], { empty: 'The catalog is empty: tenants can only order from ISO images. Add a template above.' });
      clear(listBox);
      put(listBox, table.el);
    } catch (err) {
      clear(listBox);
      put(listBox, errorBox(err, 'Could not load the templates'), button('Retry', () => load()));
    }
  }

  async function remove(t, btn) {
    const ok = await confirmDialog(`Remove “${t.name}” from the catalog? VMs made from it keep running; only new orders can no longer use it.`);
    if (!ok) return;
    try {
      await busy(btn, () => api('DELETE', `/vm-templates/${t.id}`, { tenant: false }));
      messages.notice(`Template “${t.name}” removed.`);
      load();
    } catch (err) {
      messages.error(err, 'The template was not removed');
    }
  }

  function addForm() {
    const name = h('input', { type: 'text', name: 'name', required: true, maxlength: '100', autocomplete: 'off' });
    const description = h('textarea', { name: 'description', rows: '2', maxlength: '1000' });
    const cpu = numberInput({ name: 'cpu', min: 1, max: 128, value: 2 });
    const mem = numberInput({ name: 'memory_gb', min: 1, max: 2048, value: 4 });
    const disk = numberInput({ name: 'disk_gb', min: 1, max: 65536, value: 40 });
    const images = DRIVERS.map((d) => ({ ...d, input: h('input', { type: 'text', name: `image_${d.key}`, maxlength: '1024', autocomplete: 'off' }) }));
    const formMessages = messageSlot();
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Add template');
    const keyFor = idempotency();

    const form = h('form', { class: 'cx-form', onsubmit: async (e) => {
      e.preventDefault();
      formMessages.clear();
      const body = { name: name.value.trim(), cpu: intValue(cpu), memory_gb: intValue(mem), disk_gb: intValue(disk) };
      if (!body.name) { formMessages.error({ detail: 'Give the template a name.' }); name.focus(); return; }
      if ([body.cpu, body.memory_gb, body.disk_gb].some((v) => v === null || Number.isNaN(v))) {
        formMessages.error({ detail: 'vCPUs, memory and disk are whole numbers.' });
        return;
      }
      if (description.value.trim()) body.description = description.value.trim();
      const map = {};
      for (const i of images) if (i.input.value.trim()) map[i.key] = i.input.value.trim();
      if (Object.keys(map).length) body.images = map;
      try {
        const t = await busy(submit, () => api('POST', '/vm-templates', { body, tenant: false, headers: keyFor(body) }));
        messages.notice(`Template “${t.name}” added to the catalog.`);
        form.reset();
        panel.open = false;
        load();
      } catch (err) {
        formMessages.error(err, 'The template was not added');
      }
    } },
    formMessages.el,
    labelled('Name', name),
    labelled('Description', description, { hint: 'Optional; shown to tenants when they order.' }),
    h('div', { class: 'size-grid' }, labelled('vCPUs', cpu), labelled('Memory (GB)', mem), labelled('Disk (GB)', disk)),
    h('fieldset', { class: 'sub' }, h('legend', {}, 'Images per driver'),
      h('p', { class: 'hint' }, 'A VM from this template is placed only on a host whose driver has an image for it.'),
      images.map((i) => labelled(i.label, i.input, { hint: i.hint }))),
    h('div', { class: 'form-actions' }, submit));
    const panel = h('details', { class: 'create-panel' }, h('summary', {}, 'Add a template'), form);
    return panel;
  }

  await load();
}

registerPage({
  path: '/admin/templates',
  title: 'Templates',
  nav: { label: 'Templates', group: 'admin', order: 30 },
  superuser: true,
  render,
});
