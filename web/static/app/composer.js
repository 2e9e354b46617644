// The console's composer: replies and private notes, files, replies to a
// message, and the interactive types (quick reply, card, feedback request)
// with a live preview of what the contact will see. It sends through the
// agent API: POST .../conversations/{id}/messages, as JSON, or as
// multipart/form-data when files are attached (Chatwoot's attachments[]).

import { $, h, show, uuid, autoGrow, renderFileChips } from '../shared/dom.js';
import { renderMessage, senderName, preview } from '../shared/message.js';

const TYPING_ON_EVERY = 3000; // how often "typing on" is repeated while typing
const TYPING_OFF_AFTER = 4000; // quiet time after which "typing off" is sent

export class Composer {
  /**
   * @param {object} opts
   * @param {(method, path, opts) => Promise<any>} opts.api the agent API client
   * @param {(path: string) => string} opts.account makes an account-scoped path
   * @param {(message) => void} opts.onSent gets the message the server stored
   * @param {() => number|null} opts.conversationId the open conversation
   */
  constructor({ api, account, onSent, conversationId }) {
    Object.assign(this, { api, account, onSent, conversationId });
    this.form = $('composer');
    this.content = $('content');
    this.mode = 'reply';
    this.type = 'text';
    this.files = [];
    this.replying = null;
    this.typingOnAt = 0;
    this.typingOff = null;
    this.fit = autoGrow(this.content);

    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.send();
    });
    for (const tab of this.form.querySelectorAll('[data-mode]')) {
      tab.addEventListener('click', () => this.setMode(tab.dataset.mode));
    }
    $('content-type').addEventListener('change', (e) => this.setType(e.target.value));
    $('add-button').addEventListener('click', () => {
      this.addButtonRow();
      $('button-rows').lastElementChild.querySelector('input').focus();
    });
    this.form.addEventListener('input', () => this.renderPreview());
    this.content.addEventListener('input', () => this.typing());
    $('attach').addEventListener('click', () => $('file-input').click());
    $('file-input').addEventListener('change', (e) => {
      this.setFiles([...this.files, ...e.target.files]);
      e.target.value = '';
    });
    $('replying-cancel').addEventListener('click', () => {
      this.replyTo(null);
      this.content.focus();
    });
  }

  /** reset empties the composer, for another conversation. */
  reset() {
    this.stopTyping();
    this.content.value = '';
    this.fit();
    this.setFiles([]);
    this.replyTo(null);
    this.setMode('reply');
    this.setType('text');
    $('send-error').textContent = '';
  }

  /** replyTo makes the next message a reply to msg (null: not a reply). */
  replyTo(msg) {
    this.replying = msg;
    show($('replying'), Boolean(msg));
    if (!msg) return;
    $('replying-who').textContent = senderName(msg);
    $('replying-quote').textContent = preview(msg);
    this.content.focus();
  }

  setMode(mode) {
    this.mode = mode;
    this.form.dataset.mode = mode;
    for (const tab of this.form.querySelectorAll('[data-mode]')) {
      tab.setAttribute('aria-pressed', String(tab.dataset.mode === mode));
    }
    this.content.placeholder = mode === 'note'
      ? 'Write a private note — only agents see it'
      : 'Write a reply… (Enter sends, Shift+Enter starts a new line)';
    if (mode === 'note') {
      this.stopTyping();
      this.setType('text'); // notes are text for agents, never interactive
    }
    $('content-type').disabled = mode === 'note';
  }

  setType(type) {
    this.type = type;
    $('content-type').value = type;
    const buttons = type === 'quick_reply' || type === 'card';
    show($('builder'), type !== 'text');
    show($('button-rows'), buttons);
    show($('add-button'), buttons);
    show($('image-field'), type === 'card' || type === 'feedback');
    $('builder').querySelector('legend').textContent =
      { quick_reply: 'Quick reply buttons', card: 'Card', feedback: 'Feedback request' }[type] ?? '';
    $('button-rows').replaceChildren();
    $('image-url').value = '';
    if (buttons) {
      this.addButtonRow();
      this.addButtonRow();
    }
    this.renderPreview();
  }

  // addButtonRow adds the fields of one button: a title and a value (quick
  // replies), or a kind, a title and a link or value (cards).
  addButtonRow() {
    const rows = $('button-rows');
    const n = rows.children.length + 1;
    const field = (name, label, attrs = {}) => {
      const id = `button-${n}-${name}`;
      return h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, name, type: 'text', ...attrs }));
    };
    const card = this.type === 'card';
    const kind = card ? h('select', { id: `button-${n}-kind`, name: 'kind', onchange: (e) => {
      const row = e.target.closest('li');
      const link = e.target.value === 'link';
      row.querySelector('[name="value"]').closest('.field').hidden = link;
      row.querySelector('[name="url"]').closest('.field').hidden = !link;
    } }, h('option', { value: 'postback' }, 'Answer'), h('option', { value: 'link' }, 'Link')) : null;
    const url = card ? field('url', `Button ${n} link`, { type: 'url', placeholder: 'https://…' }) : null;
    if (url) url.hidden = true;
    rows.append(h('li', { class: 'button-row' },
      kind && h('div', { class: 'field' }, h('label', { for: kind.id }, `Button ${n} kind`), kind),
      field('title', `Button ${n} title`, { required: true, maxlength: 200 }),
      field('value', `Button ${n} value`, { required: true, maxlength: 200 }),
      url,
      h('button', {
        type: 'button', class: 'btn btn-ghost btn-icon btn-small', 'aria-label': `Remove button ${n}`,
        onclick: (e) => {
          e.currentTarget.closest('li').remove();
          this.renderPreview();
        },
      }, '✕')));
    this.renderPreview();
  }

  // attributes reads the content_attributes of the interactive message being
  // written.
  attributes() {
    const attrs = {};
    const image = $('image-url').value.trim();
    if (image && this.type !== 'quick_reply') attrs.image_url = image;
    if (this.type === 'quick_reply' || this.type === 'card') {
      attrs.buttons = [...$('button-rows').children].map((row) => {
        const get = (name) => row.querySelector(`[name="${name}"]`)?.value.trim() ?? '';
        if (this.type === 'quick_reply') return { title: get('title'), value: get('value') };
        return get('kind') === 'link'
          ? { type: 'link', title: get('title'), url: get('url') }
          : { type: 'postback', title: get('title'), value: get('value') };
      });
    }
    return attrs;
  }

  // renderPreview shows the interactive message as the contact will see it,
  // drawn by the same code as the messages of the thread.
  renderPreview() {
    const interactive = this.type !== 'text';
    show($('preview'), interactive);
    if (!interactive) return;
    const msg = {
      id: 0, type: 'outgoing', contentType: this.type, content: this.content.value.trim() || null,
      attrs: this.attributes(), createdAt: 0, sender: { name: 'Preview' }, attachments: [], reactions: [],
    };
    $('preview-body').replaceChildren(renderMessage(msg, { mine: false }));
  }

  setFiles(files) {
    this.files = [...files];
    renderFileChips($('chosen-files'), this.files, (rest) => this.setFiles(rest));
  }

  // typing tells the contact that an agent is typing: "on" at the first key
  // and every few seconds while typing, "off" after a quiet moment.
  typing() {
    const id = this.conversationId();
    if (!id || this.mode === 'note') return;
    if (Date.now() - this.typingOnAt > TYPING_ON_EVERY) {
      this.typingOnAt = Date.now();
      this.setTyping(id, 'on');
    }
    clearTimeout(this.typingOff);
    this.typingOff = setTimeout(() => this.stopTyping(), TYPING_OFF_AFTER);
  }

  stopTyping() {
    clearTimeout(this.typingOff);
    const id = this.conversationId();
    if (this.typingOnAt && id) this.setTyping(id, 'off');
    this.typingOnAt = 0;
  }

  setTyping(id, status) {
    this.api('POST', this.account(`/conversations/${id}/toggle_typing_status`), {
      json: { typing_status: status },
    }).catch((err) => console.warn('typing:', err));
  }

  async send() {
    const id = this.conversationId();
    const content = this.content.value.trim();
    if (!id || (!content && !this.files.length && this.type === 'text')) return;
    const body = { content, message_type: 'outgoing', private: this.mode === 'note', echo_id: uuid() };
    const attrs = this.type === 'text' ? {} : this.attributes();
    if (this.type !== 'text') body.content_type = this.type;
    if (this.replying) attrs.in_reply_to = this.replying.id;
    if (Object.keys(attrs).length) body.content_attributes = attrs;
    const send = $('send');
    send.disabled = true;
    $('send-error').textContent = '';
    this.stopTyping();
    try {
      const path = this.account(`/conversations/${id}/messages`);
      let message;
      if (this.files.length) {
        // Chatwoot's form: the message's fields, and each file as attachments[].
        const form = new FormData();
        for (const [k, v] of Object.entries(body)) form.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
        for (const f of this.files) form.append('attachments[]', f, f.name);
        message = await this.api('POST', path, { form });
      } else {
        message = await this.api('POST', path, { json: body });
      }
      if (this.conversationId() === id) {
        this.content.value = '';
        this.fit();
        this.setFiles([]);
        this.replyTo(null);
        if (this.type !== 'text') this.setType('text');
        this.content.focus();
      }
      this.onSent(message);
    } catch (err) {
      // The text, files and buttons stay, to fix and send again.
      $('send-error').textContent = this.files.length ? `The files were not sent: ${err.message}` : `Not sent: ${err.message}`;
    } finally {
      send.disabled = false;
    }
  }
}
