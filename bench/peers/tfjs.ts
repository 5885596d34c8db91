/**
 * The TF.js peers: a benchmarked ONNX chain rebuilt with TF.js ops and the
 * SAME weights, on the cpu or the wasm backend, for inference and for
 * training steps with tf.train optimizers.
 *
 * Layouts: TF.js convolutions are NHWC with kernels [kh, kw, in, out]; ONNX is
 * NCHW with [out, in, kh, kw]. The edgetune ops are expressed as
 *   Subsample(x) = avgPool_n(x)·(n²·β) + b     (β·sum-pool + b, per channel)
 *   TableConv(x) = conv2d(x, W ⊙ mask) + b      (mask from the connection table)
 * A Flatten of an NHWC map is matched to ONNX's NCHW order by permuting the
 * rows of the next Gemm's weight once, as a TF.js port of the model would.
 *
 * The wasm backend has no kernel for Conv2DBackpropFilter (the filter
 * gradient), so training there fails unless `registerWasmFilterGradShim`
 * supplies one: im2col in JS, then the backend's own XNNPACK matrix product.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendWasm, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import type { OnnxModel } from '../../src/model.js';
import type { Chain, Layer } from '../chain.js';

export type TfBackendName = 'cpu' | 'wasm';
export type TfOptimizerName = 'sgd' | 'adam';
export type TfLossName = 'cross-entropy' | 'mse';

/** Make `name` the active TF.js backend (initialising it on first use). */
export async function useTfBackend(name: TfBackendName): Promise<void> {
  if (tf.getBackend() !== name) {
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error(`TF.js backend '${name}' failed to initialise`);
  }
  await tf.ready();
}

/** Threads the wasm backend computes on (1 in Node: TF.js disables wasm threads there). */
export function wasmThreads(): number {
  return getThreadsCount();
}

/** ONNX conv kernel [O, I, kh, kw] → TF.js [kh, kw, I, O]. */
export function convKernelToTf(w: Float32Array, o: number, i: number, kh: number, kw: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let r = 0; r < kh; r++)
        for (let s = 0; s < kw; s++) out[((r * kw + s) * i + b) * o + a] = w[((a * i + b) * kh + r) * kw + s]!;
  return out;
}

/** TF.js kernel [kh, kw, I, O] → ONNX [O, I, kh, kw]. */
export function convKernelToOnnx(w: Float32Array, o: number, i: number, kh: number, kw: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let r = 0; r < kh; r++)
        for (let s = 0; s < kw; s++) out[((a * i + b) * kh + r) * kw + s] = w[((r * kw + s) * i + b) * o + a]!;
  return out;
}

/**
 * Row permutation p with tfRow = p[onnxRow] for a Flatten of a [C, H, W] map:
 * ONNX (NCHW) flattens to c·H·W + h·W + w, TF.js (NHWC) to (h·W + w)·C + c.
 */
export function flattenPermutation(shape: readonly number[]): Int32Array {
  const [c, h, w] = shape as [number, number, number];
  const p = new Int32Array(c * h * w);
  for (let ci = 0; ci < c; ci++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) p[(ci * h + y) * w + x] = (y * w + x) * c + ci;
  return p;
}

/** Gemm weight in ONNX layout → TF.js dense kernel [in, out], rows permuted by `perm` (tfRow = perm[onnxRow]). */
function gemmKernelToTf(w: Float32Array, inF: number, outF: number, transB: boolean, perm: Int32Array | undefined): Float32Array {
  const out = new Float32Array(inF * outF);
  for (let r = 0; r < inF; r++) {
    const tr = perm ? perm[r]! : r;
    for (let c = 0; c < outF; c++) out[tr * outF + c] = transB ? w[c * inF + r]! : w[r * outF + c]!;
  }
  return out;
}

function gemmKernelToOnnx(k: Float32Array, inF: number, outF: number, transB: boolean, perm: Int32Array | undefined): Float32Array {
  const out = new Float32Array(inF * outF);
  for (let r = 0; r < inF; r++) {
    const tr = perm ? perm[r]! : r;
    for (let c = 0; c < outF; c++) {
      if (transB) out[c * inF + r] = k[tr * outF + c]!;
      else out[r * outF + c] = k[tr * outF + c]!;
    }
  }
  return out;
}

function tfPad(l: Extract<Layer, { kind: 'conv' }>): 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
  const [t, left, b, r] = l.pads;
  return t === 0 && left === 0 && b === 0 && r === 0 ? 'valid' : [[0, 0], [t, b], [left, r], [0, 0]];
}

/** The chain rebuilt on one TF.js backend, holding its own variables. */
export class TfNet {
  private readonly vars = new Map<string, tf.Variable>();
  private readonly masks = new Map<string, tf.Tensor4D>();
  /** Flatten permutation applied to the Gemm that follows it, by Gemm name. */
  private readonly perms = new Map<string, Int32Array>();
  private optimizer: tf.Optimizer | undefined;

  private constructor(readonly chain: Chain, readonly backend: TfBackendName) {}

  /** Variables for every parameter of the chain, with the model's initializer values, on `backend`. */
  static async create(chain: Chain, model: OnnxModel, backend: TfBackendName): Promise<TfNet> {
    await useTfBackend(backend);
    const net = new TfNet(chain, backend);
    let perm: Int32Array | undefined;
    for (const l of chain.layers) {
      if (l.kind === 'conv') {
        const k = convKernelToTf(model.readFloat(l.weight), l.cout, l.cin, l.kh, l.kw);
        net.vars.set(l.weight, tf.variable(tf.tensor4d(k, [l.kh, l.kw, l.cin, l.cout]), true, `${backend}/${l.weight}`));
        if (l.bias) net.vars.set(l.bias, tf.variable(tf.tensor1d(model.readFloat(l.bias)), true, `${backend}/${l.bias}`));
        if (l.table) {
          const m = new Float32Array(l.kh * l.kw * l.cin * l.cout);
          for (let rs = 0; rs < l.kh * l.kw; rs++)
            for (let i = 0; i < l.cin; i++) for (let o = 0; o < l.cout; o++) m[(rs * l.cin + i) * l.cout + o] = l.table[o * l.cin + i]!;
          net.masks.set(l.name, tf.tensor4d(m, [l.kh, l.kw, l.cin, l.cout]));
        }
      } else if (l.kind === 'subsample') {
        net.vars.set(l.beta, tf.variable(tf.tensor1d(model.readFloat(l.beta)), true, `${backend}/${l.beta}`));
        net.vars.set(l.bias, tf.variable(tf.tensor1d(model.readFloat(l.bias)), true, `${backend}/${l.bias}`));
      } else if (l.kind === 'flatten') {
        perm = l.inShape[1] === 1 && l.inShape[2] === 1 ? undefined : flattenPermutation(l.inShape);
        continue;
      } else if (l.kind === 'gemm') {
        if (perm) net.perms.set(l.name, perm);
        const k = gemmKernelToTf(model.readFloat(l.weight), l.inFeatures, l.outFeatures, l.transB, perm);
        net.vars.set(l.weight, tf.variable(tf.tensor2d(k, [l.inFeatures, l.outFeatures]), true, `${backend}/${l.weight}`));
        if (l.bias) net.vars.set(l.bias, tf.variable(tf.tensor1d(model.readFloat(l.bias)), true, `${backend}/${l.bias}`));
      }
      perm = undefined;
    }
    return net;
  }

  private v(name: string): tf.Variable {
    const t = this.vars.get(name);
    if (!t) throw new Error(`TF.js net: no variable '${name}'`);
    return t;
  }

  /** Model output [N, K] for an NHWC input [N, H, W, C]; call inside tf.tidy. */
  forward(x: tf.Tensor4D): tf.Tensor2D {
    let h: tf.Tensor = x;
    for (const l of this.chain.layers) {
      if (l.kind === 'conv') {
        const mask = this.masks.get(l.name);
        const w = mask ? tf.mul(this.v(l.weight), mask) as tf.Tensor4D : this.v(l.weight) as tf.Tensor4D;
        h = tf.fused.conv2d({
          x: h as tf.Tensor4D, filter: w, strides: l.strides, pad: tfPad(l),
          ...(l.bias ? { bias: this.v(l.bias) } : {}),
        });
      } else if (l.kind === 'subsample') {
        const pooled = tf.avgPool(h as tf.Tensor4D, l.size, l.size, 'valid');
        h = tf.add(tf.mul(pooled, tf.mul(this.v(l.beta), l.size * l.size)), this.v(l.bias));
      } else if (l.kind === 'act') {
        h = l.fn === 'tanh' ? tf.tanh(h) : l.fn === 'sigmoid' ? tf.sigmoid(h) : tf.relu(h);
      } else if (l.kind === 'flatten') {
        h = tf.reshape(h, [h.shape[0]!, l.outShape[0]!]);
      } else {
        h = tf.fused.matMul({ a: h as tf.Tensor2D, b: this.v(l.weight) as tf.Tensor2D, ...(l.bias ? { bias: this.v(l.bias) } : {}) });
      }
    }
    return h as tf.Tensor2D;
  }

  /** NHWC input tensor from NCHW host data [n, C, H, W]. */
  input(x: Float32Array, n: number): tf.Tensor4D {
    const [c, hh, ww] = this.chain.inputShape as [number, number, number];
    if (c === 1) return tf.tensor4d(x, [n, hh, ww, 1]);
    return tf.tidy(() => tf.transpose(tf.tensor4d(x, [n, c, hh, ww]), [0, 2, 3, 1]));
  }

  /** Model output for NCHW host data of n samples, as host floats [n·K]. */
  predict(x: Float32Array, n: number): Float32Array {
    const y = tf.tidy(() => this.forward(this.input(x, n)));
    const out = y.dataSync() as Float32Array;
    y.dispose();
    return out;
  }

  /** Use a fresh optimizer of this kind for the following train steps. */
  setOptimizer(name: TfOptimizerName, lr: number): void {
    this.optimizer?.dispose();
    this.optimizer = name === 'sgd' ? tf.train.sgd(lr) : tf.train.adam(lr, 0.9, 0.999, 1e-8);
  }

  /**
   * One step on a batch: forward, batch-mean loss (cross-entropy over softmax
   * of the logits, or ½Σ(y−t)²/N), gradients of every variable, update.
   * Returns the loss before the update.
   */
  trainStep(x: Float32Array, labels: Int32Array, loss: TfLossName): number {
    const opt = this.optimizer;
    if (!opt) throw new Error('TF.js net: setOptimizer before trainStep');
    const n = labels.length;
    const cost = tf.tidy((): tf.Scalar => {
      const xt = this.input(x, n);
      const target = tf.oneHot(tf.tensor1d(labels, 'int32'), this.chain.layers.at(-1)!.outShape[0]!);
      const c = opt.minimize(() => {
        const y = this.forward(xt);
        if (loss === 'cross-entropy') return tf.losses.softmaxCrossEntropy(target, y) as tf.Scalar;
        return tf.div(tf.mul(0.5, tf.sum(tf.squaredDifference(y, target))), n) as tf.Scalar;
      }, true, [...this.vars.values()]);
      return c ?? tf.scalar(NaN);
    });
    const value = cost.dataSync()[0]!;
    cost.dispose();
    return value;
  }

  /** The current parameter values in ONNX layouts, by initializer name. */
  weights(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const l of this.chain.layers) {
      if (l.kind === 'conv') {
        out.set(l.weight, convKernelToOnnx(this.v(l.weight).dataSync() as Float32Array, l.cout, l.cin, l.kh, l.kw));
        if (l.bias) out.set(l.bias, this.v(l.bias).dataSync() as Float32Array);
      } else if (l.kind === 'subsample') {
        out.set(l.beta, this.v(l.beta).dataSync() as Float32Array);
        out.set(l.bias, this.v(l.bias).dataSync() as Float32Array);
      } else if (l.kind === 'gemm') {
        out.set(l.weight, gemmKernelToOnnx(this.v(l.weight).dataSync() as Float32Array, l.inFeatures, l.outFeatures, l.transB, this.perms.get(l.name)));
        if (l.bias) out.set(l.bias, this.v(l.bias).dataSync() as Float32Array);
      }
    }
    return out;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    for (const m of this.masks.values()) m.dispose();
    this.optimizer?.dispose();
    this.vars.clear();
    this.masks.clear();
  }
}

const FILTER_GRAD = 'Conv2DBackpropFilter';

/** Whether the wasm backend currently has a filter-gradient kernel. */
export function wasmHasFilterGrad(): boolean {
  return tf.getKernel(FILTER_GRAD, 'wasm') !== undefined;
}

/**
 * ∂L/∂W of an NHWC convolution on the wasm backend:
 *   cols[p, k] = x[b, i·sh + r − padTop, j·sw + s − padLeft, c]  (0 outside),
 *     p = (b·oh + i)·ow + j,  k = (r·kw + s)·C + c
 *   dW[k, o] = Σ_p cols[p, k] · dy[p, o]   (colsᵀ·dy, one XNNPACK matmul)
 * which is the [kh, kw, C, O] kernel gradient in TF.js layout.
 */
function conv2dBackpropFilterWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const x = args.inputs['x']!;
  const dy = args.inputs['dy']!;
  const attrs = args.attrs as unknown as {
    strides: [number, number] | number; pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number];
  };
  if (attrs.dataFormat !== 'NHWC') throw new Error(`${FILTER_GRAD} shim: only NHWC is supported, got ${attrs.dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { batchSize: nb, inHeight: ih, inWidth: iw, inChannels: c, outHeight: oh, outWidth: ow, outChannels: o,
    filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  const xv = backend.typedArrayFromHeap(x) as Float32Array;
  const p = nb * oh * ow, k = kh * kw * c;
  // cols is built transposed ([k, p]) so the product needs no transpose flag (XNNPACK's fast path): dW = colsT · dy.
  // Each colsT row is written in order; positions whose input pixel falls in the padding stay 0.
  const colsT = new Float32Array(k * p);
  for (let r = 0; r < kh; r++)
    for (let s = 0; s < kw; s++) {
      const j0 = Math.max(0, Math.ceil((padInfo.left - s) / sw));
      const j1 = Math.min(ow, Math.floor((iw - 1 - s + padInfo.left) / sw) + 1);
      for (let ci = 0; ci < c; ci++) {
        const row = ((r * kw + s) * c + ci) * p;
        for (let b = 0; b < nb; b++)
          for (let i = 0; i < oh; i++) {
            const y = i * sh + r - padInfo.top;
            if (y < 0 || y >= ih) continue;
            const dst = row + (b * oh + i) * ow;
            let src = ((b * ih + y) * iw + j0 * sw + s - padInfo.left) * c + ci;
            for (let j = j0; j < j1; j++, src += sw * c) colsT[dst + j] = xv[src]!;
          }
      }
    }
  const a = backend.makeOutput([1, k, p], 'float32', undefined, colsT);
  const matmul = tf.getKernel('BatchMatMul', 'wasm')!;
  const out = matmul.kernelFunc({
    inputs: { a, b: { dataId: dy.dataId, shape: [1, p, o], dtype: 'float32' } },
    backend, attrs: { transposeA: false, transposeB: false },
  }) as tf.TensorInfo;
  backend.disposeData(a.dataId);
  return { dataId: out.dataId, shape: attrs.filterShape, dtype: 'float32' };
}

/** Register the filter-gradient shim for the wasm backend (once per process). */
export function registerWasmFilterGradShim(): void {
  if (wasmHasFilterGrad()) return;
  tf.registerKernel({ kernelName: FILTER_GRAD, backendName: 'wasm', kernelFunc: conv2dBackpropFilterWasm as unknown as tf.KernelFunc });
}

/**
 * The shim's filter gradient against the cpu backend's own kernel on random
 * data, for a strided, padded, multi-channel case and a valid one; returns
 * the largest |difference| over both.
 */
export async function checkWasmFilterGradShim(): Promise<number> {
  const cases: { x: [number, number, number, number]; f: [number, number, number, number]; strides: [number, number]; pad: 'valid' | [[number, number], [number, number], [number, number], [number, number]] }[] = [
    { x: [2, 9, 8, 3], f: [3, 2, 3, 4], strides: [2, 1], pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
    { x: [3, 7, 7, 2], f: [5, 5, 2, 5], strides: [1, 1], pad: 'valid' },
  ];
  const previous = tf.getBackend() as TfBackendName;
  let worst = 0;
  for (const c of cases) {
    const xv = Float32Array.from({ length: c.x.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.37));
    const info = tf.backend_util.computeConv2DInfo(c.x, c.f, c.strides, 1, c.pad);
    const dyv = Float32Array.from({ length: c.x[0] * info.outHeight * info.outWidth * c.f[3] }, (_, i) => Math.cos(i * 0.11));
    const grads: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await useTfBackend(backend);
      // ∂/∂f Σ conv2d(x, f)·dy is exactly the filter-gradient kernel applied to x and dy
      const g = tf.tidy(() => {
        const x = tf.tensor4d(xv, c.x), dy = tf.tensor4d(dyv, [c.x[0], info.outHeight, info.outWidth, c.f[3]]);
        return tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, c.strides, c.pad), dy)))(tf.zeros(c.f));
      });
      grads.push(g.dataSync() as Float32Array);
      g.dispose();
    }
    for (let i = 0; i < grads[0]!.length; i++) worst = Math.max(worst, Math.abs(grads[0]![i]! - grads[1]![i]!));
  }
  await useTfBackend(previous);
  return worst;
}
