// The VM events stream (GET /api/v1/events, server-sent events).
//
// EventSource cannot send Authorization / X-Tenant-ID headers, so the stream is read with
// fetch + a body reader and parsed here. One connection is shared by every subscriber of the
// page (list and detail both use it); it opens with the first subscriber and closes with the
// last, so leaving the VM pages leaves no request open.
//
//   const off = subscribe((event) => …, { onState: (state) => … });
//   event = { type: 'ready' | 'vm.created' | 'vm.updated' | 'vm.deleted', id, data }
//   state = 'connecting' | 'live' | 'reconnecting' | 'forbidden' | 'unavailable'
//   off();   // unsubscribe (call it from the page's cleanup)

import { api, authHeaders } from './api.js';
import { session } from './session.js';

const DEFAULT_RETRY_MS = 2000;
const MAX_RETRY_MS = 30000;

const subscribers = new Set();
let connection = null; // { controller, tenantId, lastEventId, retryMs, failures, timer, state }

export function subscribe(onEvent, { onState } = {}) {
  const subscriber = { onEvent, onState };
  subscribers.add(subscriber);
  // A tenant switch changes what the stream carries: start over without a cursor.
  if (connection && connection.tenantId !== session.tenantId) stop();
  if (!connection) start();
  else if (onState) onState(connection.state);
  return () => {
    subscribers.delete(subscriber);
    if (subscribers.size === 0) stop();
  };
}

export function streamState() {
  return connection ? connection.state : 'closed';
}

function setState(state) {
  if (!connection) return;
  connection.state = state;
  for (const s of subscribers) {
    if (s.onState) {
      try { s.onState(state); } catch (err) { console.error(err); }
    }
  }
}

function dispatch(event) {
  for (const s of [...subscribers]) {
    try { s.onEvent(event); } catch (err) { console.error('event handler failed', err); }
  }
}

function start() {
  connection = {
    controller: null,
    tenantId: session.tenantId,
    lastEventId: null,
    retryMs: DEFAULT_RETRY_MS,
    failures: 0,
    timer: null,
    state: 'connecting',
  };
  connect(connection);
}

function stop() {
  if (!connection) return;
  clearTimeout(connection.timer);
  if (connection.controller) connection.controller.abort();
  connection = null;
}

function scheduleReconnect(conn) {
  if (conn !== connection) return;
  // The server's `retry` is the normal delay; repeated failures back off so a server that is
  // down is not hammered, capped at 30 s.
  const delay = Math.min(conn.retryMs * 2 ** Math.min(conn.failures, 4), MAX_RETRY_MS);
  setState('reconnecting');
  conn.timer = setTimeout(() => { if (conn === connection) connect(conn); }, delay);
}

async function connect(conn) {
  const controller = new AbortController();
  conn.controller = controller;
  const headers = { ...authHeaders(), Accept: 'text/event-stream' };
  if (conn.lastEventId) headers['Last-Event-ID'] = conn.lastEventId;

  let response;
  try {
    response = await fetch('/api/v1/events', { headers, signal: controller.signal, cache: 'no-store' });
  } catch (err) {
    if (controller.signal.aborted) return;
    conn.failures += 1;
    scheduleReconnect(conn);
    return;
  }
  if (conn !== connection) { controller.abort(); return; }

  if (response.status === 401) {
    // Let the shell's api() do what a 401 means (clear the session, show the login page):
    // one ordinary request carries the same expired token and gets the same answer.
    stop();
    api('GET', '/users/me', { tenant: false }).catch(() => {});
    return;
  }
  if (response.status === 403) {
    setState('forbidden');
    return; // no permission to watch: stay closed, pages keep working without live updates
  }
  if (!response.ok || !response.body) {
    conn.failures += 1;
    // 404 means this server has no events endpoint: retrying soon would not help.
    if (response.status === 404) { setState('unavailable'); return; }
    scheduleReconnect(conn);
    return;
  }

  try {
    await readStream(conn, response.body.getReader());
  } catch (err) {
    if (controller.signal.aborted) return;
  }
  if (conn === connection && !controller.signal.aborted) {
    // The server may end the stream at any time; that is normal, come back with the cursor.
    scheduleReconnect(conn);
  }
}

async function readStream(conn, reader) {
  const decoder = new TextDecoder();
  let buffer = '';
  let pending = newPending();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    // Lines end with CRLF, LF or CR. A lone CR at the end may be the first half of a CRLF:
    // keep it until the next chunk shows which.
    let match;
    const lineEnd = /\r\n|\n|\r(?!$)/g;
    let consumed = 0;
    while ((match = lineEnd.exec(buffer)) !== null) {
      const line = buffer.slice(consumed, match.index);
      consumed = match.index + match[0].length;
      pending = handleLine(conn, line, pending);
      if (conn !== connection) return;
    }
    buffer = buffer.slice(consumed);
  }
}

function newPending() {
  return { type: '', data: [], id: null };
}

function handleLine(conn, line, pending) {
  if (line === '') {
    // An empty line ends the event.
    if (pending.id !== null) conn.lastEventId = pending.id;
    if (pending.data.length > 0 || pending.type) {
      deliver(conn, pending);
    }
    return newPending();
  }
  if (line.startsWith(':')) return pending; // comment (keep-alive)
  const colon = line.indexOf(':');
  const name = colon === -1 ? line : line.slice(0, colon);
  let value = colon === -1 ? '' : line.slice(colon + 1);
  if (value.startsWith(' ')) value = value.slice(1);
  switch (name) {
    case 'event': pending.type = value; break;
    case 'data': pending.data.push(value); break;
    case 'id': if (!value.includes('\0')) pending.id = value; break;
    case 'retry': if (/^\d+$/.test(value)) conn.retryMs = Number(value); break;
    default: break; // unknown fields are ignored, as the SSE format says
  }
  return pending;
}

function deliver(conn, pending) {
  const type = pending.type || 'message';
  const raw = pending.data.join('\n');
  let data = null;
  if (raw !== '') {
    try { data = JSON.parse(raw); } catch { data = raw; }
  }
  if (type === 'ready') {
    conn.failures = 0;
    setState('live');
  }
  dispatch({ type, id: pending.id ?? conn.lastEventId, data });
}
