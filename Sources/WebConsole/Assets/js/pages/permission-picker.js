// The permission catalog grouped by module (the part of the id before ':'), as checkboxes for the
// role editor and the API key form, or as read-only lists for viewing a role.

import {h, uniqueId} from '../dom.js';
import {api} from '../api.js';
import {session, can} from '../session.js';

/** The part of a permission id before ':' ("vm" for "vm:read"). */
export function moduleOf(permissionId) {
  return permissionId.split(':')[0];
}

/** Groups permissions [{id, name}] into [[module, [permission…]]], modules in catalog order. */
export function groupByModule(permissions) {
  const groups = new Map();
  for (const p of permissions) {
    const mod = moduleOf(p.id);
    if (!groups.has(mod)) groups.set(mod, []);
    groups.get(mod).push(p);
  }
  return [...groups.entries()];
}

// Readable module headings; unknown modules show their id.
const MODULE_TITLES = {user: 'Users', role: 'Roles', invitation: 'Invitations', vm: 'Virtual machines',
  template: 'Templates', audit: 'Audit log'};

export function moduleTitle(mod, perms = []) {
  // The catalog names its modules ("VMs"); ids held without the catalog fall back to ours.
  const named = perms.find((p) => p.module && p.module !== mod);
  return named ? named.module : (MODULE_TITLES[mod] || mod);
}

/**
 * GET /permissions (needs role:read). Without role:read, falls back to the ids the caller holds,
 * which is all an API key or a role of theirs could carry anyway.
 */
export async function loadCatalog() {
  if (session.tenantId && can('role:read')) {
    const list = await api('GET', '/permissions');
    if (Array.isArray(list)) return list;
  }
  return [...session.permissions].sort().map((id) => ({id, name: id, module: moduleOf(id)}));
}

/**
 * A checkbox per permission, grouped by module, with "Select all" per module.
 * selected: ids initially checked. Permissions the caller does not hold are disabled, because
 * the API refuses to put them into a role or key (superusers hold everything).
 * Returns {el, value(): [ids]}.
 */
export function permissionPicker(catalog, selected = [], {limitToHeld = true} = {}) {
  const chosen = new Set(selected);
  const boxes = [];
  const held = (id) => !limitToHeld || can(id);
  const groups = groupByModule(catalog).map(([mod, perms]) => {
    const groupBoxes = [];
    const items = perms.map((p) => {
      const id = uniqueId('perm');
      const box = h('input', {type: 'checkbox', id, value: p.id, checked: chosen.has(p.id),
        disabled: !held(p.id) && !chosen.has(p.id), 'data-permission': p.id});
      boxes.push(box);
      groupBoxes.push(box);
      return h('div', {class: 'field checkbox'}, box,
        h('label', {for: id}, p.name && p.name !== p.id ? p.name : p.id, ' ', h('span', {class: 'perm-id'}, p.id)));
    });
    const allId = uniqueId('perm-all');
    const all = h('input', {type: 'checkbox', id: allId});
    const syncAll = () => {
      const usable = groupBoxes.filter((b) => !b.disabled);
      const on = usable.filter((b) => b.checked).length;
      all.checked = usable.length > 0 && on === usable.length;
      all.indeterminate = on > 0 && on < usable.length;
      all.disabled = usable.length === 0;
    };
    all.addEventListener('change', () => {
      for (const b of groupBoxes) if (!b.disabled) b.checked = all.checked;
      syncAll();
    });
    for (const b of groupBoxes) b.addEventListener('change', syncAll);
    syncAll();
    return h('fieldset', {class: 'perm-group', 'data-module': mod},
      h('legend', {}, moduleTitle(mod, perms)),
      h('div', {class: 'field checkbox'}, all, h('label', {for: allId}, h('em', {}, 'All of ', moduleTitle(mod, perms)))),
      items);
  });
  const note = limitToHeld && !session.isSuperuser && catalog.some((p) => !can(p.id))
    ? h('p', {class: 'hint'}, 'Greyed-out permissions are ones you do not hold yourself, so you cannot hand them on.')
    : null;
  return {
    el: h('div', {class: 'perm-picker'}, note, h('div', {class: 'perm-groups'}, groups)),
    value: () => boxes.filter((b) => b.checked).map((b) => b.value),
  };
}

/** A read-only view of permission ids grouped by module. */
export function permissionList(permissionIds, catalog = []) {
  if (!permissionIds.length) return h('p', {class: 'muted'}, 'No permissions.');
  const known = new Map(catalog.map((p) => [p.id, p]));
  const perms = permissionIds.map((id) => known.get(id) || {id, name: id});
  return h('div', {class: 'perm-groups'}, groupByModule(perms).map(([mod, list]) =>
    h('div', {class: 'perm-group', 'data-module': mod},
      h('h3', {}, moduleTitle(mod, list)),
      h('ul', {class: 'perm-list'}, list.map((p) => h('li', {'data-permission': p.id},
        p.name !== p.id ? [p.name, ' ', h('code', {}, p.id)] : h('code', {}, p.id)))))));
}
