/**
 * Image → label for a classifier .onnx, shared by the Node and browser
 * entries (nothing here uses Node): how an image becomes the model input,
 * and how the first output becomes a label with its probability.
 *
 * The input follows the model's `edgetune.preprocess` metadata (see
 * model-metadata.ts). A model without it is fed as edgetune always did: its
 * input must be [N, C, H, W] with C = 1 (grayscale, luma) or 3 (RGB) and H,
 * W fixed; the image is stretched bilinearly to H×W and each value is
 * pixel/255 (no mean, no std).
 *
 * The output: the first graph output, batch row 0. It is taken as
 * probabilities when a Softmax computes it (through shape-only ops such as
 * Flatten or Reshape), as log-probabilities after a LogSoftmax, and as
 * logits otherwise, which are turned into probabilities by a softmax. The
 * label is `edgetune.labels[index]`, or the index itself when the model
 * stores no labels.
 */
import { InputError } from './errors.js';
import type { OnnxModel } from './model.js';
import { channelCount, LABELS_KEY, PREPROCESS_KEY, readLabels, readPreprocess, type Preprocess } from './model-metadata.js';

export interface ClassifyResult {
  /** the class name from edgetune.labels, or the index when the model has none */
  label: string | number;
  index: number;
  probability: number;
  /** one per class, summing to 1 */
  probabilities: Float32Array;
}

export type OutputKind = 'logits' | 'probabilities' | 'log-probabilities';

/** Everything classify needs to know about a model, read once from its graph and metadata. */
export interface ClassifierPlan {
  /** the model input fed with the image */
  input: string;
  /** dims of the fed tensor: the batch is the model's fixed batch (the image repeated) or 1 */
  dims: number[];
  preprocess: Preprocess;
  /** whether `preprocess` came from the model's metadata (else the defaults above) */
  stored: boolean;
  labels?: string[];
  output: string;
  outputKind: OutputKind;
}

const SHAPE_ONLY = new Set(['Flatten', 'Reshape', 'Squeeze', 'Unsqueeze', 'Identity']);

/** Whether the first output is computed by a Softmax or LogSoftmax (through shape-only ops). */
export function outputKind(model: OnnxModel): OutputKind {
  const nodes = model.graph.node;
  let v = model.graph.output[0]?.name ?? '';
  for (let guard = 0; guard <= nodes.length; guard++) {
    const p = nodes.find((n) => n.output.includes(v));
    if (!p || (p.domain ?? '') !== '') return 'logits';
    if (p.op_type === 'Softmax') return 'probabilities';
    if (p.op_type === 'LogSoftmax') return 'log-probabilities';
    if (!SHAPE_ONLY.has(p.op_type ?? '') || !p.input[0]) return 'logits';
    v = p.input[0];
  }
  return 'logits';
}

const fixed = (d: number | string | undefined): d is number => typeof d === 'number' && d > 0;

function defaultPreprocess(file: string, name: string, dims: (number | string)[] | undefined): Preprocess {
  const [, c, h, w] = dims ?? [];
  if (dims === undefined || dims.length !== 4 || !fixed(c) || !fixed(h) || !fixed(w) || (c !== 1 && c !== 3)) {
    throw new InputError(`${file}: input '${name}' ${dims ? `[${dims.join(',')}]` : 'of unknown shape'} is not [N,C,H,W] with C = 1 or 3 and a fixed size, and the model stores no '${PREPROCESS_KEY}' saying how an image becomes its input`);
  }
  return { size: [h, w], layout: 'NCHW', channels: c === 1 ? 'gray' : 'RGB', scale: 1 / 255, mean: new Array<number>(c).fill(0), std: new Array<number>(c).fill(1), resize: 'stretch' };
}

/** The stored preprocessing must fit the input it feeds. */
function checkFits(file: string, name: string, dims: (number | string)[] | undefined, p: Preprocess): void {
  if (dims === undefined) return;
  const c = channelCount(p.channels);
  const want = p.layout === 'NCHW' ? [c, p.size[0], p.size[1]] : [p.size[0], p.size[1], c];
  if (dims.length !== 4 || want.some((v, i) => typeof dims[i + 1] === 'number' && dims[i + 1] !== v)) {
    throw new InputError(`${file}: metadata '${PREPROCESS_KEY}' makes ${p.layout} input [N,${want.join(',')}] but input '${name}' is [${dims.join(',')}]`);
  }
}

/** How `model` is fed an image and read back (an InputError when it has more than one input or one that fits no image). */
export function classifierPlan(model: OnnxModel): ClassifierPlan {
  const file = model.file;
  const inputs = model.inputs;
  if (inputs.length !== 1) throw new InputError(`${file}: classifying an image needs a model with one input; it has ${inputs.length} (${inputs.map((i) => i.name).join(', ')})`);
  const input = inputs[0]!;
  const output = model.outputs[0];
  if (!output) throw new InputError(`${file}: the model has no outputs`);
  const stored = readPreprocess(model);
  const preprocess = stored ?? defaultPreprocess(file, input.name, input.dims);
  checkFits(file, input.name, input.dims, preprocess);
  const batch = fixed(input.dims?.[0]) ? (input.dims![0] as number) : 1;
  const c = channelCount(preprocess.channels);
  const [h, w] = preprocess.size;
  const labels = readLabels(model);
  return {
    input: input.name,
    dims: preprocess.layout === 'NCHW' ? [batch, c, h, w] : [batch, h, w, c],
    preprocess, stored: stored !== undefined, ...(labels ? { labels } : {}), output: output.name, outputKind: outputKind(model),
  };
}

// ---- pixels

/** RGBA bytes (canvas ImageData order) as float planes of 0..255: R, G, B, or one plane of luma 0.299R + 0.587G + 0.114B. */
export function rgbaToPlanes(rgba: ArrayLike<number>, width: number, height: number, channels: 1 | 3): Float32Array {
  const n = width * height;
  if (rgba.length < 4 * n) throw new InputError(`image data holds ${rgba.length} bytes, fewer than the ${4 * n} of ${width}x${height} RGBA pixels`);
  const out = new Float32Array(channels * n);
  if (channels === 1) {
    for (let i = 0; i < n; i++) out[i] = 0.299 * rgba[4 * i]! + 0.587 * rgba[4 * i + 1]! + 0.114 * rgba[4 * i + 2]!;
  } else {
    for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) out[c * n + i] = rgba[4 * i + c]!;
  }
  return out;
}

/** Source taps of a half-pixel-centre bilinear resize from n to m samples. */
function taps(n: number, m: number): { lo: Int32Array; hi: Int32Array; frac: Float64Array } {
  const lo = new Int32Array(m), hi = new Int32Array(m), frac = new Float64Array(m);
  for (let d = 0; d < m; d++) {
    const src = Math.max(0, (d + 0.5) * (n / m) - 0.5);
    const i = Math.min(Math.floor(src), n - 1);
    lo[d] = i;
    hi[d] = Math.min(i + 1, n - 1);
    frac[d] = src - i;
  }
  return { lo, hi, frac };
}

/**
 * Bilinear resize of c planes h×w to oh×ow with half-pixel centres and no
 * antialiasing: the convention of decodeImage (src/io/images.ts), so that
 * an image classified in the page and in Node gets the same input.
 */
export function resizePlanes(src: Float32Array, c: number, h: number, w: number, oh: number, ow: number): Float32Array {
  if (oh === h && ow === w) return src;
  const out = new Float32Array(c * oh * ow);
  const ty = taps(h, oh), tx = taps(w, ow);
  for (let ch = 0; ch < c; ch++) {
    const s = ch * h * w, o = ch * oh * ow;
    for (let y = 0; y < oh; y++) {
      const r0 = s + ty.lo[y]! * w, r1 = s + ty.hi[y]! * w, fy = ty.frac[y]!;
      for (let x = 0; x < ow; x++) {
        const x0 = tx.lo[x]!, x1 = tx.hi[x]!, fx = tx.frac[x]!;
        const top = src[r0 + x0]! + (src[r0 + x1]! - src[r0 + x0]!) * fx;
        const bottom = src[r1 + x0]! + (src[r1 + x1]! - src[r1 + x0]!) * fx;
        out[o + y * ow + x] = top + (bottom - top) * fy;
      }
    }
  }
  return out;
}

/** The size an h×w image is resized to before cropping: the target size for 'stretch', else the smallest aspect-kept size covering it. */
export function resizeTarget(h: number, w: number, p: Preprocess): [number, number] {
  const [th, tw] = p.size;
  if (p.resize === 'stretch') return [th, tw];
  const s = Math.max(th / h, tw / w);
  return [Math.max(th, Math.round(h * s)), Math.max(tw, Math.round(w * s))];
}

/** The centre th×tw window of c planes h×w. */
export function cropCentre(src: Float32Array, c: number, h: number, w: number, th: number, tw: number): Float32Array {
  if (th === h && tw === w) return src;
  const top = Math.floor((h - th) / 2), left = Math.floor((w - tw) / 2);
  const out = new Float32Array(c * th * tw);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < th; y++) out.set(src.subarray(ch * h * w + (top + y) * w + left, ch * h * w + (top + y) * w + left + tw), (ch * th + y) * tw);
  }
  return out;
}

/**
 * The model input for one image, from c planes (1 = luma, 3 = R, G, B) of
 * 0..255 values already at p.size: gray made RGB by repeating it (or RGB
 * made luma), channels reordered for 'BGR', (v·scale − mean[c]) / std[c],
 * laid out CHW or HWC.
 */
export function normalisePlanes(planes: Float32Array, c: 1 | 3, p: Preprocess): Float32Array {
  const [h, w] = p.size;
  const n = h * w;
  if (planes.length !== c * n) throw new InputError(`image planes hold ${planes.length} values, not ${c}x${h}x${w}`);
  const want = channelCount(p.channels);
  const source = (k: number): number => (c === 1 ? 0 : p.channels === 'BGR' ? 2 - k : k);
  const out = new Float32Array(want * n);
  for (let k = 0; k < want; k++) {
    const m = p.mean[k]!, s = p.std[k]!;
    const from = source(k) * n;
    for (let i = 0; i < n; i++) {
      const v = want === 1 && c === 3 ? 0.299 * planes[i]! + 0.587 * planes[n + i]! + 0.114 * planes[2 * n + i]! : planes[from + i]!;
      out[p.layout === 'NCHW' ? k * n + i : i * want + k] = (v * p.scale - m) / s;
    }
  }
  return out;
}

/** Planes of any size (0..255) → the model input: resized (and centre-cropped) to p.size, then normalised. */
export function imageTensor(planes: Float32Array, c: 1 | 3, height: number, width: number, p: Preprocess): Float32Array {
  const [rh, rw] = resizeTarget(height, width, p);
  const resized = resizePlanes(planes, c, height, width, rh, rw);
  return normalisePlanes(cropCentre(resized, c, rh, rw, p.size[0], p.size[1]), c, p);
}

/** n grayscale samples of h×w values in [0, 1] (pixel/255, as the demo's digits) made into model inputs under p, one after another. */
export function grayInputs(x: Float32Array, n: number, height: number, width: number, p: Preprocess): Float32Array {
  const size = height * width;
  if (x.length !== n * size) throw new InputError(`${n} grayscale samples of ${height}x${width} need ${n * size} values, got ${x.length}`);
  const per = channelCount(p.channels) * p.size[0] * p.size[1];
  const out = new Float32Array(n * per);
  for (let i = 0; i < n; i++) {
    const planes = Float32Array.from(x.subarray(i * size, (i + 1) * size), (v) => v * 255);
    out.set(imageTensor(planes, 1, height, width, p), i * per);
  }
  return out;
}

/** The fed tensor: one image's input repeated to the plan's batch. */
export function batchOf(x: Float32Array, plan: ClassifierPlan): Float32Array {
  const b = plan.dims[0]!;
  if (b === 1) return x;
  const out = new Float32Array(b * x.length);
  for (let i = 0; i < b; i++) out.set(x, i * x.length);
  return out;
}

// ---- output

function softmax(v: Float32Array): Float32Array {
  let m = -Infinity;
  for (const x of v) if (x > m) m = x;
  const e = Float64Array.from(v, (x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return Float32Array.from(e, (x) => x / s);
}

/** Batch row 0 of the first output as a labelled result (InputError when the labels do not match its width). */
export function interpretOutput(file: string, plan: ClassifierPlan, data: Float32Array, dims: readonly number[]): ClassifyResult {
  const batch = dims.length > 0 ? dims[0]! : 1;
  const k = batch > 0 ? data.length / batch : 0;
  if (!Number.isInteger(k) || k < 1) throw new InputError(`${file}: output '${plan.output}' [${dims.join(',')}] holds no class scores`);
  const row = data.subarray(0, k);
  if (plan.labels && plan.labels.length !== k) {
    throw new InputError(`${file}: metadata '${LABELS_KEY}' names ${plan.labels.length} classes but output '${plan.output}' has ${k}`);
  }
  const probabilities = plan.outputKind === 'probabilities' ? Float32Array.from(row)
    : plan.outputKind === 'log-probabilities' ? Float32Array.from(row, Math.exp) : softmax(row);
  let index = 0;
  for (let i = 1; i < k; i++) if (probabilities[i]! > probabilities[index]!) index = i;
  return { label: plan.labels?.[index] ?? index, index, probability: probabilities[index]!, probabilities };
}
