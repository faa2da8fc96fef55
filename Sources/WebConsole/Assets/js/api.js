// The console's only way to the API: fetch with the session's credentials, JSON in and out,
// and one error type carrying the server's `detail`.

import {session, endSession} from './session.js';

const BASE = '/api/v1';
export const SESSION_ENDED = 'Your session has ended; log in again.';
const NETWORK_ERROR = 'Cannot reach the server; check your connection and retry.';

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail;
  }
}

/** The Authorization and (tenant-scoped) X-Tenant-ID headers, e.g. for streaming fetches. */
export function authHeaders({tenant = true, auth = true} = {}) {
  const headers = {};
  if (auth && session.token) headers.Authorization = `Bearer ${session.token}`;
  if (tenant && session.tenantId) headers['X-Tenant-ID'] = session.tenantId;
  return headers;
}

/** Builds `?a=1&b=x` from an object, leaving out null, undefined and empty strings. */
export function queryString(query) {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === '') continue;
    params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * Calls the API: api('GET', '/users', {query: {page: 2}}).
 * Returns the parsed JSON body, or null for an empty answer (204). Throws ApiError otherwise.
 * A 401 to a request that carried a token ends the session and shows the login page.
 * auth: false sends no credentials (logging in again with a new password, where the old token
 * has just been revoked and would be refused).
 */
export async function api(method, path, {body, query, tenant = true, auth = true, headers = {}, signal} = {}) {
  const sentToken = auth && Boolean(session.token);
  const init = {
    method,
    headers: {Accept: 'application/json', ...authHeaders({tenant: tenant && auth, auth}), ...headers},
    signal,
    // The API lives on the same origin; nothing needs cookies.
    credentials: 'same-origin',
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(BASE + path + queryString(query), init);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, NETWORK_ERROR);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (response.ok) return data;

  let detail = data && typeof data.detail === 'string' && data.detail ? data.detail : defaultDetail(response);
  if (response.status === 429) {
    const retry = response.headers.get('Retry-After');
    if (retry && !/retry/i.test(detail)) detail += ` Try again in ${retry} seconds.`;
  }
  if (response.status === 401 && sentToken) {
    endSession(SESSION_ENDED);
    if (location.pathname !== '/' ) {
      location.assign('/#/login');
    } else if (location.hash !== '#/login') {
      location.hash = '#/login';
    }
    throw new ApiError(401, SESSION_ENDED);
  }
  throw new ApiError(response.status, detail);
}

function defaultDetail(response) {
  switch (response.status) {
    case 401: return 'The email or password is not right.';
    case 403: return 'You do not have the permission to do this.';
    case 404: return 'Not found: it may have been deleted, or belongs to another tenant.';
    case 409: return 'This conflicts with the current state; reload and try again.';
    case 429: return 'Too many requests; wait a moment and try again.';
    case 503: return 'The service is busy; try again in a moment.';
    default:
      return response.status >= 500
        ? `The server failed (${response.status}); try again, and report it if it keeps failing.`
        : `The request failed (${response.status}).`;
  }
}

/**
 * The message to show for an error; for a 403 it names `permission` (what the page needed)
 * when the server's detail does not already say.
 */
export function errorText(err, permission = null) {
  if (!(err instanceof ApiError)) return `Something went wrong: ${err && err.message ? err.message : err}`;
  if (err.status === 403 && permission && !err.detail.includes(permission)) {
    return `${err.detail} (This needs the permission ${permission}.)`;
  }
  return err.detail;
}
