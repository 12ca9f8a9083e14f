import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WasmEngine } from '../../core/wasm/engine';
import { detectNodeWasmSupport } from '../../runtime/fastEngine';

// f64/f32/i32 only write zeros below the allocator's high-water mark (fresh memory is zero):
// every array they hand out must still read as zeros, whether its block is reused, partly
// reused (straddling the mark) or fresh, and after the memory grew.
detectNodeWasmSupport();

test('zero-filled arrays are zero on reused, straddling, fresh and grown memory', () => {
  const e = new WasmEngine({ initialMiB: 2 });
  const dirty = (a: Float64Array | Float32Array | Int32Array): void => { a.fill(7); };
  const zero = (a: ArrayLike<number>, what: string): void => {
    for (let i = 0; i < a.length; i++) if (a[i] !== 0) assert.fail(`${what}: element ${i} is ${a[i]}`);
  };
  const a = e.f64(1000);
  zero(a, 'fresh');
  dirty(a);
  e.release(a);
  const b = e.f32(2000); // the same block, reused
  zero(b, 'reused');
  dirty(b);
  e.release(b);
  const c = e.i32(5000); // starts on the used block, ends in fresh memory
  zero(c, 'straddling');
  dirty(c);
  const raw = e.alloc(4096); // raw alloc: contents undefined, but it moves the mark
  new Uint8Array(e.memory.buffer, raw, 4096).fill(255);
  e.release(raw);
  const d = e.f64(512);
  zero(d, 'after a raw alloc');
  const big = e.f64(1 << 20); // 8 MiB: the memory grows
  zero(big, 'grown');
  dirty(big);
  e.release(big);
  const again = e.f64(1 << 20);
  zero(again, 'grown, reused');
});
