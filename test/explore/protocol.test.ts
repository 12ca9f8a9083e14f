// The exploration panel's messages (protocol/webview.ts, additive part): real results pass the
// parsers after a JSON round trip (NaN → null → NaN), bad ones are refused naming the field.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runExplore, type ExploreRequest } from '../../core/explore/index';
import { parseFromExplore, parseToExplore, ProtocolError } from '../../protocol/webview';

const roundTrip = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe('exploration messages', () => {
  const requests: ExploreRequest[] = [
    { name: 'sweep', check: 'rnn_step', param: 'dWh' },
    { name: 'bugs', bug: 'mask-ignored' },
    { name: 'flow' },
    { name: 'sparse', cells: ['lstm'], sizes: { N: 2, T: 3, D: 4, W: 5, H: 6, V: 7 }, directions: 2, perParam: 3 },
  ];
  for (const request of requests) {
    it(`a real ${request.name} result passes parseToExplore after JSON`, () => {
      const result = runExplore(request);
      const m = parseToExplore(roundTrip({ type: 'setExplore', payload: { request, result, title: 't', ms: 1 } }));
      assert.equal(m.type, 'setExplore');
      if (m.type === 'setExplore') assert.equal(m.payload.result.kind, request.name);
    });
  }

  it('refuses mismatched lengths and unknown kinds, naming the path', () => {
    const result = runExplore({ name: 'sweep', check: 'affine', param: 'db' });
    const bad = roundTrip({ type: 'setExplore', payload: { request: { name: 'sweep' }, result, title: 't', ms: 1 } }) as { payload: { result: { sweep: { hs: number[] } } } };
    bad.payload.result.sweep.hs.pop();
    assert.throws(() => parseToExplore(bad), (e: Error) => e instanceof ProtocolError && /payload\.result\.sweep\.curves\[0\]\.relError: 23 errors for 22/.test(e.message));
    assert.throws(() => parseToExplore({ type: 'setExplore', payload: { request: { name: 'sweep' }, result: { kind: 'nope' }, title: 't', ms: 1 } }), /result\.kind: expected/);
    assert.throws(() => parseToExplore({ type: 'exploreBusy' }), /message: expected a string/);
  });

  it('validates what the panel sends', () => {
    assert.deepEqual(parseFromExplore({ type: 'ready', view: 'explore' }), { type: 'ready', view: 'explore' });
    assert.deepEqual(parseFromExplore({ type: 'runExplore', request: { name: 'sweep', check: 'rnn', param: 'dWh', seed: 231 } }), { type: 'runExplore', request: { name: 'sweep', check: 'rnn', param: 'dWh', seed: 231 } });
    assert.throws(() => parseFromExplore({ type: 'runExplore', request: { name: 'rm -rf' } }), /request\.name: expected/);
    assert.throws(() => parseFromExplore({ type: 'export', format: 'png', fileName: '../x.png', data: 'data:image/png;base64,' }), /not a plain file name/);
  });
});
