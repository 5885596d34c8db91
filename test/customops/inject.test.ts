import { describe, expect, it } from 'vitest';
import { edgetuneFunctions, ensureEdgetuneFunctions } from '../../customops/index.js';
import { UnsupportedError } from '../../src/errors.js';
import { floatTensor, fn, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { cloneModel, encodeModel } from '../../src/onnx/model-io.js';
import { FunctionProtoType, GraphProtoType } from '../../src/onnx/schema.js';
import { AttributeType, num, type Attribute, type FunctionProto, type GraphProto, type ModelProto, type NodeProto } from '../../src/onnx/types.js';
import { OnnxModel } from '../../src/model.js';
import { Model } from '../../src/node/model.js';

const F = DataType.FLOAT;
const ET = { domain: 'edgetune' };

function modelWith(nodes: NodeProto[], opts: { opsetVersion?: number; irVersion?: number; functions?: FunctionProto[]; edgetuneImport?: boolean } = {}): ModelProto {
  const g = graph('g', nodes, [valueInfo('X', F, ['N', 2, 8, 8])], [valueInfo('Y', F)],
    [floatTensor('beta', [2], [0.25, 0.25]), floatTensor('bias', [2], [0, 0]), floatTensor('W', [2, 2, 3, 3], new Float32Array(36).fill(0.1)),
      floatTensor('c', [2, 2], [0, 0, 0, 0])]);
  const opsets = [opset('', opts.opsetVersion ?? 17)];
  if (opts.edgetuneImport) opsets.push(opset('edgetune', 1));
  return model(g, { irVersion: opts.irVersion ?? 8, opsets, functions: opts.functions ?? [] });
}

const subsample = (x: string, y: string) => node('Subsample', [x, 'beta', 'bias'], [y], { size: 2 }, { name: y, ...ET });
const tableConv = (x: string, y: string) => node('TableConv', [x, 'W'], [y], { table: [1, 0, 1, 1] }, { name: y, ...ET });
const combine = (x: string, y: string) => node('CombineMaps', [x, 'c', 'bias'], [y], {}, { name: y, ...ET });

function graphAttr(name: string, g: GraphProto): Attribute {
  return { name, type: AttributeType.GRAPH, g, floats: [], ints: [], strings: [], tensors: [], graphs: [], type_protos: [], sparse_tensors: [] };
}

const fnBytes = (f: FunctionProto) => Buffer.from(FunctionProtoType.encode(f as unknown as Record<string, unknown>).finish());
const graphBytes = (m: ModelProto) => Buffer.from(GraphProtoType.encode(m.graph as unknown as Record<string, unknown>).finish());

describe('ensureEdgetuneFunctions', () => {
  it('adds exactly the missing definitions, the edgetune opset import and IR 9', () => {
    const m = modelWith([subsample('X', 'a'), tableConv('a', 'Y')], { opsetVersion: 15 });
    const before = graphBytes(m);
    const added = ensureEdgetuneFunctions(m, 'two-ops.onnx');
    expect(added.sort()).toEqual(['Subsample', 'TableConv']);
    expect(m.functions.map((f) => `${f.domain}.${f.name}`).sort()).toEqual(['edgetune.Subsample', 'edgetune.TableConv']);
    for (const f of m.functions) expect(f.opset_import.map((o) => [o.domain, num(o.version)])).toEqual([['', 15]]);
    expect(m.opset_import.map((o) => [o.domain, num(o.version)])).toEqual([['', 15], ['edgetune', 1]]);
    expect(num(m.ir_version)).toBe(9);
    expect(graphBytes(m).equals(before)).toBe(true);
    // the added definitions are the library's own, for the model's opset
    const lib = new Map(edgetuneFunctions(15).map((f) => [f.name, fnBytes(f)]));
    for (const f of m.functions) expect(fnBytes(f).equals(lib.get(f.name)!)).toBe(true);
  });

  it('is idempotent: a second call adds nothing', () => {
    const m = modelWith([subsample('X', 'Y')]);
    expect(ensureEdgetuneFunctions(m)).toEqual(['Subsample']);
    const bytes = Buffer.from(encodeModel(m));
    expect(ensureEdgetuneFunctions(m)).toEqual([]);
    expect(Buffer.from(encodeModel(m)).equals(bytes)).toBe(true);
  });

  it('keeps a definition the model already has, untouched, and adds only the others', () => {
    const own = fn('edgetune', 'Subsample', ['X', 'beta', 'bias'], ['Y'], [node('Identity', ['X'], ['Y'])], ['size'], [opset('', 17)], 'the model\'s own Subsample');
    own.attribute_proto = [];
    const m = modelWith([subsample('X', 'a'), combine('a', 'Y')], { functions: [own], edgetuneImport: true });
    const ownBefore = fnBytes(own);
    const added = ensureEdgetuneFunctions(m);
    expect(added).toEqual(['CombineMaps']);
    expect(m.functions.length).toBe(2);
    expect(m.functions[0]).toBe(own);
    expect(fnBytes(m.functions[0]!).equals(ownBefore)).toBe(true);
    expect(m.functions[1]!.name).toBe('CombineMaps');
    expect(m.opset_import.filter((o) => o.domain === 'edgetune').length).toBe(1);
  });

  it('leaves a model without edgetune ops byte-identical', () => {
    const m = modelWith([node('Relu', ['X'], ['Y'])]);
    const bytes = Buffer.from(encodeModel(m));
    expect(ensureEdgetuneFunctions(m)).toEqual([]);
    expect(Buffer.from(encodeModel(m)).equals(bytes)).toBe(true);
  });

  it('keeps an IR version above 9', () => {
    const m = modelWith([subsample('X', 'Y')], { irVersion: 10 });
    ensureEdgetuneFunctions(m);
    expect(num(m.ir_version)).toBe(10);
  });

  it('finds edgetune ops used inside another local function', () => {
    const wrapper = fn('my.domain', 'Block', ['X', 'beta', 'bias'], ['Y'], [node('Subsample', ['X', 'beta', 'bias'], ['Y'], {}, ET)], [],
      [opset('', 17), opset('edgetune', 1)]);
    const m = modelWith([node('Block', ['X', 'beta', 'bias'], ['Y'], {}, { domain: 'my.domain' })], { functions: [wrapper] });
    m.opset_import.push(opset('my.domain', 1));
    expect(ensureEdgetuneFunctions(m)).toEqual(['Subsample']);
  });

  it('finds edgetune ops used inside a subgraph (If branch)', () => {
    const branch = (name: string) => graph(name, [subsample('X', `${name}_y`)], [], [valueInfo(`${name}_y`, F)]);
    const ifNode = node('If', ['cond'], ['Y'], {}, { name: 'if' });
    ifNode.attribute = [graphAttr('then_branch', branch('then')), graphAttr('else_branch', branch('else'))];
    const m = modelWith([ifNode]);
    m.graph!.input.push(valueInfo('cond', DataType.BOOL, []));
    expect(ensureEdgetuneFunctions(m, 'nested.onnx')).toEqual(['Subsample']);
    expect(m.functions.map((f) => f.name)).toEqual(['Subsample']);
  });

  it('an unknown edgetune op fails with an error naming it', () => {
    const m = modelWith([subsample('X', 'a'), node('Foo', ['a'], ['Y'], {}, ET)]);
    expect(() => ensureEdgetuneFunctions(m, 'foo.onnx')).toThrow(UnsupportedError);
    expect(() => ensureEdgetuneFunctions(cloneModel(m), 'foo.onnx')).toThrow(/foo\.onnx: unknown op edgetune\.Foo/);
    expect(() => OnnxModel.fromBytes(encodeModel(m), 'foo.onnx')).toThrow(/edgetune\.Foo/);
  });

  it('a default opset below 13 gets a clear error', () => {
    const m = modelWith([subsample('X', 'Y')], { opsetVersion: 12 });
    let err: unknown;
    try { OnnxModel.fromBytes(encodeModel(m), 'old.onnx'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(UnsupportedError);
    expect((err as Error).message).toMatch(/^old\.onnx: /);
    expect((err as Error).message).toMatch(/at least 13/);
    expect((err as Error).message).toMatch(/imports 12/);
  });

  it('a model with an opset below 13 that carries its own definitions still loads', () => {
    const own = edgetuneFunctions(13).find((f) => f.name === 'Subsample')!;
    const m = modelWith([subsample('X', 'Y')], { opsetVersion: 12, functions: [own], edgetuneImport: true });
    expect(OnnxModel.fromBytes(encodeModel(m)).injected).toEqual([]);
  });

  it('an injected model runs in ONNX Runtime', async () => {
    const m = await Model.load(encodeModel(modelWith([subsample('X', 'a'), tableConv('a', 'b'), combine('b', 'Y')], { opsetVersion: 13 })));
    try {
      expect(m.onnx.injected.sort()).toEqual(['CombineMaps', 'Subsample', 'TableConv']);
      const y = (await m.run({ X: { dims: [1, 2, 8, 8], data: new Float32Array(128).fill(1) } }))['Y']!;
      // Subsample of ones: 4·¼ = 1; TableConv row 0 sees input 0, row 1 both: 0.9, 1.8 at the centre (2×2 map, no pads)
      expect(y.dims).toEqual([1, 2, 2, 2]);
      for (const v of y.data as Float32Array) expect(v).toBeCloseTo((0.9 + 1.8) / 2, 5);
    } finally {
      await m.dispose();
    }
  });
});
