// The agent console: sign in with an API access token, work the
// conversation list, read and answer conversations. It speaks the agent API
// (docs/agent-api.md) and listens on /ws with the agent's pubsub token.
//
// The token is kept in sessionStorage: it is gone when the tab closes, and
// another tab signs in on its own. "Keep me signed in" keeps it in
// localStorage instead. Either way only this origin's pages can read it,
// and the page's Content-Security-Policy lets no other script run here.

import { $, h, show, debounce, formatTime, announce, transientText } from '../shared/dom.js';
import { request, ApiError } from '../shared/api.js';
import { Realtime } from '../shared/realtime.js';
import { normalizeMessage, applyEvent, isMessageEvent, isNewer, renderMessage, senderName, preview } from '../shared/message.js';
import { Thread } from '../shared/thread.js';
import { Composer } from './composer.js';

const TOKEN_KEY = 'novatalks.console.token';
const NOTICE_KEY = 'novatalks.console.notice'; // why the last session ended
const PAGE = 20; // messages per page of the agent API
const AFTER_PAGE = 100; // the most messages ?after= returns
const TYPING_SHOWN = 5000;
const STATUS_TEXT = { sent: 'Sent', delivered: 'Delivered', seen: 'Seen', failed: 'Not delivered' };

const state = {
  token: sessionStorage.getItem(TOKEN_KEY) ?? localStorage.getItem(TOKEN_KEY),
  profile: null,
  agents: [],
  filters: { status: 'open', assignee: 'all', q: '' },
  page: 1,
  conversations: new Map(), // id → conversation of the list
  order: [], // ids in list order
  openId: null,
  open: null, // the open conversation
  contact: null, // its contact
  thread: null,
  composer: null,
  realtime: null,
  ready: null, // the promise of the first load
};

// api sends a request of the agent API with the agent's token.
function api(method, path, opts = {}) {
  return request(method, path, { ...opts, headers: { api_access_token: state.token } });
}

// account is the prefix of account-scoped paths.
const account = (path) => `/api/v1/accounts/${state.profile.account_id}${path}`;

// ---- Signing in ----------------------------------------------------------------

async function main(notice) {
  if (!state.token) return showSignin(notice);
  try {
    await signedIn();
  } catch (err) {
    showSignin(err instanceof ApiError && err.status === 401 ? 'Your session has ended. Sign in again.' : err.message);
  }
}

function showSignin(message = '') {
  show($('signin'), true);
  show($('console'), false);
  $('signin-error').textContent = message;
  $('token').focus();
}

async function signIn(e) {
  e.preventDefault();
  const token = $('token').value.trim();
  if (!token) {
    $('signin-error').textContent = 'Enter your API access token.';
    return;
  }
  state.token = token;
  try {
    await signedIn();
    (($('remember').checked) ? localStorage : sessionStorage).setItem(TOKEN_KEY, token);
    $('token').value = '';
  } catch (err) {
    state.token = null;
    $('signin-error').textContent = err instanceof ApiError && err.status === 401
      ? 'That token was not accepted. Check it and try again.'
      : err.message;
  }
}

// signedIn loads the agent's profile (which holds the pubsub token for /ws)
// and the agents of the account, then shows the console.
async function signedIn() {
  state.profile = await api('GET', '/api/v1/profile');
  state.agents = await api('GET', account('/agents'));
  show($('signin'), false);
  show($('console'), true);
  $('agent-name').textContent = state.profile.available_name || state.profile.name;
  renderAssigneeOptions();
  state.ready = Promise.all([loadList(), openFromHash()]);
  state.ready.catch((err) => console.warn('first load:', err)); // catchUp loads again
  state.realtime = new Realtime({
    token: state.profile.pubsub_token,
    onConnected: catchUp,
    onEvent,
    onState: (s, detail) => {
      if (s === 'rejected') return signOut('Your session has ended. Sign in again.');
      const labels = { connecting: 'Connecting…', connected: 'Connected', offline: 'Offline — reconnecting…' };
      $('conn').dataset.state = s;
      $('conn').textContent = labels[s];
      $('conn').title = detail ?? '';
    },
  });
  state.realtime.start();
}

function signOut(message = '') {
  state.realtime?.stop();
  sessionStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(TOKEN_KEY);
  if (message) sessionStorage.setItem(NOTICE_KEY, message);
  // A fresh page: nothing of the last agent stays in memory.
  location.replace(location.pathname);
}

// catchUp runs after every (re)connection, before live events are
// applied: the list and the open conversation are fetched again, so that
// nothing that happened while the connection was down is missing.
async function catchUp() {
  await state.ready.catch(() => {});
  await loadList();
  if (state.openId) await refreshMessages(state.openId);
}

// ---- The conversation list -----------------------------------------------------

// toConversation reads a conversation of the agent API's list.
function toConversation(raw) {
  const sender = raw.meta?.sender ?? {};
  const assignee = raw.meta?.assignee;
  return {
    id: raw.id,
    status: raw.status,
    substatus: raw.substatus,
    unread: raw.unread_count ?? 0,
    contact: { id: sender.id, name: sender.name || 'Contact', email: sender.email, phone: sender.phone_number },
    assignee: assignee ? { id: assignee.id, name: assignee.available_name || assignee.name } : null,
    last: raw.messages?.length ? normalizeMessage(raw.messages[0]) : null,
    activity: (raw.last_activity_at ?? raw.timestamp ?? 0) * 1000,
    snoozedUntil: raw.snoozed_until ? Date.parse(raw.snoozed_until) : null,
  };
}

async function loadList({ more = false } = {}) {
  const page = more ? state.page + 1 : 1;
  const q = new URLSearchParams({ status: state.filters.status, assignee_type: state.filters.assignee, page: String(page) });
  if (state.filters.q) q.set('q', state.filters.q);
  const { data } = await api('GET', account(`/conversations?${q}`));
  if (!more) {
    state.conversations.clear();
    state.order = [];
  }
  state.page = page;
  for (const raw of data.payload) {
    const c = toConversation(raw);
    if (!state.conversations.has(c.id)) state.order.push(c.id);
    state.conversations.set(c.id, c);
  }
  const m = data.meta;
  for (const [key, n] of [['mine', m.mine_count], ['unassigned', m.unassigned_count], ['all', m.all_count]]) {
    document.querySelector(`[data-count="${key}"]`).textContent = String(n);
  }
  const total = { me: m.mine_count, unassigned: m.unassigned_count, all: m.all_count }[state.filters.assignee];
  show($('more'), state.order.length < total && data.payload.length > 0);
  renderList();
}

// refreshList reloads the list soon, once for a burst of events.
const refreshList = debounce(() => loadList().catch((err) => console.warn('conversation list:', err)), 300);

function renderList() {
  const list = $('conv-list');
  list.replaceChildren(...state.order.map((id) => renderListItem(state.conversations.get(id))));
  show($('list-empty'), state.order.length === 0);
}

function renderListItem(c) {
  const current = c.id === state.openId;
  const last = c.last ? `${c.last.type === 'outgoing' ? 'You: ' : ''}${preview(c.last)}` : 'No messages yet';
  return h('li', {},
    h('button', {
      type: 'button', class: 'conv-item', 'aria-current': current ? 'true' : null, dataset: { id: c.id },
      onclick: () => openConversation(c.id),
    },
    h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(c.contact.name)),
    h('span', { class: 'conv-item-main' },
      h('span', { class: 'conv-item-top' },
        h('span', { class: 'conv-item-name' }, c.contact.name),
        h('time', { class: 'conv-item-time' }, c.activity ? formatTime(c.activity) : '')),
      h('span', { class: 'conv-item-bottom' },
        h('span', { class: 'conv-item-preview' }, last),
        state.filters.status === 'all' ? h('span', { class: `badge badge-${c.status}` }, c.status) : null,
        c.unread > 0 && c.id !== state.openId
          ? h('span', { class: 'unread' }, String(c.unread), h('span', { class: 'visually-hidden' }, ' unread'))
          : null))));
}

function initials(name) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join('') || '?';
}

// ---- One conversation ------------------------------------------------------------

async function openFromHash() {
  const id = Number(/^#conversation-(\d+)$/.exec(location.hash)?.[1]);
  if (id) await openConversation(id, { focus: false });
}

async function openConversation(id, { focus = true } = {}) {
  state.openId = id;
  history.replaceState(null, '', `#conversation-${id}`);
  $('panes').dataset.view = 'conversation';
  show($('no-conv'), false);
  show($('conv'), true);
  $('conv-error').textContent = '';
  contactTyping.hide();
  state.thread.clear();
  state.composer.reset();
  state.open = state.conversations.get(id) ?? null;
  renderHeader();
  renderList();
  try {
    const page = await loadConversation(id);
    if (state.openId !== id) return;
    state.thread.reset(page.map(normalizeMessage), page.length < PAGE);
    markRead();
  } catch (err) {
    $('conv-error').textContent = err.message;
  }
  if (focus) $('content').focus();
}

// loadConversation fetches a conversation, its contact and its latest page
// of messages, shows the first two and returns the page.
async function loadConversation(id) {
  const [conv, page] = await Promise.all([
    api('GET', account(`/conversations/${id}`)),
    api('GET', account(`/conversations/${id}/messages`)),
  ]);
  if (state.openId === id) {
    state.open = toConversation(conv);
    state.contact = page.meta.contact;
    renderHeader();
    renderDetails();
  }
  return page.payload;
}

// refreshMessages is the console's catch-up after a reconnection: it
// fetches the open conversation again with its latest page, and every
// message after the newest one shown, and applies whatever is newer than
// what is shown. (The agent API has no listing by update time: an older
// message changed while the connection was down shows its new state when
// it is loaded again.)
async function refreshMessages(id) {
  const latest = await loadConversation(id);
  for (;;) {
    const after = state.thread.newestId();
    if (state.openId !== id || after == null) break;
    const page = await api('GET', account(`/conversations/${id}/messages?after=${after}`));
    for (const raw of page.payload) receive(normalizeMessage(raw));
    if (page.payload.length < AFTER_PAGE) break;
  }
  for (const raw of latest) receive(normalizeMessage(raw));
}

async function loadOlder() {
  const id = state.openId;
  const page = await api('GET', account(`/conversations/${id}/messages?before=${state.thread.oldestId()}`));
  if (state.openId !== id) return false;
  state.thread.prepend(page.payload.map(normalizeMessage));
  return page.payload.length === PAGE;
}

function closeConversation() {
  state.openId = null;
  history.replaceState(null, '', location.pathname);
  $('panes').dataset.view = 'list';
  show($('conv'), false);
  show($('no-conv'), true);
  renderList();
  document.querySelector('.conv-item')?.focus();
}

function renderHeader() {
  const c = state.open;
  if (!c) return;
  $('conv-title').textContent = c.contact.name;
  $('conv-sub').textContent = [`#${c.id}`, c.contact.email, c.snoozedUntil && c.status === 'snoozed'
    ? `snoozed until ${formatTime(c.snoozedUntil)}` : null].filter(Boolean).join(' · ');
  $('conv-status').textContent = c.status;
  $('conv-status').className = `badge badge-${c.status}`;
  show($('resolve'), c.status !== 'resolved');
  show($('reopen'), c.status !== 'open');
  $('assignee').value = c.assignee ? String(c.assignee.id) : '';
}

function renderAssigneeOptions() {
  $('assignee').replaceChildren(
    h('option', { value: '' }, 'Unassigned'),
    ...state.agents.map((a) => h('option', { value: String(a.id) },
      `${a.available_name || a.name}${a.id === state.profile.id ? ' (you)' : ''}`)));
}

function renderDetails() {
  const c = state.contact;
  const body = $('details-body');
  if (!c) return body.replaceChildren();
  const rows = [['Name', c.name], ['Email', c.email], ['Phone', c.phone_number], ['Identifier', c.identifier],
    ['Contact since', c.created_at ? new Date(c.created_at * 1000).toLocaleDateString() : null]];
  const attrs = (title, obj) => {
    const entries = Object.entries(obj ?? {});
    return entries.length ? [h('h3', {}, title), definitions(entries.map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))] : [];
  };
  body.replaceChildren(
    h('p', { class: 'details-avatar', 'aria-hidden': 'true' }, initials(c.name || '?')),
    definitions(rows.filter(([, v]) => v)),
    ...attrs('Custom attributes', c.custom_attributes),
    ...attrs('Additional attributes', c.additional_attributes));
}

function definitions(rows) {
  return h('dl', { class: 'definitions' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

// render draws one message: the agents' own (outgoing) on the right, the
// contact's on the left, private notes highlighted, activity centred.
function render(msg) {
  const mine = msg.type === 'outgoing' || msg.type === 'template';
  const status = mine && !msg.private && msg.status
    ? h('p', { class: `msg-status ${msg.status}` }, `${msg.status === 'seen' ? '✓✓' : msg.status === 'delivered' ? '✓✓' : msg.status === 'failed' ? '!' : '✓'} ${STATUS_TEXT[msg.status] ?? msg.status}`)
    : null;
  return renderMessage(msg, {
    mine,
    status,
    findMessage: (id) => state.thread.get(id),
    onJump: (id) => state.thread.jumpTo(id),
    actions: [h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => state.composer.replyTo(msg) }, 'Reply')],
  });
}

// receive applies the latest state of a message of the open conversation.
function receive(msg) {
  if (msg.conversationId !== state.openId) return;
  const current = state.thread.get(msg.id);
  if (!isNewer(current, msg)) return;
  state.thread.upsert(msg);
  if (!current && msg.type === 'incoming') {
    contactTyping.hide();
    announce(`${senderName(msg)}: ${preview(msg)}`);
    markRead();
  }
}

// markRead tells the server the agents have read the open conversation,
// which clears its unread count.
const markRead = debounce(async () => {
  const id = state.openId;
  if (!id || document.visibilityState !== 'visible') return;
  try {
    await api('POST', account(`/conversations/${id}/update_last_seen`));
    const c = state.conversations.get(id);
    if (c && c.unread) {
      c.unread = 0;
      renderList();
    }
  } catch (err) {
    console.warn('update_last_seen:', err);
  }
}, 500);

// ---- Live events -----------------------------------------------------------------

function onEvent(frame) {
  const { event, data } = frame;
  if (isMessageEvent(event)) {
    const next = applyEvent(data.conversation_id === state.openId ? state.thread.get(data.id) : null, frame);
    if (next) receive(next);
    if (event === 'message.created') listMessage(normalizeMessage(data));
    return;
  }
  switch (event) {
    case 'conversation.status_changed':
      statusChanged(data);
      return;
    case 'typing':
      if (data.sender_type === 'Contact' && data.conversation_id === state.openId) {
        contactTyping.show(`${data.sender?.name || 'The contact'} is typing…`);
      }
  }
}

// listMessage puts a new message on the list: the conversation moves to the
// top and, if it is not open, counts one more unread message. A message of a
// conversation the list does not show may be of one it should: reload.
function listMessage(msg) {
  const c = state.conversations.get(msg.conversationId);
  if (!c) return refreshList();
  if (msg.type === 'activity') return;
  c.last = msg;
  c.activity = msg.createdAt;
  if (msg.type === 'incoming' && (msg.conversationId !== state.openId || document.visibilityState !== 'visible')) c.unread++;
  state.order = [c.id, ...state.order.filter((id) => id !== c.id)];
  renderList();
}

function statusChanged(data) {
  const c = state.conversations.get(data.id);
  const update = (x) => {
    x.status = data.status;
    x.substatus = data.substatus;
    x.snoozedUntil = data.snoozed_until ?? null;
    if (data.meta) x.assignee = data.meta.assignee ? { id: data.meta.assignee.id, name: data.meta.assignee.available_name || data.meta.assignee.name } : null;
  };
  if (c) update(c);
  if (state.open && state.open.id === data.id && state.open !== c) update(state.open);
  if (state.openId === data.id) {
    renderHeader();
    announce(`The conversation is now ${data.status}.`);
  }
  // Whether it still belongs in the list, and the counts, are the server's
  // call: reload the list.
  refreshList();
}

// The contact's typing shows for a while after each typing event.
const contactTyping = transientText($('typing'), TYPING_SHOWN);

// ---- Actions on the conversation --------------------------------------------------

async function conversationAction(label, fn) {
  $('conv-error').textContent = '';
  try {
    await fn();
  } catch (err) {
    $('conv-error').textContent = `${label}: ${err.message}`;
  }
}

function setStatus(status, snoozedUntil) {
  const id = state.openId;
  return conversationAction('Could not change the status', async () => {
    const body = { status };
    if (snoozedUntil) body.snoozed_until = Math.floor(snoozedUntil / 1000);
    const { payload } = await api('POST', account(`/conversations/${id}/toggle_status`), { json: body });
    statusChanged({ id, status: payload.current_status, substatus: state.open?.substatus,
      snoozed_until: payload.snoozed_until ? Date.parse(payload.snoozed_until) : null });
  });
}

// snoozeUntil turns a choice of the snooze menu into a time (ms), or null
// for "until the contact replies".
function snoozeUntil(choice) {
  const d = new Date();
  switch (choice) {
    case 'hour':
      return Date.now() + 3600_000;
    case 'tomorrow':
      d.setDate(d.getDate() + 1);
      return d.setHours(9, 0, 0, 0);
    case 'week':
      d.setDate(d.getDate() + ((8 - d.getDay()) % 7 || 7));
      return d.setHours(9, 0, 0, 0);
  }
  return null;
}

function assign(value) {
  const id = state.openId;
  return conversationAction('Could not assign', async () => {
    const agent = await api('POST', account(`/conversations/${id}/assignments`), {
      json: { assignee_id: value ? Number(value) : null },
    });
    const assignee = agent ? { id: agent.id, name: agent.available_name || agent.name } : null;
    for (const c of [state.open, state.conversations.get(id)]) if (c) c.assignee = assignee;
    renderHeader();
    announce(assignee ? `Assigned to ${assignee.name}.` : 'Unassigned.');
    refreshList();
  });
}

function toggleDetails(open = $('details').hidden, focus = true) {
  show($('details'), open);
  $('details-toggle').setAttribute('aria-expanded', String(open));
  if (open && focus) $('details-close').focus();
}

// ---- Wiring ------------------------------------------------------------------------

state.thread = new Thread($('thread'), $('messages'), { render, loadOlder });
state.composer = new Composer({
  api, account, onSent: (raw) => receive(normalizeMessage(raw)), conversationId: () => state.openId,
});
$('signin-form').addEventListener('submit', signIn);
$('signout').addEventListener('click', () => signOut());
for (const tab of document.querySelectorAll('[data-assignee]')) {
  tab.addEventListener('click', () => {
    state.filters.assignee = tab.dataset.assignee;
    for (const t of document.querySelectorAll('[data-assignee]')) t.setAttribute('aria-pressed', String(t === tab));
    loadList();
  });
}
$('status-filter').addEventListener('change', (e) => {
  state.filters.status = e.target.value;
  loadList();
});
$('search').addEventListener('input', debounce((e) => {
  state.filters.q = e.target.value.trim();
  loadList();
}, 300));
$('more').addEventListener('click', () => loadList({ more: true }));
$('back').addEventListener('click', closeConversation);
$('resolve').addEventListener('click', () => setStatus('resolved'));
$('reopen').addEventListener('click', () => setStatus('open'));
$('snooze').addEventListener('change', (e) => {
  const choice = e.target.value;
  e.target.value = '';
  if (choice) setStatus('snoozed', snoozeUntil(choice));
});
$('assignee').addEventListener('change', (e) => assign(e.target.value));
$('details-toggle').addEventListener('click', () => toggleDetails());
$('details-close').addEventListener('click', () => {
  toggleDetails(false);
  $('details-toggle').focus();
});
document.addEventListener('visibilitychange', () => {
  if (state.openId) markRead();
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !$('details').hidden && matchMedia('(max-width: 1199px)').matches) toggleDetails(false);
});
// The contact's details are open beside the conversation on a wide screen;
// on a narrower one they are a panel over it, closed until asked for.
const wide = matchMedia('(min-width: 1200px)');
toggleDetails(wide.matches, false);
wide.addEventListener('change', () => toggleDetails(wide.matches, false));

const notice = sessionStorage.getItem(NOTICE_KEY) ?? '';
sessionStorage.removeItem(NOTICE_KEY);
main(notice);
