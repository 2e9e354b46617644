// Messages: one model for the two forms the server sends, and the pieces of
// a message on screen (text, reply quote, attachments, interactive content,
// reactions) that the console and the widget both show.
//
// The SDK API and every realtime event use the NovaTalks form (string
// message_type, Unix milliseconds); the agent API uses Chatwoot's (integer
// message_type, Unix seconds). normalizeMessage reads both.

import { h, formatBytes, formatTime, safeURL } from './dom.js';

const MESSAGE_TYPES = ['incoming', 'outgoing', 'activity', 'template'];
const SENDER_TYPES = { contact: 'contact', user: 'user', agentbot: 'agent_bot', agent_bot: 'agent_bot' };

/** normalizeMessage turns a message of either API into the model of the pages. */
export function normalizeMessage(raw) {
  const chatwoot = typeof raw.message_type === 'number';
  const ms = (t) => (t == null ? 0 : chatwoot ? t * 1000 : t);
  const attrs = raw.content_attributes ?? {};
  return {
    id: raw.id,
    conversationId: raw.conversation_id,
    accountId: raw.account_id,
    dialogId: raw.dialog_id ?? '',
    type: chatwoot ? MESSAGE_TYPES[raw.message_type] : raw.message_type,
    private: Boolean(raw.private),
    contentType: raw.content_type || 'text',
    content: raw.content ?? null,
    attrs,
    status: raw.status,
    echoId: raw.echo_id ?? null,
    createdAt: ms(raw.created_at),
    updatedAt: ms(raw.updated_at),
    sender: normalizeSender(raw.sender, raw.sender_type),
    attachments: Array.isArray(raw.attachments) ? raw.attachments : [],
    reply: raw.reply ? normalizeReply(raw.reply) : null,
    replyTo: attrs.in_reply_to ?? null,
    reactions: normalizeReactions(raw.reactions),
    deleted: raw.deleted_at != null || attrs.deleted === true,
  };
}

function normalizeSender(s, senderType) {
  if (!s) return null;
  const type = SENDER_TYPES[String(s.type || senderType || '').toLowerCase()] ?? 'contact';
  return { id: s.id, type, name: s.available_name || s.display_name || s.name || '' };
}

function normalizeReply(r) {
  return {
    id: r.id,
    content: r.content ?? null,
    senderName: normalizeSender(r.sender)?.name ?? '',
    hasAttachments: Array.isArray(r.attachments) && r.attachments.length > 0,
  };
}

function normalizeReactions(list) {
  return (Array.isArray(list) ? list : []).map((r) => ({ content: r.content, sender: normalizeSender(r.sender) }));
}

const MESSAGE_EVENTS = new Set(['message.created', 'message.updated', 'message.deleted', 'message.reaction_updated']);

/** isMessageEvent reports whether a realtime event is about one message (applyEvent applies it). */
export function isMessageEvent(event) {
  return MESSAGE_EVENTS.has(event);
}

/**
 * applyEvent returns the message `current` becomes after a realtime frame
 * of one of the four message events, or null when the frame cannot be
 * applied (a partial event of a message that is not loaded). Live
 * message.deleted and message.reaction_updated carry only the changed
 * fields; message.created and message.updated carry the whole message.
 */
export function applyEvent(current, { event, data }) {
  switch (event) {
    case 'message.created':
    case 'message.updated':
      return normalizeMessage(data);
    case 'message.deleted':
      return current && { ...current, deleted: true, content: null, attachments: [], updatedAt: data.updated_at };
    case 'message.reaction_updated':
      return current && { ...current, reactions: normalizeReactions(data.reactions), updatedAt: data.updated_at };
  }
  return null;
}

/**
 * isNewer reports whether `next` is a later state of the message than
 * `current`. Update times strictly increase within a conversation, so a
 * state that is not newer has been applied already (it arrived twice: once
 * caught up, once live). Times of the agent API have whole seconds only and
 * may equal a live event's: equal counts as newer, so the fresher fetch wins.
 */
export function isNewer(current, next) {
  return !current || next.updatedAt >= current.updatedAt;
}

/** senderName is who wrote a message, for people. */
export function senderName(msg) {
  return msg.sender?.name || (msg.type === 'incoming' ? 'Contact' : 'Support');
}

/** preview is a one-line summary of a message, for lists and reply quotes. */
export function preview(msg) {
  if (msg.deleted) return 'Message deleted';
  if (msg.content) return msg.content;
  if (msg.attachments.length) return `📎 ${msg.attachments.length === 1 ? 'A file' : `${msg.attachments.length} files`}`;
  return '';
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

/**
 * renderText renders message text as text nodes, with web addresses made
 * links that open in a new tab (rel=noopener noreferrer).
 */
export function renderText(text, className = 'msg-text') {
  const p = h('p', { class: className });
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const href = safeURL(match[0]);
    if (!href) continue;
    p.append(text.slice(last, match.index), externalLink(href, match[0]));
    last = match.index + match[0].length;
  }
  p.append(text.slice(last));
  return p;
}

function externalLink(href, label, attrs = {}) {
  return h('a', { href, target: '_blank', rel: 'noopener noreferrer', ...attrs }, label);
}

/** renderBody renders the text of a message, or that it was deleted. */
export function renderBody(msg) {
  if (msg.deleted) return h('p', { class: 'msg-text msg-deleted' }, 'This message was deleted.');
  return msg.content ? renderText(msg.content) : null;
}

/**
 * renderReply renders the quote of the message msg answers. onJump(id),
 * when given, makes the quote a button that shows the quoted message.
 */
export function renderReply(msg, findMessage, onJump) {
  const id = msg.reply?.id ?? msg.replyTo;
  if (id == null) return null;
  const quoted = findMessage?.(id);
  const who = msg.reply?.senderName || (quoted && senderName(quoted)) || 'an earlier message';
  let text = msg.reply ? msg.reply.content ?? (msg.reply.hasAttachments ? '📎 A file' : '') : quoted ? preview(quoted) : '';
  if (!text) text = 'Message deleted';
  const body = [h('span', { class: 'quote-who' }, `↩ ${who}`), h('span', { class: 'quote-text' }, text)];
  return onJump
    ? h('button', { type: 'button', class: 'quote', onclick: () => onJump(id), 'aria-label': `Reply to ${who}: ${text}. Show it.` }, body)
    : h('div', { class: 'quote' }, body);
}

/**
 * renderAttachments renders the files of a message with the documented
 * fields: data_url (the file), thumb_url (a preview of images), file_type
 * (image, audio, video or file), file_size, extension, fallback_title.
 */
export function renderAttachments(list) {
  if (!list.length) return null;
  return h('ul', { class: 'attachments', 'aria-label': 'Attachments' }, list.map(renderAttachment));
}

function renderAttachment(a) {
  const url = safeURL(a.data_url);
  const name = a.fallback_title || (a.extension ? `file.${a.extension}` : 'file');
  const size = formatBytes(a.file_size);
  if (a.file_type === 'image' && url) {
    const thumb = safeURL(a.thumb_url) || url;
    return h('li', { class: 'attachment attachment-image' },
      externalLink(url, h('img', { src: thumb, alt: `Image: ${name}`, loading: 'lazy' }), { title: `Open ${name}` }));
  }
  if ((a.file_type === 'audio' || a.file_type === 'video') && url) {
    return h('li', { class: 'attachment' }, h(a.file_type, { src: url, controls: true, preload: 'metadata' }),
      externalLink(url, `${name} · ${size}`, { class: 'file-link' }));
  }
  const label = [h('span', { class: 'file-icon', 'aria-hidden': 'true' }, '📄'), h('span', { class: 'file-name' }, name),
    size && h('span', { class: 'file-size' }, size)];
  return h('li', { class: 'attachment' },
    url ? externalLink(url, label, { class: 'file-link', download: '' }) : h('span', { class: 'file-link' }, label));
}

/**
 * renderInteractive renders the buttons of a card, quick_reply or feedback
 * message. answer(value), when given, is called when the reader picks a
 * button or sends feedback (the widget); without it the content is shown
 * read-only (the console, and the composer's preview).
 */
export function renderInteractive(msg, answer) {
  const selected = msg.attrs.selected_value ?? null;
  const buttons = Array.isArray(msg.attrs.buttons) ? msg.attrs.buttons : [];
  const choice = (b) => h('button', {
    type: 'button', class: 'choice', disabled: !answer || msg.deleted,
    'aria-pressed': String(selected !== null && b.value === selected),
    onclick: () => answer?.(b.value),
  }, String(b.title ?? ''));
  switch (msg.contentType) {
    case 'quick_reply':
      return h('div', { class: 'choices', role: 'group', 'aria-label': 'Answers' }, buttons.map(choice));
    case 'card': {
      const image = safeURL(msg.attrs.image_url);
      return h('div', { class: 'card-actions' },
        // Images of other sites are not loaded (the page's policy allows its
        // own origin only): the card links to its image instead.
        image && externalLink(image, '🖼 View image', { class: 'card-image-link' }),
        h('div', { class: 'choices', role: 'group', 'aria-label': 'Card actions' }, buttons.map((b) => {
          const href = b.type === 'link' ? safeURL(b.url) : null;
          return href
            ? externalLink(href, `${b.title ?? ''} ↗`, { class: 'choice' })
            : b.type === 'postback' ? choice(b) : null;
        })));
    }
    case 'feedback':
      return renderFeedback(msg, selected, answer);
  }
  return null;
}

function renderFeedback(msg, selected, answer) {
  if (selected !== null) {
    return h('p', { class: 'feedback-answer' }, h('span', { class: 'label' }, 'Feedback: '), selected);
  }
  if (!answer) return h('p', { class: 'feedback-answer muted' }, 'Waiting for feedback…');
  const field = h('textarea', { id: `feedback-${msg.id}`, rows: 2, maxlength: 1000, required: true });
  return h('form', {
    class: 'feedback-form',
    onsubmit: (e) => {
      e.preventDefault();
      if (field.value.trim()) answer(field.value.trim());
    },
  }, h('label', { for: field.id }, 'Your feedback'), field, h('button', { type: 'submit', class: 'btn btn-primary btn-small' }, 'Send feedback'));
}

/**
 * renderReactions renders the reactions of a message as chips. isMine(r)
 * marks the reader's own.
 */
export function renderReactions(msg, isMine = () => false) {
  if (!msg.reactions.length) return null;
  const counts = new Map();
  for (const r of msg.reactions) {
    const c = counts.get(r.content) ?? { n: 0, names: [], mine: false };
    c.n++;
    c.names.push(r.sender?.name || 'someone');
    c.mine ||= isMine(r);
    counts.set(r.content, c);
  }
  return h('ul', { class: 'reactions', 'aria-label': 'Reactions' }, [...counts].map(([emoji, c]) =>
    h('li', { class: c.mine ? 'reaction mine' : 'reaction', title: c.names.join(', ') },
      h('span', { 'aria-hidden': 'true' }, emoji), c.n > 1 ? ` ${c.n}` : '',
      h('span', { class: 'visually-hidden' }, ` reaction by ${c.names.join(', ')}`))));
}

const INTERACTIVE = new Set(['card', 'quick_reply', 'feedback']);

/**
 * renderMessage renders one message as the <li> of a thread: who and when,
 * the bubble (reply quote, text, attachments, interactive content), the
 * reactions, a status line and actions.
 *
 * @param {object} msg a message of normalizeMessage (plus `pending` or `failed` for unsent ones)
 * @param {object} opts
 * @param {boolean} opts.mine whether the reader wrote it (shown on the right)
 * @param {Node} [opts.status] the delivery status line
 * @param {Node[]} [opts.actions] buttons (reply, react), hidden until hover or focus
 * @param {(value: string) => void} [opts.answer] answers interactive content (the widget)
 * @param {(id: number) => object} [opts.findMessage] finds a loaded message, for reply quotes
 * @param {(id: number) => void} [opts.onJump] shows a quoted message
 * @param {(reaction) => boolean} [opts.isMineReaction] marks the reader's own reactions
 */
export function renderMessage(msg, { mine, status, actions = [], answer, findMessage, onJump, isMineReaction }) {
  if (msg.type === 'activity') {
    return h('li', { class: 'msg-activity', id: `m-${msg.id}` }, renderText(msg.content ?? ''));
  }
  const classes = ['msg', mine && 'mine', msg.private && 'note', msg.pending && 'pending', msg.failed && 'failed'];
  const when = msg.createdAt ? new Date(msg.createdAt) : null;
  return h('li', { class: classes.filter(Boolean).join(' '), id: msg.id != null ? `m-${msg.id}` : null, tabindex: '-1' },
    h('div', { class: 'msg-meta' },
      h('span', { class: 'who' }, senderName(msg)),
      msg.private && h('span', { class: 'note-label' }, 'Private note'),
      when && h('time', { datetime: when.toISOString() }, formatTime(msg.createdAt)),
      actions.length && !msg.deleted && msg.id != null ? h('span', { class: 'msg-actions' }, actions) : null),
    h('div', { class: 'bubble' },
      renderReply(msg, findMessage, onJump),
      renderBody(msg),
      renderAttachments(msg.attachments),
      INTERACTIVE.has(msg.contentType) && !msg.deleted ? renderInteractive(msg, answer) : null),
    renderReactions(msg, isMineReaction),
    status);
}
