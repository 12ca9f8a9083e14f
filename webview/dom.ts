/**
 * The only way views build DOM: strings become text nodes or attribute values, never markup.
 * No innerHTML anywhere in webview/ (a test greps for it), so a vocabulary word like
 * `<img src=x onerror=alert(1)>` is shown as those characters.
 */

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  text?: string;
  title?: string;
  attrs?: Record<string, string | number | boolean | undefined>;
  data?: Record<string, string | number>;
  on?: { [E in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[E]) => void };
}

/** Attributes that could run code or load things are refused here, whatever the caller passes. */
const FORBIDDEN = /^(on|style$|srcdoc$|formaction$|href$|src$)/i;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.class) e.className = props.class;
  if (props.title !== undefined) e.title = props.title;
  if (props.attrs) {
    for (const [k, v] of Object.entries(props.attrs)) {
      if (FORBIDDEN.test(k)) throw new Error(`el(${tag}): attribute "${k}" is not set through el()`);
      if (v === undefined || v === false) continue;
      e.setAttribute(k, v === true ? '' : String(v));
    }
  }
  if (props.data) for (const [k, v] of Object.entries(props.data)) e.dataset[k] = String(v);
  if (props.on) {
    for (const [k, f] of Object.entries(props.on)) e.addEventListener(k, f as EventListener);
  }
  if (props.text !== undefined) e.textContent = props.text;
  append(e, ...children);
  return e;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Empties an element in one step (removing a focused control fires blur/change handlers mid-way). */
export function clear(e: Element): void {
  e.replaceChildren();
}

/** A labelled control wrapper: `<label>Text <control></label>`. */
export function labelled(text: string, control: HTMLElement, cls = 'field'): HTMLLabelElement {
  return el('label', { class: cls }, el('span', { class: 'field-label', text }), control);
}

export function button(text: string, onClick: () => void, props: Props = {}): HTMLButtonElement {
  const b = el('button', { ...props, attrs: { type: 'button', ...props.attrs } }, text);
  b.addEventListener('click', onClick);
  return b;
}

export function select<T extends string>(options: readonly { value: T; label: string }[], value: T, onChange: (v: T) => void, props: Props = {}): HTMLSelectElement {
  const s = el('select', props, ...options.map((o) => el('option', { attrs: { value: o.value, selected: o.value === value } }, o.label)));
  s.value = value;
  s.addEventListener('change', () => onChange(s.value as T));
  return s;
}

/** A collapsible table of values: the accessible (and testable) twin of a chart. */
export function valuesTable(summary: string, headers: readonly string[], rows: readonly (readonly (string | number)[])[]): HTMLDetailsElement {
  return el(
    'details',
    { class: 'values' },
    el('summary', { text: summary }),
    el(
      'table',
      { class: 'values-table' },
      el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { attrs: { scope: 'col' } }, h)))),
      el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, String(c)))))),
    ),
  );
}

/** The message shown when the host has nothing to show yet. */
export function emptyNotice(root: HTMLElement, message: string): void {
  clear(root);
  root.setAttribute('aria-busy', 'false');
  root.appendChild(el('p', { class: 'empty', attrs: { role: 'status' } }, message));
}
