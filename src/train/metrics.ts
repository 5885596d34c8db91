/** Classification metrics over a batch of model outputs viewed as [N, K]. */
import type { HostTensor } from '../runtime/host-tensor.js';

/** Index of the largest value in each row of y viewed as [N, K]. */
export function argmaxRows(y: Float32Array, n: number): Int32Array {
  const k = y.length / n;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (y[r * k + c]! > y[r * k + best]!) best = c;
    out[r] = best;
  }
  return out;
}

/** Correct predictions against int labels or against the argmax of float targets. */
export function countCorrect(y: Float32Array, n: number, target: HostTensor): number {
  const pred = argmaxRows(y, n);
  const t = target.data;
  let correct = 0;
  if (t instanceof BigInt64Array || t instanceof Int32Array) {
    for (let i = 0; i < n; i++) if (pred[i] === Number(t[i])) correct++;
  } else {
    const tl = argmaxRows(t as Float32Array, n);
    for (let i = 0; i < n; i++) if (pred[i] === tl[i]) correct++;
  }
  return correct;
}
