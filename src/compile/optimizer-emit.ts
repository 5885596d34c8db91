/**
 * The optimizers of src/train/optimizers/ as ONNX nodes, one update over all
 * parameters at once (their flattened weights, gradients and slots
 * concatenated). Step-dependent scalars (learning rate, Adam's bias
 * corrections, AdamW's decay factor) are fed in each step, so schedules stay
 * in TypeScript and the graph matches the TypeScript step's formulas:
 *
 *   sgd       W' = W − lr·(g + wd·W)
 *   momentum  v' = μv + (g + wd·W);  W' = W − lr·v'   (Nesterov: W − lr·(g + wd·W + μv'))
 *   adam(w)   m' = β1 m + (1−β1)g;  v' = β2 v + (1−β2)g²;  W' = W·scale − stepSize·m' / (√v'/√bc2 + ε)
 *
 * (scale is 1 for Adam, so the graph leaves that product out).
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

/** The per-step scalars of an update (one set per group of parameters that share them). */
export interface StepScalars {
  lr: number;
  stepSize: number;
  invSqrtBc2: number;
  scale: number;
}

/** The scalars each optimizer's update reads, in the order they are fed. */
export const usedScalars: Record<OptimizerName, readonly (keyof StepScalars)[]> = {
  sgd: ['lr'], momentum: ['lr'], adam: ['stepSize', 'invSqrtBc2'], adamw: ['stepSize', 'invSqrtBc2', 'scale'],
};

/** Whether two parameters' scalars are the same for this optimizer (so they may share one update). */
export function sameScalars(kind: OptimizerName, a: StepScalars, b: StepScalars): boolean {
  return usedScalars[kind].every((k) => a[k] === b[k]);
}

/** The optimizer slots of each kind, in the TypeScript optimizers' names. */
export const slotNames: Record<OptimizerName, string[]> = { sgd: [], momentum: ['velocity'], adam: ['m', 'v'], adamw: ['m', 'v'] };

/**
 * Emit the update of the flat weights `w` by the flat gradient `g`; `slots`
 * are the flat optimizer slots by name and `scalar(k)` the value (a [1]
 * tensor, or one value per element) of a fed scalar. Returns the names of the
 * new weights and new slots.
 */
export function emitUpdate(
  e: GraphEmitter, kind: OptimizerName, h: OptimizerHyper, w: string, g: string, slots: Record<string, string>,
  scalar: (k: keyof StepScalars) => string,
): { weight: string; slots: Record<string, string> } {
  const op = (o: string, i: string[]) => e.add(o, i)[0]!;
  const c = (v: number) => e.floats([v], []);
  const gradDecay = kind === 'adamw' ? 0 : h.weightDecay;
  const gd = gradDecay === 0 ? g : op('Add', [g, op('Mul', [w, c(gradDecay)])]);
  if (kind === 'sgd') return { weight: op('Sub', [w, op('Mul', [gd, scalar('lr')])]), slots: {} };
  if (kind === 'momentum') {
    const v = op('Add', [op('Mul', [slots.velocity!, c(h.momentum)]), gd]);
    const upd = h.nesterov ? op('Add', [gd, op('Mul', [v, c(h.momentum)])]) : v;
    return { weight: op('Sub', [w, op('Mul', [upd, scalar('lr')])]), slots: { velocity: v } };
  }
  const m = op('Add', [op('Mul', [slots.m!, c(h.beta1)]), op('Mul', [gd, c(1 - h.beta1)])]);
  const v = op('Add', [op('Mul', [slots.v!, c(h.beta2)]), op('Mul', [op('Mul', [gd, gd]), c(1 - h.beta2)])]);
  const denom = op('Add', [op('Mul', [op('Sqrt', [v]), scalar('invSqrtBc2')]), c(h.eps)]);
  const kept = kind === 'adamw' ? op('Mul', [w, scalar('scale')]) : w;
  const weight = op('Sub', [kept, op('Div', [op('Mul', [m, scalar('stepSize')]), denom])]);
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
export function stepScalars(kind: OptimizerName, h: OptimizerHyper, lr: number, t: number): StepScalars {
  const bc1 = 1 - h.beta1 ** t, bc2 = 1 - h.beta2 ** t;
  return { lr, stepSize: lr / bc1, invSqrtBc2: 1 / Math.sqrt(bc2), scale: kind === 'adamw' ? 1 - lr * h.weightDecay : 1 };
}
