// Showing a secret the API hands out only once (an API key, an invitation link): a read-only
// field, a "Copy" button and a plain warning that it will not be shown again.

import {h, uniqueId} from '../dom.js';

/** Copies text to the clipboard; falls back to selecting the field for the older API. */
export async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    input.focus();
    input.select();
    try { return document.execCommand('copy'); } catch { return false; }
  }
}

/**
 * A panel with the secret. title: heading; label: the field's label; warning: what to do with it.
 * onDone: called when the user dismisses it.
 */
export function secretPanel({title, label, secret, warning, onDone}) {
  const id = uniqueId('secret');
  const input = h('input', {type: 'text', id, readonly: true, value: secret, class: 'mono', 'data-field': 'secret',
    autocomplete: 'off', spellcheck: 'false'});
  input.addEventListener('focus', () => input.select());
  const status = h('span', {role: 'status', class: 'muted small'});
  const copy = h('button', {type: 'button', onclick: async () => {
    const ok = await copyText(secret, input);
    status.textContent = ok ? 'Copied to the clipboard.' : 'Copying failed: select the text and copy it yourself.';
  }}, 'Copy');
  const panel = h('section', {class: 'card secret-panel', 'aria-labelledby': `${id}-title`},
    h('h2', {id: `${id}-title`}, title),
    h('p', {class: 'warning-box'}, h('strong', {}, 'You will not see it again. '), warning),
    h('div', {class: 'field'}, h('label', {for: id}, label), h('div', {class: 'secret-box'}, input, copy)),
    h('p', {}, status),
    h('div', {class: 'form-actions'}, h('button', {type: 'button', onclick: () => { panel.remove(); if (onDone) onDone(); }},
      'I have copied it')));
  return {el: panel, focus: () => input.focus()};
}
