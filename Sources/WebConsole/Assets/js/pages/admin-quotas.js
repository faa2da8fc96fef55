// #/admin/quotas — superusers: per tenant, what its VMs use and reserve against its limits,
// and the limits themselves (empty = unlimited, sent as null).
//
// A tenant's quota is read with GET /quota in that tenant (superusers may act in every tenant,
// so the X-Tenant-ID header names it); PUT /tenants/{id}/quota answers with the same shape.

import { h, clear } from '../dom.js';
import { api } from '../api.js';
import { session } from '../session.js';
import { registerPage, navigate } from '../router.js';
import {
  pageHeader, labelled, loading, errorBox, messageSlot, section, busy, intValue, numberInput, uid,
  dataTable, meter, put,
} from './compute-ui.js';
import { quotaPanel, QUOTA_DIMENSIONS } from './vm-common.js';

function quotaOf(tenantId) {
  return api('GET', '/quota', { tenant: false, headers: { 'X-Tenant-ID': tenantId } });
}

async function render(main, _params, query) {
  clear(main);
  put(main, pageHeader('Quotas', { lead: 'Limits on what each tenant may run. A limit below current use blocks growth and touches nothing that exists.' }),
    loading('Loading tenants…'));

  let tenants;
  try {
    tenants = await api('GET', '/tenants', { tenant: false });
  } catch (err) {
    clear(main);
    put(main, pageHeader('Quotas'), errorBox(err, 'Could not load the tenants'));
    return;
  }

  clear(main);
  put(main, pageHeader('Quotas', { lead: 'Limits on what each tenant may run. A limit below current use blocks growth and touches nothing that exists.' }));
  if (tenants.length === 0) {
    put(main, h('p', { class: 'empty' }, 'There are no tenants yet. ', h('a', { href: '#/admin/tenants' }, 'Create one first.')));
    return;
  }

  const wanted = query && typeof query.get === 'function' ? query.get('tenant') : null;
  const initial = tenants.find((t) => t.id === wanted) || tenants.find((t) => t.id === session.tenantId) || tenants[0];

  const picker = h('select', { name: 'tenant' }, tenants.map((t) => h('option', { value: t.id }, t.is_active === false ? `${t.name} (deactivated)` : t.name)));
  picker.value = initial.id;
  // The selection lives in the hash so a reload shows the same tenant.
  picker.addEventListener('change', () => navigate(`/admin/quotas?tenant=${encodeURIComponent(picker.value)}`));

  const messages = messageSlot();
  const body = h('div', {});
  put(main, h('div', { class: 'toolbar' }, labelled('Tenant', picker)), messages.el, body);

  const tenant = initial;
  clear(body);
  put(body, loading(`Loading the quota of ${tenant.name}…`));
  let quota;
  try {
    quota = await quotaOf(tenant.id);
  } catch (err) {
    clear(body);
    put(body, errorBox(err, `Could not load the quota of ${tenant.name}`));
    return;
  }

  const usageBox = h('div', {});
  const drawUsage = (q) => { clear(usageBox); put(usageBox, quotaPanel(q, { caption: `Usage of ${tenant.name}` }).el); };
  drawUsage(quota);

  const inputs = QUOTA_DIMENSIONS.map((dim) => {
    const input = numberInput({ name: dim.key, min: 0, required: false, value: quota[dim.key] ? quota[dim.key].limit : null });
    input.id = uid(`limit-${dim.key}`);
    input.placeholder = 'unlimited';
    return { dim, input };
  });
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
  const form = h('form', { class: 'cx-form', onsubmit: async (e) => {
    e.preventDefault();
    messages.clear();
    const limits = {};
    for (const { dim, input } of inputs) {
      const v = intValue(input);
      if (Number.isNaN(v) || (v !== null && v < 0)) {
        messages.error({ detail: `The ${dim.label} limit must be a whole number of 0 or more, or empty for unlimited.` });
        input.focus();
        return;
      }
      limits[dim.key] = v; // null = unlimited
    }
    try {
      const next = await busy(save, () => api('PUT', `/tenants/${tenant.id}/quota`, { body: limits, tenant: false }));
      drawUsage(next);
      const fresh = overview(tenants);
      overviewSection.replaceWith(fresh);
      overviewSection = fresh;
      messages.notice(`Limits of ${tenant.name} saved.`);
    } catch (err) {
      messages.error(err, 'The limits were not saved');
    }
  } },
  h('div', { class: 'size-grid' }, inputs.map(({ dim, input }) => labelled(`${dim.label} limit${dim.unit ? ` (${dim.unit.trim()})` : ''}`, input, { hint: 'Empty = unlimited' }))),
  h('div', { class: 'form-actions' }, save));

  let overviewSection = overview(tenants);
  clear(body);
  put(body, usageBox, section('Limits', form), overviewSection);
}

// Every tenant's usage at a glance (one GET /quota per tenant, read in parallel), each row
// linking to its editor above. Limited to the first 100 tenants to keep the page quick.
function overview(tenants) {
  const box = h('div', {});
  const shown = tenants.slice(0, 100);
  put(box, loading('Loading every tenant’s usage…'));
  Promise.allSettled(shown.map((t) => quotaOf(t.id))).then((answers) => {
    const rows = shown.map((t, i) => ({ id: t.id, tenant: t, quota: answers[i].status === 'fulfilled' ? answers[i].value : null }));
    const cell = (key, unit) => (row) => {
      if (!row.quota) return h('span', { class: 'muted' }, 'unavailable');
      const q = row.quota[key];
      return meter(q.used + q.reserved, q.limit, { unit, label: key });
    };
    const table = dataTable([
      { label: 'Tenant', field: 'name', render: (row) => h('a', { href: `#/admin/quotas?tenant=${encodeURIComponent(row.id)}` }, row.tenant.name) },
      ...QUOTA_DIMENSIONS.map((dim) => ({ label: dim.label, field: dim.key, render: cell(dim.key, dim.unit) })),
    ], rows, { empty: 'No tenants.' });
    clear(box);
    put(box, table.el);
  });
  return section(tenants.length > 100 ? 'All tenants (first 100)' : 'All tenants', box);
}

registerPage({
  path: '/admin/quotas',
  title: 'Quotas',
  nav: { label: 'Quotas', group: 'admin', order: 40 },
  superuser: true,
  render,
});
