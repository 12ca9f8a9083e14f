/** Public surface of the dataset layer. */
export * from './types';
export type { DataAccess, H5FileHandle, H5DatasetInfo, H5Kind, NumericArray } from './access';
export { openDataset, CAPTIONS_FILE, VOCAB_FILE, SCENES_FILE, featureFile, urlsFile } from './loader';
export { sampleMinibatch, gatherCaptions, type Minibatch } from './sample';
export { decodeCaptions, decodeCaptionWords, captionText, encodeCaption, type DecodeVocab } from './decode';
export { resolveImageRef, classifyImageRef, joinPath, type ImageRef, type ResolvedImage } from './images';
export { parseVocab, vocabJson, NULL_TOKEN, START_TOKEN, END_TOKEN, UNK_TOKEN, type Vocab } from './vocab';
export { correctCaptions, isCorrectCaption, type Scene, type SceneObject } from './shapes/scene';
