// #/audit — the audit trail, newest first, with the API's filters (since, until, actor_id,
// target_id, operation; tenant_id for superusers). A tenant member with audit:read sees their
// tenant's events; a superuser sees every event, including those outside any tenant.
// Filters live in the hash query so a filtered view can be reloaded or shared.

import { h, clear } from '../dom.js';
import { api } from '../api.js';
import { session } from '../session.js';
import { registerPage, navigate } from '../router.js';
import {
  pageHeader, dataTable, preciseTime, labelled, loading, errorBox, pagerView, shortId, button, put,
} from './compute-ui.js';

const LIMIT = 50;
const FILTERS = ['since', 'until', 'actor_id', 'target_id', 'operation', 'tenant_id'];

// <input type=datetime-local> speaks local time without a zone; the API wants RFC 3339.
function localToIso(value) {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}
function isoToLocal(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function detailsCell(e) {
  const entries = Object.entries(e.details || {});
  if (entries.length === 0) return '—';
  return h('dl', { class: 'kv' }, entries.map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]));
}

// The id is cut short to keep the table readable; it links to the trail filtered on it, and
// its full value is in the title (and in the link).
function idCell(type, id, filter) {
  const you = session.user && id === session.user.id;
  return h('span', { class: 'who' }, h('span', {}, you ? `${type} (you)` : (type || '—')),
    id ? h('a', { href: `#/audit?${filter}=${encodeURIComponent(id)}`, title: `${id} — show only events with this ${filter === 'actor_id' ? 'actor' : 'target'}`, class: 'block mono' }, shortId(id)) : null);
}

async function render(main, _params, query) {
  const get = (k) => (query && typeof query.get === 'function' ? query.get(k) : '') || '';
  const state = Object.fromEntries(FILTERS.map((k) => [k, get(k)]));
  const page = Math.max(1, Number.parseInt(get('page'), 10) || 1);
  const superuser = session.isSuperuser;

  clear(main);
  put(main, pageHeader('Audit trail', {
    lead: superuser
      ? 'Every change made through the API, every login and every change the service made on its own, across all tenants.'
      : 'Every change made in this tenant, newest first.',
  }));

  // ---- filters ----
  const since = h('input', { type: 'datetime-local', name: 'since', value: isoToLocal(state.since) });
  const until = h('input', { type: 'datetime-local', name: 'until', value: isoToLocal(state.until) });
  const operation = h('input', { type: 'text', name: 'operation', value: state.operation, placeholder: 'vm.create', maxlength: '255', autocomplete: 'off' });
  const actor = h('input', { type: 'text', name: 'actor_id', value: state.actor_id, placeholder: 'user or API key id', maxlength: '255', autocomplete: 'off' });
  const target = h('input', { type: 'text', name: 'target_id', value: state.target_id, placeholder: 'resource id', maxlength: '255', autocomplete: 'off' });
  let tenantSelect = null;
  if (superuser) {
    tenantSelect = h('select', { name: 'tenant_id' }, h('option', { value: '' }, 'All tenants'),
      (session.tenants || []).map((t) => h('option', { value: t.id }, t.name)));
    tenantSelect.value = state.tenant_id;
  }

  const go = (overrides = {}) => {
    const next = {
      since: localToIso(since.value), until: localToIso(until.value), operation: operation.value.trim(),
      actor_id: actor.value.trim(), target_id: target.value.trim(), tenant_id: tenantSelect ? tenantSelect.value : '',
      ...overrides,
    };
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(next)) if (v) q.set(k, String(v));
    navigate(`/audit${q.toString() ? '?' + q : ''}`);
  };

  const form = h('form', { class: 'toolbar filters', role: 'search', onsubmit: (e) => { e.preventDefault(); go(); } },
    labelled('Since', since), labelled('Until', until), labelled('Operation', operation),
    labelled('Actor ID', actor), labelled('Target ID', target),
    tenantSelect ? labelled('Tenant', tenantSelect) : null,
    h('div', { class: 'toolbar-buttons' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
      button('Clear', () => navigate('/audit'))));
  const body = h('div', {});
  put(main, form, body);

  put(body, loading('Loading the audit trail…'));
  const tenantName = (id) => {
    if (!id) return 'platform';
    const t = (session.tenants || []).find((x) => x.id === id);
    return t ? t.name : shortId(id);
  };
  try {
    const answer = await api('GET', '/audit-events', {
      query: { ...state, page, limit: LIMIT },
      // Superusers read across tenants; the header would narrow the view to one tenant.
      tenant: !superuser,
    });
    const table = dataTable([
      { label: 'When', field: 'occurred_at', render: (e) => preciseTime(e.occurred_at) },
      { label: 'Operation', field: 'operation', render: (e) => h('code', {}, e.operation) },
      { label: 'Outcome', field: 'outcome', render: (e) => h('span', { class: `badge ${e.outcome === 'success' ? 'badge-running' : 'badge-error'}` }, e.outcome) },
      { label: 'Actor', field: 'actor_id', render: (e) => idCell(e.actor_type, e.actor_id, 'actor_id') },
      { label: 'Target', field: 'target_id', render: (e) => idCell(e.target_type, e.target_id, 'target_id') },
      superuser ? { label: 'Tenant', field: 'tenant_id', render: (e) => tenantName(e.tenant_id) } : null,
      { label: 'Details', field: 'details', render: detailsCell, className: 'wrap' },
      { label: 'Client', field: 'client_address', render: (e) => h('span', { title: e.request_id ? `request ${e.request_id}` : '' }, e.client_address || '—') },
    ].filter(Boolean), answer.items, { empty: FILTERS.some((k) => state[k]) ? 'No event matches these filters.' : 'No events recorded yet.' });
    clear(body);
    put(body, table.el, pagerView(answer, (p) => {
      const q = new URLSearchParams();
      for (const k of FILTERS) if (state[k]) q.set(k, state[k]);
      if (p > 1) q.set('page', String(p));
      navigate(`/audit${q.toString() ? '?' + q : ''}`);
    }, 'events'));
  } catch (err) {
    clear(body);
    put(body, errorBox(err, 'Could not load the audit trail', 'audit:read'));
  }
}

registerPage({
  path: '/audit',
  title: 'Audit trail',
  nav: { label: 'Audit trail', group: 'tenant', order: 80 },
  permission: 'audit:read',
  // Superusers read the trail across tenants, so they need not pick one first; members get
  // audit:read only inside a tenant, so for them the permission check still needs one.
  tenant: (session) => !session.isSuperuser,
  render,
});
