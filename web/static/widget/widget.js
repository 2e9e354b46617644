// The demo contact widget: the contact side of the NovaTalks SDK API in a
// browser. It is also the reference client for teams that build their own:
// every call it makes is one of docs/sdk-api.md, and docs/web.md walks
// through it.
//
// The life of a chat:
//   1. GET  /api/v1/sdk/settings             the inbox's name, the reaction emoji, limits
//   2. POST /api/v1/sdk/conversations        start a chat; the answer holds the contact's
//                                            token (contactInbox.pubsubToken), kept in
//                                            localStorage so that a reload resumes the chat
//   3. GET  /api/v1/sdk/conversations        the conversation and its latest messages
//   4. /ws  subscribe with the token         live events; after every (re)connection,
//      GET  .../messages?updated_at=<since>  catch up on what changed while away
//   5. POST .../messages, PATCH .../status, PATCH .../interactive-attribute,
//      POST .../reactions                    write, mark seen, answer, react
// Every SDK request carries the token in the access_token header (and, for a
// non-default inbox, its identifier in inbox_identifier).

import { $, h, show, uuid, debounce, autoGrow, announce, transientText, renderFileChips } from '../shared/dom.js';
import { request, ApiError } from '../shared/api.js';
import { Realtime } from '../shared/realtime.js';
import { normalizeMessage, applyEvent, isMessageEvent, isNewer, renderMessage, senderName, preview } from '../shared/message.js';
import { Thread } from '../shared/thread.js';

const SDK = '/api/v1/sdk';
const PAGE = 20; // messages per page of history
const CATCH_UP_PAGE = 100; // the largest page the server gives
const TYPING_EVERY = 2100; // the server forwards one typing frame per 2 s
const TYPING_SHOWN = 5000; // an agent's typing shows this long after its last frame

// ?inbox=<inbox_identifier> talks to another SDK inbox than the default one.
const inboxIdentifier = new URLSearchParams(location.search).get('inbox') || '';
const tokenKey = `novatalks.widget.token${inboxIdentifier ? `.${inboxIdentifier}` : ''}`;

const state = {
  settings: null,
  token: localStorage.getItem(tokenKey),
  conversation: null, // {id, status, substatus}
  accountId: null,
  // since is the update time (Unix ms) up to which every change has been
  // applied. Update times strictly increase within a conversation, so after
  // a reconnection GET .../messages?updated_at=since returns exactly what was
  // missed, and an event at or before it is a repeat.
  since: 0,
  replyTo: null, // the message being answered
  files: [], // File objects chosen for the next message
  pending: new Map(), // echo_id → the message as sent, until the server's copy arrives
  unseen: new Set(), // IDs of agent messages to mark seen
  realtime: null,
  thread: null,
  loaded: null, // the promise of the first page
  lastTyping: 0, // when the last typing frame was sent
  typingSoon: null, // the timer of the next one
};

// api sends an SDK request with the contact's credentials.
function api(method, path, opts = {}) {
  const headers = {};
  if (state.token) headers.access_token = state.token;
  if (inboxIdentifier) headers.inbox_identifier = inboxIdentifier;
  return request(method, SDK + path, { ...opts, headers });
}

// ---- Start ---------------------------------------------------------------

async function main() {
  try {
    state.settings = await api('GET', '/settings');
    $('inbox-name').textContent = state.settings.inbox.name;
    document.title = `Chat · ${state.settings.inbox.name}`;
  } catch (err) {
    // The widget still works with the defaults; reactions need the list.
    console.warn('settings:', err);
  }
  if (state.token) openChat();
  else showStart();
}

function showStart(notice = '') {
  show($('start'), true);
  show($('chat'), false);
  show($('new-chat'), false);
  show($('status'), false);
  setConnection('idle', 'We reply in a few minutes');
  $('start-error').textContent = notice;
  $('start-name').focus();
}

// startChat creates the contact and its conversation. With a first message
// the conversation opens at once; without one it starts resolved and opens
// with the first message the contact sends.
async function startChat(e) {
  e.preventDefault();
  const form = e.target;
  const name = form.name.value.trim();
  const email = form.email.value.trim();
  const message = form.message.value.trim();
  if (!name) {
    $('start-error').textContent = 'Please enter your name.';
    form.name.focus();
    return;
  }
  const body = { name };
  if (email) body.email = email;
  if (message) body.message = { content: message, echo_id: uuid() };
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  try {
    const { payload } = await api('POST', '/conversations', { json: body });
    state.token = payload.contactInbox.pubsubToken;
    localStorage.setItem(tokenKey, state.token);
    form.reset();
    openChat();
  } catch (err) {
    $('start-error').textContent = err.message;
  } finally {
    submit.disabled = false;
  }
}

// ---- The chat --------------------------------------------------------------

function openChat() {
  show($('start'), false);
  show($('chat'), true);
  show($('new-chat'), true);
  state.thread.clear();
  state.since = 0;
  // Load the latest messages at once, without waiting for the WebSocket, so
  // that the chat shows even while realtime is down; the catch-up after each
  // connection waits for this first page (and loads it again if it failed).
  state.loaded = loadLatest();
  state.loaded.catch(() => {}); // handled by catchUp
  state.realtime = new Realtime({
    token: state.token,
    onConnected: catchUp,
    onEvent,
    onState: (s, detail) => {
      const labels = { connecting: 'Connecting…', connected: 'Online', offline: 'Reconnecting…' };
      if (s === 'rejected') forget('Your previous chat has ended. Start a new one below.');
      else setConnection(s, labels[s], detail);
    },
  });
  state.realtime.start();
  $('text').focus();
}

async function loadLatest() {
  try {
    const { conversation, messages } = await api('GET', `/conversations?limit=${PAGE}`);
    setConversation(conversation);
    const list = messages.map(normalizeMessage);
    for (const m of list) state.since = Math.max(state.since, m.updatedAt);
    state.thread.reset(list, list.length < PAGE);
    list.forEach(noteUnseen);
    flushSeen();
  } catch (err) {
    // 401: the token is unknown (the server's data was reset); 404: its
    // inbox is gone. Either way this chat cannot go on.
    if (err instanceof ApiError && (err.status === 401 || err.status === 404)) {
      forget('Your previous chat could not be found. Start a new one below.');
    } else {
      $('send-error').textContent = err.message;
    }
    throw err;
  }
}

// loadOlder shows the page of history before the oldest message shown
// (infinite scroll upward). It resolves to false at the first message.
async function loadOlder() {
  const before = state.thread.oldestId();
  const page = await api('GET', `/conversations/messages?before=${before}&limit=${PAGE}`);
  state.thread.prepend(page.map(normalizeMessage));
  return page.length === PAGE;
}

// catchUp runs after every (re)connection, once the subscription is
// confirmed and before live events are applied: it refreshes the
// conversation's status and fetches every message changed after `since`,
// page by page, oldest change first.
async function catchUp() {
  await state.loaded.catch(() => {
    state.loaded = loadLatest(); // the first page failed (the server was unreachable): try again
    return state.loaded;
  });
  const { conversation } = await api('GET', '/conversations?limit=1');
  setConversation(conversation);
  for (;;) {
    const page = await api('GET', `/conversations/messages?updated_at=${state.since}&limit=${CATCH_UP_PAGE}`);
    for (const raw of page) receive(normalizeMessage(raw));
    if (page.length < CATCH_UP_PAGE) break;
  }
  flushSeen();
}

// onEvent applies one live event (spec/CONTRACT.md, "WebSocket").
function onEvent(frame) {
  const { event, data } = frame;
  if (isMessageEvent(event)) {
    if (data.updated_at <= state.since) return; // already applied by the catch-up
    const next = applyEvent(state.thread.get(data.id), frame);
    if (next) receive(next);
    else state.since = Math.max(state.since, data.updated_at); // a change of a message not loaded
    flushSeen();
    return;
  }
  switch (event) {
    case 'conversation.status_changed':
      setConversation(data);
      return;
    case 'typing':
      if (data.sender_type !== 'Contact') agentTyping.show(`${data.sender?.name || 'Support'} is typing…`);
  }
}

// receive applies a message's latest state: a new message, a change, or
// the server's copy of a message this widget sent (same echo_id).
function receive(msg) {
  state.since = Math.max(state.since, msg.updatedAt);
  if (msg.private || msg.type === 'activity') return; // never sent to contacts; be safe
  const current = state.thread.get(msg.id);
  if (!isNewer(current, msg)) return;
  if (msg.echoId && state.pending.has(msg.echoId)) {
    state.pending.delete(msg.echoId);
    state.thread.remove(`echo:${msg.echoId}`);
  }
  state.thread.upsert(msg);
  if (!current && msg.type !== 'incoming') {
    agentTyping.hide();
    announce(`${senderName(msg)}: ${preview(msg)}`);
  }
  noteUnseen(msg);
}

function setConversation(c) {
  const changed = state.conversation && state.conversation.status !== c.status;
  state.conversation = { id: c.id, status: c.status, substatus: c.substatus };
  state.accountId = c.account_id ?? state.accountId ?? state.settings?.account_id ?? null;
  const badge = $('status');
  badge.textContent = c.status;
  badge.className = `badge badge-${c.status}`;
  show(badge, true);
  const banner = $('banner');
  const resolved = c.status === 'resolved' && state.thread?.items.size > 0;
  banner.textContent = resolved ? 'This conversation was resolved. Write a message to reopen it.' : '';
  show(banner, resolved);
  if (changed) announce(`The conversation is now ${c.status}.`);
}

// ---- Rendering -------------------------------------------------------------

// render draws one message. The contact's own messages (incoming, from the
// server's point of view) are on the right.
function render(msg) {
  const mine = msg.type === 'incoming';
  return renderMessage(msg, {
    mine,
    status: mine ? ownStatus(msg) : null,
    answer: mine ? null : (value) => answer(msg, value),
    findMessage: (id) => state.thread.get(id),
    onJump: (id) => state.thread.jumpTo(id),
    isMineReaction: (r) => r.sender?.type === 'contact',
    actions: [
      h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => startReply(msg) }, 'Reply'),
      h('button', { type: 'button', class: 'btn btn-ghost', 'aria-haspopup': 'true', onclick: (e) => openPicker(msg, e.currentTarget) }, 'React'),
    ],
  });
}

// ownStatus is the line under the contact's own message: sending, not
// sent (with a retry), or nothing once the server has it.
function ownStatus(msg) {
  if (msg.failed) {
    return h('p', { class: 'msg-status error' }, 'Not sent. ',
      h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => sendPending(msg) }, 'Retry'));
  }
  if (msg.pending) return h('p', { class: 'msg-status' }, msg.sent ? 'Sent' : 'Sending…');
  return null;
}

function setConnection(s, label, detail = '') {
  const el = $('conn');
  el.dataset.state = s;
  el.textContent = label;
  el.title = detail;
}

// The agent's typing shows for a while after each typing event.
const agentTyping = transientText($('typing'), TYPING_SHOWN);

// ---- Writing ---------------------------------------------------------------

// send sends the composer's text and files as one message. It shows the
// message at once as pending; the server's copy replaces it when
// message.created arrives with the same echo_id. The echo_id makes a retry
// safe: the server stores one message per echo_id.
async function send(e) {
  e.preventDefault();
  const text = $('text').value.trim();
  if (!text && !state.files.length) return;
  clearTimeout(state.typingSoon); // the message says the rest
  state.typingSoon = null;
  const echoId = uuid();
  const msg = {
    id: null, echoId, type: 'incoming', contentType: 'text', content: text || null, attrs: {},
    createdAt: Date.now(), updatedAt: 0, sender: { name: 'You', type: 'contact' }, reactions: [],
    attachments: state.files.map((f) => ({ file_type: 'file', fallback_title: f.name, file_size: f.size })),
    reply: state.replyTo && { id: state.replyTo.id, content: preview(state.replyTo), senderName: senderName(state.replyTo) },
    replyTo: state.replyTo?.id ?? null, pending: true,
    // What goes to the server:
    wire: { text, files: state.files, replyTo: state.replyTo },
  };
  $('text').value = '';
  $('text').dispatchEvent(new Event('input'));
  setFiles([]);
  cancelReply();
  await sendPending(msg);
}

async function sendPending(msg) {
  const { text, files, replyTo } = msg.wire;
  Object.assign(msg, { failed: false, pending: true, sent: false });
  state.pending.set(msg.echoId, msg);
  state.thread.upsert(msg, `echo:${msg.echoId}`);
  state.thread.scrollToBottom();
  $('send-error').textContent = '';
  const content = replyTo ? replyMarkers(replyTo, text) : text;
  try {
    if (files.length) {
      // Files go as multipart/form-data, the fields named as the SDK
      // documentation names them.
      const form = new FormData();
      form.append('message[content]', content);
      form.append('message[echo_id]', msg.echoId);
      for (const f of files) form.append('attachments[]', f, f.name);
      await api('POST', '/conversations/messages', { form });
    } else {
      await api('POST', '/conversations/messages', { json: { message: { content, echo_id: msg.echoId } } });
    }
    if (state.pending.has(msg.echoId)) {
      msg.sent = true;
      state.thread.upsert(msg, `echo:${msg.echoId}`);
    }
  } catch (err) {
    if (err instanceof ApiError && err.permanent) {
      // The server refused it: sending it again cannot help. Give the text
      // and files back to the composer and say why.
      state.pending.delete(msg.echoId);
      state.thread.remove(`echo:${msg.echoId}`);
      $('text').value = text;
      $('text').dispatchEvent(new Event('input'));
      setFiles(files);
      if (replyTo) startReply(replyTo);
      $('send-error').textContent = files.length ? `Your files were not sent: ${err.message}` : `Not sent: ${err.message}`;
    } else {
      msg.failed = true;
      state.thread.upsert(msg, `echo:${msg.echoId}`);
      $('send-error').textContent = err.message;
    }
  }
}

// replyMarkers writes a reply the documented way: the content carries the
// replied message's dialog and ID, a quote, and the new text. The server
// takes the dialog and the quote from the replied message itself.
function replyMarkers(replied, text) {
  const quote = preview(replied).replaceAll('[', '(').replaceAll(']', ')').slice(0, 200);
  return `[RepliedMessageDialogId:]${replied.dialogId}[RepliedMessageId:]${replied.id}[RepliedContent:]${quote}[Content:]${text}`;
}

function startReply(msg) {
  state.replyTo = msg;
  $('replying-who').textContent = senderName(msg);
  $('replying-quote').textContent = preview(msg);
  show($('replying'), true);
  $('text').focus();
}

function cancelReply() {
  state.replyTo = null;
  show($('replying'), false);
}

function setFiles(files) {
  state.files = [...files];
  renderFileChips($('chosen-files'), state.files, setFiles);
}

// typing tells the agents that the contact is typing, over the WebSocket,
// at most as often as the server forwards it: typing sooner than that is
// sent when the interval is over. Only the contact's own keys count, not
// the composer being emptied or refilled by the page.
function typing(e) {
  if (e && !e.isTrusted) return;
  if (state.typingSoon || !state.conversation || !$('text').value.trim()) return;
  const wait = state.lastTyping + TYPING_EVERY - Date.now();
  if (wait > 0) {
    state.typingSoon = setTimeout(() => {
      state.typingSoon = null;
      typing();
    }, wait);
    return;
  }
  const data = { conversation_id: state.conversation.id };
  if (state.accountId) data.account_id = state.accountId;
  if (state.realtime?.send('typing', data)) state.lastTyping = Date.now();
}

// answer answers a quick reply, a card's postback button or a feedback
// request. For quick replies and cards the server also posts the chosen
// button's title as the contact's message, which arrives as message.created.
async function answer(msg, value) {
  try {
    await api('PATCH', `/conversations/messages/${msg.id}/interactive-attribute`, {
      json: { selected_content_attribute_value: value },
    });
  } catch (err) {
    $('send-error').textContent = err.message;
  }
}

// ---- Reactions -------------------------------------------------------------

// openPicker shows the documented reaction emoji (from GET /settings) next to
// a message. Picking the contact's current reaction removes it.
function openPicker(msg, anchor) {
  closePicker();
  const emoji = state.settings?.reactions ?? ['👍', '👎', '🔥', '🥰', '👏', '😁', '🤔', '🎉'];
  const mine = msg.reactions.find((r) => r.sender?.type === 'contact')?.content ?? null;
  const picker = h('div', { class: 'emoji-picker', id: 'emoji-picker', role: 'dialog', 'aria-label': 'Pick a reaction' },
    emoji.map((e) => h('button', {
      type: 'button', 'aria-pressed': String(e === mine), 'aria-label': e === mine ? `${e}, remove your reaction` : e,
      onclick: () => {
        closePicker(anchor);
        react(msg, e === mine ? null : e);
      },
    }, e)));
  picker.addEventListener('keydown', (e) => pickerKeys(e, picker, anchor));
  document.body.append(picker);
  const r = anchor.getBoundingClientRect();
  const top = Math.max(8, Math.min(r.top - picker.offsetHeight - 4, innerHeight - picker.offsetHeight - 8));
  const left = Math.max(8, Math.min(r.left, innerWidth - picker.offsetWidth - 8));
  picker.style.top = `${top}px`;
  picker.style.left = `${left}px`;
  (picker.querySelector('[aria-pressed="true"]') ?? picker.firstChild).focus();
  setTimeout(() => document.addEventListener('click', outsidePicker), 0);
}

// pickerKeys moves between emoji with the arrow keys and closes on Escape.
function pickerKeys(e, picker, anchor) {
  const buttons = [...picker.children];
  const i = buttons.indexOf(document.activeElement);
  const move = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 8, ArrowUp: -8 }[e.key];
  if (e.key === 'Escape') {
    e.preventDefault();
    closePicker(anchor);
  } else if (move && i >= 0) {
    e.preventDefault();
    buttons[Math.max(0, Math.min(buttons.length - 1, i + move))].focus();
  }
}

function outsidePicker(e) {
  if (!e.target.closest('#emoji-picker')) closePicker();
}

function closePicker(returnFocus) {
  document.getElementById('emoji-picker')?.remove();
  document.removeEventListener('click', outsidePicker);
  returnFocus?.focus();
}

async function react(msg, emoji) {
  try {
    await api('POST', `/conversations/messages/${msg.id}/reactions`, { json: { reaction: emoji } });
  } catch (err) {
    $('send-error').textContent = err.message;
  }
}

// ---- Seen ------------------------------------------------------------------

// Agent messages are marked seen while the widget is visible, in batches.
function noteUnseen(msg) {
  if (msg.type !== 'incoming' && msg.id != null && !msg.deleted && msg.status !== 'seen') state.unseen.add(msg.id);
}

const flushSeen = debounce(async () => {
  if (document.visibilityState !== 'visible' || !state.unseen.size) return;
  const ids = [...state.unseen];
  state.unseen.clear();
  try {
    await api('PATCH', '/conversations/messages/status', { json: { status: 'seen', messageIds: ids } });
  } catch (err) {
    console.warn('mark seen:', err);
  }
}, 300);

// ---- Leaving ---------------------------------------------------------------

// forget ends this browser's chat: the token is dropped and a new chat can
// start. (The conversation stays on the server, for the agents.)
function forget(notice) {
  state.realtime?.stop();
  state.realtime = null;
  state.token = null;
  state.conversation = null;
  state.pending.clear();
  localStorage.removeItem(tokenKey);
  showStart(notice);
}

// ---- Wiring ----------------------------------------------------------------

state.thread = new Thread($('thread'), $('messages'), { render, loadOlder });
$('start-form').addEventListener('submit', startChat);
$('composer').addEventListener('submit', send);
$('text').addEventListener('input', typing);
autoGrow($('text'));
$('attach').addEventListener('click', () => $('file-input').click());
$('file-input').addEventListener('change', (e) => {
  setFiles([...state.files, ...e.target.files]);
  e.target.value = '';
});
$('replying-cancel').addEventListener('click', () => {
  cancelReply();
  $('text').focus();
});
$('new-chat').addEventListener('click', () => {
  if (confirm('Start a new chat? This one stays with our team, but this browser forgets it.')) forget('');
});
document.addEventListener('visibilitychange', flushSeen);

main();
