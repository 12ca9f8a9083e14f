/**
 * Compares what the user's Python returned with the engine, and with numerical gradients of the
 * user's own forward, and says where they differ: per tensor the engine's ParamCheck (worst
 * element, per-element errors, per-timestep errors), plus what only a Python check can add
 * (wrong return shapes by name, LSTM gate order, embedding rows that lost their accumulation).
 */
import { classify, compareGradients, DEFAULT_THRESHOLDS, relError, worstVerdict, type ParamCheck, type Thresholds, type Verdict } from '../../core/gradcheck';
import { fmtShape, type IntTensor, type Tensor } from '../../core/tensor';
import type { CheckCase } from './cases';
import { fromExFloat } from './exchange';
import { fmtE, fmtIndex, fmtV, isRight, listNames, timestepRuns } from './format';
import { engineLayer, engineLoss, engineModelLoss, engineSample, GATE_NAMES, gatePermutations, permuteGates } from './oracle';
import type { DriverCaseResult, PyError } from './runner';
import { explainSample, explainSampleError } from './sampling';
import { explainLoss, explainLossError } from './lossMistakes';
import type { FunctionSpec } from './specs';

export interface PyParamCheck extends ParamCheck {
  /** What the user's tensor was compared with. */
  against: 'engine' | 'numeric';
  /** Where perTimestep comes from: the tensor's own time axis, or the upstream kept at one timestep. */
  timestepsFrom?: 'axis' | 'upstream';
  /** A sentence that explains the error better than numbers (gate order, lost accumulation). */
  note?: string;
  /** The user's tensor was float32 (or float16): compared with a tolerance for its rounding. */
  lowPrecision?: string;
}

export interface CaseResult {
  id: string;
  label: string;
  sizes: Record<string, number>;
  /** 'error': the user's code raised or returned something unusable. */
  verdict: Verdict | 'error';
  /** The user's results against the engine: outputs of a forward, gradients of a backward. */
  checks: PyParamCheck[];
  /** Backward / loss: the user's gradients against numerical gradients of the user's own forward. */
  numeric: PyParamCheck[];
  /** Backward: the user's forward (called for the cache) against the engine's forward. */
  forward: PyParamCheck[];
  /** Results that could not be compared (missing, wrong shape), said in one line each. */
  problems: string[];
  notes: string[];
  error?: PyError;
  stdout?: string;
  ms: number;
  /** Things that work but are fragile (in-place changes of inputs, float32 results): never a failure. */
  hints?: string[];
  /** An error that is `raise NotImplementedError` (or the starter's None): unfinished, not wrong. */
  notImplemented?: boolean;
  /** model_loss: the classic mistake whose results equal the user's exactly, in a sentence. */
  mistake?: string;
  /** The thresholds the verdicts were classified with (CS231n's unless the user changed them). */
  thresholds: Thresholds;
}

function squeezeEq(a: readonly number[], b: readonly number[]): boolean {
  const s = (x: readonly number[]): number[] => x.filter((d) => d !== 1);
  const sa = s(a);
  const sb = s(b);
  return sa.length === sb.length && sa.every((d, i) => d === sb[i]);
}

/** Compares one named tensor; a wrong shape becomes a problem line instead. */
function compareNamed(
  name: string, user: unknown, ref: Tensor, against: 'engine' | 'numeric', problems: string[], timeAxis: number | undefined, t: Thresholds,
  /** The case's code returned float32 somewhere: rounding from it reaches every result. */
  caseLow?: string,
): PyParamCheck | undefined {
  if (user === undefined) {
    problems.push(`${name} is missing`);
    return undefined;
  }
  const u = fromExFloat(user, name);
  if (u.data.length !== ref.data.length || !squeezeEq(u.shape, ref.shape)) {
    problems.push(`${name} has shape ${fmtShape(u.shape)}, expected ${fmtShape(ref.shape)}`);
    return undefined;
  }
  const ax = timeAxis !== undefined && ref.shape.length === 3 ? timeAxis : undefined;
  const pc = compareGradients(name, { shape: ref.shape, data: u.data }, ref, { timeAxis: ax, thresholds: t });
  const out: PyParamCheck = { ...pc, against };
  if (ax !== undefined) out.timestepsFrom = 'axis';
  const own = (user as { from?: unknown }).from;
  const from = typeof own === 'string' ? own : caseLow;
  if (typeof own === 'string') out.lowPrecision = own;
  if (from !== undefined) {
    // The notebook's verdict on float32 code: its rounding (relative to the tensor's size) is not a bug.
    if (!isRight(out.verdict) && withinRounding(u.data, ref.data, from === 'float16' ? 5e-3 : 1e-4)) {
      out.verdict = 'ok';
      out.note = `${from} rounding (within ${from === 'float16' ? '5e-3' : '1e-4'} of the largest value)`;
    }
  }
  return out;
}

/** max |u - r| within `tol` times the tensor's largest |r| (and not NaN): the rounding of a narrower float. */
function withinRounding(u: ArrayLike<number>, r: ArrayLike<number>, tol: number): boolean {
  let scale = 0;
  for (let i = 0; i < r.length; i++) scale = Math.max(scale, Math.abs(r[i]));
  let err = 0;
  for (let i = 0; i < r.length; i++) {
    const d = Math.abs(u[i] - r[i]);
    if (!(d <= err)) err = d; // NaN stays
  }
  return err <= tol * Math.max(scale, 1e-12);
}

const bad = (p: PyParamCheck): boolean => !isRight(p.verdict);

/** One line about one tensor: "dWh: relative error 3.1e-02, worst at [2, 1] (yours …, expected …), timesteps 0-2 wrong, 3-9 right". */
export function describe(p: PyParamCheck, expectedWord = 'expected', t: Thresholds = DEFAULT_THRESHOLDS): string {
  const parts = [`${p.name}: relative error ${fmtE(p.relError)}`];
  if (p.shape.length > 0) parts.push(`worst at ${fmtIndex(p.worst.index)} (yours ${fmtV(p.worst.analytic)}, ${expectedWord} ${fmtV(p.worst.numeric)})`);
  else parts.push(`yours ${fmtV(p.worst.analytic)}, ${expectedWord} ${fmtV(p.worst.numeric)}`);
  if (p.perTimestep && p.perTimestep.length > 1) {
    const runs = timestepRuns(p.perTimestep, t);
    parts.push(p.timestepsFrom === 'upstream' ? `${runs} (upstream gradient at one timestep at a time)` : runs);
  }
  let s = parts.join(', ');
  if (p.note) s += `; ${p.note}`;
  return s;
}

function gateOrder(perm: readonly number[]): string {
  // perm[k]: the block the user's gate k is read from.
  return [0, 1, 2, 3].map((j) => GATE_NAMES[perm.indexOf(j)]).join(', ');
}

/** LSTM: does the user's forward equal the engine's with the gate blocks in another order? */
function detectGateOrder(c: CheckCase, spec: FunctionSpec, userOut: Record<string, unknown>): string | undefined {
  const o = spec.op!;
  const names = o.outputs;
  const users = names.map((n) => (userOut[n] === undefined ? undefined : fromExFloat(userOut[n], n)));
  if (users.some((u) => !u)) return undefined;
  for (const perm of gatePermutations().slice(1)) {
    const inputs = Object.fromEntries(c.inputs.map(([k, v]) => [k, ['Wx', 'Wh', 'b'].includes(k) ? { kind: 'float' as const, t: permuteGates(v.t as Tensor, perm) } : v]));
    const ref = engineLayer(o.op, inputs).outputs;
    if (names.every((n, i) => users[i]!.data.length === ref[n].data.length && relError(users[i]!.data, ref[n].data) < 1e-7)) {
      return `your gates are read in the order ${gateOrder(perm)} (blocks of H columns of Wx, Wh and b); CS231n's order is i, f, o, g`;
    }
  }
  return undefined;
}

/** LSTM weight gradients whose gate blocks are stacked in another order. */
function detectGradBlocks(user: Tensor, ref: Tensor): string | undefined {
  if (user.data.length !== ref.data.length || ref.shape[ref.shape.length - 1] % 4 !== 0) return undefined;
  for (const q of gatePermutations().slice(1)) {
    if (relError(user.data, permuteGates(ref, q).data) < 1e-7) {
      return `its gate blocks are stacked as ${q.map((k) => GATE_NAMES[k]).join(', ')}; expected i, f, o, g`;
    }
  }
  return undefined;
}

/** word_embedding_backward: rows that are wrong, and whether they are the repeated words. */
function embeddingRows(p: PyParamCheck, x: IntTensor, t: Thresholds): string | undefined {
  const [v, d] = p.shape;
  const wrongRows: number[] = [];
  for (let r = 0; r < v; r++) {
    let m = 0;
    for (let j = 0; j < d; j++) m = Math.max(m, p.errors[r * d + j]);
    if (!isRight(classify(m, t))) wrongRows.push(r);
  }
  if (wrongRows.length === 0) return undefined;
  const count = new Array<number>(v).fill(0);
  for (const i of x.data) if (i >= 0 && i < v) count[i]++;
  const repeated = wrongRows.every((r) => count[r] > 1);
  const rows = `row${wrongRows.length > 1 ? 's' : ''} ${wrongRows.join(', ')} wrong`;
  return repeated ? `${rows}: words that occur more than once in x; accumulate their gradients (np.add.at), don't assign` : rows;
}

/** Unfinished rather than wrong: `raise NotImplementedError`, or None where a result belongs. */
export function isNotImplemented(e: PyError): boolean {
  return e.type === 'NotImplementedError' || (e.type === 'ReturnError' && /not implemented yet\?/.test(e.message));
}

function errorCase(c: CheckCase, r: DriverCaseResult | undefined, thresholds: Thresholds): CaseResult | undefined {
  if (r && r.ok) return undefined;
  const error: PyError = r?.error ?? { phase: 'call', type: 'NoResult', message: 'the driver returned no result for this case', frames: [], traceback: '' };
  const notes: string[] = [];
  if (c.model?.maxLength !== undefined) {
    const why = explainSampleError(c.model, error.message);
    if (why) notes.push(why);
  }
  if (error.type === 'NameError' && /'xrange'/.test(error.message)) notes.push('xrange is Python 2: write range');
  if (c.model?.captions) {
    const why = explainLossError(c.model, error.frames);
    if (why) notes.push(why);
  }
  return {
    id: c.id, label: c.label, sizes: c.sizes, verdict: 'error', checks: [], numeric: [], forward: [], problems: [], notes, error, stdout: r?.stdout, ms: r?.ms ?? 0, thresholds,
    notImplemented: isNotImplemented(error) || undefined,
  };
}

/** Hints the driver sent for this case. */
function caseHints(r: DriverCaseResult): string[] | undefined {
  const out = (r.hints ?? []).map((h) => h.message);
  return out.length > 0 ? out : undefined;
}

/** One sentence for the float32 results of a function's cases: who returned what. */
export function lowPrecisionHint(results: readonly CaseResult[], who: string, forwardName?: string): string | undefined {
  const names = new Map<string, string[]>();
  let kind = '';
  for (const r of results) {
    for (const [arr, fn] of [[r.checks, who], [r.forward, forwardName ?? who]] as const) {
      for (const p of arr) {
        if (!p.lowPrecision) continue;
        kind ||= p.lowPrecision;
        const l = names.get(fn) ?? [];
        if (!l.includes(p.name)) l.push(p.name);
        names.set(fn, l);
      }
    }
  }
  if (names.size === 0) return undefined;
  const what = [...names].map(([fn, ns]) => `${fn === who ? who : `your ${fn}`} returns ${listNames(ns)} as ${kind}`).join(' and ');
  return `${what}: the notebook's checks run in float64, where ${kind} rounding reads as relative errors of 1e-7 and up (more on small entries); it is not a bug, so it is compared here with a tolerance for that rounding. Keep float64 (or the input's dtype) to compare exactly`;
}

function finish(c: CheckCase, r: DriverCaseResult, parts: Omit<CaseResult, 'id' | 'label' | 'sizes' | 'verdict' | 'ms' | 'stdout' | 'thresholds'>, thresholds: Thresholds, who = ''): CaseResult {
  // Numerical gradients of a float32 forward are its rounding divided by h: they tell nothing.
  const low = [r.outputs, r.forward_outputs].some((o) => Object.values(o ?? {}).some((v) => typeof (v as { from?: unknown }).from === 'string'));
  if (low) {
    for (const p of parts.numeric) {
      if (!isRight(p.verdict)) {
        p.verdict = 'ok';
        p.note = 'not compared: numerical gradients of a float32 function are its rounding divided by h';
      }
    }
  }
  const vs = [...parts.checks, ...parts.numeric].map((p) => p.verdict);
  if (parts.problems.length > 0) vs.push('wrong');
  void who;
  const hints = caseHints(r);
  return { id: c.id, label: c.label, sizes: c.sizes, verdict: worstVerdict(vs), ms: r.ms, stdout: r.stdout, ...parts, thresholds, ...(hints ? { hints } : {}) };
}

/** Compares one case of one function. */
export function compareCase(spec: FunctionSpec, c: CheckCase, r: DriverCaseResult | undefined, t: Thresholds = DEFAULT_THRESHOLDS, who: string = spec.name, src?: readonly { line: number; text: string }[]): CaseResult {
  const err = errorCase(c, r, t);
  if (err || !r) return err!;
  const problems: string[] = [];
  const notes: string[] = [];
  const checks: PyParamCheck[] = [];
  const numeric: PyParamCheck[] = [];
  const forward: PyParamCheck[] = [];
  const outs = r.outputs ?? {};
  const lowOf = (o: Record<string, unknown> | undefined): string | undefined =>
    Object.values(o ?? {}).map((v) => (v as { from?: unknown }).from).find((x): x is string => typeof x === 'string');
  const low = lowOf(outs) ?? lowOf(r.forward_outputs);
  const cmpN = (...a: Parameters<typeof compareNamed>): PyParamCheck | undefined => compareNamed(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[3] === 'engine' ? low : undefined);
  const push = (arr: PyParamCheck[], p: PyParamCheck | undefined): void => {
    if (p) arr.push(p);
  };

  if (spec.kind === 'forward' || spec.kind === 'backward') {
    const o = spec.op!;
    const inputs = Object.fromEntries(c.inputs);
    const eng = engineLayer(o.op, inputs);
    const timeAxis = o.sequence ? 1 : undefined;
    const fwdUser = spec.kind === 'forward' ? outs : r.forward_outputs ?? {};
    const fwdInto = spec.kind === 'forward' ? checks : forward;
    for (const n of o.outputs) push(fwdInto, cmpN(n, fwdUser[n], eng.outputs[n], 'engine', spec.kind === 'forward' ? problems : [], timeAxis, t));
    if (o.gates && fwdInto.some(bad)) {
      const g = detectGateOrder(c, spec, fwdUser);
      if (g) notes.push(g);
    }
    if (spec.kind === 'backward') {
      const douts = (c.douts ?? []).map(([, t]) => t);
      const ref = eng.backward(douts);
      const masked = r.masked;
      const refMasked = masked && c.maskAxis !== undefined
        ? douts[0].shape[c.maskAxis] === masked.length
          ? masked.map((_, t) => engineLayer(o.op, inputs).backward(douts.map((d, k) => (k === 0 ? keepStep(d, c.maskAxis!, t) : { shape: d.shape, data: new Float64Array(d.data.length) }))))
          : undefined
        : undefined;
      for (const g of o.grads) {
        const p = cmpN(g, outs[g], ref[g], 'engine', problems, timeAxis, t);
        if (!p) continue;
        if (!p.perTimestep && masked && refMasked) {
          const per: number[] = [];
          for (let t = 0; t < masked.length; t++) {
            const mu = masked[t][g];
            const u = mu === undefined ? undefined : fromExFloat(mu, g);
            per.push(u && u.data.length === refMasked[t][g].data.length ? relError(u.data, refMasked[t][g].data) : NaN);
          }
          p.perTimestep = per;
          p.timestepsFrom = 'upstream';
        }
        if (bad(p) && o.gates && ['dWx', 'dWh', 'db'].includes(g)) {
          const note = detectGradBlocks(fromExFloat(outs[g], g), ref[g]);
          if (note) p.note = note;
        }
        if (bad(p) && o.op === 'word_embedding' && g === 'dW') {
          const note = embeddingRows(p, inputs.x.t as IntTensor, t);
          if (note) p.note = note;
        }
        checks.push(p);
        const wrt = o.gradOf[g];
        const num = wrt ? r.numeric?.[wrt] : undefined;
        if (num !== undefined) push(numeric, cmpN(g, outs[g], fromExFloat(num, `numeric ${wrt}`), 'numeric', [], timeAxis, t));
      }
      if (problems.length > 0 || checks.some(bad)) {
        const order = returnOrder(o.grads, outs, ref);
        if (order) notes.unshift(order);
      }
    }
    return finish(c, r, { checks, numeric, forward, problems, notes }, t, who);
  }

  if (spec.kind === 'loss') {
    const ref = engineLoss(c);
    const loss = cmpN('loss', outs.loss, ref.loss, 'engine', problems, undefined, t);
    if (loss) {
      checks.push(loss);
      if (bad(loss)) {
        const mask = Object.fromEntries(c.inputs).mask.t;
        let kept = 0;
        for (const m of mask.data) kept += m;
        const N = c.sizes.N;
        const ratio = loss.worst.analytic / loss.worst.numeric;
        if (kept > 0 && Math.abs(ratio - N / kept) < 1e-6 * (N / kept)) {
          loss.note = `yours is the engine's × N / (unmasked positions) = × ${N}/${kept}: divide the summed loss by N, not by the number of unmasked positions`;
        }
      }
    }
    push(checks, cmpN('dx', outs.dx, ref.dx, 'engine', problems, 1, t));
    const num = r.numeric?.x;
    if (num !== undefined) push(numeric, cmpN('dx', outs.dx, fromExFloat(num, 'numeric x'), 'numeric', [], 1, t));
    return finish(c, r, { checks, numeric, forward, problems, notes }, t, who);
  }

  const m = c.model!;
  if (spec.kind === 'model_loss') {
    const ref = engineModelLoss(m);
    for (const [k, want] of Object.entries(ref)) {
      const p = cmpN(k, outs[k], want, 'engine', problems, undefined, t);
      if (!p) continue;
      checks.push(p);
      const num = r.numeric?.[k];
      if (num !== undefined) push(numeric, cmpN(k, outs[k], fromExFloat(num, `numeric ${k}`), 'numeric', [], undefined, t));
    }
    let mistake: string | undefined;
    if (problems.length === 0 && checks.some(bad)) {
      try {
        const user = Object.fromEntries(Object.keys(ref).map((k) => [k, fromExFloat(outs[k], k)]));
        mistake = explainLoss(m, user, src);
      } catch {
        mistake = undefined; // a result that is not a float tensor: the checks already say so
      }
    }
    return { ...finish(c, r, { checks, numeric, forward, problems, notes }, t, who), ...(mistake ? { mistake } : {}) };
  }

  // model_sample: word indices must agree exactly.
  const ref = engineSample(m);
  const refF: Tensor = { shape: ref.shape, data: Float64Array.from(ref.data) };
  const p = cmpN('captions', outs.captions, refF, 'engine', problems, undefined, t);
  if (p) {
    checks.push(p);
    if (bad(p)) {
      const u = fromExFloat(outs.captions, 'captions');
      const [n, L] = ref.shape;
      const rows = Array.from({ length: n }, (_, i) => Array.from(ref.data.subarray(i * L, (i + 1) * L)));
      p.note = explainSample(m, u, rows) ?? `captions differ at ${fmtIndex(p.worst.index)}: yours ${p.worst.analytic}, expected ${p.worst.numeric}`;
    }
  }
  return finish(c, r, { checks, numeric, forward, problems, notes }, t, who);
}

/** Results that are all right but returned in another order: "you return dx, dWx, dprev_h, …". */
function returnOrder(names: readonly string[], outs: Record<string, unknown>, ref: Record<string, Tensor>): string | undefined {
  const users = names.map((n) => (outs[n] === undefined ? undefined : fromExFloat(outs[n], n)));
  const used = new Set<number>();
  const order: string[] = [];
  for (const u of users) {
    if (!u) return undefined;
    const k = names.findIndex((n, j) => !used.has(j) && ref[n].data.length === u.data.length && relError(u.data, ref[n].data) < 1e-7);
    if (k < 0) return undefined;
    used.add(k);
    order.push(names[k]);
  }
  if (order.every((n, i) => n === names[i])) return undefined;
  return `your results are right but in the order ${order.join(', ')}; CS231n's order is ${names.join(', ')}`;
}

function keepStep(d: Tensor, axis: number, t: number): Tensor {
  const out = new Float64Array(d.data.length);
  const inner = d.shape.slice(axis + 1).reduce((p, x) => p * x, 1);
  const steps = d.shape[axis];
  for (let i = 0; i < d.data.length; i++) if (Math.floor(i / inner) % steps === t) out[i] = d.data[i];
  return { shape: d.shape, data: out };
}

/** Sentences for one case: what is wrong, the way a diagnostic says it. */
export function caseLines(spec: FunctionSpec, cr: CaseResult, who: string = spec.name): { status: 'pass' | 'warn' | 'fail' | 'error'; summary: string; details: string[] } {
  if (cr.error) {
    const e = cr.error;
    const where = e.frames.length > 0 ? ` (line ${e.frames[e.frames.length - 1].line})` : '';
    let summary = e.type === 'ReturnError' ? e.message : `${phaseWho(spec, e.phase, who)} raised ${e.type}: ${e.message}${where}`;
    if (cr.notes.length > 0) summary += `: ${cr.notes[0]}`;
    return { status: 'error', summary, details: cr.notes.slice(1) };
  }
  const details: string[] = [...cr.problems, ...cr.notes];
  const wrong = cr.checks.filter(bad);
  const fwdWrong = cr.forward.filter(bad);
  const fwdName = spec.op?.forward;
  for (const p of wrong) details.push(describe(p, 'expected', cr.thresholds));
  if (spec.kind === 'backward' || spec.kind === 'loss' || spec.kind === 'model_loss') {
    const numWrong = cr.numeric.filter(bad);
    const own = spec.kind === 'backward' ? `your ${fwdName}` : spec.kind === 'loss' ? 'your loss' : 'your loss()';
    // The numerical gradient only adds news where it disagrees with the engine's verdict.
    const contradict = numWrong.filter((p) => !wrong.some((q) => q.name === p.name));
    for (const p of contradict) details.push(`against the numerical gradient of ${own}: ${describe(p, 'numerical', cr.thresholds)}`);
    if (wrong.length > 0 && fwdWrong.length === 0 && wrong.every((p) => numWrong.some((q) => q.name === p.name))) {
      details.push(`the numerical gradient of ${own} agrees with the engine: the mistake is in ${who}`);
    }
    for (const p of fwdWrong) details.push(`your ${fwdName}: ${describe(p, 'expected', cr.thresholds)}`);
    if (wrong.length === 0 && cr.problems.length === 0) {
      if (fwdWrong.length > 0) {
        return { status: 'warn', summary: `${who}: gradients right, but your ${fwdName} differs from the engine (${describe(fwdWrong[0], 'expected', cr.thresholds)})`, details };
      }
      if (numWrong.length > 0) {
        return { status: 'warn', summary: `${who}: gradients match the engine but not the numerical gradient of ${own} (${describe(numWrong[0], 'numerical', cr.thresholds)})`, details };
      }
    } else if (wrong.length > 0 && fwdWrong.length > 0 && wrong.every((p) => !cr.numeric.some((q) => q.name === p.name && bad(q)))) {
      const lead = cr.notes[0] ?? describe(fwdWrong[0], 'expected', cr.thresholds);
      return {
        status: 'fail',
        summary: `${who}: your gradients match the numerical gradient of your ${fwdName}, but ${fwdName} itself is wrong (${lead}): fix ${fwdName} first`,
        details,
      };
    }
  }
  if (wrong.length === 0 && cr.problems.length === 0) return { status: 'pass', summary: `${who}: right`, details };
  const verdict = worstVerdict(wrong.map((p) => p.verdict));
  const status = cr.problems.length > 0 || verdict === 'wrong' ? 'fail' : 'warn';
  const order = cr.notes.find((n) => n.startsWith('your results are right but in the order'));
  if (order) return { status: 'fail', summary: `${who}: ${order}`, details };
  if (cr.problems.length > 0) return { status, summary: `${who}: ${cr.problems[0]}`, details };
  if (spec.kind === 'model_sample' && wrong[0].note) return { status, summary: `${who}: ${wrong[0].note}`, details };
  if (spec.kind === 'model_loss' && cr.mistake) return { status, summary: `${who}: ${cr.mistake}`, details };
  if (wrong.length === 1 && cr.notes.length === 0) return { status, summary: describe(wrong[0], 'expected', cr.thresholds), details };
  const total = cr.checks.length;
  const noun = spec.kind === 'backward' || spec.kind === 'model_loss' ? 'gradients' : 'outputs';
  const head = `${wrong.length} of ${total} ${noun} wrong: ${listNames(wrong.map((p) => p.name))}`;
  return { status, summary: cr.notes.length > 0 ? `${head}; ${cr.notes[0]}` : `${head}; ${describe(wrong[0], 'expected', cr.thresholds)}`, details };
}

function phaseWho(spec: FunctionSpec, phase: string, who: string): string {
  if (phase === 'forward') return `${spec.op?.forward ?? 'the forward'} (called for the cache)`;
  if (phase === 'construct') return 'the model constructor';
  if (phase === 'import') return 'importing the file';
  if (phase === 'numeric') return `${spec.op?.forward ?? spec.name} (during the numerical gradient)`;
  return who;
}
