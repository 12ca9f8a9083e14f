/**
 * Captions gallery: each image with its ground-truth captions and what the model says (greedy,
 * beam, temperature), for the train and val splits. Images are local dataset files (webview
 * resource URIs), the CS231n layout's remote URLs, or, for the embedded default, pictures drawn
 * from the scene records (PNG data: URLs); one that fails to load (offline, dead
 * Flickr link) is replaced by a labelled placeholder.
 */
import type { Host } from '../api';
import { button, clear, el, emptyNotice, labelled, select } from '../dom';
import type { CaptionSample, CaptionsPayload, GalleryItem, Split, ToCaptions } from '../../protocol/webview';

type Filter = Split | 'both';

interface UiState {
  filter?: Filter;
}

export function captionsView(root: HTMLElement, host: Host<'captions'>): { receive(m: ToCaptions): void } {
  let payload: CaptionsPayload | undefined;
  let filter: Filter = host.uiState<UiState>().filter ?? 'both';
  const grid = el('div', { class: 'gallery', attrs: { role: 'list' } });

  function render(): void {
    const p = payload;
    if (!p) return;
    clear(root);
    root.setAttribute('aria-busy', 'false');
    const count = el('input', { attrs: { type: 'number', min: 1, max: 50, step: 1, value: Math.max(1, Math.min(50, p.items.length || 6)), 'aria-label': 'How many images' } });
    root.append(
      el(
        'header',
        { class: 'toolbar' },
        el('h1', {}, 'Captions'),
        p.model ? el('span', { class: 'meta' }, p.model) : null,
        el('span', { class: 'spacer' }),
        labelled(
          'Split',
          select(
            [
              { value: 'both', label: 'all sampled' },
              { value: 'train', label: 'train' },
              { value: 'val', label: 'val' },
            ] as const,
            filter,
            (v) => {
              filter = v;
              host.saveUiState({ filter } satisfies UiState);
              fill();
            },
          ),
        ),
        labelled('Images', count),
        button('Sample new images', () => {
          const n = Math.round(Number(count.value));
          host.post({ type: 'resample', split: filter === 'both' ? shownSplit(p.items) : filter, count: Number.isFinite(n) && n > 0 ? Math.min(50, n) : 6 });
        }),
      ),
      grid,
    );
    fill();
  }

  function fill(): void {
    clear(grid);
    const items = (payload?.items ?? []).filter((x) => filter === 'both' || x.split === filter);
    for (const it of items) grid.appendChild(card(it));
    if (!items.length) grid.appendChild(el('p', { class: 'empty' }, `No ${filter === 'both' ? '' : `${filter} `}images sampled yet.`));
  }

  return {
    receive(m) {
      switch (m.type) {
        case 'empty':
          payload = undefined;
          emptyNotice(root, m.message);
          break;
        case 'setCaptions':
          payload = m.payload;
          render();
          break;
        default: {
          const never: never = m;
          throw new Error(`captions: unhandled message ${JSON.stringify(never)}`);
        }
      }
    },
  };
}

/**
 * The split "Sample new images" draws from when both are shown: the one on screen (val when the
 * gallery holds val images only, as after Sample Captions), so new images never silently switch
 * the gallery to the other split; train when it holds train images or both.
 */
export function shownSplit(items: readonly GalleryItem[]): Split {
  return items.length > 0 && items.every((x) => x.split === 'val') ? 'val' : 'train';
}

function sampleLabel(s: CaptionSample): string {
  if (s.method === 'beam') return s.beamWidth ? `beam (k=${s.beamWidth})` : 'beam';
  if (s.method === 'temperature') return s.temperature !== undefined ? `temperature ${s.temperature}` : 'temperature';
  return 'greedy';
}

/** Only addresses a webview can load from its dataset: https (http upgraded), webview resources and drawn PNG pictures. */
export function safeImageSrc(src: string): string | undefined {
  if (src.startsWith('http://')) return `https://${src.slice(7)}`;
  if (/^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/.test(src)) return src;
  if (/^(https:|vscode-resource:|vscode-webview-resource:)/i.test(src)) return src;
  return undefined;
}

function placeholder(it: GalleryItem, why: string): HTMLElement {
  return el(
    'div',
    { class: 'img-placeholder', attrs: { role: 'img', 'aria-label': `${why}: ${it.label}` } },
    el('span', { class: 'why' }, why),
    el('span', { class: 'label mono' }, it.label),
  );
}

function card(it: GalleryItem): HTMLElement {
  const src = safeImageSrc(it.src);
  const figure = el('div', { class: 'thumb' });
  if (src) {
    const img = el('img', { attrs: { alt: `${it.split} image ${it.imageIndex}: ${it.label}`, loading: 'lazy', decoding: 'async', referrerpolicy: 'no-referrer' } });
    img.addEventListener('error', () => figure.replaceChildren(placeholder(it, src.startsWith('https:') && !/vscode-cdn\.net|vscode-resource/.test(src) ? 'Image not available (offline or link dead)' : 'Image could not be loaded')));
    img.src = src;
    figure.appendChild(img);
  } else {
    figure.appendChild(placeholder(it, it.src ? 'Image address not allowed' : 'No image'));
  }
  return el(
    'article',
    { class: 'caption-card', attrs: { role: 'listitem', tabindex: 0, 'aria-label': `${it.split} image ${it.imageIndex}` } },
    figure,
    el('div', { class: 'card-head' }, el('span', { class: `split split-${it.split}` }, it.split), el('span', { class: 'meta' }, `#${it.imageIndex}`)),
    el('h3', {}, 'Model'),
    el('dl', { class: 'samples' }, ...it.samples.flatMap((s) => [el('dt', {}, sampleLabel(s)), el('dd', { class: 'sample' }, s.text)])),
    el('h3', {}, 'Ground truth'),
    el('ul', { class: 'gt' }, ...it.groundTruth.map((g) => el('li', {}, g))),
  );
}
