/** Choosing which caption a trace runs on: split, row, dataset or sampled. Shared by two views. */
import type { CaptionRef, Split } from '../protocol/webview';
import { button, el, labelled, select } from './dom';

export function captionPicker(current: CaptionRef | undefined, words: readonly string[], onChoose: (split: Split, index: number, sampled: boolean) => void): HTMLElement {
  let split: Split = current?.split ?? 'train';
  const count = current?.count ?? 0;
  const index = el('input', {
    attrs: { type: 'number', min: 0, max: count > 0 ? count - 1 : undefined, step: 1, value: current?.index ?? 0, 'aria-label': 'Caption row' },
  });
  const sampled = el('input', { attrs: { type: 'checkbox', checked: current?.sampled ?? false } });
  const go = (): void => {
    const i = Math.round(Number(index.value));
    if (!Number.isFinite(i) || i < 0 || (count > 0 && i >= count)) {
      index.setCustomValidity(`Row must be between 0 and ${Math.max(0, count - 1)}`);
      index.reportValidity();
      return;
    }
    index.setCustomValidity('');
    onChoose(split, i, sampled.checked);
  };
  index.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') go();
  });
  const caption = el(
    'p',
    { class: 'caption-words', attrs: { 'aria-label': 'Caption words along time' } },
    ...words.map((w, t) => el('span', { class: 'word', title: `t = ${t}` }, el('span', { class: 't' }, String(t)), w)),
  );
  return el(
    'div',
    { class: 'caption-picker' },
    el(
      'div',
      { class: 'toolbar' },
      labelled('Split', select([{ value: 'train', label: 'train' }, { value: 'val', label: 'val' }] as const, split, (v) => (split = v))),
      labelled(count > 0 ? `Row (0–${count - 1})` : 'Row', index),
      current?.samplable ? el('label', { class: 'check' }, sampled, ' sampled by the model') : null,
      button('Trace', go),
    ),
    current?.sampled
      ? el(
          'p',
          { class: 'meta caption-source' },
          `Sampled by the model (greedy) from the image of ${current.split} caption ${current.index}${current.imageIndex !== undefined ? ` (image ${current.imageIndex})` : ''}, not the dataset's caption.`,
        )
      : null,
    caption,
  );
}
