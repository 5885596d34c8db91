/** Small helpers of the demo page: element lookup, form numbers, formatting, model checks, softmax. */
import type { OnnxModel } from './index.js';

export function percent(a: number | undefined): string {
  return a === undefined ? '–' : `${(100 * a).toFixed(1)}%`;
}

export function ago(t: number): string {
  const s = Math.max(0, (Date.now() - t) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(t).toLocaleDateString();
}

/** The checks that a model fits the demo's 28×28 digits and 10 classes. */
export function checkDigitModel(onnx: OnnxModel): void {
  const input = onnx.inputs[0];
  const output = onnx.outputs[0];
  const fits = (dims: (number | string)[] | undefined, want: number[]) =>
    dims !== undefined && dims.length === want.length + 1 && want.every((w, i) => dims[i + 1] === w || typeof dims[i + 1] === 'string');
  if (!input || onnx.inputs.length !== 1 || !fits(input.dims, [1, 28, 28])) {
    throw new Error(`${onnx.file}: this demo needs one input of shape [N,1,28,28]; the model has ${onnx.inputs.map((i) => `${i.name} [${i.dims?.join(',') ?? '?'}]`).join(', ') || 'none'}`);
  }
  if (!output || !fits(output.dims, [10])) {
    throw new Error(`${onnx.file}: this demo needs an output of shape [N,10]; the model's first output is ${output ? `${output.name} [${output.dims?.join(',') ?? '?'}]` : 'missing'}`);
  }
}

export function countWeights(onnx: OnnxModel): number {
  return onnx.initializers.filter((t) => t.data_type === 1).reduce((a, t) => a + t.dims.reduce((p: number, d) => p * (typeof d === 'number' ? d : d.toNumber()), 1), 0);
}

export function softmax(logits: Float32Array): Float64Array {
  const m = Math.max(...logits);
  const e = Float64Array.from(logits, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** The page element with this id (an error naming it when missing). */
export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo page: element #${id} is missing`);
  return el as T;
};

/** One ONNX Runtime call at a time in the page: training steps, measurements and predictions take turns. */
let queue: Promise<unknown> = Promise.resolve();
export function exclusive<T>(f: () => Promise<T>): Promise<T> {
  const run = queue.then(f, f);
  queue = run.catch(() => undefined);
  return run;
}

/** The first line of an error's message. */
export function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

/** The page's status line, with its kind for styling. */
export function setStatus(text: string, kind: 'info' | 'ok' | 'error' = 'info'): void {
  const el = $('status');
  el.textContent = text;
  el.dataset.kind = kind;
}
