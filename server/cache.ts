/**
 * Analyses cached per (uri, version): parse once per edit, reuse for every hover of that version.
 * A change of the shape context (new cell type, new dataset) bumps a generation instead of
 * walking the map.
 */

export interface VersionedText {
  readonly uri: string;
  readonly version: number;
  getText(): string;
}

interface Entry<T> {
  readonly version: number;
  readonly generation: number;
  readonly value: T;
}

export class AnalysisCache<D extends VersionedText, T> {
  private readonly entries = new Map<string, Entry<T>>();
  private generation = 0;

  constructor(private readonly compute: (doc: D) => T, private readonly maxEntries = 64) {}

  get(doc: D): T {
    const hit = this.entries.get(doc.uri);
    if (hit && hit.version === doc.version && hit.generation === this.generation) return hit.value;
    const value = this.compute(doc);
    this.entries.delete(doc.uri); // re-insert so the map's order is least recently computed first
    this.entries.set(doc.uri, { version: doc.version, generation: this.generation, value });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return value;
  }

  /** Everything computed so far is stale (the analysis context changed). */
  invalidateAll(): void {
    this.generation++;
  }

  remove(uri: string): void {
    this.entries.delete(uri);
  }

  get size(): number {
    return this.entries.size;
  }
}
