import { describe, expect, it } from 'vitest';
import { npyToHost } from '../../src/cli/common.js';
import { encodeNpy, parseNpy } from '../../src/io/npy.js';
import { DataType } from '../../src/onnx/dtypes.js';

describe('npyToHost', () => {
  it('converts float64 to float32 where the model expects float', () => {
    const a = parseNpy(encodeNpy({ dtype: 'float64', shape: [2, 2], data: Float64Array.from([0.1, -2.5, 1e-3, 3]) }));
    const t = npyToHost(a, DataType.FLOAT);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.dims).toEqual([2, 2]);
    expect(Array.from(t.data as Float32Array)).toEqual(Array.from(Float32Array.from([0.1, -2.5, 1e-3, 3])));
    expect(t.type).toBeUndefined();
  });

  it('passes other arrays as stored', () => {
    const f64 = { dtype: 'float64' as const, shape: [3], data: Float64Array.from([1, 2, 3]) };
    expect(npyToHost(f64).data).toBe(f64.data);
    expect(npyToHost(f64, DataType.DOUBLE).data).toBe(f64.data);
    const f32 = { dtype: 'float32' as const, shape: [1], data: Float32Array.from([1]) };
    expect(npyToHost(f32, DataType.FLOAT).data).toBe(f32.data);
    const i64 = { dtype: 'int64' as const, shape: [1], data: BigInt64Array.from([1n]) };
    expect(npyToHost(i64, DataType.FLOAT).data).toBe(i64.data);
    const b = { dtype: 'bool' as const, shape: [1], data: Uint8Array.from([1]) };
    expect(npyToHost(b, DataType.BOOL).type).toBe('bool');
  });
});
