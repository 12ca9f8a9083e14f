/**
 * The shape context as received: checked field by field, so a malformed notification from a
 * client degrades to letters alone instead of breaking every later hover.
 */
import { EMPTY_SHAPE_CONTEXT, type DatasetKeyInfo, type ShapeContextParams, type ShapeLetter } from '../protocol/lsp';

const LETTERS: readonly ShapeLetter[] = ['N', 'T', 'D', 'H', 'W', 'V'];

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isSize = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/** The usable part of `raw` and a list of what was dropped (for the log). */
export function readShapeContext(raw: unknown): { context: ShapeContextParams; dropped: string[] } {
  const dropped: string[] = [];
  if (!isRecord(raw)) return { context: EMPTY_SHAPE_CONTEXT, dropped: ['the whole notification (not an object)'] };
  const sizes: Partial<Record<ShapeLetter, number>> = {};
  const rawSizes = isRecord(raw.sizes) ? raw.sizes : {};
  for (const [k, v] of Object.entries(rawSizes)) {
    if ((LETTERS as readonly string[]).includes(k) && isSize(v)) sizes[k as ShapeLetter] = v;
    else dropped.push(`sizes.${k}`);
  }
  const cellType = raw.cellType === 'rnn' || raw.cellType === 'lstm' ? raw.cellType : null;
  if (raw.cellType !== undefined && raw.cellType !== null && cellType === null) dropped.push('cellType');
  const datasetKeys: DatasetKeyInfo[] = [];
  const rawKeys = Array.isArray(raw.datasetKeys) ? raw.datasetKeys : [];
  rawKeys.forEach((k: unknown, i) => {
    if (isRecord(k) && typeof k.key === 'string' && typeof k.dtype === 'string' && Array.isArray(k.shape) && k.shape.every(isSize)) {
      datasetKeys.push(typeof k.file === 'string' ? { key: k.key, dtype: k.dtype, shape: [...k.shape], file: k.file } : { key: k.key, dtype: k.dtype, shape: [...k.shape] });
    } else dropped.push(`datasetKeys[${i}]`);
  });
  return { context: { sizes, cellType, datasetKeys }, dropped };
}
