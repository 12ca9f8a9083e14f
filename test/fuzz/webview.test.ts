/**
 * Fuzz: messages into every webview and back. parseFromWebview / parseToWebview (what the host
 * and the views run on receipt) must accept a message or throw one line naming the field; a
 * message type named like an Object.prototype member is never dispatched.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFromExplore, parseFromWebview, parseToExplore, parseToWebview, VIEW_KINDS } from '../../protocol/webview';
import { assertOneLine, PROTO_NAMES, Rand, WRONG_VALUES } from './rules';

const TYPES = ['ready', 'viewError', 'export', 'selectParam', 'startTraining', 'stopTraining', 'setReport', 'empty', 'runExplore', 'setExplore', 'pickCaption', 'train', 'config'];

function randomValue(r: Rand, depth = 0): unknown {
  const k = r.int(depth > 2 ? 6 : 9);
  if (k < 5) return r.pick(WRONG_VALUES);
  if (k === 5) return r.pick([...PROTO_NAMES, ...TYPES, '<img src=x onerror=alert(1)>', 'x'.repeat(3000)]);
  if (k === 6) return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = r.int(5); i > 0; i--) Object.defineProperty(o, r.pick([...PROTO_NAMES, 'type', 'payload', 'view', 'message', 'config', 'ref', 'request']), { value: randomValue(r, depth + 1), enumerable: true, writable: true, configurable: true });
  return o;
}

function check(fn: () => unknown, label: string): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof Error, `${label}: threw a non-Error`);
    assert.ok(!(e instanceof TypeError) && !(e instanceof RangeError), `${label}: ${e.name}: ${e.message}`);
    assertOneLine(e.message);
  }
}

describe('fuzz: webview messages', () => {
  it('a message type named like a prototype member is refused by every view, both ways', () => {
    for (const view of VIEW_KINDS) {
      for (const type of PROTO_NAMES) {
        assert.throws(() => parseFromWebview(view, { type }), /type/);
        assert.throws(() => parseToWebview(view, { type }), /type/);
      }
    }
    for (const type of PROTO_NAMES) {
      assert.throws(() => parseFromExplore({ type }), /type/);
      assert.throws(() => parseToExplore({ type }), /type/);
    }
  });
  it('seed 51: 4000 random messages are accepted or refused in one line', () => {
    const r = new Rand(51);
    for (let i = 0; i < 4000; i++) {
      const m = randomValue(r);
      if (r.next() < 0.7 && m !== null && typeof m === 'object' && !Array.isArray(m)) (m as Record<string, unknown>).type = r.pick([...TYPES, ...PROTO_NAMES]);
      const view = r.pick(VIEW_KINDS);
      check(() => parseFromWebview(view, m), `#${i} from ${view}`);
      check(() => parseToWebview(view, m), `#${i} to ${view}`);
      check(() => parseFromExplore(m), `#${i} from explore`);
      check(() => parseToExplore(m), `#${i} to explore`);
    }
  });
});
