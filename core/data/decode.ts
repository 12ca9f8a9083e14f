/** Captions as text, CS231n `decode_captions` semantics. */
import type { IntTensor } from '../tensor';

export interface DecodeVocab {
  readonly idxToWord: readonly string[];
  readonly nullIdx?: number;
  readonly startIdx?: number;
  readonly endIdx?: number;
}

function specials(v: readonly string[] | DecodeVocab): { words: readonly string[]; nul: number; start: number; end: number } {
  const words = Array.isArray(v) ? (v as readonly string[]) : (v as DecodeVocab).idxToWord;
  const o: Partial<DecodeVocab> = Array.isArray(v) ? {} : (v as DecodeVocab);
  return { words, nul: o.nullIdx ?? words.indexOf('<NULL>'), start: o.startIdx ?? words.indexOf('<START>'), end: o.endIdx ?? words.indexOf('<END>') };
}

const wordOf = (words: readonly string[], t: number): string => (t >= 0 && t < words.length ? words[t] : `<${t}?>`);

/**
 * Token rows to words: skips <NULL>, keeps <START>/<END> and stops after <END>, like CS231n's
 * `decode_captions`. `keepSpecials = false` also drops <START> and <END> (for display).
 */
export function decodeCaptionWords(captions: IntTensor | Int32Array | readonly number[], vocab: readonly string[] | DecodeVocab, keepSpecials = true): string[][] {
  const { words, nul, start, end } = specials(vocab);
  const isTensor = !(captions instanceof Int32Array) && !Array.isArray(captions);
  const data: ArrayLike<number> = isTensor ? (captions as IntTensor).data : (captions as ArrayLike<number>);
  const shape = isTensor ? (captions as IntTensor).shape : [data.length];
  const rows = shape.length === 1 ? 1 : shape[0];
  const T = shape.length === 1 ? shape[0] : shape[1];
  const out: string[][] = [];
  for (let i = 0; i < rows; i++) {
    const row: string[] = [];
    for (let t = 0; t < T; t++) {
      const tok = data[i * T + t];
      if (tok === nul) continue;
      if (keepSpecials || (tok !== start && tok !== end)) row.push(wordOf(words, tok));
      if (tok === end) break;
    }
    out.push(row);
  }
  return out;
}

/** CS231n `decode_captions`: one string per row (`<START> a red circle <END>`). */
export function decodeCaptions(captions: IntTensor | Int32Array | readonly number[], vocab: readonly string[] | DecodeVocab): string[] {
  return decodeCaptionWords(captions, vocab, true).map((w) => w.join(' '));
}

/** Display text: like decodeCaptions without <START>/<END> (`a red circle`). */
export function captionText(captions: IntTensor | Int32Array | readonly number[], vocab: readonly string[] | DecodeVocab): string[] {
  return decodeCaptionWords(captions, vocab, false).map((w) => w.join(' '));
}

/** Words to a (T,) token row: `<START> w... <END> <NULL>...`; unknown words become <UNK> (or throw without one). */
export function encodeCaption(words: readonly string[], wordToIdx: Readonly<Record<string, number>>, T: number): Int32Array {
  if (words.length + 2 > T) throw new Error(`encodeCaption: ${words.length} words do not fit T = ${T} with <START> and <END>`);
  const row = new Int32Array(T).fill(wordToIdx['<NULL>']);
  row[0] = wordToIdx['<START>'];
  words.forEach((w, i) => {
    const idx = wordToIdx[w] ?? wordToIdx['<UNK>'];
    if (idx === undefined) throw new Error(`encodeCaption: "${w}" is not in the vocabulary and there is no <UNK>`);
    row[i + 1] = idx;
  });
  row[words.length + 1] = wordToIdx['<END>'];
  return row;
}
