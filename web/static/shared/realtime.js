// Realtime keeps a subscription to the server's /ws gateway alive: it
// subscribes with a pubsub token, answers the server's keepalives, notices a
// dead connection, reconnects with backoff, and lets the page catch up on
// what it missed before live events flow again.
//
// The protocol (spec/CONTRACT.md, "WebSocket"): frames are JSON text
// {"event": ..., "data": ...}. The client sends
//   {"event": "subscribe", "data": {"pubsub_token": "..."}}
// and gets "confirm_subscription" (or "reject_subscription" and close code
// 4001 for a bad token). The server sends "presence.update" every 30 s and
// drops a client that stays silent for three intervals, so the client
// answers each one with "update_presence".
//
// The order that makes catch-up exact (the same as the Go client's Stream):
//   1. subscribe and wait for the confirmation, keeping every event that
//      arrives meanwhile;
//   2. call onConnected, where the page fetches what changed while it was
//      away (the widget: GET .../messages?updated_at=<last seen>);
//   3. hand over the kept events, then live ones.
// Events can then arrive twice (caught up and live): the page drops those it
// has already applied, by comparing update times (see message.js).

import { serverURL } from './api.js';

const CLOSE_UNAUTHORIZED = 4001;

export class Realtime {
  /**
   * @param {object} opts
   * @param {string} opts.token the pubsub token (a contact's, or an agent's from GET /api/v1/profile)
   * @param {() => Promise<void>} [opts.onConnected] called after each subscription, before live events
   * @param {(frame: {event: string, data: any}) => void} opts.onEvent called for each event, in order
   * @param {(state: 'connecting'|'connected'|'offline'|'rejected', detail?: string) => void} [opts.onState]
   * @param {string} [opts.url] the WebSocket URL; by default /ws of the page's own server
   * @param {number} [opts.idleTimeout] ms without any frame after which the connection is taken for dead
   */
  constructor({ token, onConnected = async () => {}, onEvent, onState = () => {}, url = defaultURL(), idleTimeout = 75_000 }) {
    Object.assign(this, { token, onConnected, onEvent, onState, url, idleTimeout });
    this.attempt = 0;
    this.conn = null; // the current connection: {ws, live, queue}
    this.stopped = true;
    this.retryTimer = null;
    this.watchdog = null;
    this.reconnectNow = () => {
      if (!this.stopped && !this.conn) this.connect();
    };
  }

  /** start connects; it is called once. */
  start() {
    this.stopped = false;
    // Coming back online retries at once instead of waiting out the backoff.
    window.addEventListener('online', this.reconnectNow);
    this.connect();
  }

  /** stop closes the connection for good (sign-out, a new chat). */
  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.reconnectNow);
    clearTimeout(this.retryTimer);
    this.drop(null);
  }

  /** connected reports whether live events flow. */
  get connected() {
    return Boolean(this.conn?.live);
  }

  /** send sends a frame; it returns false when there is no live connection. */
  send(event, data) {
    if (!this.connected) return false;
    this.conn.ws.send(JSON.stringify(data === undefined ? { event } : { event, data }));
    return true;
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.onState('connecting');
    const ws = new WebSocket(this.url);
    const conn = { ws, live: false, queue: [] };
    this.conn = conn;
    ws.onopen = () => {
      this.feedWatchdog(conn);
      ws.send(JSON.stringify({ event: 'subscribe', data: { pubsub_token: this.token } }));
    };
    ws.onmessage = (e) => this.receive(conn, e.data);
    ws.onclose = (e) => {
      if (this.conn !== conn) return; // dropped already
      if (e.code === CLOSE_UNAUTHORIZED) this.reject();
      else this.lost(conn, `closed (${e.code})`);
    };
    // An error is always followed by close, which handles it.
  }

  receive(conn, text) {
    if (this.conn !== conn) return;
    this.feedWatchdog(conn);
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return; // not a frame of this protocol
    }
    switch (frame.event) {
      case 'presence.update':
        conn.ws.send(JSON.stringify({ event: 'update_presence' }));
        return;
      case 'confirm_subscription':
        this.catchUp(conn);
        return;
      case 'reject_subscription':
        this.reject();
        return;
      case 'error':
        console.warn('novatalks /ws:', frame.data);
        return;
    }
    if (conn.live) this.onEvent(frame);
    else conn.queue.push(frame);
  }

  async catchUp(conn) {
    try {
      await this.onConnected();
    } catch (err) {
      if (this.conn !== conn) return;
      if (err?.status === 401) this.reject();
      else this.lost(conn, `catch-up failed: ${err?.message ?? err}`);
      return;
    }
    if (this.conn !== conn) return;
    conn.live = true;
    this.attempt = 0; // a connection that went live starts the backoff again
    for (const frame of conn.queue.splice(0)) this.onEvent(frame);
    this.onState('connected');
  }

  // feedWatchdog restarts the dead-connection timer. Browsers cannot send
  // WebSocket pings, but the server's keepalive arrives every 30 s: silence
  // for longer than idleTimeout means the connection is gone, even if the
  // browser has not noticed (a laptop waking from sleep, a dropped network).
  feedWatchdog(conn) {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.lost(conn, 'no keepalive from the server'), this.idleTimeout);
  }

  // lost gives up conn and schedules the next attempt: exponential backoff
  // from 0.5 s to 30 s with jitter, so that a restarted server is not hit by
  // every client at the same moment.
  lost(conn, reason) {
    if (this.conn !== conn || this.stopped) return;
    this.drop(conn);
    const base = Math.min(30_000, 500 * 2 ** this.attempt++);
    const delay = base / 2 + Math.random() * (base / 2);
    this.onState('offline', reason);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  reject() {
    this.stop();
    this.onState('rejected');
  }

  // drop closes the current connection (when it is conn, or any when conn is
  // null) without reporting it.
  drop(conn) {
    const current = this.conn;
    if (!current || (conn && current !== conn)) return;
    this.conn = null;
    clearTimeout(this.watchdog);
    current.ws.onopen = current.ws.onmessage = current.ws.onclose = null;
    if (current.ws.readyState <= WebSocket.OPEN) current.ws.close(1000);
  }
}

/** defaultURL is /ws on the server that served the page (below its root), ws: or wss: to match. */
export function defaultURL() {
  const url = serverURL('/ws');
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}
