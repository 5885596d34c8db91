/**
 * Builds tiny single-node ONNX models in memory with the project's own
 * builder and runs them on ONNX Runtime, so kernels can be checked against a
 * reference implementation.
 */
import * as ort from 'onnxruntime-node';
import { floatTensor, graph, model, node, opset, valueInfo, type AttrValue as BuilderAttr } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import type { Tensor } from '../../src/tensor/tensor.js';

/** An attribute value: a plain number is INT, a number array is INTS; floats must be tagged. */
export type AttrValue = number | readonly number[] | { f: number } | { floats: readonly number[] };

export interface SingleNodeSpec {
  opType: string;
  /** Graph inputs fed at run time, in node-input order. */
  inputs: { name: string; dims: readonly number[] }[];
  /** Constant float inputs, appended to the node inputs after `inputs`. */
  initializers?: { name: string; tensor: Tensor }[];
  outputs: string[];
  /** Outputs declared int64 (e.g. MaxPool Indices); all others are float. */
  int64Outputs?: string[];
  attributes?: Record<string, AttrValue>;
  opset?: number;
}

/** The builder's form of an attribute: integers stay INT(S), tagged floats become FLOAT(S). */
function builderAttr(v: AttrValue): BuilderAttr {
  if (typeof v === 'number') return Math.trunc(v);
  if (Array.isArray(v)) return (v as readonly number[]).map(Math.trunc);
  if ('f' in (v as object)) return { float: (v as { f: number }).f };
  return { floats: [...(v as { floats: readonly number[] }).floats] };
}

/** Serialises a one-node ONNX model (IR version 8, default opset 17). */
export function buildSingleNodeModel(spec: SingleNodeSpec): Uint8Array {
  const inits = spec.initializers ?? [];
  const attrs = Object.fromEntries(Object.entries(spec.attributes ?? {}).map(([k, v]) => [k, builderAttr(v)]));
  const n = node(spec.opType, [...spec.inputs.map((i) => i.name), ...inits.map((i) => i.name)], spec.outputs, attrs, { name: 'n0', domain: '' });
  const g = graph('g', [n],
    spec.inputs.map((i) => valueInfo(i.name, DataType.FLOAT, [...i.dims])),
    spec.outputs.map((o) => valueInfo(o, spec.int64Outputs?.includes(o) ? DataType.INT64 : DataType.FLOAT)),
    inits.map((i) => floatTensor(i.name, [...i.tensor.dims], i.tensor.data)));
  return encodeModel(model(g, { irVersion: 8, opsets: [opset('', spec.opset ?? 17)] }));
}

/**
 * Runs a model on the CPU provider and returns its outputs as Tensors; int64
 * outputs are converted to float32 (exact for the small indices tests use).
 */
export async function runModel(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor('float32', t.data, [...t.dims]);
    const res = await session.run(ortFeeds);
    const out: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(res)) {
      const data = v.data instanceof BigInt64Array ? Float32Array.from(v.data, Number) : Float32Array.from(v.data as Float32Array);
      out[k] = { dims: v.dims.map(Number), data };
    }
    return out;
  } finally {
    await session.release();
  }
}

/** Builds and runs a single-node model whose one output is named `y`. */
export async function runSingleNode(spec: Omit<SingleNodeSpec, 'outputs'>, feeds: Record<string, Tensor>): Promise<Tensor> {
  const res = await runModel(buildSingleNodeModel({ ...spec, outputs: ['y'] }), feeds);
  const y = res['y'];
  if (!y) throw new Error(`ort-fixture: ${spec.opType} produced no output y`);
  return y;
}
