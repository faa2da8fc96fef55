// #/vms/:id — one VM: facts, power actions, rename, delete, activity log.
//
// Status and task follow the events stream; the log is reloaded when an event about this VM
// arrives (each state change writes a log entry), not on a timer.

import { h, clear } from '../dom.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { registerPage, navigate } from '../router.js';
import { subscribe } from '../events.js';
import {
  pageHeader, statusBadge, taskBadge, dateCell, facts, section, labelled, loading, errorBox,
  messageSlot, dataTable, button, busy, idempotency, confirmDialog, setFlash, preciseTime, put,
} from './compute-ui.js';
import { liveIndicator } from './vm-common.js';

const ACTIONS = [
  { action: 'start', label: 'Start', done: 'Starting' },
  { action: 'stop', label: 'Stop', done: 'Stopping' },
  { action: 'restart', label: 'Restart', done: 'Restarting' },
];

const LOG_LEVEL_CLASS = { INFO: 'info', WARNING: 'warn', ERROR: 'error' };

async function render(main, params) {
  const id = params.id;
  clear(main);
  put(main, pageHeader('Virtual machine'), loading('Loading the VM…'));

  let vm;
  try {
    vm = await api('GET', `/vms/${encodeURIComponent(id)}`);
  } catch (err) {
    clear(main);
    put(main, pageHeader('Virtual machine'),
      errorBox(err, 'Could not load this VM', 'vm:read'),
      h('p', {}, h('a', { href: '#/vms' }, 'Back to the list of VMs')));
    return undefined;
  }

  const live = liveIndicator();
  const messages = messageSlot();
  const title = h('h1', { class: 'vm-title' }, vm.name);
  // The shell's pageHeader takes a string; the title element is kept so a rename (or an event
  // from another tab) updates it in place.
  const header = pageHeader(vm.name, { actions: [live.el, h('a', { href: '#/vms', class: 'button' }, 'All VMs')] });
  header.querySelector('h1').replaceWith(title);

  // ---- facts ----
  const factsBox = h('div', {});
  function drawFacts() {
    clear(factsBox);
    put(factsBox, facts([
      ['Status', 'status', statusBadge(vm.status)],
      ['Task', 'task', taskBadge(vm.task)],
      ['vCPUs', 'cpu', vm.cpu],
      ['Memory', 'memory_gb', `${vm.memory_gb} GB`],
      ['Disk', 'disk_gb', `${vm.disk_gb} GB`],
      ['IP address', 'ip_address', vm.ip_address],
      vm.source_type === 'iso'
        ? ['ISO image', 'iso_url', vm.iso_url]
        : ['Template', 'template_name', vm.template_name],
      ['Created', 'created_at', dateCell(vm.created_at)],
      ['Updated', 'updated_at', dateCell(vm.updated_at)],
      ['ID', 'id', h('code', {}, vm.id)],
    ]));
  }
  drawFacts();

  // ---- power actions ----
  // After an action, the "Stopping…" notice is replaced by the outcome once the task ends.
  let pendingNotice = false;
  const keyFor = idempotency();
  const powerButtons = ACTIONS.map((a) => button(a.label, (e) => runAction(a, e.currentTarget)));
  const deleteButton = button('Delete', () => onDelete(), { kind: 'danger' });
  const toolbar = h('div', { class: 'vm-actions', role: 'group', 'aria-label': 'VM actions' },
    can('vm:power_manage') ? powerButtons : null,
    can('vm:delete') ? deleteButton : null);

  async function runAction(a, btn) {
    messages.clear();
    const body = { action: a.action };
    try {
      const updated = await busy(btn, () => api('POST', `/vms/${encodeURIComponent(id)}/actions`, { body, headers: keyFor(body) }));
      keyFor(null); // the next click is a new request, not a retry of this one
      messages.notice(`${a.done} ${vm.name}…`);
      pendingNotice = true;
      if (updated) applyVm(updated);
    } catch (err) {
      // 409 carries the API's reason (e.g. "already running"); shown as it is.
      messages.error(err, `${a.label} failed`, 'vm:power_manage');
    }
  }

  async function onDelete() {
    const ok = await confirmDialog(`Delete the VM “${vm.name}”? Its disk is destroyed; this cannot be undone.`, 'Confirm');
    if (!ok) return;
    messages.clear();
    try {
      await busy(deleteButton, () => api('DELETE', `/vms/${encodeURIComponent(id)}`));
      setFlash(`The VM “${vm.name}” is being deleted.`);
      navigate('/vms');
    } catch (err) {
      messages.error(err, 'Delete failed', 'vm:delete');
    }
  }

  // ---- rename ----
  let renameSection = null;
  if (can('vm:update')) {
    const nameInput = h('input', { type: 'text', name: 'name', value: vm.name, required: true, maxlength: '100', autocomplete: 'off' });
    const renameMessages = messageSlot();
    const renameButton = h('button', { type: 'submit' }, 'Rename');
    const form = h('form', { class: 'inline-form', onsubmit: async (e) => {
      e.preventDefault();
      const name = nameInput.value.trim();
      renameMessages.clear();
      if (!name) { renameMessages.error({ detail: 'A name cannot be empty.' }); nameInput.focus(); return; }
      if (name === vm.name) { renameMessages.notice('That is already its name.'); return; }
      try {
        const updated = await busy(renameButton, () => api('PATCH', `/vms/${encodeURIComponent(id)}`, { body: { name } }));
        applyVm(updated);
        renameMessages.notice(`Renamed to “${updated.name}”.`);
      } catch (err) {
        renameMessages.error(err, 'Rename failed', 'vm:update');
      }
    } }, labelled('Name', nameInput), renameButton);
    renameSection = section('Rename', renameMessages.el, form);
  }

  // ---- logs ----
  let logsSection = null;
  let logsBox = null;
  let logSeq = 0;
  let logTable = null;
  async function loadLogs() {
    if (!logsBox) return;
    const mine = ++logSeq;
    if (!logsBox.firstChild) put(logsBox, loading('Loading the activity log…'));
    try {
      const entries = await api('GET', `/vms/${encodeURIComponent(id)}/logs`, { query: { limit: 100 } });
      if (mine !== logSeq) return;
      // Entries have no id; time + message identifies one well enough to keep its row when
      // the log is read again (a new entry then only adds a row at the top).
      const seen = new Map();
      const rows = (entries || []).map((e) => {
        const base = `${e.timestamp}|${e.level}|${e.message}`;
        const n = (seen.get(base) || 0) + 1;
        seen.set(base, n);
        return { ...e, id: n > 1 ? `${base}|${n}` : base };
      });
      if (logTable && logTable.el.isConnected) {
        logTable.replaceRows(rows);
        return;
      }
      logTable = dataTable([
        { label: 'Time', field: 'timestamp', render: (e) => preciseTime(e.timestamp) },
        { label: 'Level', field: 'level', render: (e) => h('span', { class: `level level-${LOG_LEVEL_CLASS[e.level] || 'info'}` }, e.level) },
        { label: 'Message', field: 'message', className: 'wrap' },
      ], rows, { empty: 'No log entries yet.' });
      clear(logsBox);
      put(logsBox, logTable.el);
    } catch (err) {
      if (mine !== logSeq) return;
      logTable = null;
      clear(logsBox);
      put(logsBox, errorBox(err, 'Could not load the log', 'vm:read_logs'));
    }
  }
  let logTimer = null;
  function loadLogsSoon() {
    // Events come in bursts (task set, then status): one reload per burst.
    clearTimeout(logTimer);
    logTimer = setTimeout(loadLogs, 400);
  }
  if (can('vm:read_logs')) {
    logsBox = h('div', { class: 'logs' });
    logsSection = section('Activity log',
      h('p', { class: 'hint' }, 'Newest first. Updates when the VM changes.'),
      button('Refresh log', () => loadLogs()),
      logsBox);
  }

  // Filled only when the VM disappears: a hidden role=alert would still be found by tools
  // (and tests) looking for the page's error.
  const gone = h('div', {});

  clear(main);
  put(main, header, gone, messages.el,
    h('div', { class: 'vm-top' }, factsBox, toolbar),
    renameSection, logsSection);
  loadLogs();
  function applyVm(next) {
    vm = next;
    title.textContent = vm.name;
    document.title = `${vm.name} · VirtualStack`;
    drawFacts();
    // The likely next power action is the highlighted one; all stay clickable (the API decides).
    powerButtons[0].classList.toggle('primary', vm.status === 'STOPPED');
    if (pendingNotice && !vm.task) {
      pendingNotice = false;
      messages.notice(`${vm.name} is ${vm.status}.`);
    }
  }

  function markGone() {
    if (!gone.firstChild) {
      put(gone, h('div', { class: 'error', role: 'alert' },
        'This VM has been deleted. ', h('a', { href: '#/vms' }, 'Back to the list of VMs')));
    }
    for (const b of [...powerButtons, deleteButton]) b.disabled = true;
  }

  applyVm(vm);

  const off = subscribe((event) => {
    if (event.type === 'ready') {
      // (Re)connected: anything may have happened meanwhile; read the VM once.
      api('GET', `/vms/${encodeURIComponent(id)}`).then(applyVm).catch((err) => { if (err.status === 404) markGone(); });
      loadLogsSoon();
      return;
    }
    const data = event.data;
    if (!data || data.id !== id) return;
    if (event.type === 'vm.updated' || event.type === 'vm.created') {
      applyVm(data);
      loadLogsSoon();
    } else if (event.type === 'vm.deleted') {
      markGone();
    }
  }, { onState: live.set });

  return () => {
    off();
    clearTimeout(logTimer);
    logSeq += 1;
  };
}

registerPage({
  path: '/vms/:id',
  title: 'Virtual machine',
  permission: 'vm:read',
  render,
});
