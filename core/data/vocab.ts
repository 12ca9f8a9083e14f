/** The vocabulary JSON (`coco2014_vocab.json`): `{ idx_to_word: string[], word_to_idx: {word: index} }`. */
import { DatasetError } from './types';

export const NULL_TOKEN = '<NULL>';
export const START_TOKEN = '<START>';
export const END_TOKEN = '<END>';
export const UNK_TOKEN = '<UNK>';

export interface Vocab {
  idxToWord: string[];
  wordToIdx: Record<string, number>;
  nullIdx: number;
  startIdx: number;
  endIdx: number;
  unkIdx: number | null;
}

/**
 * Parses and checks a vocabulary: both keys present, `idx_to_word` a list of distinct strings,
 * `word_to_idx` mapping each of them back to its position and nothing else, the three special
 * tokens present. `file` names the file in errors.
 */
export function parseVocab(text: string, file: string): Vocab {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DatasetError(`not valid JSON (${(e as Error).message})`, file);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new DatasetError('expected a JSON object with idx_to_word and word_to_idx', file);
  const obj = json as Record<string, unknown>;
  for (const key of ['idx_to_word', 'word_to_idx']) {
    if (!(key in obj)) throw new DatasetError('missing key', file, key);
  }
  const itw = obj.idx_to_word;
  const wti = obj.word_to_idx;
  if (!Array.isArray(itw) || itw.length === 0) throw new DatasetError('expected a non-empty list of strings', file, 'idx_to_word');
  itw.forEach((w, i) => {
    if (typeof w !== 'string') throw new DatasetError(`entry ${i} is ${JSON.stringify(w)}, expected a string`, file, 'idx_to_word');
  });
  if (typeof wti !== 'object' || wti === null || Array.isArray(wti)) throw new DatasetError('expected an object {word: index}', file, 'word_to_idx');
  const idxToWord = itw as string[];
  const wordToIdx: Record<string, number> = Object.create(null) as Record<string, number>;
  const entries = Object.entries(wti as Record<string, unknown>);
  for (const [w, i] of entries) {
    if (typeof i !== 'number' || !Number.isInteger(i)) throw new DatasetError(`"${w}" maps to ${JSON.stringify(i)}, expected an integer index`, file, 'word_to_idx');
    if (i < 0 || i >= idxToWord.length || idxToWord[i] !== w) {
      const there = i >= 0 && i < idxToWord.length ? `"${idxToWord[i]}"` : `nothing (V = ${idxToWord.length})`;
      throw new DatasetError(`idx_to_word and word_to_idx disagree: word_to_idx["${w}"] = ${i} but idx_to_word[${i}] is ${there}`, file, 'word_to_idx');
    }
    wordToIdx[w] = i;
  }
  if (entries.length !== idxToWord.length) {
    const missing = idxToWord.findIndex((w) => !(w in wordToIdx) || wordToIdx[w] !== idxToWord.indexOf(w));
    const detail = missing >= 0 ? `idx_to_word[${missing}] = "${idxToWord[missing]}" has no entry` : 'duplicate words';
    throw new DatasetError(`idx_to_word and word_to_idx disagree: ${idxToWord.length} vs ${entries.length} entries (${detail})`, file, 'word_to_idx');
  }
  for (const tok of [NULL_TOKEN, START_TOKEN, END_TOKEN]) {
    if (!(tok in wordToIdx)) throw new DatasetError(`special token ${tok} missing`, file, 'word_to_idx');
  }
  return {
    idxToWord,
    wordToIdx,
    nullIdx: wordToIdx[NULL_TOKEN],
    startIdx: wordToIdx[START_TOKEN],
    endIdx: wordToIdx[END_TOKEN],
    unkIdx: UNK_TOKEN in wordToIdx ? wordToIdx[UNK_TOKEN] : null,
  };
}

/** JSON text of a vocabulary in the CS231n key order. */
export function vocabJson(idxToWord: readonly string[]): string {
  const wordToIdx: Record<string, number> = {};
  idxToWord.forEach((w, i) => (wordToIdx[w] = i));
  return JSON.stringify({ idx_to_word: idxToWord, word_to_idx: wordToIdx });
}
