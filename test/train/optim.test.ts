import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adam, defaultConfig, rmsprop, sgdMomentum, update, type AdamConfig, type RmspropConfig, type SgdMomentumConfig } from '../../core/optim';

/** numpy.linspace(lo, hi, n) */
const lin = (lo: number, hi: number, n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => (i === n - 1 ? hi : lo + (i * (hi - lo)) / (n - 1)));
const relError = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1e-8, Math.abs(a[i]) + Math.abs(b[i])));
  return m;
};

// The CS231n FullyConnectedNets notebook's inputs (N, D = 4, 5; w, dw, state = np.linspace(...).reshape(N, D));
// expected values computed with numpy from the optim.py formulas.
const N = 20;
describe('update rules match numpy on the CS231n notebook inputs', () => {
  it('sgd_momentum', () => {
    const w = lin(-0.4, 0.6, N);
    const dw = lin(-0.6, 0.4, N);
    const cfg: SgdMomentumConfig = { rule: 'sgd_momentum', learningRate: 1e-3, momentum: 0.9, velocity: lin(0.6, 0.9, N) };
    sgdMomentum(w, dw, cfg);
    const expectedW = [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789, 0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526, 0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263, 1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096];
    const expectedV = [0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158, 0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105, 0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053, 0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096];
    assert.ok(relError(w, expectedW) < 1e-7, `w error ${relError(w, expectedW)}`);
    assert.ok(relError(cfg.velocity!, expectedV) < 1e-7, `velocity error ${relError(cfg.velocity!, expectedV)}`);
  });
  it('rmsprop', () => {
    const w = lin(-0.4, 0.6, N);
    const dw = lin(-0.6, 0.4, N);
    const cfg: RmspropConfig = { rule: 'rmsprop', learningRate: 1e-2, decayRate: 0.99, epsilon: 1e-8, cache: lin(0.6, 0.9, N) };
    rmsprop(w, dw, cfg);
    const expectedW = [-0.3922384948433383, -0.34037513299070765, -0.28849238846687814, -0.23659120821081786, -0.18467247195258382, -0.13273699834703015, -0.08078555043091254, -0.02881884049026984, 0.023162465587694647, 0.07515774441461458, 0.12716641159814304, 0.17918791858913796, 0.2312217498380417, 0.28326742022505713, 0.33532447273333105, 0.3873924763382963, 0.43947102408970146, 0.4915597313657581, 0.5436582342813369, 0.5957661882343064];
    const expectedCache = [0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321, 0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377, 0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936, 0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926];
    assert.ok(relError(w, expectedW) < 1e-7, `w error ${relError(w, expectedW)}`);
    assert.ok(relError(cfg.cache!, expectedCache) < 1e-7);
  });
  it('adam (t = 5 before the step)', () => {
    const w = lin(-0.4, 0.6, N);
    const dw = lin(-0.6, 0.4, N);
    const cfg: AdamConfig = { rule: 'adam', learningRate: 1e-2, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, m: lin(0.6, 0.9, N), v: lin(0.7, 0.5, N), t: 5 };
    adam(w, dw, cfg);
    const expectedW = [-0.40094747166840083, -0.3483618689667189, -0.2957770321333014, -0.24319298836973444, -0.19060976631902593, -0.13802739616704435, -0.08544590975289204, -0.032865340689163525, 0.019714275506843335, 0.07229290126975907, 0.12487049682925762, 0.17744702003811577, 0.2300224261834716, 0.2825966677792994, 0.33516969433784094, 0.3877414521174136, 0.4403118838436444, 0.49288092840074144, 0.5454485204889067, 0.5980145902433942];
    const expectedV = [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853, 0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385, 0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767, 0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966];
    const expectedM = [0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474, 0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316, 0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158, 0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85];
    assert.ok(relError(w, expectedW) < 1e-7, `w error ${relError(w, expectedW)}`);
    assert.ok(relError(cfg.v!, expectedV) < 1e-7);
    assert.ok(relError(cfg.m!, expectedM) < 1e-7);
    assert.equal(cfg.t, 6);
  });
});

describe('optimizer configs', () => {
  it('use the CS231n defaults', () => {
    assert.deepEqual(defaultConfig('sgd'), { rule: 'sgd', learningRate: 1e-2 });
    assert.deepEqual(defaultConfig('sgd_momentum'), { rule: 'sgd_momentum', learningRate: 1e-2, momentum: 0.9 });
    assert.deepEqual(defaultConfig('rmsprop'), { rule: 'rmsprop', learningRate: 1e-2, decayRate: 0.99, epsilon: 1e-8 });
    assert.deepEqual(defaultConfig('adam'), { rule: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, t: 0 });
  });
  it('reject an unknown rule and a non-positive learning rate in one line', () => {
    assert.throws(() => defaultConfig('adamw'), /^Error: unknown update rule "adamw": expected one of sgd, sgd_momentum, rmsprop, adam$/);
    assert.throws(() => defaultConfig('adam', { learningRate: 0 }), /learning rate must be a positive number, got 0/);
    assert.throws(() => defaultConfig('sgd', { learningRate: -1 }), /got -1/);
  });
  it('keep state per parameter and create it on first use', () => {
    const a = defaultConfig('adam');
    const b = defaultConfig('adam');
    const w1 = new Float64Array([1, 2]);
    const w2 = new Float64Array([1, 2, 3]);
    update(w1, new Float64Array([1, 1]), a);
    update(w1, new Float64Array([1, 1]), a);
    update(w2, new Float64Array([1, 1, 1]), b);
    assert.equal((a as AdamConfig).t, 2);
    assert.equal((b as AdamConfig).t, 1);
    assert.equal((b as AdamConfig).m!.length, 3);
    // Adam's first step moves every weight by lr (bias-corrected m/sqrt(v) = 1).
    assert.ok(Math.abs(w2[0] - (1 - 1e-3)) < 1e-10);
    assert.throws(() => update(w2, new Float64Array([1, 1, 1]), a), /optimizer state m has 2 values but the parameter has 3/);
  });
});
