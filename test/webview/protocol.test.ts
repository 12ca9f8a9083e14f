import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseFromWebview, parseToWebview, ProtocolError } from '../../protocol/webview';
import { sampleReport, sampleHidden, sampleGradFlow, sampleTraining } from './fixtures/data';

describe('protocol/webview validators', () => {
  it('accepts every fixture payload and round-trips it through JSON', () => {
    const report = parseToWebview('report', JSON.parse(JSON.stringify({ type: 'setReport', payload: sampleReport() })));
    assert.equal(report.type, 'setReport');
    const hidden = parseToWebview('hidden', { type: 'setHidden', payload: sampleHidden('lstm', 6, 8) });
    assert.equal(hidden.type, 'setHidden');
    const flow = parseToWebview('gradflow', { type: 'setGradFlow', payload: sampleGradFlow(7) });
    assert.equal(flow.type, 'setGradFlow');
    const tr = parseToWebview('training', { type: 'setTraining', state: sampleTraining(50) });
    assert.equal(tr.type, 'setTraining');
  });

  it('keeps the kind of per-timestep errors (loss steps of a weight), and refuses an unknown kind', () => {
    const p = sampleReport();
    const w = p.report.layers[0].params[0];
    w.perTimestep = [1e-9, 0.5];
    w.perTimestepKind = 'loss-step';
    const m = parseToWebview('report', JSON.parse(JSON.stringify({ type: 'setReport', payload: p })));
    assert.ok(m.type === 'setReport');
    assert.equal(m.payload.report.layers[0].params[0].perTimestepKind, 'loss-step');
    assert.deepEqual(m.payload.report.layers[0].params[0].perTimestep, [1e-9, 0.5]);
    (w as { perTimestepKind: string }).perTimestepKind = 'steps';
    assert.throws(() => parseToWebview('report', { type: 'setReport', payload: p }), /perTimestepKind: expected "axis" \| "loss-step"/);
  });

  it('turns JSON null (NaN after serialisation) back into NaN', () => {
    const p = sampleReport();
    p.report.layers[0].params[0].errors[0] = NaN;
    p.report.layers[0].params[0].relError = NaN;
    const m = parseToWebview('report', JSON.parse(JSON.stringify({ type: 'setReport', payload: p })));
    assert.ok(m.type === 'setReport');
    assert.ok(Number.isNaN(m.payload.report.layers[0].params[0].errors[0]));
    assert.ok(Number.isNaN(m.payload.report.layers[0].params[0].relError));
  });

  it('names the bad field', () => {
    assert.throws(() => parseToWebview('report', { type: 'setReport', payload: { report: 3 } }), (e: unknown) => e instanceof ProtocolError && /message to report\.payload\.report: expected an object/.test(e.message));
    const p = sampleReport();
    p.report.layers[0].params[0].errors.pop();
    assert.throws(() => parseToWebview('report', { type: 'setReport', payload: p }), /params\[0\]\.errors: \d+ values for shape/);
    assert.throws(() => parseToWebview('hidden', { type: 'setReport' }), /message to hidden\.type: expected "empty" \| "setHidden"/);
    const h = sampleHidden('rnn', 4, 3);
    h.words.pop();
    assert.throws(() => parseToWebview('hidden', { type: 'setHidden', payload: h }), /3 words for 4 timesteps/);
    assert.throws(() => parseFromWebview('training', { type: 'startTraining', config: { ...sampleTraining(0).config, batchSize: 0 } }), /config\.batchSize: expected an integer > 0, got number 0/);
  });

  it('checks messages from views, including export file names', () => {
    assert.deepEqual(parseFromWebview('captions', { type: 'ready', view: 'captions', extra: 1 }), { type: 'ready', view: 'captions' });
    assert.throws(() => parseFromWebview('report', { type: 'export', format: 'json', fileName: '../../etc/passwd', data: '{}' }), /not a plain file name/);
    assert.throws(() => parseFromWebview('report', { type: 'export', format: 'png', fileName: 'a.png', data: 'hello' }), /data:image\/png/);
    assert.throws(() => parseFromWebview('captions', { type: 'startTraining' }), /expected "ready" \| "viewError" \| "resample"/);
  });
});
