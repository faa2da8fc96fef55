// #/vms/new — order a VM from a template (its sizes prefilled, adjustable) or from an ISO URL.
// The tenant's quota headroom is shown before ordering, next to what this order would take,
// so an order the API would refuse (409) is visible as such before it is sent.

import { h, clear } from '../dom.js';
import { api } from '../api.js';
import { registerPage, navigate } from '../router.js';
import {
  labelled, numberInput, intValue, loading, errorBox, messageSlot, pageHeader, section,
  busy, idempotency, uid, put,
} from './compute-ui.js';
import { quotaPanel } from './vm-common.js';

const LIMITS = { cpu: [1, 128], memory_gb: [1, 2048], disk_gb: [1, 65536] };
const ISO_PATTERN = /^[hH][tT][tT][pP][sS]?:\/\/[A-Za-z0-9._~:/?#[\]!$&'()*+,;=%-]+$/;

async function render(main) {
  clear(main);
  put(main, pageHeader('Create VM'), loading('Loading templates and quota…'));

  // Templates need template:read; without it the ISO path still works.
  const [templatesResult, quotaResult] = await Promise.allSettled([
    api('GET', '/vm-templates'),
    api('GET', '/quota'),
  ]);
  const templates = templatesResult.status === 'fulfilled' ? templatesResult.value : [];
  const quota = quotaResult.status === 'fulfilled' ? quotaResult.value : null;

  clear(main);
  put(main, pageHeader('Create VM', { lead: 'Order a virtual machine from the catalog or from an ISO image.', actions: [h('a', { href: '#/vms', class: 'button' }, 'Back to VMs')] }));

  const messages = messageSlot();
  const keyFor = idempotency();

  // ---- source ----
  const sourceName = uid('source');
  const radioTemplate = h('input', { type: 'radio', name: sourceName, value: 'template', id: uid('src') });
  const radioIso = h('input', { type: 'radio', name: sourceName, value: 'iso', id: uid('src') });
  if (templates.length > 0) radioTemplate.checked = true; else radioIso.checked = true;
  if (templates.length === 0) radioTemplate.disabled = true;
  const sourceSet = h('fieldset', { class: 'segmented' },
    h('legend', {}, 'Source'),
    h('span', { class: 'seg' }, radioTemplate, h('label', { for: radioTemplate.id }, 'Template')),
    h('span', { class: 'seg' }, radioIso, h('label', { for: radioIso.id }, 'ISO image')));

  const templateSelect = h('select', { name: 'template_id' },
    templates.map((t) => h('option', { value: t.id }, `${t.name} — ${t.cpu} vCPU, ${t.memory_gb} GB RAM, ${t.disk_gb} GB disk`)));
  const templateDesc = h('p', { class: 'hint template-desc' });
  const templateField = h('div', {}, labelled('Template', templateSelect), templateDesc);
  // Without template:read the catalog is simply not offered (a hint, not an error).
  const templateNote = templatesResult.status === 'rejected'
    ? (templatesResult.reason && templatesResult.reason.status === 403
      ? h('p', { class: 'hint' }, 'Ordering from the catalog needs the permission template:read; you can order from an ISO image.')
      : errorBox(templatesResult.reason, 'Templates are not available'))
    : (templates.length === 0 ? h('p', { class: 'hint' }, 'The catalog has no templates; order from an ISO image.') : null);

  const isoInput = h('input', { type: 'url', name: 'iso_url', maxlength: '2048', placeholder: 'https://mirror.example.com/os.iso', autocomplete: 'off' });
  const isoField = labelled('ISO URL', isoInput, { hint: 'An http(s) address the hypervisor downloads the image from.' });

  // ---- name and sizes ----
  const nameInput = h('input', { type: 'text', name: 'name', required: true, maxlength: '100', autocomplete: 'off' });
  const cpuInput = numberInput({ name: 'cpu', min: LIMITS.cpu[0], max: LIMITS.cpu[1], value: 2 });
  const memInput = numberInput({ name: 'memory_gb', min: LIMITS.memory_gb[0], max: LIMITS.memory_gb[1], value: 4 });
  const diskInput = numberInput({ name: 'disk_gb', min: LIMITS.disk_gb[0], max: LIMITS.disk_gb[1], value: 40 });
  const resetSizes = h('button', { type: 'button', class: 'ghost', onclick: () => { applyTemplateDefaults(); refresh(); } }, 'Use template sizes');

  const sizes = h('div', { class: 'size-grid' },
    labelled('vCPUs', cpuInput, { hint: '1 to 128' }),
    labelled('Memory (GB)', memInput, { hint: '1 to 2048' }),
    labelled('Disk (GB)', diskInput, { hint: '1 to 65536' }));

  // ---- quota ----
  const quotaBox = h('div', { class: 'quota-box' });
  const quotaWarning = h('p', { class: 'quota-warn', 'aria-live': 'polite', hidden: true });
  let panel = null;
  if (quota) {
    panel = quotaPanel(quota, { order: currentOrder(), caption: 'Your quota and this order' });
    put(quotaBox, panel.el, quotaWarning);
  } else {
    put(quotaBox, errorBox(quotaResult.reason, 'The quota could not be loaded'),
      h('p', { class: 'hint' }, 'You can still order; the API refuses an order that exceeds the quota.'));
  }

  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Create VM');
  const form = h('form', { class: 'cx-form vm-create', novalidate: true, onsubmit: onSubmit },
    messages.el,
    section('Image', sourceSet, templateNote, templateField, isoField),
    section('Name and size', labelled('Name', nameInput, { hint: 'Unique in this tenant.' }), sizes, templates.length ? resetSizes : null),
    section('Quota', quotaBox),
    h('div', { class: 'form-actions' }, submit, h('a', { href: '#/vms', class: 'button' }, 'Cancel')));
  put(main, form);

  function isTemplate() { return radioTemplate.checked; }
  function selectedTemplate() { return templates.find((t) => t.id === templateSelect.value); }

  function applyTemplateDefaults() {
    const t = selectedTemplate();
    if (!t) return;
    cpuInput.value = String(t.cpu);
    memInput.value = String(t.memory_gb);
    diskInput.value = String(t.disk_gb);
    templateDesc.textContent = t.description || '';
    templateDesc.hidden = !t.description;
  }

  function currentOrder() {
    return { cpu: intValue(cpuInput) || 0, memory_gb: intValue(memInput) || 0, disk_gb: intValue(diskInput) || 0 };
  }

  function refresh() {
    templateField.hidden = !isTemplate();
    isoField.hidden = isTemplate();
    resetSizes.hidden = !isTemplate();
    if (panel) {
      const exceeded = panel.update(currentOrder());
      quotaWarning.hidden = exceeded.length === 0;
      quotaWarning.textContent = exceeded.length
        ? `This order exceeds the quota for ${exceeded.join(', ')}. Make it smaller, or ask your provider for a higher quota.`
        : '';
    }
  }

  templateSelect.addEventListener('change', () => { applyTemplateDefaults(); refresh(); });
  for (const r of [radioTemplate, radioIso]) r.addEventListener('change', refresh);
  for (const i of [cpuInput, memInput, diskInput]) i.addEventListener('input', refresh);

  if (templates.length) applyTemplateDefaults();
  refresh();

  // Checks the browser can make before asking the API; the API stays the judge (422/409).
  function validate() {
    const name = nameInput.value.trim();
    if (!name) return { field: nameInput, message: 'Give the VM a name.' };
    if (isTemplate() && !templateSelect.value) return { field: templateSelect, message: 'Pick a template.' };
    if (!isTemplate()) {
      const url = isoInput.value.trim();
      if (!url) return { field: isoInput, message: 'Enter the ISO image’s URL.' };
      if (!ISO_PATTERN.test(url) || url.includes('@')) return { field: isoInput, message: 'The ISO URL must be an http:// or https:// address without credentials or spaces.' };
    }
    for (const [input, key, label] of [[cpuInput, 'cpu', 'vCPUs'], [memInput, 'memory_gb', 'Memory'], [diskInput, 'disk_gb', 'Disk']]) {
      const v = intValue(input);
      const [min, max] = LIMITS[key];
      if (v === null || Number.isNaN(v) || v < min || v > max) return { field: input, message: `${label} must be a whole number from ${min} to ${max}.` };
    }
    return null;
  }

  async function onSubmit(event) {
    event.preventDefault();
    for (const i of [nameInput, templateSelect, isoInput, cpuInput, memInput, diskInput]) i.removeAttribute('aria-invalid');
    const problem = validate();
    if (problem) {
      problem.field.setAttribute('aria-invalid', 'true');
      messages.error({ detail: problem.message });
      problem.field.focus();
      return;
    }
    const order = currentOrder();
    const body = isTemplate()
      ? { name: nameInput.value.trim(), source_type: 'template', template_id: templateSelect.value, ...order }
      : { name: nameInput.value.trim(), source_type: 'iso', iso_url: isoInput.value.trim(), ...order };
    messages.clear();
    try {
      const vm = await busy(submit, () => api('POST', '/vms', { body, headers: keyFor(body) }));
      navigate(`/vms/${vm.id}`);
    } catch (err) {
      messages.error(err, 'The VM was not created');
      messages.el.scrollIntoView({ block: 'nearest' });
    }
  }
}

registerPage({
  path: '/vms/new',
  title: 'Create VM',
  permission: 'vm:create',
  render,
});
