// The caller's own account (#/profile): names and a password change (which needs the current
// password and ends every other session, since the API revokes older tokens).

import {h, append, pageHeader, field, withBusy, messageSlot, badge} from '../dom.js';
import {api, errorText} from '../api.js';
import {session, setToken, loadIdentity, endSession} from '../session.js';
import {registerPage, navigate} from '../router.js';

registerPage({
  path: '/profile',
  title: 'Your profile',
  tenant: false,
  nav: {label: 'Profile', group: 'account', order: 20},
  async render(container) {
    let user = session.user || await api('GET', '/users/me', {tenant: false});
    append(container, [
      pageHeader('Your profile', {lead: user.email}),
      h('div', {class: 'stack narrow'}, namesCard(), passwordCard(), membershipCard()),
    ]);

    function namesCard() {
      const messages = messageSlot();
      const first = h('input', {type: 'text', autocomplete: 'given-name', maxlength: 100, required: true, value: user.first_name});
      const last = h('input', {type: 'text', autocomplete: 'family-name', maxlength: 100, required: true, value: user.last_name});
      const save = h('button', {type: 'submit', class: 'primary'}, 'Save');
      const form = h('form', {class: 'stack', novalidate: true}, messages.el,
        h('div', {class: 'form-row'}, field('First name', first), field('Last name', last)),
        h('div', {class: 'form-actions'}, save));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        if (!first.value.trim() || !last.value.trim()) { messages.error('Enter both names.'); return; }
        await withBusy(save, 'Saving…', async () => {
          try {
            user = await api('PATCH', '/users/me', {body: {first_name: first.value.trim(), last_name: last.value.trim()}, tenant: false});
            session.user = user;
            messages.success('Your names were saved.');
          } catch (err) {
            messages.error(errorText(err));
          }
        });
      });
      return h('section', {class: 'card'}, h('h2', {}, 'Names'), form);
    }

    function passwordCard() {
      const messages = messageSlot();
      const current = h('input', {type: 'password', autocomplete: 'current-password', required: true});
      const next = h('input', {type: 'password', autocomplete: 'new-password', required: true, minlength: 8});
      const again = h('input', {type: 'password', autocomplete: 'new-password', required: true});
      const save = h('button', {type: 'submit', class: 'primary'}, 'Change password');
      const form = h('form', {class: 'stack', novalidate: true}, messages.el,
        field('Current password', current),
        h('div', {class: 'form-row'},
          field('New password', next, {hint: 'At least 8 characters.'}),
          field('New password again', again)),
        h('div', {class: 'form-actions'}, save));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        if (!current.value) { messages.error('Enter your current password.'); current.focus(); return; }
        if (next.value.length < 8) { messages.error('The new password needs at least 8 characters.'); next.focus(); return; }
        if (next.value !== again.value) { messages.error('The two new passwords differ; type them again.'); again.focus(); return; }
        await withBusy(save, 'Changing…', async () => {
          try {
            await api('PATCH', '/users/me', {body: {password: next.value, current_password: current.value}, tenant: false});
          } catch (err) {
            messages.error(errorText(err));
            return;
          }
          // The change revoked every token issued before it, this tab's included: log in afresh
          // with the new password so the user carries on where they were.
          try {
            const answer = await api('POST', '/auth/token', {body: {username: user.email, password: next.value}, tenant: false, auth: false});
            setToken(answer.access_token);
            await loadIdentity();
            current.value = next.value = again.value = '';
            messages.success('Your password was changed. Other sessions and devices have to log in again.');
          } catch {
            endSession(null);
            session.flash = 'Your password was changed; log in with the new one.';
            navigate('/login');
          }
        });
      });
      return h('section', {class: 'card'}, h('h2', {}, 'Password'), form);
    }

    function membershipCard() {
      return h('section', {class: 'card'}, h('h2', {}, 'Account'),
        h('dl', {class: 'facts'},
          h('dt', {}, 'Email'), h('dd', {}, user.email),
          h('dt', {}, 'Platform role'), h('dd', {}, user.is_superuser ? badge('Superuser', 'info') : 'Member'),
          h('dt', {}, 'Tenants'), h('dd', {}, session.tenants.length
            ? session.tenants.map((t) => t.name).join(', ')
            : 'None yet')));
    }
  },
});
