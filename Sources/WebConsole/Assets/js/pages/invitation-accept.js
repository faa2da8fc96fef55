// Accepting an invitation: the public page at /invitations/accept?token=… (a real path, so the
// link in an email works). New accounts give names and a password; existing accounts confirm
// with their current password.

import {h, append, replace, field, withBusy, messageSlot, notice} from '../dom.js';
import {api, errorText} from '../api.js';
import {registerPage} from '../router.js';

registerPage({
  path: '/invitations/accept',
  title: 'Accept invitation',
  public: true,
  render(container, params, query) {
    const token = query.get('token') || '';
    const card = h('div', {class: 'card auth-card'});
    container.append(card);
    const messages = messageSlot();
    if (!token) {
      append(card, [h('h1', {}, 'Accept invitation'),
        messages.el,
        h('p', {}, 'Open the full link from your invitation email; it ends with ?token=…. ', h('a', {href: '/#/login'}, 'Log in'), ' instead.')]);
      messages.error('This link has no invitation token.');
      return;
    }
    const first = h('input', {type: 'text', autocomplete: 'given-name', maxlength: 100});
    const last = h('input', {type: 'text', autocomplete: 'family-name', maxlength: 100});
    const password = h('input', {type: 'password', autocomplete: 'new-password', required: true});
    const submit = h('button', {type: 'submit', class: 'primary'}, 'Accept invitation');
    const form = h('form', {class: 'stack', novalidate: true},
      h('div', {class: 'form-row'}, field('First name', first), field('Last name', last)),
      field('Password', password, {hint: 'New to VirtualStack: choose a password of at least 8 characters. '
        + 'Already have an account with this email: enter its current password (your names stay as they are).'}),
      submit);
    append(card, [
      h('h1', {}, 'Accept invitation'),
      h('p', {class: 'lead'}, 'You have been invited to a tenant on VirtualStack.'),
      messages.el,
      form,
    ]);
    first.focus();

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!password.value) { messages.error('Enter a password.'); password.focus(); return; }
      const body = {token, password: password.value};
      if (first.value.trim()) body.first_name = first.value.trim();
      if (last.value.trim()) body.last_name = last.value.trim();
      messages.clear();
      await withBusy(submit, 'Accepting…', async () => {
        try {
          const answer = await api('POST', '/invitations/accept', {body, tenant: false});
          const email = answer.user ? answer.user.email : '';
          replace(card,
            h('h1', {}, 'Invitation accepted'),
            notice(answer.account_created
              ? 'Your account was created and you have joined the tenant.'
              : 'You have joined the tenant with your existing account.'),
            h('p', {}, 'Log in with ', email ? h('strong', {}, email) : 'your email', ' and the password you just entered.'),
            h('a', {class: 'button primary', href: `/#/login${email ? `?email=${encodeURIComponent(email)}` : ''}`}, 'Log in'));
          card.querySelector('a.button').focus();
        } catch (err) {
          let message = errorText(err);
          if (err.status === 410) message += ' Ask whoever invited you for a new invitation.';
          if (err.status === 422 && !first.value.trim()) message += ' A new account needs a first and last name.';
          messages.error(message);
        }
      });
    });
  },
});
