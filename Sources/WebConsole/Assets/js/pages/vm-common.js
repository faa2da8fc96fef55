// Pieces shared by the VM pages: the "live" indicator of the events stream and the quota
// panel (what the tenant may still order, and what an order would take).

import { h, clear } from '../dom.js';
import { meter } from './compute-ui.js';

const STATE_TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  forbidden: 'Live updates off',
  unavailable: 'Live updates unavailable',
  closed: 'Offline',
};

// A small pill telling the operator whether the screen follows changes by itself.
export function liveIndicator() {
  const text = h('span', {}, STATE_TEXT.connecting);
  const el = h('span', { class: 'live live-connecting', title: 'Status changes appear here without reloading' },
    h('span', { class: 'live-dot', 'aria-hidden': 'true' }), text);
  return {
    el,
    set(state) {
      el.className = `live live-${state}`;
      text.textContent = STATE_TEXT[state] || state;
    },
  };
}

export const QUOTA_DIMENSIONS = [
  { key: 'vms', label: 'VMs', unit: '', order: () => 1 },
  { key: 'vcpus', label: 'vCPUs', unit: '', order: (o) => o.cpu },
  { key: 'memory_gb', label: 'Memory', unit: ' GB', order: (o) => o.memory_gb },
  { key: 'disk_gb', label: 'Disk', unit: ' GB', order: (o) => o.disk_gb },
];

function fmt(n, unit) {
  return n === null || n === undefined ? 'unlimited' : `${n}${unit}`;
}

// Renders the quota table. With `order` ({cpu, memory_gb, disk_gb}) it adds "this order" and
// "left after" columns and flags each dimension the order would exceed.
// Returns { el, update(order) -> list of exceeded dimension labels }.
export function quotaPanel(quota, { order = null, caption = 'Quota' } = {}) {
  // With an order, what matters most comes first (this order, headroom, left after), so a
  // narrow screen shows it before the table needs scrolling.
  const cols = order
    ? ['order', 'headroom', 'after', 'limit', 'used', 'reserved']
    : ['limit', 'used', 'reserved', 'headroom'];
  const titles = { order: 'This order', headroom: 'Headroom', after: 'Left after', limit: 'Limit', used: 'In use', reserved: 'Being created' };
  const tbody = h('tbody');
  const head = h('tr', {}, h('th', { scope: 'col' }, 'Resource'), cols.map((c) => h('th', { scope: 'col', class: 'num' }, titles[c])));
  const table = h('table', { class: 'cx-table quota-table' }, h('caption', {}, caption), h('thead', {}, head), tbody);
  const el = h('div', { class: 'table-wrap' }, table);

  function update(nextOrder) {
    clear(tbody);
    const exceeded = [];
    for (const dim of QUOTA_DIMENSIONS) {
      const q = quota[dim.key] || { limit: null, used: 0, reserved: 0, headroom: null };
      const want = nextOrder ? Number(dim.order(nextOrder)) || 0 : 0;
      const left = q.headroom === null ? null : q.headroom - want;
      const over = Boolean(nextOrder) && left !== null && left < 0;
      if (over) exceeded.push(dim.label);
      const text = {
        limit: fmt(q.limit, dim.unit),
        used: `${q.used}${dim.unit}`,
        reserved: `${q.reserved}${dim.unit}`,
        headroom: fmt(q.headroom, dim.unit),
        order: `${want}${dim.unit}`,
        after: left === null ? 'unlimited' : over ? `${-left}${dim.unit} over` : `${left}${dim.unit}`,
      };
      tbody.append(h('tr', { 'data-id': dim.key, class: over ? 'row-over' : 'row-ok' },
        h('th', { scope: 'row' }, dim.label),
        cols.map((c) => h('td', { class: `num${c === 'after' && over ? ' over' : ''}`, 'data-field': c }, text[c]))));
    }
    return exceeded;
  }
  update(order);
  return { el, update };
}

// A one-line summary of the quota for the VM list: each dimension as "used / limit" with a
// meter, so the operator sees the headroom before clicking "Create VM".
export function quotaStrip(quota) {
  return h('div', { class: 'quota-strip', 'aria-label': 'Quota' },
    h('span', { class: 'quota-strip-title' }, 'Quota'),
    QUOTA_DIMENSIONS.map((dim) => {
      const q = quota[dim.key] || { limit: null, used: 0, reserved: 0 };
      const taken = q.used + q.reserved;
      return h('span', { class: 'quota-item', 'data-field': `quota_${dim.key}` },
        h('span', { class: 'quota-label' }, dim.label),
        meter(taken, q.limit, { unit: dim.unit, label: dim.label }));
    }));
}
