// Thread is the scrolling list of a conversation's messages, kept in order
// of message ID. It re-renders one message when it changes, keeps the reader
// at the bottom when new messages arrive (unless they scrolled up to read),
// and asks for older messages when the reader scrolls to the top, keeping
// the view steady while they are put in above.

import { h } from './dom.js';

export class Thread {
  /**
   * @param {HTMLElement} scroller the scrolling element
   * @param {HTMLElement} list the <ol> inside it that holds one <li> per message
   * @param {object} opts
   * @param {(msg) => HTMLElement} opts.render renders one message as an <li>
   * @param {() => Promise<boolean>} [opts.loadOlder] loads older messages; resolves to false when there are none
   */
  constructor(scroller, list, { render, loadOlder }) {
    Object.assign(this, { scroller, list, render, loadOlder });
    this.items = new Map(); // key → {msg, el}
    this.loading = false;
    this.complete = false;
    this.sentinel = h('li', { class: 'thread-start', 'aria-hidden': 'true' });
    this.list.replaceChildren(this.sentinel);
    // pinned: the reader is at the bottom, and stays there when messages
    // arrive or the thread's box shrinks (the composer grows, the keyboard
    // of a phone opens). Scrolling up unpins; scrolling near the top loads
    // older messages.
    this.pinned = true;
    let lastTop = scroller.scrollTop;
    scroller.addEventListener('scroll', () => {
      // Only the reader scrolling up unpins: a scroll event can also come
      // from a change of layout (the box shrank), which must not.
      const top = scroller.scrollTop;
      if (this.atBottom()) this.pinned = true;
      else if (top < lastTop) this.pinned = false;
      lastTop = top;
      this.fill();
    }, { passive: true });
    new ResizeObserver(() => { if (this.pinned) this.scrollToBottom(); }).observe(scroller);
  }

  /** clear empties the thread, for another conversation. */
  clear() {
    this.items.clear();
    this.complete = false;
    this.list.replaceChildren(this.sentinel);
    this.sentinel.textContent = '';
  }

  get(key) {
    return this.items.get(key)?.msg;
  }

  /** messages returns the messages in order. */
  messages() {
    return [...this.items.values()].map((it) => it.msg).sort(byOrder);
  }

  /** oldestId is the ID of the first stored message (null when empty). */
  oldestId() {
    let min = null;
    for (const { msg } of this.items.values()) if (msg.id != null && (min === null || msg.id < min)) min = msg.id;
    return min;
  }

  /** newestId is the ID of the last stored message (null when empty). */
  newestId() {
    let max = null;
    for (const { msg } of this.items.values()) if (msg.id != null && (max === null || msg.id > max)) max = msg.id;
    return max;
  }

  atBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 48;
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.pinned = true;
  }

  /**
   * upsert adds a message or replaces the one with the same key (its ID, or
   * key when given: pending messages of the widget use their echo_id).
   * It returns the message's element.
   */
  upsert(msg, key = msg.id) {
    const stick = this.pinned;
    const el = this.render(msg);
    const old = this.items.get(key);
    if (old) {
      old.el.replaceWith(el);
    } else {
      this.list.insertBefore(el, this.nextElement(msg));
    }
    this.items.set(key, { msg, el });
    if (stick) this.scrollToBottom();
    return el;
  }

  /** rerender renders every message again (after something they show changed). */
  rerender() {
    for (const [key, { msg }] of this.items) this.upsert(msg, key);
  }

  remove(key) {
    const it = this.items.get(key);
    if (!it) return;
    it.el.remove();
    this.items.delete(key);
  }

  /** element returns the element of a message, for focusing or scrolling to it. */
  element(key) {
    return this.items.get(key)?.el ?? null;
  }

  /** jumpTo scrolls to a message, highlights it for a moment and focuses it. */
  jumpTo(key) {
    const el = this.element(key);
    if (!el) return;
    el.scrollIntoView({ block: 'center' });
    el.classList.add('highlight');
    el.focus();
    setTimeout(() => el.classList.remove('highlight'), 1500);
  }

  // nextElement is the element a new message goes before: that of the first
  // stored message that sorts after it (null: the end).
  nextElement(msg) {
    let next = null;
    for (const it of this.items.values()) {
      if (byOrder(it.msg, msg) > 0 && (!next || byOrder(it.msg, next.msg) < 0)) next = it;
    }
    return next ? next.el : null;
  }

  /**
   * prepend puts older messages in above the ones shown without moving what
   * the reader looks at.
   */
  prepend(messages) {
    const fromBottom = this.scroller.scrollHeight - this.scroller.scrollTop;
    for (const msg of messages) if (!this.items.has(msg.id)) this.upsert(msg);
    this.scroller.scrollTop = this.scroller.scrollHeight - fromBottom;
  }

  /** setComplete records that the first message of the conversation is shown. */
  setComplete(complete) {
    this.complete = complete;
    this.sentinel.textContent = complete && this.items.size ? 'Start of the conversation' : '';
    this.sentinel.setAttribute('aria-hidden', String(!complete));
  }

  async older() {
    if (this.loading || this.complete || !this.loadOlder || this.items.size === 0) return;
    this.loading = true;
    this.sentinel.textContent = 'Loading earlier messages…';
    try {
      this.setComplete(!(await this.loadOlder()));
    } catch (err) {
      this.sentinel.textContent = '';
      console.warn('load older messages:', err);
      return; // the next scroll to the top tries again
    } finally {
      this.loading = false;
    }
    this.fill();
  }

  // fill loads older messages while the top of the thread is near (within
  // 200 pixels): after a scroll, and after each page, since a short page or
  // a tall window leaves the top in view with no scroll to come.
  fill() {
    if (!this.complete && !this.loading && this.loadOlder && this.scroller.scrollTop < 200) {
      requestAnimationFrame(() => this.older());
    }
  }

  /**
   * reset shows messages (the latest page of a conversation) in place of
   * what was shown, scrolled to the bottom. complete says that the page
   * starts at the conversation's first message.
   */
  reset(messages, complete) {
    this.clear();
    for (const msg of messages) this.upsert(msg);
    this.scrollToBottom();
    this.setComplete(complete);
    this.fill();
  }
}

// byOrder sorts by message ID; pending messages (no ID yet) go last, in the
// order they were written.
function byOrder(a, b) {
  const ka = a.id ?? Number.MAX_SAFE_INTEGER;
  const kb = b.id ?? Number.MAX_SAFE_INTEGER;
  return ka - kb || (a.createdAt ?? 0) - (b.createdAt ?? 0);
}
