/**
 * The full numerical gradient check of the captioning model on the fast engine: centred differences
 * for every element of every parameter (CS231n eval_numerical_gradient), compared with the analytic
 * gradients by rel_error. Only the loss is evaluated for the perturbed points (no backward pass).
 */
import { relError } from '../gradcheck';
import { PARAM_NAMES, type ModelParams, type ParamName } from '../model';
import type { IntTensor, Tensor } from '../tensor';
import type { FastCaptioningModel } from './model';

export interface FastGradCheckResult {
  analytic: ModelParams;
  numerical: Record<ParamName, Float64Array>;
  relErrors: Record<ParamName, number>;
  worstRelError: number;
  lossEvaluations: number;
}

export function fastGradCheck(model: FastCaptioningModel, features: Tensor, captions: IntTensor, h = 1e-6): FastGradCheckResult {
  const { grads } = model.loss(features, captions);
  const numerical = {} as Record<ParamName, Float64Array>;
  const relErrors = {} as Record<ParamName, number>;
  let worst = 0;
  let evals = 0;
  for (const name of PARAM_NAMES) {
    const x = model.params[name].data;
    const num = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const old = x[i];
      x[i] = old + h;
      const fp = model.lossOnly(features, captions);
      x[i] = old - h;
      const fm = model.lossOnly(features, captions);
      x[i] = old;
      num[i] = (fp - fm) / (2 * h);
      evals += 2;
    }
    numerical[name] = num;
    relErrors[name] = relError(num, grads[name].data);
    worst = Math.max(worst, relErrors[name]);
  }
  return { analytic: grads, numerical, relErrors, worstRelError: worst, lossEvaluations: evals };
}
