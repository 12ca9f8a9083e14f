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
  it('a "__proto__" key inside a record field stays a key and does not change the prototype', () => {
    // JSON.parse makes "__proto__" an own key, as a message from a webview does.
    const values = JSON.parse('{"__proto__": 1.5, "constructor": 2, "toString": 3, "eps": 4}') as Record<string, unknown>;
    const line = { id: 'a', title: 't', status: 'pass', detail: '', values, ms: 1 };
    const result = { kind: 'sanity', dataset: 'toy', reports: [{ dataset: 'toy', cell: 'rnn', lines: [line], passed: true }], passed: true };
    const msg = { type: 'setExplore', payload: { request: { name: 'sanity' }, result, title: 'Sanity', ms: 1 } };
    const parsed = parseToExplore(msg) as unknown as { payload: { result: { reports: { lines: { values: Record<string, number> }[] }[] } } };
    const out = parsed.payload.result.reports[0].lines[0].values;
    assert.equal(Object.getPrototypeOf(out), Object.prototype, 'the record keeps the plain prototype');
    assert.ok(Object.hasOwn(out, '__proto__'), '"__proto__" is an own key');
    assert.deepEqual(Object.keys(out), ['__proto__', 'constructor', 'toString', 'eps']);
    assert.equal(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, 1.5);
    assert.equal(out.constructor as unknown, 2);
    // A non-number under "__proto__" is refused, naming the field.
    const bad = JSON.parse('{"__proto__": {"polluted": 1}}') as unknown;
    line.values = bad as Record<string, unknown>;
    assert.throws(() => parseToExplore(msg), (e: Error) => /values\.__proto__/.test(e.message) && !(e instanceof TypeError));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
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
