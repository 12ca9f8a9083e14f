/** Image references of a dataset: a URL stays a URL; anything else is a path inside the dataset folder. */

export type ImageRef =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'file'; readonly relPath: string }
  | { readonly kind: 'invalid'; readonly reason: string };

const URL_RE = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Classifies one line of `*_urls.txt`. Relative paths are normalised (`./`, `a/../b`) and must
 * stay inside the dataset folder; absolute paths and `..` escapes are refused.
 */
export function classifyImageRef(ref: string): ImageRef {
  const s = ref.trim();
  if (s === '') return { kind: 'invalid', reason: 'empty image reference' };
  if (URL_RE.test(s)) return { kind: 'url', url: s };
  if (s.startsWith('/') || s.startsWith('\\') || /^[a-z]:[\\/]/i.test(s)) return { kind: 'invalid', reason: `absolute path ${s} (expected a path inside the dataset folder)` };
  const parts: string[] = [];
  for (const p of s.split(/[\\/]+/)) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (parts.length === 0) return { kind: 'invalid', reason: `${s} points outside the dataset folder` };
      parts.pop();
    } else parts.push(p);
  }
  if (parts.length === 0) return { kind: 'invalid', reason: `${s} names no file` };
  return { kind: 'file', relPath: parts.join('/') };
}

/** Joins a folder and a relative path with the folder's separator style (no node:path in core). */
export function joinPath(dir: string, rel: string): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  const base = dir.endsWith('/') || dir.endsWith('\\') ? dir.slice(0, -1) : dir;
  return `${base}${sep}${rel.split('/').join(sep)}`;
}

export type ResolvedImage =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'file'; readonly relPath: string; readonly path: string }
  | { readonly kind: 'invalid'; readonly reason: string };

/** Where to find an image of the dataset in `dir`: a URL as is, else a file inside `dir`. */
export function resolveImageRef(ds: { readonly dir: string }, ref: string): ResolvedImage {
  const c = classifyImageRef(ref);
  return c.kind === 'file' ? { kind: 'file', relPath: c.relPath, path: joinPath(ds.dir, c.relPath) } : c;
}
