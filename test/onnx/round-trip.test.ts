import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Long from 'long';
import { describe, expect, it } from 'vitest';
import { edgetuneFunctions } from '../../customops/index.js';
import { attr, fieldTensor, floatTensor, fn, graph, int64Tensor, model, node, opset, rawTensor, tensorType, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { decodeModel, encodeModel } from '../../src/onnx/model-io.js';
import { readTensor } from '../../src/onnx/tensor-codec.js';
import { AttributeType, num, type Attribute, type GraphProto, type ModelProto, type TensorProto } from '../../src/onnx/types.js';
import { Model } from '../../src/node/model.js';
import { randomFloats, seeded } from '../helpers/random.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures/onnx');
const F = DataType.FLOAT;

/** decode → encode gives the same bytes, and a second decode equals the first. */
function expectRoundTrip(bytes: Uint8Array, label: string): ModelProto {
  const decoded = decodeModel(bytes, label);
  const again = encodeModel(decoded);
  expect(Buffer.from(again).equals(Buffer.from(bytes)), `${label}: re-encoded bytes differ`).toBe(true);
  // both decoded from plain Uint8Arrays, so bytes fields have the same class
  expect(decodeModel(new Uint8Array(again), label)).toStrictEqual(decodeModel(new Uint8Array(bytes), label));
  return decoded;
}

function emptyAttr(name: string, type: number): Attribute {
  return { name, type, floats: [], ints: [], strings: [], tensors: [], graphs: [], type_protos: [], sparse_tensors: [] };
}

function graphAttr(name: string, g: GraphProto): Attribute {
  return { ...emptyAttr(name, AttributeType.GRAPH), g };
}

// ---- a minimal protobuf wire writer, independent of protobufjs, for canonical bytes

function varint(v: bigint): number[] {
  let x = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) b |= 0x80;
    out.push(b);
  } while (x !== 0n);
  return out;
}
const key = (field: number, wire: number) => varint(BigInt((field << 3) | wire));
const vint = (field: number, v: number | bigint) => [...key(field, 0), ...varint(BigInt(v))];
const bytesField = (field: number, b: number[] | Uint8Array) => [...key(field, 2), ...varint(BigInt(b.length)), ...b];
const str = (field: number, s: string) => bytesField(field, new TextEncoder().encode(s));
const packedVarints = (field: number, vs: (number | bigint)[]) => bytesField(field, vs.flatMap((v) => varint(BigInt(v))));
function packedFloats(field: number, vs: number[]): number[] {
  const b = new Uint8Array(new Float32Array(vs).buffer);
  return bytesField(field, [...b]);
}

describe('decode → encode round trip', () => {
  it('the shipped models', async () => {
    for (const name of ['lenet5.onnx', 'cnn-6c2s12c2s.onnx']) {
      const m = expectRoundTrip(new Uint8Array(await readFile(join(ROOT, 'models', name))), name);
      expect(m.functions.length).toBe(3);
    }
  });

  it('a model with local functions and attribute_proto defaults', () => {
    const affine = fn('my.ops', 'Affine', ['X'], ['Y'], [
      node('Constant', [], ['a'], { value_float: { ref: 'alpha', type: 'float' } }),
      node('Constant', [], ['b'], { value_float: { ref: 'beta', type: 'float' } }),
      node('Mul', ['X', 'a'], ['Xa']),
      node('Add', ['Xa', 'b'], ['Y']),
    ], [], [opset('', 17)], 'Y = alpha * X + beta');
    affine.attribute_proto = [attr('alpha', { float: 0.5 }), attr('beta', { float: 0 }), attr('mode', 'linear'), attr('axes', [1, 2, 3])];
    affine.value_info = [valueInfo('Xa', F)];
    affine.metadata_props = [{ key: 'origin', value: 'test' }];
    affine.overload = 'v1';
    const g = graph('g', [node('Affine', ['x'], ['y'], { alpha: { float: 2 } }, { domain: 'my.ops', name: 'affine' })],
      [valueInfo('x', F, ['N', 4])], [valueInfo('y', F, ['N', 4])]);
    const m = model(g, { irVersion: 10, opsets: [opset('', 17), opset('my.ops', 1), opset('edgetune', 1)], functions: [affine, ...edgetuneFunctions(17)] });
    const decoded = expectRoundTrip(encodeModel(m), 'functions');
    const f = decoded.functions[0]!;
    expect(f.attribute_proto.map((a) => a.name)).toEqual(['alpha', 'beta', 'mode', 'axes']);
    expect(f.attribute_proto[0]!.f).toBe(0.5);
    expect(Object.prototype.hasOwnProperty.call(f.attribute_proto[1], 'f')).toBe(true);
    expect(f.attribute_proto[3]!.ints.map((v) => num(v))).toEqual([1, 2, 3]);
    expect(f.node[0]!.attribute[0]!.ref_attr_name).toBe('alpha');
    expect(f.overload).toBe('v1');
    expect(decoded.functions.slice(1).map((x) => x.name)).toEqual(['Subsample', 'CombineMaps', 'TableConv']);
  });

  it('a model with value_info, metadata_props, doc strings, sparse_initializer, training_info and If subgraphs', () => {
    const meta = (k: string) => [{ key: k, value: `${k}-value` }];
    const branch = (name: string, op: string): GraphProto => {
      const b = graph(name, [node(op, ['x'], [`${name}_y`], {}, { name: `${name}_node` })], [], [valueInfo(`${name}_y`, F, ['N', 4])]);
      b.doc_string = `${name} branch`;
      return b;
    };
    const thenBranch = branch('then', 'Relu');
    // an If nested inside the then-branch
    const inner = node('If', ['cond'], ['inner_y'], {}, { name: 'inner_if' });
    inner.attribute = [graphAttr('then_branch', branch('inner_then', 'Neg')), graphAttr('else_branch', branch('inner_else', 'Abs'))];
    thenBranch.node.push(inner);
    const ifNode = node('If', ['cond'], ['y'], {}, { name: 'if' });
    ifNode.attribute = [graphAttr('then_branch', thenBranch), graphAttr('else_branch', branch('else', 'Sigmoid'))];
    ifNode.doc_string = 'choose a branch';
    ifNode.metadata_props = meta('node');

    // an op of a custom domain carrying every attribute kind
    const custom = node('Everything', ['x'], ['z'], { i: 3, f: 1.5, s: 'text', ints: [1, -2], floats: [0.5, 2.5], strings: ['a', 'b'] }, { name: 'custom', domain: 'test.ops' });
    custom.attribute.push(attr('t', floatTensor('t', [2], [1, 2])));
    custom.attribute.push({ ...emptyAttr('ts', AttributeType.TENSORS), tensors: [int64Tensor('a', [1], [7]), floatTensor('b', [1], [8])] });
    custom.attribute.push({ ...emptyAttr('tp', AttributeType.TYPE_PROTO), tp: tensorType(F, [2, 'K']) });
    custom.attribute.push({ ...emptyAttr('sp', AttributeType.SPARSE_TENSOR), sparse_tensor: { values: floatTensor('', [1], [4]), indices: int64Tensor('', [1], [2]), dims: [3] } });
    custom.attribute.push({ ...emptyAttr('gs', AttributeType.GRAPHS), graphs: [branch('g0', 'Exp')] });
    custom.attribute[0]!.doc_string = 'an int';

    const w = floatTensor('W', [4], [1, 2, 3, 4]);
    w.doc_string = 'a weight';
    w.metadata_props = meta('tensor');
    const g = graph('main', [ifNode, custom, node('Mul', ['y', 'W'], ['out'], {}, { name: 'mul' })],
      [valueInfo('x', F, ['N', 4]), valueInfo('cond', DataType.BOOL, [])], [valueInfo('out', F, ['N', 4]), valueInfo('z', F)], [w]);
    g.doc_string = 'the main graph';
    g.metadata_props = meta('graph');
    const vi = valueInfo('y', F, ['N', 4]);
    vi.doc_string = 'If output';
    vi.metadata_props = meta('value_info');
    vi.type!.denotation = 'TENSOR';
    vi.type!.tensor_type!.shape!.dim[0]!.denotation = 'DATA_BATCH';
    g.value_info = [vi];
    g.sparse_initializer = [{ values: floatTensor('S', [2], [5, 6]), indices: int64Tensor('S_idx', [2], [1, 6]), dims: [2, 4] }];
    g.quantization_annotation = [{ tensor_name: 'W', quant_parameter_tensor_names: [{ key: 'SCALE_TENSOR', value: 'W_scale' }] }];

    const m = model(g, { irVersion: 10, opsets: [opset('', 17), opset('test.ops', 1)] });
    m.doc_string = 'a model with every optional part';
    m.domain = 'org.example';
    m.model_version = 0;
    m.producer_version = '';
    m.metadata_props = meta('model');
    const init = graph('init', [node('Constant', [], ['W_init'], { value: floatTensor('v', [4], [0, 0, 0, 0]) })], [], [valueInfo('W_init', F, [4])]);
    const algo = graph('algo', [node('Add', ['W', 'W'], ['W_new'])], [], [valueInfo('W_new', F, [4])]);
    m.training_info = [{ initialization: init, algorithm: algo, initialization_binding: [{ key: 'W', value: 'W_init' }], update_binding: [{ key: 'W', value: 'W_new' }] }];

    const d = expectRoundTrip(encodeModel(m), 'rich');
    expect(d.doc_string).toBe('a model with every optional part');
    // explicitly set defaults stay present
    expect(Object.prototype.hasOwnProperty.call(d, 'model_version')).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(d, 'producer_version')).toBe(true);
    expect(d.metadata_props).toEqual([{ key: 'model', value: 'model-value' }]);
    const dg = d.graph!;
    expect(dg.metadata_props[0]!.key).toBe('graph');
    expect(dg.value_info[0]!.doc_string).toBe('If output');
    expect(dg.value_info[0]!.type!.tensor_type!.shape!.dim[0]!.denotation).toBe('DATA_BATCH');
    expect(dg.sparse_initializer[0]!.dims.map((v) => num(v))).toEqual([2, 4]);
    expect(Array.from(readTensor(dg.sparse_initializer[0]!.values!).data as ArrayLike<number>)).toEqual([5, 6]);
    expect(dg.initializer[0]!.doc_string).toBe('a weight');
    const dIf = dg.node[0]!;
    expect(dIf.metadata_props[0]!.value).toBe('node-value');
    const dThen = dIf.attribute.find((a) => a.name === 'then_branch')!.g!;
    expect(dThen.node.map((n) => n.op_type)).toEqual(['Relu', 'If']);
    expect(dThen.node[1]!.attribute[1]!.g!.node[0]!.op_type).toBe('Abs');
    const dCustom = dg.node[1]!;
    expect(dCustom.attribute.map((a) => a.type)).toEqual([2, 1, 3, 7, 6, 8, 4, 9, 13, 11, 10]);
    expect(num(dCustom.attribute.find((a) => a.name === 'ints')!.ints[1])).toBe(-2);
    expect(d.training_info[0]!.update_binding).toEqual([{ key: 'W', value: 'W_new' }]);
    expect(d.training_info[0]!.initialization!.node[0]!.op_type).toBe('Constant');
  });

  it('int64 and float16 initializers in raw_data and in typed fields', () => {
    const big = [-(2n ** 63n), -1n, 0n, 2n ** 53n + 1n, 2n ** 63n - 1n];
    const i64Field = fieldTensor('i64_field', DataType.INT64, [5], []);
    i64Field.int64_data = big.map((v) => Long.fromString(v.toString(), false));
    const halfBits = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x7e00, 0xfc00];
    const g = graph('g', [node('Identity', ['x'], ['y'])], [valueInfo('x', F, [1])], [valueInfo('y', F, [1])], [
      rawTensor('i64_raw', DataType.INT64, [5], BigInt64Array.from(big)),
      i64Field,
      rawTensor('f16_raw', DataType.FLOAT16, [2, 3], Uint16Array.from(halfBits)),
      fieldTensor('f16_field', DataType.FLOAT16, [2, 3], halfBits),
    ]);
    const d = expectRoundTrip(encodeModel(model(g)), 'int64-float16');
    const read = (name: string) => readTensor(d.graph!.initializer.find((t) => t.name === name)!);
    expect(Array.from(read('i64_raw').data as BigInt64Array)).toEqual(big);
    expect(Array.from(read('i64_field').data as BigInt64Array)).toEqual(big);
    expect(Array.from(read('f16_raw').data as Uint16Array)).toEqual(halfBits);
    expect(Array.from(read('f16_field').data as Uint16Array)).toEqual(halfBits);
    const stored = (name: string) => d.graph!.initializer.find((t) => t.name === name)!;
    expect(Object.prototype.hasOwnProperty.call(stored('i64_field'), 'raw_data')).toBe(false);
    expect(stored('f16_field').int32_data).toEqual(halfBits);
  });

  it('a model with external data references', () => {
    const t = floatTensor('W', [2, 2], []);
    delete t.raw_data;
    t.data_location = 1;
    t.external_data = [{ key: 'location', value: 'weights.bin' }, { key: 'offset', value: '64' }, { key: 'length', value: '16' }];
    const g = graph('g', [node('Add', ['x', 'W'], ['y'])], [valueInfo('x', F, [2, 2])], [valueInfo('y', F, [2, 2])], [t]);
    const d = expectRoundTrip(encodeModel(model(g)), 'external');
    const dt = d.graph!.initializer[0]!;
    expect(dt.data_location).toBe(1);
    expect(dt.external_data.map((e) => [e.key, e.value])).toEqual([['location', 'weights.bin'], ['offset', '64'], ['length', '16']]);
    expect(Object.prototype.hasOwnProperty.call(dt, 'raw_data')).toBe(false);
  });

  it('bytes written by ONNX Runtime: test/fixtures/onnx/ort-optimized.onnx', async () => {
    // ort-optimized.onnx was serialized by onnxruntime-node 1.30.0 (optimizedModelFilePath,
    // graph optimization level 'basic') from ort-source.onnx; see make-fixtures.ts.
    const optimized = new Uint8Array(await readFile(join(FIXTURES, 'ort-optimized.onnx')));
    const source = new Uint8Array(await readFile(join(FIXTURES, 'ort-source.onnx')));
    const d = expectRoundTrip(optimized, 'ort-optimized.onnx');
    expectRoundTrip(source, 'ort-source.onnx');
    // ORT fused the Mul/Add into the Conv and imported its own domains: not our encoder's output
    expect(d.graph!.node.map((n) => n.op_type)).toEqual(['Conv', 'Relu', 'Flatten', 'Gemm']);
    expect(d.opset_import.map((o) => o.domain)).toContain('com.microsoft');
    // and it still computes what the source does
    const x = randomFloats(seeded(5), 2 * 3 * 6 * 6);
    const a = await Model.load(source);
    const b = await Model.load(optimized);
    try {
      const ya = (await a.run({ x: { dims: [2, 3, 6, 6], data: x } }))['y']!.data as Float32Array;
      const yb = (await b.run({ x: { dims: [2, 3, 6, 6], data: x } }))['y']!.data as Float32Array;
      expect(ya.length).toBe(6);
      for (let i = 0; i < 6; i++) expect(yb[i]).toBeCloseTo(ya[i]!, 4);
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });

  it('canonical bytes from an independent writer: explicit defaults, packed fields, negative varints', () => {
    // dims is unpacked (proto2 default), the typed data fields are declared packed
    const tensor = [...vint(1, 3), ...vint(2, DataType.INT8), ...packedVarints(5, [-1, 127, -128]), ...str(8, 'q')];
    const floats = [...vint(1, 2), ...vint(2, F), ...packedFloats(4, [1.5, -0.25]), ...str(8, 'f')];
    const i64 = [...vint(1, 2), ...vint(2, DataType.INT64), ...packedVarints(7, [-5n, 2n ** 62n]), ...str(8, 'l')];
    const dimN = bytesField(1, str(2, 'N'));
    const shape = bytesField(2, bytesField(1, [...vint(1, F), ...bytesField(2, dimN)]));
    const input = bytesField(11, [...str(1, 'x'), ...shape]);
    // unpacked repeated int64 (proto2 default) in an attribute
    const attribute = bytesField(5, [...str(1, 'perm'), ...vint(8, 1), ...vint(8, 0), ...vint(20, AttributeType.INTS)]);
    const nodeBytes = bytesField(1, [...str(1, 'x'), ...str(2, 'y'), ...str(4, 'Transpose'), ...attribute]);
    const graphBytes = [...nodeBytes, ...str(2, 'g'), ...bytesField(5, tensor), ...bytesField(5, floats), ...bytesField(5, i64), ...input];
    const modelBytes = new Uint8Array([
      ...vint(1, 8), ...str(2, ''), ...vint(5, 0), ...str(6, ''), ...bytesField(7, graphBytes), ...bytesField(8, [...str(1, ''), ...vint(2, 17)]),
    ]);
    const d = expectRoundTrip(modelBytes, 'hand-written');
    expect(Object.prototype.hasOwnProperty.call(d, 'model_version')).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(d, 'doc_string')).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(d, 'domain')).toBe(false);
    const [q, f, l] = d.graph!.initializer as [TensorProto, TensorProto, TensorProto];
    expect(Array.from(readTensor(q).data as ArrayLike<number>)).toEqual([-1, 127, -128]);
    expect(Array.from(readTensor(f).data as ArrayLike<number>)).toEqual([1.5, -0.25]);
    expect(Array.from(readTensor(l).data as BigInt64Array)).toEqual([-5n, 2n ** 62n]);
    expect(d.graph!.node[0]!.attribute[0]!.ints.map((v) => num(v))).toEqual([1, 0]);
    expect(d.graph!.input[0]!.type!.tensor_type!.shape!.dim[0]!.dim_param).toBe('N');
  });

  it('keeps fields this schema does not know (NodeProto field 10 of newer ONNX releases)', () => {
    // device_configurations (NodeProto field 10) postdates the schema; a reader that drops
    // unknown fields would silently lose it when a model is rewritten
    const unknown = bytesField(10, [...str(1, 'cfg')]);
    const nodeBytes = bytesField(1, [...str(1, 'x'), ...str(2, 'y'), ...str(4, 'Relu'), ...unknown]);
    const modelBytes = new Uint8Array([...vint(1, 10), ...bytesField(7, [...nodeBytes, ...str(2, 'g')]), ...bytesField(8, [...str(1, ''), ...vint(2, 17)])]);
    const d = decodeModel(modelBytes, 'newer.onnx');
    expect(Buffer.from(encodeModel(d)).toString('hex')).toBe(Buffer.from(modelBytes).toString('hex'));
  });
});
