/**
 * First-order update rules, CS231n `optim.py`: every rule is `update(w, dw, config) -> config`.
 * Unlike the numpy original, `w` is updated in place (a training step would otherwise allocate a
 * copy of every parameter) and the per-parameter state (velocity, cache, m, v, t) lives in the
 * returned config, created on first use exactly as `config.setdefault(...)` does.
 */

export type UpdateRule = 'sgd' | 'sgd_momentum' | 'rmsprop' | 'adam';
export const UPDATE_RULES: readonly UpdateRule[] = ['sgd', 'sgd_momentum', 'rmsprop', 'adam'];

export type FloatArray = Float64Array | Float32Array;

export interface SgdConfig {
  rule: 'sgd';
  learningRate: number;
}

export interface SgdMomentumConfig {
  rule: 'sgd_momentum';
  learningRate: number;
  momentum: number;
  /** Moving average of the updates (same size as w). */
  velocity?: Float64Array;
}

export interface RmspropConfig {
  rule: 'rmsprop';
  learningRate: number;
  decayRate: number;
  epsilon: number;
  /** Moving average of squared gradients. */
  cache?: Float64Array;
}

export interface AdamConfig {
  rule: 'adam';
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** First and second moment estimates, and the step count (bias correction). */
  m?: Float64Array;
  v?: Float64Array;
  t: number;
}

export type OptimConfig = SgdConfig | SgdMomentumConfig | RmspropConfig | AdamConfig;

/** Hyperparameters a caller may override; anything left out takes the CS231n default. */
export interface OptimOptions {
  learningRate?: number;
  momentum?: number;
  decayRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export function isUpdateRule(s: string): s is UpdateRule {
  return (UPDATE_RULES as readonly string[]).includes(s);
}

/**
 * A fresh config with CS231n's defaults: sgd lr 1e-2; sgd_momentum lr 1e-2, momentum 0.9;
 * rmsprop lr 1e-2, decay 0.99, eps 1e-8; adam lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-8.
 * Throws a one-line error for an unknown rule or a hyperparameter out of range.
 */
export function defaultConfig(rule: string, o: OptimOptions = {}): OptimConfig {
  if (!isUpdateRule(rule)) throw new Error(`unknown update rule "${rule}": expected one of ${UPDATE_RULES.join(', ')}`);
  const lr = o.learningRate ?? (rule === 'adam' ? 1e-3 : 1e-2);
  if (!(Number.isFinite(lr) && lr > 0)) throw new Error(`learning rate must be a positive number, got ${lr}`);
  const unit = (name: string, x: number): number => {
    if (!(Number.isFinite(x) && x >= 0 && x < 1)) throw new Error(`${name} must be in [0, 1), got ${x}`);
    return x;
  };
  const eps = o.epsilon ?? 1e-8;
  if (!(Number.isFinite(eps) && eps > 0)) throw new Error(`epsilon must be a positive number, got ${eps}`);
  switch (rule) {
    case 'sgd':
      return { rule, learningRate: lr };
    case 'sgd_momentum':
      return { rule, learningRate: lr, momentum: unit('momentum', o.momentum ?? 0.9) };
    case 'rmsprop':
      return { rule, learningRate: lr, decayRate: unit('decay rate', o.decayRate ?? 0.99), epsilon: eps };
    case 'adam':
      return { rule, learningRate: lr, beta1: unit('beta1', o.beta1 ?? 0.9), beta2: unit('beta2', o.beta2 ?? 0.999), epsilon: eps, t: 0 };
  }
}

function state(existing: Float64Array | undefined, n: number, what: string): Float64Array {
  if (existing === undefined) return new Float64Array(n);
  if (existing.length !== n) throw new Error(`optimizer state ${what} has ${existing.length} values but the parameter has ${n}`);
  return existing;
}

/** Vanilla SGD: w -= lr * dw. */
export function sgd(w: FloatArray, dw: FloatArray, config: SgdConfig): SgdConfig {
  const lr = config.learningRate;
  for (let i = 0; i < w.length; i++) w[i] -= lr * dw[i];
  return config;
}

/** SGD with momentum: v = mu * v - lr * dw; w += v. */
export function sgdMomentum(w: FloatArray, dw: FloatArray, config: SgdMomentumConfig): SgdMomentumConfig {
  const v = state(config.velocity, w.length, 'velocity');
  const { learningRate: lr, momentum: mu } = config;
  for (let i = 0; i < w.length; i++) {
    v[i] = mu * v[i] - lr * dw[i];
    w[i] += v[i];
  }
  config.velocity = v;
  return config;
}

/** RMSProp: cache = d * cache + (1 - d) * dw²; w -= lr * dw / (sqrt(cache) + eps). */
export function rmsprop(w: FloatArray, dw: FloatArray, config: RmspropConfig): RmspropConfig {
  const c = state(config.cache, w.length, 'cache');
  const { learningRate: lr, decayRate: d, epsilon: eps } = config;
  for (let i = 0; i < w.length; i++) {
    const g = dw[i];
    c[i] = d * c[i] + (1 - d) * g * g;
    w[i] -= (lr * g) / (Math.sqrt(c[i]) + eps);
  }
  config.cache = c;
  return config;
}

/** Adam with bias correction (t is incremented first, as in CS231n's solution). */
export function adam(w: FloatArray, dw: FloatArray, config: AdamConfig): AdamConfig {
  const m = state(config.m, w.length, 'm');
  const v = state(config.v, w.length, 'v');
  const { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps } = config;
  const t = config.t + 1;
  const c1 = 1 - Math.pow(b1, t);
  const c2 = 1 - Math.pow(b2, t);
  for (let i = 0; i < w.length; i++) {
    const g = dw[i];
    m[i] = b1 * m[i] + (1 - b1) * g;
    v[i] = b2 * v[i] + (1 - b2) * g * g;
    w[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
  }
  config.m = m;
  config.v = v;
  config.t = t;
  return config;
}

/** Applies the rule named by `config.rule`. */
export function update<C extends OptimConfig>(w: FloatArray, dw: FloatArray, config: C): C {
  if (w.length !== dw.length) throw new Error(`update: parameter has ${w.length} values but its gradient ${dw.length}`);
  switch (config.rule) {
    case 'sgd':
      return sgd(w, dw, config) as C;
    case 'sgd_momentum':
      return sgdMomentum(w, dw, config) as C;
    case 'rmsprop':
      return rmsprop(w, dw, config) as C;
    case 'adam':
      return adam(w, dw, config) as C;
  }
}

/** A deep copy (state arrays included), for snapshots and checkpoints. */
export function cloneConfig<C extends OptimConfig>(c: C): C {
  const out = { ...c } as Record<string, unknown>;
  for (const [k, v] of Object.entries(c)) if (v instanceof Float64Array) out[k] = Float64Array.from(v);
  return out as C;
}

/** Names of the state arrays of a rule, in a fixed order (for checkpoints). */
export function stateArrayNames(rule: UpdateRule): readonly ('velocity' | 'cache' | 'm' | 'v')[] {
  switch (rule) {
    case 'sgd':
      return [];
    case 'sgd_momentum':
      return ['velocity'];
    case 'rmsprop':
      return ['cache'];
    case 'adam':
      return ['m', 'v'];
  }
}
