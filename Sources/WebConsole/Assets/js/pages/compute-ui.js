// Small view helpers shared by the compute pages (VMs, hosts, templates, quotas, audit).
// They sit on the shell's h() and keep the DOM conventions the browser tests rely on:
// rows carry data-id, cells data-field, errors role=alert.error, notices role=status.
// Tables are built here rather than with the shell's tableView so that a live event can
// update one row's cells in place (focus and scroll stay where the operator left them).

import { h, clear, field, emptyState, append } from '../dom.js';
import { ApiError } from '../api.js';

// The shell's page heading (one <h1>, actions on the right) is used as is.
export { pageHeader, timeEl as dateCell, confirmDialog } from '../dom.js';

// el.append() would print a null child as the text "null"; optional pieces (a button the
// caller may not use) are null, so pages append through this, which skips them.
export function put(el, ...children) {
  return append(el, children);
}

let idCounter = 0;
export function uid(prefix = 'cx') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

// ---- messages -------------------------------------------------------------------------

// The API's detail, prefixed with what failed; for 403 it names the permission when the
// detail does not, and says what to do next.
export function errorText(err, action, permission) {
  const detail = err && (err.detail || err.message) ? (err.detail || err.message) : 'Something went wrong.';
  if (err instanceof ApiError && err.status === 403) {
    const needs = permission && !detail.includes(permission) ? ` This needs the permission ${permission}.` : '';
    return `${action ? action + ': ' : ''}${detail}${needs} Ask an administrator of this tenant for it.`;
  }
  if (err && err.status === 409) return detail;
  if (err && (err.status === 0 || err.status === undefined)) return detail;
  if (err && err.status >= 500) return `${detail} Try again in a moment.`;
  return action ? `${action}: ${detail}` : detail;
}

export function errorBox(err, action, permission) {
  return h('div', { class: 'error', role: 'alert' }, errorText(err, action, permission));
}

export function noticeBox(message) {
  return h('div', { class: 'notice', role: 'status' }, message);
}

// A slot that shows at most one message; forms and toolbars own one each.
export function messageSlot() {
  const el = h('div', { class: 'cx-messages', 'aria-live': 'polite' });
  return {
    el,
    error(err, action, permission) { clear(el); el.append(errorBox(err, action, permission)); },
    notice(text) { clear(el); el.append(noticeBox(text)); },
    clear() { clear(el); },
  };
}

export function loading(text = 'Loading…') {
  return h('p', { class: 'loading', role: 'status', 'aria-busy': 'true' }, text);
}

// One-shot message handed from one page to the next (e.g. "VM deleted" on the list).
let flashMessage = null;
export function setFlash(message) { flashMessage = message; }
export function takeFlash() { const m = flashMessage; flashMessage = null; return m; }

// ---- formatting -----------------------------------------------------------------------

// A timestamp to the second, for logs and audit events where order within a minute matters.
export function preciseTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const text = d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return h('time', { datetime: iso, title: iso }, text);
}

export function shortId(id) {
  return id ? String(id).slice(0, 8) : '—';
}

// A status badge: the text is the API's value (tests read it), the class only colours it.
export function statusBadge(status) {
  const value = status || 'UNKNOWN';
  return h('span', { class: `badge status-badge badge-${String(value).toLowerCase()}` }, value);
}

export function taskBadge(task) {
  if (!task) return h('span', { class: 'muted' }, '—');
  return h('span', { class: 'task' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), task);
}

// ---- form controls --------------------------------------------------------------------

// label + control (+ optional hint): the shell's field(), which pairs label for= with the id.
export function labelled(labelText, control, { hint } = {}) {
  return field(labelText, control, { hint });
}

export function numberInput({ name, value, min, max, required = true }) {
  const input = h('input', { type: 'number', name, inputmode: 'numeric', step: '1' });
  if (min !== undefined) input.min = String(min);
  if (max !== undefined) input.max = String(max);
  if (required) input.required = true;
  if (value !== undefined && value !== null) input.value = String(value);
  return input;
}

export function intValue(input) {
  const v = input.value.trim();
  if (v === '') return null;
  const n = Number(v);
  return Number.isInteger(n) ? n : NaN;
}

// kind: '' (plain), 'primary', 'danger' or 'ghost' — the shell's button classes.
export function button(label, onclick, { kind = '', type = 'button', ...rest } = {}) {
  return h('button', { type, class: kind || null, onclick, ...rest }, label);
}

// Disables a button while its request runs, so a double click does not send twice.
export async function busy(btn, work) {
  btn.disabled = true;
  btn.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    btn.disabled = false;
    btn.removeAttribute('aria-busy');
  }
}

// Creating POSTs carry an Idempotency-Key: a retry of the same body reuses the key (and is
// answered as the first was); a changed body gets a fresh key (the API refuses a reused key
// with another body).
export function idempotency() {
  let lastBody = null;
  let key = null;
  return (body) => {
    const serialized = JSON.stringify(body);
    if (serialized !== lastBody || !key) {
      lastBody = serialized;
      key = (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`);
    }
    return { 'Idempotency-Key': key };
  };
}

// ---- tables ---------------------------------------------------------------------------

// columns: [{ label, field, render?(row) -> Node|string, className? }]
// Returns { el, table, update(row), remove(id), prepend(row) }.
export function dataTable(columns, rows, { empty = 'Nothing here yet.', caption } = {}) {
  const thead = h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.className && c.className.includes('num') ? 'num' : null }, c.label))));
  const tbody = h('tbody');
  const table = h('table', { class: 'cx-table' }, caption ? h('caption', {}, caption) : null, thead, tbody);
  const emptyEl = emptyState(empty);
  const el = h('div', { class: 'table-wrap' }, table, emptyEl);

  // Each cell remembers what it shows (col.sig(row), or the field's JSON); a cell whose
  // value did not change is left alone, so elements the operator (or a test) holds, and the
  // focus, survive live updates and quiet reloads.
  const signature = (row, col) => (col.sig ? col.sig(row) : JSON.stringify(row[col.field] ?? null));
  const fill = (td, row, col) => {
    const sig = signature(row, col);
    if (td.dataset.sig === sig && td.firstChild) return false;
    td.dataset.sig = sig;
    clear(td);
    const value = col.render ? col.render(row) : row[col.field];
    if (value instanceof Node) td.append(value);
    else td.append(value === null || value === undefined || value === '' ? '—' : String(value));
    return true;
  };
  const rowEl = (row) => {
    const tr = h('tr', { 'data-id': row.id });
    for (const col of columns) {
      const td = h('td', { 'data-field': col.field, class: col.className || null });
      fill(td, row, col);
      tr.append(td);
    }
    return tr;
  };
  const refreshRow = (tr, row) => {
    let changed = false;
    columns.forEach((col, i) => { if (fill(tr.children[i], row, col)) changed = true; });
    return changed;
  };
  const flash = (tr) => {
    tr.classList.add('flash');
    setTimeout(() => tr.classList.remove('flash'), 1200);
  };
  const syncEmpty = () => {
    const none = tbody.children.length === 0;
    table.hidden = none;
    emptyEl.hidden = !none;
  };
  const find = (id) => [...tbody.children].find((tr) => tr.dataset.id === String(id));

  for (const row of rows) tbody.append(rowEl(row));
  syncEmpty();

  return {
    el,
    table,
    has: (id) => Boolean(find(id)),
    update(row) {
      const tr = find(row.id);
      if (!tr) return false;
      if (refreshRow(tr, row)) flash(tr);
      return true;
    },
    remove(id) {
      const tr = find(id);
      if (tr) tr.remove();
      syncEmpty();
      return Boolean(tr);
    },
    prepend(row) {
      tbody.prepend(rowEl(row));
      syncEmpty();
    },
    // Brings the table to `rows` (a fresh page from the API) keeping existing row elements:
    // rows still there are updated in place and put in order, new ones created, gone ones removed.
    replaceRows(next) {
      const existing = new Map([...tbody.children].map((tr) => [tr.dataset.id, tr]));
      const keep = new Set();
      next.forEach((row, index) => {
        let tr = existing.get(String(row.id));
        if (tr) refreshRow(tr, row);
        else tr = rowEl(row);
        keep.add(tr);
        if (tbody.children[index] !== tr) tbody.insertBefore(tr, tbody.children[index] || null);
      });
      for (const tr of [...tbody.children]) if (!keep.has(tr)) tr.remove();
      syncEmpty();
    },
    count: () => tbody.children.length,
  };
}

// "Previous / Page 2 of 5 / Next", hidden entirely when everything fits on one page.
export function pagerView({ page, limit, total }, onPage, noun = 'items') {
  const pages = Math.max(1, Math.ceil(total / limit));
  if (!total) return null; // the empty state says it all
  const summary = h('span', { class: 'pager-info' }, pages > 1 ? `Page ${page} of ${pages} · ${total} ${noun}` : `${total} ${noun}`);
  if (pages <= 1) return h('div', { class: 'pager' }, summary);
  const prev = button('Previous', () => onPage(page - 1), { disabled: page <= 1 });
  const next = button('Next', () => onPage(page + 1), { disabled: page >= pages });
  return h('nav', { class: 'pager', 'aria-label': 'Pages' }, prev, summary, next);
}

// ---- page chrome ----------------------------------------------------------------------

export function section(title, ...children) {
  return h('section', { class: 'cx-section' }, h('h2', {}, title), ...children);
}

// A definition list of label/value pairs; each value carries data-field for tests and updates.
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.map(([label, field, value]) => [
    h('dt', {}, label),
    h('dd', { 'data-field': field }, value instanceof Node ? value : (value === null || value === undefined || value === '' ? '—' : String(value))),
  ]));
}

// A capacity meter: "used / total" text plus a bar (width by class in 5 % steps, since
// inline styles are refused by the CSP).
export function meter(used, total, { unit = '', label } = {}) {
  const pct = total > 0 ? Math.min(100, Math.round((used / total) * 100)) : 0;
  const step = Math.min(100, Math.ceil(pct / 5) * 5);
  const level = pct >= 90 ? 'high' : pct >= 70 ? 'mid' : 'low';
  const text = total === null || total === undefined ? `${used}${unit} / unlimited` : `${used}${unit} / ${total}${unit}`;
  const bar = h('span', { class: 'meter', role: 'img', 'aria-label': `${label ? label + ': ' : ''}${pct}% used` },
    h('span', { class: `meter-fill w-${step} level-${level}` }));
  return h('span', { class: 'meter-wrap' }, h('span', { class: 'meter-text' }, text), total ? bar : null);
}
