/**
 * The GPU rewrites checked on onnxruntime-node (CPU): the rewritten graphs
 * give the original model's outputs, edgetune ops and functions are gone,
 * Conv defaults are explicit, and in host mode the computed Conv weights are
 * folded or fed as the original graph would have computed them.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { softmaxColumns } from '../../customops/index.js';
import { OnnxModel } from '../../src/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { cloneModel, decodeModel, encodeModel } from '../../src/onnx/model-io.js';
import { num, type ModelProto } from '../../src/onnx/types.js';
import type { HostTensor } from '../../src/runtime/host-tensor.js';
import { Session } from '../../src/runtime/session.js';
import { trainingView } from '../../src/runtime/training-view.js';
import { combineKernel, lowerForWebgl, lowerForWebgpu, maskWeight, pinBatch, prepareForProvider } from '../../src/runtime/lower.js';
import { randomFloats, seeded } from '../helpers/random.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const lenet = () => OnnxModel.fromBytes(readFileSync(path.join(ROOT, 'models/lenet5.onnx')), 'lenet5.onnx');

async function run(m: ModelProto | Uint8Array, feeds: Record<string, HostTensor>, outputs?: string[]): Promise<Record<string, HostTensor>> {
  const bytes = m instanceof Uint8Array ? m : encodeModel(m);
  const s = await Session.create(nodeBackend, bytes, [], { label: 'lowered' });
  try {
    return await s.run(feeds, outputs);
  } finally {
    await s.dispose();
  }
}

function maxDiff(a: HostTensor, b: HostTensor): number {
  expect([...a.dims]).toEqual([...b.dims]);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(Number(a.data[i]) - Number(b.data[i])));
  return m;
}

function expectStandardOnly(m: ModelProto): void {
  expect(m.graph!.node.filter((n) => n.domain === 'edgetune')).toEqual([]);
  expect(m.functions.filter((f) => f.domain === 'edgetune')).toEqual([]);
  expect(m.opset_import.some((o) => o.domain === 'edgetune')).toBe(false);
  for (const n of m.graph!.node.filter((x) => x.op_type === 'Conv')) {
    const names = n.attribute.map((a) => a.name);
    expect(names, n.name).toEqual(expect.arrayContaining(['strides', 'dilations', 'pads']));
  }
}

const x = { input: { dims: [3, 1, 28, 28], data: randomFloats(seeded(5), 3 * 784, 0, 1) } };

describe('lowering LeNet-5', () => {
  it('for WebGPU: standard ops only, same logits as the original', async () => {
    const m = lenet();
    const original = (await run(m.runtimeProto(), x)).logits!;
    const lowered = lowerForWebgpu(encodeModel(m.runtimeProto()));
    expectStandardOnly(lowered);
    expect(maxDiff((await run(lowered, x)).logits!, original)).toBeLessThan(1e-5);
    expect(prepareForProvider(encodeModel(m.runtimeProto()), 'wasm')).toEqual(encodeModel(m.runtimeProto()));
  });

  it('for WebGL, inference: the masked C3 weight is folded into an initializer', async () => {
    const m = lenet();
    const original = (await run(m.runtimeProto(), x)).logits!;
    const { model: lowered, host } = lowerForWebgl(encodeModel(m.runtimeProto()));
    expectStandardOnly(lowered);
    expect(host).toEqual([]);
    const conv = lowered.graph!.node.find((n) => n.op_type === 'Conv' && n.output[0] === 'C3')!;
    const folded = lowered.graph!.initializer.find((t) => t.name === conv.input[1]);
    expect(folded).toBeDefined();
    expect(maxDiff((await run(lowered, x)).logits!, original)).toBeLessThan(1e-5);
  });

  it('for WebGL, training view: C3\'s weight becomes a host input computed from the fed weight', async () => {
    const m = lenet();
    const params = m.initializers.map((t) => t.name!);
    const view = trainingView(m, params, ['C3', 'S4']);
    const rng = seeded(9);
    const feeds: Record<string, HostTensor> = { ...x };
    for (const t of m.initializers) {
      const dims = t.dims.map((d) => num(d));
      feeds[t.name!] = { dims, data: randomFloats(rng, dims.reduce((a, b) => a * b, 1), -0.3, 0.3) };
    }
    const original = await run(view, feeds, ['logits', 'C3', 'S4']);
    const { model: lowered, host } = lowerForWebgl(encodeModel(view));
    expectStandardOnly(lowered);
    // the rank-0 types given to the saved outputs are for WebGL's loader, which never checks them; ONNX Runtime would
    for (const v of lowered.graph!.output) if (v.type?.tensor_type?.shape?.dim.length === 0) delete v.type;
    expect(host.map((h) => h.from)).toEqual([['C3.weight']]);
    expect(lowered.graph!.input.map((v) => v.name)).not.toContain('C3.weight');
    const loweredFeeds: Record<string, HostTensor> = {};
    for (const v of lowered.graph!.input) if (feeds[v.name!]) loweredFeeds[v.name!] = feeds[v.name!]!;
    for (const h of host) loweredFeeds[h.name] = { dims: h.dims, data: h.compute(h.from.map((f) => feeds[f]!.data as Float32Array)) };
    const got = await run(lowered, loweredFeeds, ['logits', 'C3', 'S4']);
    for (const k of ['logits', 'C3', 'S4']) expect(maxDiff(got[k]!, original[k]!), k).toBeLessThan(1e-5);
  });
});

/** A one-node edgetune.CombineMaps model; c is an initializer or (asInput) a graph input. */
function combineModel(I: number, J: number, c: Float32Array, bias: Float32Array, asInput: boolean): ModelProto {
  const n = node('CombineMaps', ['Z', 'c', 'bias'], ['Y'], {}, { domain: 'edgetune', name: 'M' });
  const inputs = [valueInfo('Z', DataType.FLOAT, ['N', I, 3, 4])];
  if (asInput) inputs.push(valueInfo('c', DataType.FLOAT, [I, J]));
  const inits = [floatTensor('bias', [J], bias), ...(asInput ? [] : [floatTensor('c', [I, J], c)])];
  const g = graph('combine', [n], inputs, [valueInfo('Y', DataType.FLOAT)], inits);
  return OnnxModel.fromBytes(encodeModel(model(g, { opsets: [opset('', 17)] }))).runtimeProto();
}

describe('lowering CombineMaps', () => {
  const rng = seeded(31);
  const [N, I, J] = [2, 5, 3];
  const z = { dims: [N, I, 3, 4], data: randomFloats(rng, N * I * 12) };
  const c = randomFloats(rng, I * J, -2, 2);
  const bias = randomFloats(rng, J);

  it('in-graph (WebGPU) and folded (WebGL) forms give the original outputs', async () => {
    const m = combineModel(I, J, c, bias, false);
    const original = (await run(m, { Z: z })).Y!;
    const gpu = lowerForWebgpu(encodeModel(m));
    expectStandardOnly(gpu);
    expect(maxDiff((await run(gpu, { Z: z })).Y!, original)).toBeLessThan(1e-5);
    const gl = lowerForWebgl(encodeModel(m));
    expect(gl.host).toEqual([]);
    expect(maxDiff((await run(gl.model, { Z: z })).Y!, original)).toBeLessThan(1e-5);
  });

  it('with c fed as an input, WebGL gets the 1×1 kernel as a host input', async () => {
    const m = combineModel(I, J, c, bias, true);
    const original = (await run(m, { Z: z, c: { dims: [I, J], data: c } })).Y!;
    const gl = lowerForWebgl(encodeModel(m));
    expect(gl.host).toHaveLength(1);
    const h = gl.host[0]!;
    expect(h.dims).toEqual([J, I, 1, 1]);
    const got = (await run(gl.model, { Z: z, [h.name]: { dims: h.dims, data: h.compute([c]) } })).Y!;
    expect(maxDiff(got, original)).toBeLessThan(1e-5);
  });
});

describe('host weight helpers', () => {
  it('maskWeight zeroes the kernels whose table entry is 0', () => {
    const w = Float32Array.from({ length: 2 * 3 * 2 }, (_, i) => i + 1);
    // J=2, I=3, kernels of 2 values; table rows j: [1,0,1], [0,1,0]
    expect(Array.from(maskWeight(w, [1, 0, 1, 0, 1, 0], 2, 3))).toEqual([1, 2, 0, 0, 5, 6, 0, 0, 9, 10, 0, 0]);
  });

  it('combineKernel is the transposed column softmax of c', () => {
    // c [I=2, J=2]: column 0 [0, ln 3] → [1/4, 3/4]; column 1 [5, 5] → [1/2, 1/2]
    const k = combineKernel(new Float32Array([0, 5, Math.log(3), 5]), 2, 2);
    const expected = [0.25, 0.75, 0.5, 0.5];
    k.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    const a = softmaxColumns(new Float32Array([1, 2, 3, 4, 5, 6]), 3, 2);
    const k2 = combineKernel(new Float32Array([1, 2, 3, 4, 5, 6]), 3, 2);
    for (let j = 0; j < 2; j++) for (let i = 0; i < 3; i++) expect(k2[j * 3 + i]).toBeCloseTo(a[i * 2 + j]!, 6);
  });
});

describe('pinBatch', () => {
  it('fixes the symbolic leading dim of fed inputs only and names them', () => {
    const m = cloneModel(decodeModel(readFileSync(path.join(ROOT, 'models/lenet5.onnx'))));
    expect(pinBatch(m, 4)).toEqual(['input']);
    const dims = decodeModel(encodeModel(m)).graph!.input[0]!.type!.tensor_type!.shape!.dim;
    expect(dims.map((d) => num(d.dim_value))).toEqual([4, 1, 28, 28]);
    expect(Object.prototype.hasOwnProperty.call(dims[0], 'dim_param')).toBe(false);
    expect(pinBatch(m, 2)).toEqual([]);
    expect(() => pinBatch(m, 0)).toThrow(/positive integer/);
  });
});
