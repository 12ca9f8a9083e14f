/**
 * Custom messages between the extension (language client) and the language server. Plain data
 * only; the types come from the protocol package both vscode-languageclient and
 * vscode-languageserver are built on, so each side uses the same object.
 */
import { NotificationType } from 'vscode-languageserver-protocol';

/** The model's size letters the hovers substitute numbers for. */
export type ShapeLetter = 'N' | 'T' | 'D' | 'H' | 'W' | 'V';

/** One dataset of the open file, as the dataset reader found it. */
export interface DatasetKeyInfo {
  /** HDF5 dataset or npz array name, e.g. `train_captions`. */
  key: string;
  /** e.g. `int32`, `float32`. */
  dtype: string;
  shape: number[];
  /** The file it lives in, e.g. `coco2014_captions.h5` (shown in the hover when present). */
  file?: string;
}

export interface ShapeContextParams {
  /**
   * The current sizes: N batch, T timesteps the recurrent layers run (the stored caption length
   * minus one: 16 for COCO's 17-column captions), D image-feature size, H hidden size,
   * W word-vector size, V vocabulary size. A letter left out is shown as a letter.
   */
  sizes: Partial<Record<ShapeLetter, number>>;
  /** The model's cell type, or null when no model is configured. */
  cellType: 'rnn' | 'lstm' | null;
  /** The open dataset's arrays; empty with nothing open. */
  datasetKeys: DatasetKeyInfo[];
}

/**
 * Client → server: the numbers behind the shape letters changed (a dataset was opened or closed,
 * or the model settings changed). Sent after start and on every change; replaces what was there.
 */
export const ShapeContextNotification = {
  method: 'gradientLab/shapeContext',
  type: new NotificationType<ShapeContextParams>('gradientLab/shapeContext'),
} as const;

/** What the server assumes before the first notification: letters alone. */
export const EMPTY_SHAPE_CONTEXT: ShapeContextParams = { sizes: {}, cellType: null, datasetKeys: [] };
