/**
 * Public surface of the dataset layer (CS231n `coco_captioning` layout, read through a DataAccess).
 *
 * In Node (CLI, extension host, workers, tests) open with runtime/fsAccess.ts:
 *   const ds = await openDatasetAt('default' | folder, { pcaFeatures: true, maxTrain: 50, seed: 231 });
 *   const mb = sampleMinibatch(ds, 25, 'train', rng);   // captions (B,T) int32, features (B,D) float64
 *   captionText(mb.captions, ds);                       // ['a red circle above a blue square', ...]
 *   resolveImageRef(ds, mb.urls[0] ?? '');              // { kind: 'file', path } or { kind: 'url', url }
 *   ds.close();
 * A bad folder rejects with a DatasetError (`file: dataset: problem`, one line).
 */
export * from './types';
export type { DataAccess, H5FileHandle, H5DatasetInfo, H5Kind, NumericArray } from './access';
export { openDataset, CAPTIONS_FILE, VOCAB_FILE, SCENES_FILE, featureFile, urlsFile } from './loader';
export { sampleMinibatch, gatherCaptions, type Minibatch } from './sample';
export { decodeCaptions, decodeCaptionWords, captionText, encodeCaption, type DecodeVocab } from './decode';
export { resolveImageRef, classifyImageRef, joinPath, type ImageRef, type ResolvedImage } from './images';
export { parseVocab, vocabJson, NULL_TOKEN, START_TOKEN, END_TOKEN, UNK_TOKEN, type Vocab } from './vocab';
export { correctCaptions, isCorrectCaption, type Scene, type SceneObject } from './shapes/scene';
