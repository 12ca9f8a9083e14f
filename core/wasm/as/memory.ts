// AssemblyScript: memory helpers of the engine (core/wasm/engine.ts).

/** Zeroes n bytes at p (bulk memory.fill: a typed array's fill on shared memory runs byte by byte). */
export function zero_bytes(p: usize, n: usize): void {
  memory.fill(p, 0, n);
}
