/**
 * The engine's layers as one table. The captioning model calls layers through a table so that
 * explorations can swap in deliberately broken backward passes (the bug catalogue) without the
 * reference code carrying any switch a training run could leave on.
 */
import { affineForward, affineBackward } from './affine';
import { rnnStepForward, rnnStepBackward, rnnForward, rnnBackward } from './rnn';
import { lstmStepForward, lstmStepBackward, lstmForward, lstmBackward } from './lstm';
import { wordEmbeddingForward, wordEmbeddingBackward } from './embedding';
import { temporalAffineForward, temporalAffineBackward, temporalSoftmaxLoss } from './temporal';

export * from './affine';
export * from './rnn';
export * from './lstm';
export * from './embedding';
export * from './temporal';

export const REFERENCE_LAYERS = {
  affineForward,
  affineBackward,
  rnnStepForward,
  rnnStepBackward,
  rnnForward,
  rnnBackward,
  lstmStepForward,
  lstmStepBackward,
  lstmForward,
  lstmBackward,
  wordEmbeddingForward,
  wordEmbeddingBackward,
  temporalAffineForward,
  temporalAffineBackward,
  temporalSoftmaxLoss,
};

export type LayerImpl = typeof REFERENCE_LAYERS;
