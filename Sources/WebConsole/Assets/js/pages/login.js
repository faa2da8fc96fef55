// The login page (#/login): email and password to POST /auth/token, then into a tenant.

import {h, append, field, withBusy, messageSlot} from '../dom.js';
import {api, errorText, SESSION_ENDED} from '../api.js';
import {session, setToken, loadIdentity, selectTenant, isLoggedIn} from '../session.js';
import {registerPage, navigate, landingPath} from '../router.js';

registerPage({
  path: '/login',
  title: 'Log in',
  public: true,
  render(container, params, query) {
    if (isLoggedIn()) {
      navigate(landingPath());
      return;
    }
    // Kept until the next login (setToken clears it): the page may render twice in a row.
    const flash = session.flash;
    const messages = messageSlot();
    if (flash) {
      if (flash === SESSION_ENDED) messages.error(flash); else messages.success(flash);
    }

    const email = h('input', {type: 'email', name: 'username', autocomplete: 'username', required: true,
      value: query.get('email') || ''});
    const password = h('input', {type: 'password', name: 'password', autocomplete: 'current-password', required: true});
    const submit = h('button', {type: 'submit', class: 'primary'}, 'Log in');
    const form = h('form', {class: 'stack', novalidate: true}, field('Email', email), field('Password', password), submit);

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!email.value.trim() || !password.value) {
        messages.error('Enter your email and password.');
        (email.value.trim() ? password : email).focus();
        return;
      }
      messages.clear();
      await withBusy(submit, 'Logging in…', async () => {
        try {
          const answer = await api('POST', '/auth/token',
            {body: {username: email.value.trim(), password: password.value}, tenant: false, auth: false});
          setToken(answer.access_token);
          await loadIdentity();
          await enterTenant();
        } catch (err) {
          messages.error(errorText(err));
          password.select();
          password.focus();
        }
      });
    });

    append(container, h('div', {class: 'card auth-card'},
      h('h1', {}, 'Log in'),
      h('p', {class: 'lead'}, 'Sign in to the VirtualStack console.'),
      messages.el,
      form));
    (email.value ? password : email).focus();
  },
});

/**
 * After logging in: a user with exactly one tenant goes straight in; others choose. Returns to
 * the page that sent them to log in when there was one.
 */
async function enterTenant() {
  const back = session.returnTo;
  if (session.tenants.length === 1) {
    await selectTenant(session.tenants[0].id);
    session.returnTo = null;
    navigate(back && back !== '#/login' ? back : landingPath());
  } else {
    navigate(landingPath());
  }
}
