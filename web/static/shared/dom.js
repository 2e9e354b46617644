// Small DOM helpers shared by the console and the widget.
//
// Every text that comes from the server (a contact's or an agent's words,
// names, file names) is untrusted. It reaches the page only as text nodes
// (textContent), never as HTML: h() below has no way to set innerHTML.

/**
 * h builds an element: h('button', {class: 'btn', onclick: fn}, 'Send').
 * Attributes named on* become event listeners; `class`, `text`, `hidden`
 * and boolean values are handled; null and undefined attributes and
 * children are skipped. Children are nodes or strings (made text nodes).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'text') {
      el.textContent = value;
    } else if (name === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** $ returns the element of the page with this id; it must exist. */
export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el;
}

/** show shows or hides an element (the hidden attribute). */
export function show(el, visible) {
  el.hidden = !visible;
}

/** formatTime renders a time (Unix milliseconds) as hours and minutes, with the date when it is not today. */
export function formatTime(ms) {
  const d = new Date(ms);
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return d.toDateString() === new Date().toDateString()
    ? time
    : `${d.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${time}`;
}

/** formatBytes renders a file size: 1.4 MB. */
export function formatBytes(n) {
  if (!(n >= 0)) return '';
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
}

/**
 * safeURL returns url when it is an http(s) or blob: URL (relative URLs are
 * resolved against the page), and null otherwise, so that a javascript: or
 * data: URL from a message never becomes a link or an image.
 */
export function safeURL(url) {
  if (typeof url !== 'string' || url === '') return null;
  try {
    const u = new URL(url, location.href);
    return ['http:', 'https:', 'blob:'].includes(u.protocol) ? u.href : null;
  } catch {
    return null;
  }
}

/** uuid returns a random identifier (for echo_id). */
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** debounce returns fn delayed until `wait` ms pass without another call. */
export function debounce(fn, wait) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}

/**
 * autoGrow makes a textarea grow with its text up to its CSS max-height,
 * and makes Enter submit its form (Shift+Enter adds a line).
 */
export function autoGrow(textarea) {
  const fit = () => {
    textarea.style.height = 'auto';
    textarea.style.height = `${textarea.scrollHeight}px`;
  };
  textarea.addEventListener('input', fit);
  textarea.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      textarea.form?.requestSubmit();
    }
  });
  return fit;
}

/**
 * announce reads text out to screen-reader users through the page's
 * #announcer (a visually hidden aria-live region), without moving focus.
 */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region || !text) return;
  region.textContent = '';
  // A fresh text node in a later frame is announced even when it repeats.
  requestAnimationFrame(() => { region.textContent = text; });
}

/**
 * transientText shows a text in an element for `ms` milliseconds after the
 * last show (a typing indicator): it returns {show(text), hide()}.
 */
export function transientText(el, ms) {
  let timer;
  const hide = () => {
    clearTimeout(timer);
    el.textContent = '';
  };
  return {
    show(text) {
      el.textContent = text;
      clearTimeout(timer);
      timer = setTimeout(hide, ms);
    },
    hide,
  };
}

/**
 * renderFileChips lists files chosen for the next message in the <ul> list,
 * each with a button that removes it (onRemove gets the remaining files).
 */
export function renderFileChips(list, files, onRemove) {
  list.replaceChildren(...files.map((f, i) => h('li', { class: 'chosen-file' },
    h('span', { class: 'file-name' }, f.name),
    h('button', {
      type: 'button', class: 'btn btn-ghost btn-icon btn-small', 'aria-label': `Remove ${f.name}`,
      onclick: () => onRemove(files.filter((_, j) => j !== i)),
    }, '✕'))));
  show(list, files.length > 0);
}
