// #/vms — the tenant's virtual machines: search, status filter, pages, live updates.
//
// Live updates come from the shared events stream (../events.js), never from polling each VM:
// vm.updated changes a row in place; vm.created / vm.deleted change the rows at once and then
// reload the current page once (debounced) so totals and page boundaries stay exact.

import { h, clear } from '../dom.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { registerPage, navigate } from '../router.js';
import { subscribe } from '../events.js';
import {
  dataTable, pagerView, pageHeader, statusBadge, taskBadge, dateCell, labelled, loading,
  errorBox, noticeBox, takeFlash, put,
} from './compute-ui.js';
import { liveIndicator, quotaStrip } from './vm-common.js';

const STATUSES = ['PROVISIONING', 'RUNNING', 'STOPPED', 'ERROR'];
const LIMIT = 20;

const columns = [
  { label: 'Name', field: 'name', render: (vm) => h('a', { href: `#/vms/${vm.id}` }, vm.name) },
  { label: 'Status', field: 'status', render: (vm) => statusBadge(vm.status) },
  { label: 'Task', field: 'task', render: (vm) => taskBadge(vm.task) },
  { label: 'vCPUs', field: 'cpu', className: 'num' },
  { label: 'Memory', field: 'memory_gb', className: 'num', render: (vm) => `${vm.memory_gb} GB` },
  { label: 'Disk', field: 'disk_gb', className: 'num', render: (vm) => `${vm.disk_gb} GB` },
  { label: 'IP address', field: 'ip_address', className: 'mono' },
  { label: 'Source', field: 'template_name', render: (vm) => (vm.source_type === 'iso' ? 'ISO image' : (vm.template_name || 'Template')) },
  { label: 'Created', field: 'created_at', render: (vm) => dateCell(vm.created_at) },
];

function matches(vm, { search, status }) {
  if (status && vm.status !== status) return false;
  if (search && !String(vm.name).toLowerCase().includes(search.toLowerCase())) return false;
  return true;
}

async function render(main, _params, query = {}) {
  // Filters live in the hash query (#/vms?search=web&status=RUNNING&page=2) so a reload or a
  // shared link shows the same list.
  const get = (key) => (query && typeof query.get === 'function' ? query.get(key) : query && query[key]) || '';
  const state = {
    search: get('search'),
    status: STATUSES.includes(get('status')) ? get('status') : '',
    page: Math.max(1, Number.parseInt(get('page'), 10) || 1),
  };

  const live = liveIndicator();
  const createLink = can('vm:create') ? h('a', { href: '#/vms/new', class: 'button primary' }, 'Create VM') : null;
  const flash = takeFlash();

  const searchInput = h('input', { type: 'search', name: 'search', value: state.search, maxlength: '100', placeholder: 'Part of a name', autocomplete: 'off' });
  const statusSelect = h('select', { name: 'status' },
    h('option', { value: '' }, 'Any status'),
    STATUSES.map((s) => h('option', { value: s }, s)));
  statusSelect.value = state.status;
  const filterForm = h('form', { class: 'toolbar', role: 'search', onsubmit: (e) => { e.preventDefault(); applyFilters(); } },
    labelled('Search', searchInput),
    labelled('Status', statusSelect),
    h('button', { type: 'submit' }, 'Search'));
  statusSelect.addEventListener('change', () => applyFilters());

  const body = h('div', { class: 'cx-body' });
  const quotaBox = h('div', { class: 'quota-strip-box' });
  clear(main);
  put(main,
    pageHeader('Virtual machines', { actions: [live.el, createLink] }),
    flash ? noticeBox(flash) : null,
    quotaBox,
    filterForm,
    body,
  );

  // The quota line is a convenience: if it cannot be read, the list still works.
  let quotaTimer = null;
  async function loadQuota() {
    try {
      const quota = await api('GET', '/quota');
      clear(quotaBox);
      put(quotaBox, quotaStrip(quota));
    } catch {
      clear(quotaBox);
    }
  }
  function loadQuotaSoon() {
    clearTimeout(quotaTimer);
    quotaTimer = setTimeout(loadQuota, 800);
  }
  loadQuota();

  let table = null;
  let pagerBox = null;
  let current = null; // last page answer
  let reloadTimer = null;
  let seq = 0;

  function applyFilters() {
    const q = new URLSearchParams();
    const s = searchInput.value.trim();
    if (s) q.set('search', s);
    if (statusSelect.value) q.set('status', statusSelect.value);
    const target = `/vms${q.toString() ? '?' + q : ''}`;
    // Same filters → just reload; otherwise change the hash (the router re-renders).
    if (s === state.search && statusSelect.value === state.status && state.page === 1) load();
    else navigate(target);
  }

  function goPage(page) {
    const q = new URLSearchParams();
    if (state.search) q.set('search', state.search);
    if (state.status) q.set('status', state.status);
    if (page > 1) q.set('page', String(page));
    navigate(`/vms${q.toString() ? '?' + q : ''}`);
  }

  async function load({ quiet = false } = {}) {
    const mine = ++seq;
    if (!quiet) { clear(body); put(body, loading('Loading virtual machines…')); }
    try {
      const page = await api('GET', '/vms', { query: { page: state.page, limit: LIMIT, search: state.search, status: state.status } });
      if (mine !== seq) return; // a newer load won
      current = page;
      if (page.items.length === 0 && page.total > 0 && state.page > 1) { goPage(1); return; }
      const pagerEl = pagerView(page, goPage, page.total === 1 ? 'VM' : 'VMs');
      if (quiet && table) {
        // A quiet reload (after events or a reconnect) reconciles the rows on screen rather
        // than rebuilding the table, so nothing the operator is looking at or focused on jumps.
        table.replaceRows(page.items);
        if (pagerBox) { clear(pagerBox); put(pagerBox, pagerEl); }
        return;
      }
      table = dataTable(columns, page.items, { empty: emptyText() });
      pagerBox = h('div', {}, pagerEl);
      clear(body);
      put(body, table.el, pagerBox);
    } catch (err) {
      if (mine !== seq) return;
      // A quiet reload that fails keeps the rows on screen; the next event tries again.
      if (quiet && table) return;
      table = null;
      clear(body);
      put(body, errorBox(err, 'Could not load the virtual machines'),
        h('button', { type: 'button', onclick: () => load() }, 'Retry'));
    }
  }

  function emptyText() {
    if (state.search || state.status) return 'No virtual machine matches these filters. Clear the search or pick another status.';
    return can('vm:create') ? 'No virtual machines yet. Use “Create VM” to order the first one.' : 'No virtual machines in this tenant yet.';
  }

  function reloadSoon() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => load({ quiet: true }), 600);
  }

  const off = subscribe((event) => {
    // (Re)connected: changes made while no stream was open are not replayed by a first
    // connection, so read the page once more.
    if (event.type === 'ready') { reloadSoon(); return; }
    if (!table || !current) return;
    const vm = event.data;
    if (event.type === 'vm.updated' && vm && vm.id) {
      if (table.has(vm.id)) {
        if (matches(vm, state)) table.update(vm);
        else { table.remove(vm.id); reloadSoon(); } // e.g. filtered on RUNNING and it stopped
      } else if (matches(vm, state)) {
        reloadSoon(); // it now matches the filter (or was renamed into the search)
      }
    } else if (event.type === 'vm.created' && vm && vm.id) {
      if (state.page === 1 && matches(vm, state) && !table.has(vm.id)) table.prepend(vm);
      reloadSoon();
      loadQuotaSoon();
    } else if (event.type === 'vm.deleted' && vm && vm.id) {
      if (table.remove(vm.id)) reloadSoon();
      loadQuotaSoon();
    }
  }, { onState: live.set });

  await load();

  return () => {
    off();
    clearTimeout(reloadTimer);
    clearTimeout(quotaTimer);
    seq += 1;
  };
}

registerPage({
  path: '/vms',
  title: 'Virtual machines',
  nav: { label: 'VMs', group: 'tenant', order: 10 },
  permission: 'vm:read',
  render,
});
