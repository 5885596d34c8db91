/**
 * Gradient check: the analytic gradients of the rules against central
 * differences of the loss through ONNX Runtime's own forward pass,
 *
 *   ∂L/∂θ_i ≈ (L(θ + ε e_i) − L(θ − ε e_i)) / 2ε,
 *
 * on sampled coordinates of every trained parameter (always including the
 * coordinate with the largest analytic gradient). The error of a coordinate is
 * |a − n| / max(|a|, |n|, floor), where floor = 1e-3 · the largest analytic
 * gradient of the whole model: float32 forward passes cannot resolve finer
 * differences, and a relative error on a gradient that is zero to rounding
 * says nothing.
 */
import type { HostTensor } from '../runtime/host-tensor.js';
import { Rng } from '../train/rng.js';
import type { GradientEngine } from './engine.js';

export interface GradcheckOptions {
  /** coordinates sampled per parameter (default 12) */
  samples?: number;
  /**
   * perturbation (default 1e-2 · max(1, |θ_i|)); with several, a coordinate's
   * error is the smallest over them — a step that crosses a ReLU kink or a
   * MaxPool switch says nothing, while a wrong rule fails at every step size
   */
  eps?: number | readonly number[];
  /** largest acceptable error (default 1e-2) */
  tolerance?: number;
  seed?: number;
}

export interface ParamCheck {
  name: string;
  checked: number;
  maxError: number;
  worst: { index: number; analytic: number; numeric: number };
}

export interface GradcheckReport {
  loss: number;
  params: ParamCheck[];
  maxError: number;
  tolerance: number;
  ok: boolean;
}

function pickCoordinates(grad: Float32Array, samples: number, rng: Rng): number[] {
  const picks = new Set<number>();
  let best = 0;
  for (let i = 1; i < grad.length; i++) if (Math.abs(grad[i]!) > Math.abs(grad[best]!)) best = i;
  if (grad.length > 0) picks.add(best);
  if (grad.length <= samples) for (let i = 0; i < grad.length; i++) picks.add(i);
  while (picks.size < Math.min(samples, grad.length)) picks.add(Math.floor(rng.next() * grad.length));
  return [...picks];
}

async function centralDifference(
  engine: GradientEngine, feeds: Record<string, HostTensor>, target: HostTensor, weights: Map<string, Float32Array>,
  name: string, w: Float32Array, i: number, eps: number,
): Promise<number> {
  const orig = w[i]!;
  const probe = new Map(weights);
  const shifted = w.slice();
  probe.set(name, shifted);
  shifted[i] = orig + eps;
  const up = await engine.lossOnly(feeds, target, probe);
  shifted[i] = orig - eps;
  const down = await engine.lossOnly(feeds, target, probe);
  // The perturbation actually applied, after float32 rounding of θ ± ε.
  const span = Math.fround(orig + eps) - Math.fround(orig - eps);
  return (up - down) / span;
}

export async function gradcheck(
  engine: GradientEngine, feeds: Record<string, HostTensor>, target: HostTensor, opts: GradcheckOptions = {},
): Promise<GradcheckReport> {
  const samples = opts.samples ?? 12;
  const tolerance = opts.tolerance ?? 1e-2;
  const rng = new Rng(opts.seed ?? 1);
  const weights = engine.currentWeights();
  const { loss, grads } = await engine.gradients(feeds, target, weights);
  let scale = 0;
  for (const g of grads.values()) for (const v of g) scale = Math.max(scale, Math.abs(v));
  const floor = Math.max(1e-3 * scale, 1e-7);
  const params: ParamCheck[] = [];
  for (const p of engine.params) {
    const w = weights.get(p.name)!;
    const g = grads.get(p.name)!;
    const check: ParamCheck = { name: p.name, checked: 0, maxError: 0, worst: { index: -1, analytic: 0, numeric: 0 } };
    for (const i of pickCoordinates(g, samples, rng)) {
      const orig = w[i]!;
      const steps = opts.eps === undefined ? [1e-2 * Math.max(1, Math.abs(orig))] : typeof opts.eps === 'number' ? [opts.eps] : opts.eps;
      const analytic = g[i]!;
      let best = { err: Infinity, numeric: NaN };
      for (const eps of steps) {
        const numeric = await centralDifference(engine, feeds, target, weights, p.name, w, i, eps);
        const err = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), floor);
        if (err < best.err) best = { err, numeric };
      }
      check.checked++;
      if (best.err >= check.maxError) check.maxError = best.err, check.worst = { index: i, analytic, numeric: best.numeric };
    }
    params.push(check);
  }
  const maxError = Math.max(0, ...params.map((p) => p.maxError));
  return { loss, params, maxError, tolerance, ok: maxError <= tolerance };
}
