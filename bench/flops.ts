/**
 * Analytic FLOPs of a training step for any graph of the ops in the bench's
 * models (LeNet-5's chain, torchvision ResNet-18 and MobileNetV2), not only
 * plain chains: per-sample shapes are propagated through the nodes in order,
 * then every Conv (grouped included), edgetune.TableConv and Gemm/MatMul is
 * counted:
 *
 *   forward   conv 2·N·M·(C/group)·kh·kw·oh·ow, Gemm/MatMul 2·N·in·out
 *             (TableConv counted dense, as ONNX Runtime computes it with a
 *             masked kernel)
 *   backward  the same count again for ∂W when the layer's weight trains, and
 *             once more for ∂X when the layer's input depends on a trained
 *             parameter (so the first layer, and every layer in front of the
 *             trained ones, computes no ∂X)
 *
 * Element-wise ops, BatchNorm, pooling and the loss are left out. For the
 * LeNet-5 chain this is bench/chain.ts's flopsOf.
 */
import { EDGETUNE_DOMAIN } from '../customops/index.js';
import { Attrs } from '../src/graph/attributes.js';
import type { OnnxModel } from '../src/model.js';
import { BenchModelError } from './chain.js';
import type { FlopCount } from './chain.js';

const SAME_SHAPE = new Set(['Relu', 'Tanh', 'Sigmoid', 'Clip', 'BatchNormalization', 'Identity', 'Dropout', 'LeakyRelu', 'HardSigmoid', 'HardSwish', 'Softmax', 'Neg', 'Exp', 'Sqrt']);
const BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div']);

function poolOut(size: number, k: number, s: number, p0: number, p1: number, d: number, ceil: boolean): number {
  const span = size + p0 + p1 - ((k - 1) * d + 1);
  return (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
}

function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1, y = b[b.length - n + i] ?? 1;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/**
 * FLOPs of one step at batch `n` with per-sample input shape `inputShape`
 * ([C, H, W]); `trained` names the trained initializers (all float
 * initializers read by a counted layer when undefined).
 */
export function graphFlops(model: OnnxModel, inputShape: readonly number[], n: number, trained?: ReadonlySet<string>): FlopCount {
  const input = model.inputs[0];
  if (!input) throw new BenchModelError(`${model.file}: the model has no inputs`);
  // full shapes with the batch axis
  const shapes = new Map<string, number[]>([[input.name, [n, ...inputShape]]]);
  const init = new Set(model.initializers.map((t) => t.name ?? ''));
  const dims = (name: string) => model.read(name).dims.map(Number);
  const shapeOf = (name: string, node: string): number[] => {
    const s = shapes.get(name) ?? (init.has(name) ? dims(name) : undefined);
    if (!s) throw new BenchModelError(`${model.file}: node '${node}' reads '${name}', whose shape is not known`);
    return s;
  };
  const isTrained = (name: string | undefined) => name !== undefined && name !== '' && init.has(name) && (trained ? trained.has(name) : true);
  // values that depend on a trained parameter (their producers' gradients are needed)
  const dependent = new Set<string>();
  let forward = 0, backward = 0;
  for (const node of model.graph.node) {
    const name = node.name ?? node.output[0] ?? '?';
    const op = node.op_type ?? '';
    const custom = node.domain === EDGETUNE_DOMAIN;
    const a = new Attrs(node);
    const out = node.output[0]!;
    const inDependent = node.input.some((i) => dependent.has(i) || isTrained(i));
    if (op === 'Constant') {
      const t = a.tensor('value');
      shapes.set(out, t ? t.dims.map(Number) : []);
      continue;
    }
    const x = shapeOf(node.input[0]!, name);
    let flops = 0;
    let y: number[];
    if (op === 'Conv' || (custom && op === 'TableConv')) {
      const [m, cg, kh, kw] = dims(node.input[1]!) as [number, number, number, number];
      const p = a.ints('pads', [0, 0, 0, 0]), s = a.ints('strides', [1, 1]), d = a.ints('dilations', [1, 1]);
      if (a.string('auto_pad', 'NOTSET') !== 'NOTSET') throw new BenchModelError(`${model.file}: node '${name}' uses auto_pad`);
      const oh = poolOut(x[2]!, kh, s[0] ?? 1, p[0] ?? 0, p[2] ?? 0, d[0] ?? 1, false);
      const ow = poolOut(x[3]!, kw, s[1] ?? 1, p[1] ?? 0, p[3] ?? 0, d[1] ?? 1, false);
      y = [x[0]!, m, oh, ow];
      flops = 2 * x[0]! * m * cg * kh * kw * oh * ow;
    } else if (op === 'Gemm') {
      const w = dims(node.input[1]!);
      const transB = a.int('transB', 0) === 1;
      const [outF, inF] = (transB ? w : [w[1], w[0]]) as [number, number];
      y = [x[0]!, outF];
      flops = 2 * x[0]! * inF * outF;
    } else if (op === 'MatMul') {
      const w = shapeOf(node.input[1]!, name);
      const inF = w[w.length - 2]!, outF = w[w.length - 1]!;
      y = [...x.slice(0, -1), outF];
      flops = 2 * (x.slice(0, -1).reduce((p, q) => p * q, 1)) * inF * outF;
    } else if (custom && op === 'Subsample') {
      const k = a.int('size', 2);
      y = [x[0]!, x[1]!, Math.floor(x[2]! / k), Math.floor(x[3]! / k)];
    } else if (op === 'MaxPool' || op === 'AveragePool') {
      const k = a.ints('kernel_shape', []), p = a.ints('pads', [0, 0, 0, 0]), s = a.ints('strides', [1, 1]), d = a.ints('dilations', [1, 1]);
      const ceil = a.int('ceil_mode', 0) === 1;
      y = [x[0]!, x[1]!, poolOut(x[2]!, k[0]!, s[0] ?? 1, p[0] ?? 0, p[2] ?? 0, d[0] ?? 1, ceil), poolOut(x[3]!, k[1]!, s[1] ?? 1, p[1] ?? 0, p[3] ?? 0, d[1] ?? 1, ceil)];
    } else if (op === 'GlobalAveragePool' || op === 'GlobalMaxPool') {
      y = [x[0]!, x[1]!, ...x.slice(2).map(() => 1)];
    } else if (op === 'Flatten') {
      const axis = a.int('axis', 1);
      y = [x.slice(0, axis).reduce((p, q) => p * q, 1), x.slice(axis).reduce((p, q) => p * q, 1)];
    } else if (SAME_SHAPE.has(op)) {
      y = [...x];
    } else if (BROADCAST.has(op)) {
      y = broadcast(x, shapeOf(node.input[1]!, name));
    } else {
      throw new BenchModelError(`${model.file}: node '${name}' is ${custom ? `${EDGETUNE_DOMAIN}.` : ''}${op}, which the FLOP count does not know`);
    }
    if (flops > 0) {
      forward += flops;
      if (isTrained(node.input[1])) backward += flops;
      if (dependent.has(node.input[0]!)) backward += flops;
    }
    shapes.set(out, y);
    if (inDependent) dependent.add(out);
  }
  return { forward, backward };
}
