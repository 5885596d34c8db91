import Long from 'long';
import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError, UnsupportedError } from '../../src/errors.js';
import { OnnxModel } from '../../src/model.js';
import { fieldTensor, floatTensor, graph, int64Tensor, model, node, rawTensor, valueInfo } from '../../src/onnx/builder.js';
import { DataType, type TypedArray } from '../../src/onnx/dtypes.js';
import { decodeModel, encodeModel } from '../../src/onnx/model-io.js';
import { elementCount, readTensor, writeTensor } from '../../src/onnx/tensor-codec.js';
import type { Int64, TensorProto } from '../../src/onnx/types.js';

type Value = number | bigint;

/**
 * Each numeric dtype as the ONNX spec (onnx.proto, TensorProto) describes it:
 * the typed array edgetune uses, the repeated field that carries it outside
 * raw_data and how a value is written there, and a little-endian byte writer.
 */
interface Case {
  name: string;
  code: number;
  Ctor: new (values: ArrayLike<Value> | number) => TypedArray;
  field: 'float_data' | 'int32_data' | 'int64_data' | 'double_data' | 'uint64_data';
  toField: (v: Value) => number | Long;
  bytes: number;
  putLE: (view: DataView, at: number, v: Value) => void;
  values: Value[];
}

const asNum = (v: Value) => Number(v);
const signedLong = (v: Value) => Long.fromString(v.toString(), false);
const unsignedLong = (v: Value) => Long.fromString(v.toString(), true);

const CASES: Case[] = [
  { name: 'float', code: 1, Ctor: Float32Array as never, field: 'float_data', toField: asNum, bytes: 4,
    putLE: (d, a, v) => d.setFloat32(a, Number(v), true), values: [0, -1.5, 3.4028234663852886e38, 1.401298464324817e-45, Math.fround(-0.1)] },
  { name: 'uint8', code: 2, Ctor: Uint8Array as never, field: 'int32_data', toField: asNum, bytes: 1,
    putLE: (d, a, v) => d.setUint8(a, Number(v)), values: [0, 1, 127, 128, 255] },
  { name: 'int8', code: 3, Ctor: Int8Array as never, field: 'int32_data', toField: asNum, bytes: 1,
    putLE: (d, a, v) => d.setInt8(a, Number(v)), values: [-128, -1, 0, 1, 127] },
  { name: 'uint16', code: 4, Ctor: Uint16Array as never, field: 'int32_data', toField: asNum, bytes: 2,
    putLE: (d, a, v) => d.setUint16(a, Number(v), true), values: [0, 1, 32768, 65535, 12345] },
  { name: 'int16', code: 5, Ctor: Int16Array as never, field: 'int32_data', toField: asNum, bytes: 2,
    putLE: (d, a, v) => d.setInt16(a, Number(v), true), values: [-32768, -1, 0, 1, 32767] },
  { name: 'int32', code: 6, Ctor: Int32Array as never, field: 'int32_data', toField: asNum, bytes: 4,
    putLE: (d, a, v) => d.setInt32(a, Number(v), true), values: [-2147483648, -1, 0, 1, 2147483647] },
  { name: 'int64', code: 7, Ctor: BigInt64Array as never, field: 'int64_data', toField: signedLong, bytes: 8,
    putLE: (d, a, v) => d.setBigInt64(a, BigInt(v), true), values: [-(2n ** 63n), -1n, 0n, 2n ** 53n + 1n, 2n ** 63n - 1n] },
  { name: 'bool', code: 9, Ctor: Uint8Array as never, field: 'int32_data', toField: asNum, bytes: 1,
    putLE: (d, a, v) => d.setUint8(a, Number(v)), values: [0, 1, 1, 0, 1] },
  { name: 'float16', code: 10, Ctor: Uint16Array as never, field: 'int32_data', toField: asNum, bytes: 2,
    putLE: (d, a, v) => d.setUint16(a, Number(v), true), values: [0x0000, 0x3c00, 0xc000, 0x7bff, 0xfc00] },
  { name: 'double', code: 11, Ctor: Float64Array as never, field: 'double_data', toField: asNum, bytes: 8,
    putLE: (d, a, v) => d.setFloat64(a, Number(v), true), values: [0, -1.5, 1.7976931348623157e308, 5e-324, 0.1] },
  { name: 'uint32', code: 12, Ctor: Uint32Array as never, field: 'uint64_data', toField: unsignedLong, bytes: 4,
    putLE: (d, a, v) => d.setUint32(a, Number(v), true), values: [0, 1, 2147483648, 4294967295, 123456789] },
  { name: 'uint64', code: 13, Ctor: BigUint64Array as never, field: 'uint64_data', toField: unsignedLong, bytes: 8,
    putLE: (d, a, v) => d.setBigUint64(a, BigInt(v), true), values: [0n, 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 53n + 1n] },
];

const TYPED_FIELDS = ['float_data', 'int32_data', 'int64_data', 'double_data', 'uint64_data'] as const;

function emptyTensor(name: string, code: number, dims: Int64[]): TensorProto {
  return { name, data_type: code, dims, float_data: [], int32_data: [], string_data: [], int64_data: [], double_data: [], uint64_data: [], external_data: [], metadata_props: [] };
}

function leBytes(c: Case, values: Value[]): Uint8Array {
  const out = new Uint8Array(values.length * c.bytes);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => c.putLE(view, i * c.bytes, v));
  return out;
}

function rawForm(c: Case, name: string, values: Value[]): TensorProto {
  const t = emptyTensor(name, c.code, [values.length]);
  t.raw_data = leBytes(c, values);
  return t;
}

function fieldForm(c: Case, name: string, values: Value[]): TensorProto {
  const t = emptyTensor(name, c.code, [values.length]);
  (t as unknown as Record<string, unknown>)[c.field] = values.map(c.toField);
  return t;
}

/** Put tensors through encode → decode so they look as a loaded model's do. */
function viaWire(tensors: TensorProto[]): TensorProto[] {
  const g = graph('g', [node('Identity', ['x'], ['y'])], [valueInfo('x', 1, [1])], [valueInfo('y', 1, [1])], tensors);
  return decodeModel(encodeModel(model(g))).graph!.initializer;
}

const has = (t: object, k: string) => Object.prototype.hasOwnProperty.call(t, k);

describe('readTensor / writeTensor for every numeric dtype', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      const replacement = [...c.values].reverse();

      it('reads raw_data and typed-field storage', () => {
        const [raw, field] = viaWire([rawForm(c, 'r', c.values), fieldForm(c, 'f', c.values)]) as [TensorProto, TensorProto];
        for (const t of [raw, field]) {
          const d = readTensor(t);
          expect(d.dtype).toBe(c.code);
          expect(d.dims).toEqual([5]);
          expect(d.data).toBeInstanceOf(c.Ctor);
          expect(Array.from(d.data as ArrayLike<Value>)).toEqual(c.values);
        }
        expect(readTensor(raw).name).toBe('r');
      });

      it('replaces values keeping name, dims, dtype and storage form', () => {
        const [raw, field] = viaWire([rawForm(c, 'r', c.values), fieldForm(c, 'f', c.values)]) as [TensorProto, TensorProto];
        const next = new c.Ctor(replacement);
        writeTensor(raw, next);
        writeTensor(field, next);
        // raw stays raw, little-endian
        expect(has(raw, 'raw_data')).toBe(true);
        expect(Array.from(raw.raw_data!)).toEqual(Array.from(leBytes(c, replacement)));
        for (const f of TYPED_FIELDS) expect(raw[f].length, f).toBe(0);
        // the field stays the field, and the others stay empty
        expect(has(field, 'raw_data')).toBe(false);
        for (const f of TYPED_FIELDS) expect(field[f].length, f).toBe(f === c.field ? 5 : 0);
        for (const t of [raw, field]) {
          expect(t.data_type).toBe(c.code);
          expect(t.dims.map(Number)).toEqual([5]);
        }
        expect(raw.name).toBe('r');
        expect(field.name).toBe('f');
        // the caller's array is not aliased
        next[0] = next[1]!;
        const [raw2, field2] = viaWire([raw, field]) as [TensorProto, TensorProto];
        expect(has(raw2, 'raw_data')).toBe(true);
        expect(has(field2, 'raw_data')).toBe(false);
        expect(Array.from(readTensor(raw2).data as ArrayLike<Value>)).toEqual(replacement);
        expect(Array.from(readTensor(field2).data as ArrayLike<Value>)).toEqual(replacement);
      });

      it('refuses new values of the wrong length or array type', () => {
        const [t] = viaWire([rawForm(c, 'w', c.values)]) as [TensorProto];
        expect(() => writeTensor(t, new c.Ctor(4), undefined, 'm.onnx')).toThrow(ModelFormatError);
        expect(() => writeTensor(t, new c.Ctor(4), undefined, 'm.onnx')).toThrow(/m\.onnx: initializer 'w'.*4 elements.*needs 5/);
        const Other = (c.Ctor === Float64Array ? Float32Array : Float64Array) as unknown as new (n: number) => TypedArray;
        expect(() => writeTensor(t, new Other(5), undefined, 'm.onnx')).toThrow(/m\.onnx: initializer 'w'.*Float(32|64)Array/);
        expect(Array.from(readTensor(t).data as ArrayLike<Value>)).toEqual(c.values);
      });
    });
  }
});

describe('tensor codec errors', () => {
  it('raw_data of the wrong size', () => {
    const t = floatTensor('w', [3], [1, 2, 3]);
    t.dims = [4];
    expect(() => readTensor(t, undefined, 'bad.onnx')).toThrow(ModelFormatError);
    expect(() => readTensor(t, undefined, 'bad.onnx')).toThrow(/bad\.onnx: initializer 'w'.*needs 16 bytes, raw data has 12/);
  });

  it('a typed field with the wrong count', () => {
    const t = emptyTensor('w', DataType.INT32, [3]);
    t.int32_data = [1, 2];
    expect(() => readTensor(t, undefined, 'bad.onnx')).toThrow(/bad\.onnx: initializer 'w'.*needs 3 values, int32_data has 2/);
  });

  it('string and unknown dtypes are unsupported, naming the tensor', () => {
    const s = emptyTensor('names', DataType.STRING, [1]);
    s.string_data = [new TextEncoder().encode('a')];
    expect(() => readTensor(s, undefined, 'm.onnx')).toThrow(UnsupportedError);
    expect(() => readTensor(s, undefined, 'm.onnx')).toThrow(/m\.onnx: initializer 'names'/);
    expect(() => writeTensor(emptyTensor('u', 99, [1]), new Float32Array(1))).toThrow(UnsupportedError);
  });

  it('bad dims', () => {
    expect(() => readTensor(emptyTensor('neg', DataType.FLOAT, [-1]))).toThrow(/invalid dimension -1/);
    expect(elementCount([2, 3, 4], 'x')).toBe(24);
    expect(elementCount([], 'x')).toBe(1);
    expect(() => elementCount([2 ** 20, 2 ** 20, 2 ** 20], 'x')).toThrow(/too large/);
  });

  it('external data without a store', () => {
    const t = emptyTensor('ext', DataType.FLOAT, [2]);
    t.data_location = 1;
    t.external_data = [{ key: 'location', value: 'w.bin' }];
    expect(() => readTensor(t, undefined, 'm.onnx')).toThrow(/m\.onnx: initializer 'ext'.*uses external data/);
    expect(() => writeTensor(t, new Float32Array(2), undefined, 'm.onnx')).toThrow(/initializer 'ext'/);
  });
});

describe('OnnxModel initializer access', () => {
  const g = graph('g', [node('Add', ['x', 'w'], ['y'])], [valueInfo('x', 1, [2])], [valueInfo('y', 1, [2])],
    [floatTensor('w', [2], [1, 2]), int64Tensor('shape', [2], [1, 2])]);
  const bytes = encodeModel(model(g));

  it('reads, replaces and re-encodes', () => {
    const m = OnnxModel.fromBytes(bytes, 'm.onnx');
    expect(Array.from(m.readFloat('w'))).toEqual([1, 2]);
    m.write('w', new Float32Array([5, 6]));
    const again = OnnxModel.fromBytes(m.toBytes());
    expect(Array.from(again.readFloat('w'))).toEqual([5, 6]);
    expect(Array.from(again.read('shape').data as BigInt64Array)).toEqual([1n, 2n]);
    // the other initializer's bytes are untouched
    expect(Buffer.from(again.initializer('shape').raw_data!).equals(Buffer.from(OnnxModel.fromBytes(bytes).initializer('shape').raw_data!))).toBe(true);
  });

  it('errors name the model and the initializer', () => {
    const m = OnnxModel.fromBytes(bytes, 'm.onnx');
    expect(() => m.read('nope')).toThrow(InputError);
    expect(() => m.read('nope')).toThrow(/m\.onnx: no initializer or Constant tensor named 'nope'/);
    expect(() => m.readFloat('shape')).toThrow(/m\.onnx: initializer 'shape' is int64, not float32/);
  });
});

describe('builder.fieldTensor follows the ONNX field rules', () => {
  it('uint32 and uint64 go to uint64_data', () => {
    const u32 = fieldTensor('u32', DataType.UINT32, [2], [1, 4294967295]);
    const u64 = fieldTensor('u64', DataType.UINT64, [2], [1n, 2n]);
    expect(u32.uint64_data.length).toBe(2);
    expect(u64.uint64_data.length).toBe(2);
    expect(u32.int32_data.length).toBe(0);
    expect(Array.from(readTensor(viaWire([u32])[0]!).data as ArrayLike<number>)).toEqual([1, 4294967295]);
    expect(Array.from(readTensor(viaWire([u64])[0]!).data as BigUint64Array)).toEqual([1n, 2n]);
  });

  it('int64 values beyond 2^53 keep every bit', () => {
    const t = fieldTensor('i64', DataType.INT64, [2], [2n ** 53n + 1n, -(2n ** 63n)]);
    expect(Array.from(readTensor(viaWire([t])[0]!).data as BigInt64Array)).toEqual([2n ** 53n + 1n, -(2n ** 63n)]);
  });

  it('rawTensor copies the caller\'s data', () => {
    const data = new Float32Array([1, 2]);
    const t = rawTensor('r', DataType.FLOAT, [2], data);
    data[0] = 9;
    expect(Array.from(readTensor(t).data as ArrayLike<number>)).toEqual([1, 2]);
  });
});
