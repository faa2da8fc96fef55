// DOM building blocks shared by every page of the console.
//
// Every value reaches the page as text: elements are made with createElement and strings become
// text nodes, so a VM named `<img src=x onerror=alert(1)>` shows exactly that. Nothing here (or
// anywhere in the console) parses strings as HTML.

// Attributes that are better set as DOM properties: setting them as attributes would only change
// the default value, not what the control shows or sends.
const PROPERTY_PROPS = new Set(['value', 'checked', 'selected', 'indeterminate']);

let idCounter = 0;

/** A unique element id with a readable prefix, for pairing labels with their controls. */
export function uniqueId(prefix = 'f') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/**
 * Creates an element: h('button', {class: 'primary', onclick: save}, 'Save').
 * Props are attributes (null/undefined/false skip them, true sets an empty attribute), `on…`
 * functions become event listeners. Children are Nodes, strings, numbers, arrays, or null/false.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (PROPERTY_PROPS.has(name)) {
      el[name] = value;
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends children (same rules as h) to an element and returns it. */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Removes every child of an element. */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Replaces the children of an element. */
export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

/** An error message; role=alert so screen readers announce it at once. */
export function alertBox(message) {
  return h('div', {class: 'error', role: 'alert'}, message);
}

/** A success or progress notice; role=status is announced politely. */
export function notice(message) {
  return h('div', {class: 'notice', role: 'status'}, message);
}

/** A quiet "Loading…" line shown while a page waits for the API. */
export function loading(what = 'Loading…') {
  return h('p', {class: 'loading', role: 'status'}, what);
}

/** The empty state of a list: what is missing and, when given, what to do about it. */
export function emptyState(message, action = null) {
  return h('div', {class: 'empty'}, h('p', {}, message), action);
}

/**
 * The standard page heading: the page's single <h1>, an optional lead sentence and actions on the right.
 */
export function pageHeader(title, {lead = null, actions = []} = {}) {
  return h('div', {class: 'page-header'},
    h('div', {class: 'page-title'}, h('h1', {}, title), lead ? h('p', {class: 'lead'}, lead) : null),
    actions.length ? h('div', {class: 'actions'}, actions) : null);
}

/**
 * Asks for confirmation in a modal <dialog> with "Confirm" (or confirmLabel) and "Cancel".
 * Resolves true when confirmed; Escape, Cancel or closing resolve false.
 */
export function confirmDialog(message, confirmLabel = 'Confirm', {danger = true} = {}) {
  return new Promise((resolve) => {
    const messageId = uniqueId('confirm');
    const dialog = h('dialog', {class: 'confirm', 'aria-describedby': messageId});
    let answer = false;
    const confirmBtn = h('button', {type: 'button', class: danger ? 'danger' : 'primary',
      onclick: () => { answer = true; dialog.close(); }}, confirmLabel);
    const cancelBtn = h('button', {type: 'button', onclick: () => dialog.close()}, 'Cancel');
    append(dialog, [
      h('p', {id: messageId}, message),
      h('div', {class: 'dialog-actions'}, cancelBtn, confirmBtn),
    ]);
    const previousFocus = document.activeElement;
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (previousFocus && previousFocus.isConnected) previousFocus.focus();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    // The safe choice has the focus, so a stray Enter does not destroy anything.
    cancelBtn.focus();
  });
}

/**
 * A modal <dialog> holding arbitrary content, with a title and a "Close" button.
 * Returns {dialog, close}; onClose runs once when it closes by any means.
 */
export function modal(title, content, {onClose = null, wide = false} = {}) {
  const titleId = uniqueId('dlg');
  const dialog = h('dialog', {class: wide ? 'modal wide' : 'modal', 'aria-labelledby': titleId});
  const close = () => { if (dialog.open) dialog.close(); };
  append(dialog, [
    h('div', {class: 'modal-head'},
      h('h2', {id: titleId}, title),
      h('button', {type: 'button', class: 'ghost', onclick: close}, 'Close')),
    h('div', {class: 'modal-body'}, content),
  ]);
  const previousFocus = document.activeElement;
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (previousFocus && previousFocus.isConnected) previousFocus.focus();
    if (onClose) onClose();
  });
  document.body.append(dialog);
  dialog.showModal();
  return {dialog, close};
}

/**
 * A labelled form control: <div class="field"><label for=id>text</label>control [hint]</div>.
 * Gives the control an id when it has none, and ties an optional hint to it with aria-describedby.
 */
export function field(labelText, inputElement, {hint = null} = {}) {
  if (!inputElement.id) inputElement.id = uniqueId('f');
  let hintEl = null;
  if (hint) {
    hintEl = h('p', {class: 'hint', id: `${inputElement.id}-hint`}, hint);
    inputElement.setAttribute('aria-describedby', hintEl.id);
  }
  const cls = inputElement.type === 'checkbox' ? 'field checkbox' : 'field';
  const label = h('label', {for: inputElement.id}, labelText);
  return inputElement.type === 'checkbox'
    ? h('div', {class: cls}, inputElement, label, hintEl)
    : h('div', {class: cls}, label, inputElement, hintEl);
}

/**
 * A table of resources inside a horizontally scrollable wrapper.
 * columns: [{label, field, render?(row) -> Node|string, class?}]; each row's `id` becomes
 * <tr data-id>, each cell <td data-field="<field>">. With no rows, shows `empty` instead.
 */
export function tableView(columns, rows, {empty = 'Nothing here yet.', caption = null} = {}) {
  if (!rows || rows.length === 0) {
    return empty instanceof Node ? empty : emptyState(empty);
  }
  const head = h('thead', {}, h('tr', {}, columns.map((c) => h('th', {scope: 'col', class: c.class || null}, c.label))));
  const body = h('tbody', {}, rows.map((row) => h('tr', {'data-id': row.id ?? null},
    columns.map((c) => h('td', {'data-field': c.field || null, class: c.class || null},
      c.render ? c.render(row) : displayValue(row[c.field]))))));
  return h('div', {class: 'table-wrap'},
    h('table', {}, caption ? h('caption', {}, caption) : null, head, body));
}

/** A value as shown in a table: an em dash for nothing, "Yes"/"No" for booleans. */
export function displayValue(value) {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (Array.isArray(value)) return value.length ? value.join(', ') : '—';
  return String(value);
}

/**
 * Page navigation for a list answer {page, limit, total}: "Previous", "Page 2 of 5", "Next".
 * onPage(n) is called with the page asked for. Hidden when everything fits on one page.
 */
export function pager({page, limit, total}, onPage) {
  const pages = Math.max(1, Math.ceil((total || 0) / (limit || 20)));
  const current = Math.min(Math.max(1, page || 1), pages);
  return h('nav', {class: 'pager', 'aria-label': 'Pages', hidden: pages <= 1},
    h('button', {type: 'button', disabled: current <= 1, onclick: () => onPage(current - 1)}, 'Previous'),
    h('span', {class: 'pager-info'}, `Page ${current} of ${pages} · ${total} in all`),
    h('button', {type: 'button', disabled: current >= pages, onclick: () => onPage(current + 1)}, 'Next'));
}

const dateFormat = new Intl.DateTimeFormat(undefined, {dateStyle: 'medium', timeStyle: 'short'});

/** An RFC 3339 timestamp in the reader's locale and time zone; an em dash for none. */
export function formatDate(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return dateFormat.format(date);
}

/** A <time> element showing formatDate(iso) with the exact value as its datetime. */
export function timeEl(iso) {
  if (!iso) return '—';
  return h('time', {datetime: iso, title: iso}, formatDate(iso));
}

/** A small status badge; the variant picks its colour (ok, warn, bad, muted, info). */
export function badge(text, variant = 'muted') {
  return h('span', {class: `badge badge-${variant}`}, text);
}

/**
 * Runs an async action from a button: disables it (so a double click sends one request),
 * shows busyLabel meanwhile and restores it afterwards.
 */
export async function withBusy(button, busyLabel, action) {
  const label = button.textContent;
  button.disabled = true;
  if (busyLabel) button.textContent = busyLabel;
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

/** A spot on a page that shows at most one message (alert or notice) at a time. */
export function messageSlot() {
  const el = h('div', {class: 'message-slot'});
  return {
    el,
    error(message) { replace(el, alertBox(message)); },
    success(message) { replace(el, notice(message)); },
    clear() { clear(el); },
  };
}
