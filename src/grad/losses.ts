/**
 * Losses over a model output y, mean-reduced over the batch N (y is viewed as
 * [N, K] with K the product of the remaining axes):
 *
 *   mse             L = (1/N) Σ_n ½ Σ_k (y_nk − t_nk)²            ∂L/∂y = (y − t)/N      (the paper's E)
 *   cross-entropy   L = (1/N) Σ_n −log softmax(y_n)[label_n]       ∂L/∂y = (softmax(y) − onehot)/N
 *                   or, with float targets, −(1/N) Σ_n Σ_k t_nk log softmax(y_n)_k
 *                                                                  ∂L/∂y = (softmax(y)·Σ_k t_nk − t)/N
 *   bce-with-logits L = (1/N) Σ_n Σ_k [max(y,0) − y·t + log(1 + e^{−|y|})]   ∂L/∂y = (σ(y) − t)/N
 *
 * Integer labels [N] are accepted by every loss: mse and bce-with-logits read
 * them as one-hot targets over K.
 */
import { InputError } from '../errors.js';
import type { HostTensor } from '../runtime/host-tensor.js';
import type { Tensor } from '../tensor/tensor.js';

export const LOSSES = ['mse', 'cross-entropy', 'bce-with-logits'] as const;
export type LossName = (typeof LOSSES)[number];

export interface LossResult {
  loss: number;
  grad: Tensor;
}

/** A target that does not fit the model output: its size, its labels or its dtype. */
export class TargetError extends InputError {
  override name = 'TargetError';
}

export function isLossName(s: string): s is LossName {
  return (LOSSES as readonly string[]).includes(s);
}

/** Float targets [N,K] from integer labels [N] or float targets of any shape with N·K values. */
export function targetMatrix(target: HostTensor, n: number, k: number): { labels?: Int32Array; t?: Float32Array } {
  const d = target.data;
  if (d instanceof BigInt64Array || d instanceof Int32Array) {
    if (d.length !== n) throw new TargetError(`target has ${d.length} labels for a batch of ${n}`);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = Number(d[i]);
      if (!Number.isInteger(v) || v < 0 || v >= k) throw new TargetError(`label ${v} at row ${i} is outside 0..${k - 1}`);
      labels[i] = v;
    }
    return { labels };
  }
  if (d instanceof Float32Array || d instanceof Float64Array) {
    if (d.length !== n * k) throw new TargetError(`target has ${d.length} values, the output has ${n}×${k}`);
    return { t: d instanceof Float32Array ? d : Float32Array.from(d) };
  }
  throw new TargetError(`target must be int64 labels or float32 values, got ${d.constructor.name}`);
}

function oneHot(labels: Int32Array, k: number): Float32Array {
  const t = new Float32Array(labels.length * k);
  labels.forEach((l, i) => { t[i * k + l] = 1; });
  return t;
}

export function computeLoss(name: LossName, y: Tensor, target: HostTensor): LossResult {
  const n = y.dims[0] ?? 1;
  const k = n === 0 ? 0 : y.data.length / n;
  const { labels, t } = targetMatrix(target, n, k);
  const grad = new Float32Array(y.data.length);
  const yd = y.data;
  let total = 0;
  if (name === 'mse' || name === 'bce-with-logits') {
    const tt = t ?? oneHot(labels!, k);
    for (let i = 0; i < yd.length; i++) {
      const v = yd[i]!, tv = tt[i]!;
      if (name === 'mse') {
        const e = v - tv;
        total += 0.5 * e * e;
        grad[i] = e / n;
      } else {
        total += Math.max(v, 0) - v * tv + Math.log1p(Math.exp(-Math.abs(v)));
        grad[i] = (1 / (1 + Math.exp(-v)) - tv) / n;
      }
    }
  } else {
    for (let r = 0; r < n; r++) {
      let m = -Infinity;
      for (let c = 0; c < k; c++) m = Math.max(m, yd[r * k + c]!);
      let s = 0;
      for (let c = 0; c < k; c++) s += Math.exp(yd[r * k + c]! - m);
      const logZ = m + Math.log(s);
      let tsum = 1;
      if (t) {
        tsum = 0;
        for (let c = 0; c < k; c++) tsum += t[r * k + c]!;
      }
      for (let c = 0; c < k; c++) {
        const logp = yd[r * k + c]! - logZ;
        const tv = t ? t[r * k + c]! : c === labels![r] ? 1 : 0;
        total -= tv * logp;
        grad[r * k + c] = (Math.exp(logp) * tsum - tv) / n;
      }
    }
  }
  return { loss: n === 0 ? 0 : total / n, grad: { dims: [...y.dims], data: grad } };
}
