/**
 * The optimizers of src/train/optimizers/ as ONNX nodes, one update per
 * parameter. Step-dependent scalars (learning rate, Adam's bias corrections,
 * AdamW's decay factor) are fed in each step, so schedules stay in TypeScript
 * and the graph matches the TypeScript step's formulas:
 *
 *   sgd       W' = W − lr·(g + wd·W)
 *   momentum  v' = μv + (g + wd·W);  W' = W − lr·v'   (Nesterov: W − lr·(g + wd·W + μv'))
 *   adam(w)   m' = β1 m + (1−β1)g;  v' = β2 v + (1−β2)g²;  W' = W·scale − stepSize·m' / (√v'/√bc2 + ε)
 */
import type { OptimizerName, OptimizerOptions } from '../train/optimizers/index.js';
import type { GraphEmitter } from './emit.js';

export interface OptimizerHyper {
  weightDecay: number;
  momentum: number;
  nesterov: boolean;
  beta1: number;
  beta2: number;
  eps: number;
}

/** Names of the per-step scalar inputs a parameter's update reads. */
export const stepInputs = (param: string) => ({
  lr: `edgetune.lr/${param}`,
  stepSize: `edgetune.step_size/${param}`,
  invSqrtBc2: `edgetune.inv_sqrt_bc2/${param}`,
  scale: `edgetune.scale/${param}`,
});

/** The optimizer slots of each kind, in the TypeScript optimizers' names. */
export const slotNames: Record<OptimizerName, string[]> = { sgd: [], momentum: ['velocity'], adam: ['m', 'v'], adamw: ['m', 'v'] };

/** Emit one parameter's update; returns the names of the new weight and new slots. */
export function emitUpdate(
  e: GraphEmitter, kind: OptimizerName, h: OptimizerHyper, w: string, g: string, slots: Record<string, string>, param: string,
): { weight: string; slots: Record<string, string> } {
  const op = (o: string, i: string[]) => e.add(o, i)[0]!;
  const c = (v: number) => e.floats([v], []);
  const inp = stepInputs(param);
  const gradDecay = kind === 'adamw' ? 0 : h.weightDecay;
  const gd = gradDecay === 0 ? g : op('Add', [g, op('Mul', [w, c(gradDecay)])]);
  if (kind === 'sgd') return { weight: op('Sub', [w, op('Mul', [gd, inp.lr])]), slots: {} };
  if (kind === 'momentum') {
    const v = op('Add', [op('Mul', [slots.velocity!, c(h.momentum)]), gd]);
    const upd = h.nesterov ? op('Add', [gd, op('Mul', [v, c(h.momentum)])]) : v;
    return { weight: op('Sub', [w, op('Mul', [upd, inp.lr])]), slots: { velocity: v } };
  }
  const m = op('Add', [op('Mul', [slots.m!, c(h.beta1)]), op('Mul', [gd, c(1 - h.beta1)])]);
  const v = op('Add', [op('Mul', [slots.v!, c(h.beta2)]), op('Mul', [op('Mul', [gd, gd]), c(1 - h.beta2)])]);
  const denom = op('Add', [op('Mul', [op('Sqrt', [v]), inp.invSqrtBc2]), c(h.eps)]);
  const weight = op('Sub', [op('Mul', [w, inp.scale]), op('Div', [op('Mul', [m, inp.stepSize]), denom])]);
  return { weight, slots: { m, v } };
}

/** The hyper-parameters a compiled update bakes in, with the TypeScript optimizers' defaults. */
export function optimizerHyper(kind: OptimizerName, o: OptimizerOptions & { beta1?: number; beta2?: number; eps?: number }): OptimizerHyper {
  return {
    weightDecay: o.weightDecay ?? (kind === 'adamw' ? 0.01 : 0), momentum: o.momentum ?? 0.9, nesterov: o.nesterov ?? false,
    beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, eps: o.eps ?? 1e-8,
  };
}

/** The per-step scalars of one parameter's update at step t (counted from 1), as the TypeScript optimizers compute them. */
export function stepScalars(kind: OptimizerName, h: OptimizerHyper, lr: number, t: number): { lr: number; stepSize: number; invSqrtBc2: number; scale: number } {
  const bc1 = 1 - h.beta1 ** t, bc2 = 1 - h.beta2 ** t;
  return { lr, stepSize: lr / bc1, invSqrtBc2: 1 / Math.sqrt(bc2), scale: kind === 'adamw' ? 1 - lr * h.weightDecay : 1 };
}
