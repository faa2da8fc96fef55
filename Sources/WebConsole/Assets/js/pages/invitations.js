// Invitations into the current tenant (#/invitations): invite an email with a role, list them
// filtered by status, revoke pending ones. The accept link is shown once, right after inviting.

import {h, append, replace, pageHeader, loading, alertBox, tableView, pager, badge, confirmDialog, field,
  withBusy, messageSlot, timeEl, emptyState, formatDate} from '../dom.js';
import {api, errorText} from '../api.js';
import {can} from '../session.js';
import {registerPage} from '../router.js';
import {secretPanel} from './secret-once.js';

const STATUS_BADGE = {pending: 'info', accepted: 'ok', revoked: 'muted', expired: 'warn'};
const LIMIT = 20;

registerPage({
  path: '/invitations',
  title: 'Invitations',
  permission: 'invitation:read',
  nav: {label: 'Invitations', group: 'tenant', order: 40},
  async render(container) {
    const state = {page: 1, status: ''};
    const messages = messageSlot();
    const secretSlot = h('div', {});
    const listBody = h('div', {}, loading('Loading invitations…'));
    let roles = [];
    let roleNames = new Map();
    if (can('role:read')) {
      try {
        roles = await api('GET', '/roles');
        roleNames = new Map(roles.map((r) => [r.id, r.name]));
      } catch { /* names fall back to ids; the invite form says why it cannot offer roles */ }
    }

    const statusSelect = h('select', {id: 'invitation-status'},
      h('option', {value: ''}, 'All'),
      ['pending', 'accepted', 'revoked', 'expired'].map((s) => h('option', {value: s}, s[0].toUpperCase() + s.slice(1))));
    statusSelect.addEventListener('change', () => { state.status = statusSelect.value; state.page = 1; load(); });

    append(container, [
      pageHeader('Invitations', {lead: 'Invite people into this tenant with a role. They join when they accept the link.'}),
      messages.el,
      secretSlot,
      can('invitation:create') ? inviteCard() : null,
      h('section', {class: 'section'},
        h('h2', {}, 'Sent invitations'),
        h('div', {class: 'toolbar'}, field('Status', statusSelect)),
        listBody),
    ]);

    function inviteCard() {
      const email = h('input', {type: 'email', required: true, autocomplete: 'off', maxlength: 254});
      const roleSelect = h('select', {required: true},
        roles.map((r) => h('option', {value: r.id}, r.is_system_role ? `${r.name} (system)` : r.name)));
      const submit = h('button', {type: 'submit', class: 'primary'}, 'Invite');
      const form = h('form', {class: 'stack', novalidate: true},
        h('div', {class: 'form-row'}, field('Email', email), field('Role', roleSelect)),
        h('div', {class: 'form-actions'}, submit));
      if (!roles.length) {
        return h('section', {class: 'card'}, h('h2', {}, 'Invite someone'),
          h('p', {class: 'muted'}, 'Inviting needs a role to give, and listing roles needs the permission role:read.'));
      }
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        if (!email.value.trim()) { messages.error('Enter the email to invite.'); email.focus(); return; }
        messages.clear();
        await withBusy(submit, 'Inviting…', async () => {
          try {
            const invitation = await api('POST', '/invitations', {body: {email: email.value.trim(), role_id: roleSelect.value}});
            email.value = '';
            showLink(invitation);
            state.page = 1;
            await load();
          } catch (err) {
            messages.error(errorText(err, 'invitation:create'));
          }
        });
      });
      return h('section', {class: 'card'}, h('h2', {}, 'Invite someone'), form);
    }

    function showLink(invitation) {
      // Built on the origin this console was reached at: the browser knows the address people
      // use, while the API's accept_url rests on the server's idea of its public address.
      const link = invitation.token
        ? `${location.origin}/invitations/accept?token=${encodeURIComponent(invitation.token)}`
        : invitation.accept_url;
      const panel = secretPanel({
        title: `Invitation for ${invitation.email}`,
        label: 'Invitation link',
        secret: link,
        warning: 'The link was also handed to the mail service. Copy it now if you want to send it yourself; it expires '
          + `${formatDate(invitation.expires_at)}.`,
      });
      replace(secretSlot, panel.el);
      panel.focus();
    }

    let sequence = 0;
    async function load() {
      const mine = ++sequence;
      let answer;
      try {
        answer = await api('GET', '/invitations', {query: {page: state.page, limit: LIMIT, status: state.status}});
      } catch (err) {
        if (mine === sequence) replace(listBody, alertBox(`${errorText(err, 'invitation:read')} Reload the page to try again.`));
        return;
      }
      if (mine !== sequence) return;
      replace(listBody,
        tableView([
          {label: 'Email', field: 'email'},
          {label: 'Role', field: 'role_id', render: (i) => roleNames.get(i.role_id) || h('span', {class: 'mono small'}, i.role_id)},
          {label: 'Status', field: 'status', render: (i) => badge(i.status, STATUS_BADGE[i.status] || 'muted')},
          {label: 'Sent', field: 'created_at', render: (i) => timeEl(i.created_at)},
          {label: 'Expires', field: 'expires_at', render: (i) => timeEl(i.expires_at)},
          {label: 'Actions', class: 'actions-cell', render: (i) => i.status === 'pending' && can('invitation:delete')
            ? h('button', {type: 'button', class: 'small danger', onclick: (e) => revoke(i, e.currentTarget)}, 'Revoke')
            : ''},
        ], answer.items, {empty: emptyState(state.status ? `No ${state.status} invitations.` : 'No invitations yet.')}),
        pager(answer, (p) => { state.page = p; load(); }));
    }

    async function revoke(invitation, button) {
      if (!await confirmDialog(`Revoke the invitation for ${invitation.email}? Its link stops working.`)) return;
      button.disabled = true;
      try {
        await api('DELETE', `/invitations/${invitation.id}`);
        messages.success(`The invitation for ${invitation.email} was revoked.`);
        await load();
      } catch (err) {
        button.disabled = false;
        messages.error(errorText(err, 'invitation:delete'));
      }
    }

    await load();
  },
});
