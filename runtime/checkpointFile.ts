/**
 * Checkpoint files: written atomically (temp file in the same folder, fsync, rename, fsync of the
 * folder), so a kill during a save leaves either the old file or the new one, never a broken one.
 * Loading names the file and what is wrong: unreadable, not a checkpoint, damaged, or not fitting
 * the open dataset.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { checkCompatible, CheckpointError, decodeCheckpoint, encodeCheckpoint, type Checkpoint, type DatasetShape } from '../core/checkpoint/checkpoint';

export { CheckpointError };

/** Writes `bytes` to `file` atomically. */
export function writeFileAtomic(file: string, bytes: Uint8Array): void {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  if (!fs.existsSync(dir)) throw new Error(`cannot save ${abs}: the folder ${dir} does not exist`);
  const tmp = path.join(dir, `.${path.basename(abs)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, abs);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw new Error(`cannot save ${abs}: ${(e as Error).message}`);
  }
  // Make the rename itself durable (not possible on every platform; harmless where it is not).
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    /* directories cannot be fsynced on Windows */
  }
}

/** Saves a checkpoint as .npz (atomic). */
export function saveCheckpoint(file: string, c: Checkpoint): void {
  writeFileAtomic(file, encodeCheckpoint({ ...c, config: { ...c.config, savedAt: c.config.savedAt ?? new Date().toISOString() } }));
}

/**
 * Loads a checkpoint; with `dataset`, also checks that its vocabulary and feature size fit.
 * Every error is a CheckpointError whose message starts with the file name.
 */
export function loadCheckpoint(file: string, dataset?: DatasetShape): Checkpoint {
  const abs = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(`${abs}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a checkpoint file' : (e as Error).message}`);
  }
  try {
    const c = decodeCheckpoint(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), (d) => inflateRawSync(d));
    if (dataset) checkCompatible(c, dataset);
    return c;
  } catch (e) {
    if (e instanceof CheckpointError) throw new CheckpointError(`${abs}: ${e.message}`);
    throw new CheckpointError(`${abs}: ${(e as Error).message}`);
  }
}
