// #/admin/hosts — superusers: hypervisor hosts with capacity, allocation and health;
// register (simulated / libvirt / vcenter), drain / undrain (PATCH enabled), remove.

import { h, clear, modal } from '../dom.js';
import { api } from '../api.js';
import { registerPage } from '../router.js';
import {
  pageHeader, dataTable, dateCell, labelled, loading, errorBox, messageSlot, button,
  busy, idempotency, confirmDialog, meter, numberInput, intValue, put,
} from './compute-ui.js';

// Capacity a VM may be given on a host: physical amount × overcommit ratio.
function effective(cap, key, ratioKey) {
  if (!cap) return null;
  const ratio = typeof cap[ratioKey] === 'number' ? cap[ratioKey] : 1;
  return Math.floor(cap[key] * ratio);
}

function healthCell(host) {
  if (host.status === 'down') {
    return h('span', { class: 'health' },
      h('span', { class: 'badge badge-error' }, 'DOWN'),
      host.down_reason ? h('small', { class: 'hint block' }, host.down_reason) : null,
      host.down_since ? h('small', { class: 'hint block' }, 'since ', dateCell(host.down_since)) : null);
  }
  return h('span', { class: 'badge badge-running' }, (host.status || 'up').toUpperCase());
}

function placementCell(host) {
  return host.enabled
    ? h('span', { class: 'badge badge-running' }, 'Accepting VMs')
    : h('span', { class: 'badge badge-stopped' }, 'Drained');
}

// Allocated against allocatable (physical × overcommit) per resource; the physical amount and
// the ratio are in the row's small print so the meter's total is explainable.
function allocationCell(host) {
  const cap = host.capacity || {};
  const alloc = host.allocated || { cpu: 0, memory_gb: 0, disk_gb: 0 };
  const ratio = (v) => (typeof v === 'number' && v !== 1 ? ` ×${v}` : '');
  const line = (label, used, key, ratioKey, unit, physical) => h('div', {},
    h('span', { class: 'alloc-label' }, label),
    h('span', { class: 'alloc-meter' },
      meter(used, effective(cap, key, ratioKey), { unit, label }),
      cap[key] ? h('small', { class: 'hint' }, `${physical}${ratio(cap[ratioKey])}`) : null));
  return h('div', { class: 'alloc' },
    line('vCPU', alloc.cpu, 'vcpus', 'cpu_overcommit', '', `${cap.vcpus} physical`),
    line('RAM', alloc.memory_gb, 'memory_gb', 'memory_overcommit', ' GB', `${cap.memory_gb} GB`),
    line('Disk', alloc.disk_gb, 'disk_gb', 'disk_overcommit', ' GB', `${cap.disk_gb} GB`));
}

async function render(main) {
  clear(main);
  const messages = messageSlot();
  const listBox = h('div', {});
  put(main,
    pageHeader('Hosts', { lead: 'Hypervisors that run the tenants’ VMs. Tenants never see hosts.', actions: [button('Refresh', () => load())] }),
    messages.el, registerForm(), listBox);

  async function load() {
    if (!listBox.firstChild) put(listBox, loading('Loading hosts…'));
    try {
      const hosts = await api('GET', '/hosts', { tenant: false });
      const table = dataTable([
        { label: 'Name', field: 'name', render: (x) => h('div', {}, h('strong', {}, x.name), h('small', { class: 'hint block mono' }, x.uri)) },
        { label: 'Driver', field: 'driver', render: (x) => (x.virt_type ? `${x.driver} (${x.virt_type})` : x.driver) },
        { label: 'Health', field: 'status', render: healthCell },
        { label: 'Placement', field: 'enabled', render: placementCell },
        { label: 'VMs', field: 'vm_count', className: 'num' },
        { label: 'Allocated / allocatable', field: 'allocated', render: allocationCell },
        { label: 'Actions', field: 'actions', render: (x) => h('div', { class: 'row-actions' },
          x.enabled
            ? button('Drain', (e) => setEnabled(x, false, e.currentTarget))
            : button('Undrain', (e) => setEnabled(x, true, e.currentTarget)),
          button('Edit', () => edit(x)),
          button('Remove', (e) => remove(x, e.currentTarget), { kind: 'danger' })) },
      ], hosts, { empty: 'No hosts registered. Register one below; without a host no VM can be created.' });
      clear(listBox);
      put(listBox, table.el);
    } catch (err) {
      clear(listBox);
      put(listBox, errorBox(err, 'Could not load the hosts'), button('Retry', () => load()));
    }
  }

  async function setEnabled(host, enabled, btn) {
    if (!enabled) {
      const ok = await confirmDialog(`Drain “${host.name}”? Its ${host.vm_count} VM(s) keep running, but no new VM will be placed on it.`);
      if (!ok) return;
    }
    try {
      await busy(btn, () => api('PATCH', `/hosts/${host.id}`, { body: { enabled }, tenant: false }));
      messages.notice(enabled ? `“${host.name}” accepts new VMs again.` : `“${host.name}” is drained.`);
      load();
    } catch (err) {
      messages.error(err, enabled ? 'Undrain failed' : 'Drain failed');
    }
  }

  // Rename, resize, or (vCenter) change credentials. Where VMs go cannot change: VMs live there.
  function edit(host) {
    const name = h('input', { type: 'text', name: 'name', value: host.name, required: true, maxlength: '100' });
    const cap = host.capacity || {};
    const num = (key, value, step = '1', min = '1') => h('input', { type: 'number', name: key, step, min, value: value ?? '' });
    const vcpus = num('vcpus', cap.vcpus);
    const mem = num('memory_gb', cap.memory_gb);
    const disk = num('disk_gb', cap.disk_gb);
    const cpuOc = num('cpu_overcommit', cap.cpu_overcommit, '0.1', '0.1');
    const memOc = num('memory_overcommit', cap.memory_overcommit, '0.1', '0.1');
    const diskOc = num('disk_overcommit', cap.disk_overcommit, '0.1', '0.1');
    const username = h('input', { type: 'text', name: 'username', value: host.username || '', maxlength: '256', autocomplete: 'off' });
    const password = h('input', { type: 'password', name: 'password', maxlength: '1024', autocomplete: 'new-password' });
    const formMessages = messageSlot();
    const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
    let dlg = null;
    const form = h('form', { class: 'cx-form', onsubmit: async (e) => {
      e.preventDefault();
      formMessages.clear();
      // Only what changed is sent: an untouched capacity is not rewritten.
      const body = {};
      if (name.value.trim() !== host.name) body.name = name.value.trim();
      const next = { vcpus: intValue(vcpus), memory_gb: intValue(mem), disk_gb: intValue(disk) };
      if ([next.vcpus, next.memory_gb, next.disk_gb].some((v) => v === null || Number.isNaN(v))) {
        formMessages.error({ detail: 'CPUs, memory and disk are whole numbers.' });
        return;
      }
      for (const [input, key] of [[cpuOc, 'cpu_overcommit'], [memOc, 'memory_overcommit'], [diskOc, 'disk_overcommit']]) {
        if (input.value.trim() !== '') next[key] = Number(input.value);
      }
      const changed = ['vcpus', 'memory_gb', 'disk_gb', 'cpu_overcommit', 'memory_overcommit', 'disk_overcommit'].some((k) => next[k] !== undefined && next[k] !== cap[k]);
      if (changed) body.capacity = next;
      if (host.driver === 'vcenter') {
        if (username.value.trim() && username.value.trim() !== host.username) body.username = username.value.trim();
        if (password.value) body.password = password.value;
      }
      if (Object.keys(body).length === 0) { dlg.close(); return; }
      try {
        const updated = await busy(save, () => api('PATCH', `/hosts/${host.id}`, { body, tenant: false }));
        dlg.close();
        messages.notice(`Host “${updated.name}” saved.`);
        load();
      } catch (err) {
        formMessages.error(err, 'The host was not saved');
      }
    } },
    formMessages.el,
    labelled('Name', name),
    h('fieldset', { class: 'sub' }, h('legend', {}, 'Capacity'),
      h('div', { class: 'size-grid' }, labelled('Physical CPUs', vcpus), labelled('Memory (GB)', mem), labelled('Disk (GB)', disk),
        labelled('CPU overcommit', cpuOc), labelled('Memory overcommit', memOc), labelled('Disk overcommit', diskOc))),
    host.driver === 'vcenter'
      ? h('fieldset', { class: 'sub' }, h('legend', {}, 'vCenter credentials'),
        labelled('Username', username), labelled('Password', password, { hint: 'Leave empty to keep the stored one.' }))
      : null,
    h('div', { class: 'form-actions' }, save, button('Cancel', () => dlg.close())));
    dlg = modal(`Edit host “${host.name}”`, form, { wide: true });
    name.focus();
  }

  async function remove(host, btn) {
    const ok = await confirmDialog(`Remove the host “${host.name}” from the platform? A host with VMs cannot be removed; drain it and move or delete its VMs first.`);
    if (!ok) return;
    try {
      await busy(btn, () => api('DELETE', `/hosts/${host.id}`, { tenant: false }));
      messages.notice(`Host “${host.name}” removed.`);
      load();
    } catch (err) {
      messages.error(err, 'The host was not removed');
    }
  }

  function registerForm() {
    const name = h('input', { type: 'text', name: 'name', required: true, maxlength: '100', autocomplete: 'off' });
    const driver = h('select', { name: 'driver' },
      h('option', { value: 'simulated' }, 'Simulated (testing)'),
      h('option', { value: 'libvirt' }, 'libvirt (KVM / QEMU)'),
      h('option', { value: 'vcenter' }, 'VMware vCenter'));
    const uri = h('input', { type: 'text', name: 'uri', required: true, maxlength: '1024', autocomplete: 'off' });
    const uriField = labelled('URI', uri, { hint: ' ' });
    const uriHint = uriField.querySelector('.hint'); // reworded for the chosen driver

    // Capacity is optional: the driver reports it when left out.
    const vcpus = numberInput({ name: 'vcpus', min: 1, required: false });
    const mem = numberInput({ name: 'memory_gb', min: 1, required: false });
    const disk = numberInput({ name: 'disk_gb', min: 1, required: false });
    const ratio = (n, def) => { const i = h('input', { type: 'number', name: n, min: '0.1', max: '100', step: '0.1', placeholder: String(def) }); return i; };
    const cpuOc = ratio('cpu_overcommit', 4);
    const memOc = ratio('memory_overcommit', 1.5);
    const diskOc = ratio('disk_overcommit', 1);
    const capacity = h('fieldset', { class: 'sub' }, h('legend', {}, 'Capacity (optional; all three sizes or none)'),
      h('div', { class: 'size-grid' },
        labelled('Physical CPUs', vcpus), labelled('Memory (GB)', mem), labelled('Disk (GB)', disk),
        labelled('CPU overcommit', cpuOc), labelled('Memory overcommit', memOc), labelled('Disk overcommit', diskOc)));

    // libvirt
    const virtType = h('select', { name: 'virt_type' }, h('option', { value: 'kvm' }, 'kvm (hardware virtualisation)'), h('option', { value: 'qemu' }, 'qemu (software emulation)'));
    const libvirtBox = h('fieldset', { class: 'sub' }, h('legend', {}, 'libvirt'), labelled('Virtualisation type', virtType));

    // vCenter
    const username = h('input', { type: 'text', name: 'username', maxlength: '256', autocomplete: 'off', placeholder: 'svc-virtualstack@vsphere.local' });
    const password = h('input', { type: 'password', name: 'password', maxlength: '1024', autocomplete: 'new-password' });
    const insecure = h('input', { type: 'checkbox', name: 'insecure' });
    const thumbprint = h('input', { type: 'text', name: 'thumbprint', maxlength: '128', autocomplete: 'off' });
    const caPem = h('textarea', { name: 'ca_pem', rows: '3', maxlength: '65536' });
    const inventory = ['datacenter', 'cluster', 'resource_pool', 'datastore', 'folder', 'network'].map((key) => ({
      key, input: h('input', { type: 'text', name: key, maxlength: '1024', autocomplete: 'off' }),
    }));
    const invLabel = { datacenter: 'Datacenter', cluster: 'Cluster', resource_pool: 'Resource pool', datastore: 'Datastore', folder: 'Folder', network: 'Network' };
    const vcenterBox = h('fieldset', { class: 'sub' }, h('legend', {}, 'vCenter'),
      labelled('Username', username), labelled('Password', password, { hint: 'Stored encrypted; never shown again.' }),
      labelled('Skip TLS verification', insecure, { hint: 'Only for lab setups; not together with a CA or a thumbprint.' }),
      labelled('Certificate thumbprint (SHA-256)', thumbprint, { hint: 'Optional: pin a self-signed certificate.' }),
      labelled('CA certificates (PEM)', caPem, { hint: 'Optional: trust these instead of the system’s roots.' }),
      h('p', { class: 'hint' }, 'Where new VMs go (optional): left empty, the first datacenter, cluster, datastore and network found are used.'),
      h('div', { class: 'size-grid' }, inventory.map((i) => labelled(invLabel[i.key], i.input))));

    const formMessages = messageSlot();
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Register host');
    const keyFor = idempotency();

    function refresh() {
      libvirtBox.hidden = driver.value !== 'libvirt';
      vcenterBox.hidden = driver.value !== 'vcenter';
      uri.placeholder = { simulated: 'simulated://rack1-node1', libvirt: 'qemu+ssh://root@10.0.0.5/system', vcenter: 'https://vcenter.example.com/sdk' }[driver.value];
      uriHint.textContent = {
        simulated: 'simulated://<name>: an in-process host for trying the platform out.',
        libvirt: 'A libvirt connection URI, e.g. qemu+ssh://root@10.0.0.5/system or qemu:///system.',
        vcenter: 'The vCenter SDK address, e.g. https://vcenter.example.com/sdk.',
      }[driver.value];
    }
    driver.addEventListener('change', refresh);

    const form = h('form', { class: 'cx-form', onsubmit: async (e) => {
      e.preventDefault();
      formMessages.clear();
      const body = { name: name.value.trim(), driver: driver.value, uri: uri.value.trim() };
      if (!body.name || !body.uri) { formMessages.error({ detail: 'A host needs a name and a URI.' }); (body.name ? uri : name).focus(); return; }
      const sizes = [intValue(vcpus), intValue(mem), intValue(disk)];
      if (sizes.some((v) => v !== null)) {
        if (sizes.some((v) => v === null || Number.isNaN(v))) { formMessages.error({ detail: 'Give all three capacity sizes as whole numbers, or none.' }); return; }
        body.capacity = { vcpus: sizes[0], memory_gb: sizes[1], disk_gb: sizes[2] };
        for (const [input, key] of [[cpuOc, 'cpu_overcommit'], [memOc, 'memory_overcommit'], [diskOc, 'disk_overcommit']]) {
          if (input.value.trim() !== '') body.capacity[key] = Number(input.value);
        }
      }
      if (driver.value === 'libvirt') body.virt_type = virtType.value;
      if (driver.value === 'vcenter') {
        body.username = username.value.trim();
        body.password = password.value;
        if (insecure.checked) body.insecure = true;
        if (thumbprint.value.trim()) body.thumbprint = thumbprint.value.trim();
        if (caPem.value.trim()) body.ca_pem = caPem.value.trim();
        for (const i of inventory) if (i.input.value.trim()) body[i.key] = i.input.value.trim();
      }
      try {
        const host = await busy(submit, () => api('POST', '/hosts', { body, tenant: false, headers: keyFor(body) }));
        messages.notice(`Host “${host.name}” registered; its health is checked shortly.`);
        form.reset();
        refresh();
        panel.open = false;
        load();
      } catch (err) {
        formMessages.error(err, 'The host was not registered');
      }
    } },
    formMessages.el,
    h('div', { class: 'size-grid' }, labelled('Name', name), labelled('Driver', driver)),
    uriField, libvirtBox, vcenterBox, capacity,
    h('div', { class: 'form-actions' }, submit));
    refresh();
    const panel = h('details', { class: 'create-panel' }, h('summary', {}, 'Register a host'), form);
    return panel;
  }

  await load();
}

registerPage({
  path: '/admin/hosts',
  title: 'Hosts',
  nav: { label: 'Hosts', group: 'admin', order: 20 },
  superuser: true,
  render,
});
