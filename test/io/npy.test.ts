import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../src/io/errors.js';
import { encodeNpy, parseNpy, readNpy, writeNpy, type NpyArray } from '../../src/io/npy.js';

/*
 * The fixtures under test/fixtures/io/*.npy were written by numpy 2.4.6, run in
 * that folder:
 *
 *   import numpy as np
 *   from numpy.lib import format as fmt
 *   np.save('f4-2x3.npy', np.array([[1.5, -2, 3], [0.25, 1e-3, -7e10]], dtype='<f4'))
 *   np.save('f8-scalar.npy', np.array(3.141592653589793, dtype='<f8'))
 *   np.save('i4-4.npy', np.array([-2147483648, -1, 0, 2147483647], dtype='<i4'))
 *   np.save('i8-0x3.npy', np.zeros((0, 3), dtype='<i8'))
 *   np.save('i8-3.npy', np.array([-9223372036854775808, 1, 9223372036854775807], dtype='<i8'))
 *   np.save('u1-2x2.npy', np.array([[0, 1], [254, 255]], dtype='|u1'))
 *   np.save('b1-3.npy', np.array([True, False, True]))
 *   with open('f4-v2.npy', 'wb') as f: fmt.write_array(f, np.array([1, 2], dtype='<f4'), version=(2, 0))
 *   with open('f4-v3.npy', 'wb') as f: fmt.write_array(f, np.array([1, 2], dtype='<f4'), version=(3, 0))
 *   np.save('f4-fortran.npy', np.asfortranarray(np.arange(6, dtype='<f4').reshape(2, 3)))
 *   np.save('f4-bigendian.npy', np.array([1, 2], dtype='>f4'))
 *   np.save('f4-18d.npy', np.full((1,)*18, 2.5, dtype='<f4'))
 *
 * f4-18d.npy is there because numpy's spare header space for the leading axis
 * pushes its data start from byte 128 to byte 192.
 */
const FIXTURES = fileURLToPath(new URL('../fixtures/io/', import.meta.url));
const fixture = (name: string): Promise<Uint8Array> => readFile(join(FIXTURES, name));

/** Builds a .npy file by hand from the published layout: magic, version, LE length, header text, data. */
function handNpy(header: string, data: Uint8Array | number[] = [], major = 1, declaredLen?: number): Uint8Array {
  const text = new TextEncoder().encode(header);
  const prefix = major === 1 ? 10 : 12;
  const out = new Uint8Array(prefix + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  const len = declaredLen ?? text.length;
  if (major === 1) view.setUint16(8, len, true);
  else view.setUint32(8, len, true);
  out.set(text, prefix);
  out.set(data, prefix + text.length);
  return out;
}

const f4Header = (shape: string): string => `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }\n`;

function expectFormatError(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(FormatError);
  const err = caught as FormatError;
  expect(err.name).toBe('FormatError');
  expect(err.message).toMatch(pattern);
  expect(err.message).not.toContain('\n');
}

describe('parseNpy on numpy-written files', () => {
  it('reads float32 2x3', async () => {
    const a = parseNpy(await fixture('f4-2x3.npy'));
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([2, 3]);
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(Array.from(a.data as Float32Array)).toEqual([1.5, -2, 3, 0.25, Math.fround(1e-3), Math.fround(-7e10)]);
  });

  it('reads a 0-d float64', async () => {
    const a = parseNpy(await fixture('f8-scalar.npy'));
    expect(a).toEqual({ dtype: 'float64', shape: [], data: new Float64Array([3.141592653589793]) });
  });

  it('reads int32 extremes', async () => {
    const a = parseNpy(await fixture('i4-4.npy'));
    expect(a).toEqual({ dtype: 'int32', shape: [4], data: new Int32Array([-2147483648, -1, 0, 2147483647]) });
  });

  it('reads int64 extremes as BigInt64Array', async () => {
    const a = parseNpy(await fixture('i8-3.npy'));
    expect(a.dtype).toBe('int64');
    expect(Array.from(a.data as BigInt64Array)).toEqual([-9223372036854775808n, 1n, 9223372036854775807n]);
  });

  it('reads an empty (0,3) int64 array', async () => {
    const a = parseNpy(await fixture('i8-0x3.npy'));
    expect(a.shape).toEqual([0, 3]);
    expect(a.data).toBeInstanceOf(BigInt64Array);
    expect(a.data.length).toBe(0);
  });

  it('reads uint8 and bool', async () => {
    expect(parseNpy(await fixture('u1-2x2.npy'))).toEqual({ dtype: 'uint8', shape: [2, 2], data: new Uint8Array([0, 1, 254, 255]) });
    expect(parseNpy(await fixture('b1-3.npy'))).toEqual({ dtype: 'bool', shape: [3], data: new Uint8Array([1, 0, 1]) });
  });

  it('reads an 18-d array whose data starts at byte 192', async () => {
    const bytes = await fixture('f4-18d.npy');
    expect(bytes.length).toBe(196);
    expect(parseNpy(bytes)).toEqual({ dtype: 'float32', shape: new Array(18).fill(1), data: new Float32Array([2.5]) });
  });

  it('reads format versions 2.0 and 3.0', async () => {
    for (const name of ['f4-v2.npy', 'f4-v3.npy']) {
      const bytes = await fixture(name);
      expect(bytes[6]).toBe(name === 'f4-v2.npy' ? 2 : 3);
      expect(parseNpy(bytes)).toEqual({ dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) });
    }
  });

  it('encodes byte-identically to numpy.save', async () => {
    const names = ['f4-2x3.npy', 'f8-scalar.npy', 'i4-4.npy', 'i8-3.npy', 'i8-0x3.npy', 'u1-2x2.npy', 'b1-3.npy', 'f4-18d.npy'];
    for (const name of names) {
      const bytes = await fixture(name);
      expect(Buffer.from(encodeNpy(parseNpy(bytes))).equals(Buffer.from(bytes)), name).toBe(true);
    }
  });

  it('refuses Fortran order and big-endian data', async () => {
    const fortran = await fixture('f4-fortran.npy');
    expectFormatError(() => parseNpy(fortran, 'f.npy'), /^f\.npy: .*Fortran order/);
    const big = await fixture('f4-bigendian.npy');
    expectFormatError(() => parseNpy(big, 'b.npy'), /^b\.npy: .*'>f4' is big-endian/);
  });
});

describe('encodeNpy / parseNpy round trip', () => {
  const cases: NpyArray[] = [
    { dtype: 'float32', shape: [2, 3], data: new Float32Array([0, -1.5, 3.25, Infinity, -0, 1e-30]) },
    { dtype: 'float64', shape: [], data: new Float64Array([-Math.PI]) },
    { dtype: 'int32', shape: [1, 1, 4], data: new Int32Array([7, -7, 2 ** 31 - 1, -(2 ** 31)]) },
    { dtype: 'int64', shape: [3], data: new BigInt64Array([2n ** 62n, -5n, 0n]) },
    { dtype: 'uint8', shape: [5], data: new Uint8Array([0, 9, 128, 200, 255]) },
    { dtype: 'bool', shape: [2, 2], data: new Uint8Array([1, 0, 0, 1]) },
    { dtype: 'float32', shape: [0], data: new Float32Array(0) },
    { dtype: 'int64', shape: [4, 0, 2], data: new BigInt64Array(0) },
    { dtype: 'bool', shape: [], data: new Uint8Array([1]) },
    { dtype: 'uint8', shape: [], data: new Uint8Array([42]) },
  ];
  for (const arr of cases) {
    it(`${arr.dtype} shape [${arr.shape.join(',')}]`, () => {
      const bytes = encodeNpy(arr);
      // numpy aligns the data start to 64 bytes; the 1.0 header length is at bytes 8..9.
      const headerLen = bytes[8]! | (bytes[9]! << 8);
      expect((10 + headerLen) % 64).toBe(0);
      expect(bytes[6]).toBe(1);
      expect(parseNpy(bytes)).toEqual(arr);
    });
  }

  it('copies data found at an odd offset into an aligned array', () => {
    const bytes = encodeNpy({ dtype: 'float64', shape: [2], data: new Float64Array([1.25, -8]) });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const a = parseNpy(shifted.subarray(3));
    expect(a.data.byteOffset % 8).toBe(0);
    expect(Array.from(a.data as Float64Array)).toEqual([1.25, -8]);
    shifted[shifted.length - 1] = 0x7f;
    expect((a.data as Float64Array)[1]).toBe(-8);
  });

  it('writes format 2.0 when the header exceeds 65535 bytes', () => {
    const shape = new Array<number>(22000).fill(1);
    const bytes = encodeNpy({ dtype: 'uint8', shape, data: new Uint8Array([3]) });
    expect(bytes[6]).toBe(2);
    expect((12 + new DataView(bytes.buffer).getUint32(8, true)) % 64).toBe(0);
    const back = parseNpy(bytes);
    expect(back.shape.length).toBe(22000);
    expect(Array.from(back.data as Uint8Array)).toEqual([3]);
  });

  it('stores any non-zero bool as 1 and reads any non-zero bool byte as 1', () => {
    const bytes = encodeNpy({ dtype: 'bool', shape: [3], data: new Uint8Array([0, 7, 255]) });
    expect(Array.from(bytes.subarray(bytes.length - 3))).toEqual([0, 1, 1]);
    const hand = handNpy(`{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }\n`, [2, 0]);
    expect(Array.from(parseNpy(hand).data as Uint8Array)).toEqual([1, 0]);
  });

  it('refuses arrays whose data does not match dtype or shape', () => {
    expect(() => encodeNpy({ dtype: 'float32', shape: [2], data: new Float64Array(2) })).toThrow(TypeError);
    expect(() => encodeNpy({ dtype: 'float32', shape: [3], data: new Float32Array(2) })).toThrow(/needs 3 values but data holds 2/);
    expect(() => encodeNpy({ dtype: 'uint8', shape: [-1], data: new Uint8Array(0) })).toThrow(RangeError);
  });
});

describe('parseNpy on hand-built headers', () => {
  const f4 = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);

  it('accepts a minimal valid header with double quotes and = / | byte orders', () => {
    const a = handNpy(`{"descr": "=f4", "shape": (2,), "fortran_order": False}`, f4([1, 2]));
    expect(parseNpy(a)).toEqual({ dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) });
    const b = handNpy(`{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2), }`, [5, 6]);
    expect(parseNpy(b).data).toEqual(new Uint8Array([5, 6]));
  });

  it('refuses wrong magic and truncated prefixes', () => {
    expectFormatError(() => parseNpy(new TextEncoder().encode('PK\x03\x04 not numpy at all'), 'x.npy'), /^x\.npy: not a \.npy file/);
    expectFormatError(() => parseNpy(new Uint8Array(0)), /not a \.npy file/);
    const good = handNpy(f4Header('(1,)'), f4([1]));
    expectFormatError(() => parseNpy(good.subarray(0, 7)), /truncated/);
    expectFormatError(() => parseNpy(good.subarray(0, 9)), /truncated/);
  });

  it('refuses unknown versions', () => {
    const bad = handNpy(f4Header('(1,)'), f4([1]));
    bad[6] = 4;
    expectFormatError(() => parseNpy(bad), /version 4\.0 is not supported/);
  });

  it('refuses a header length pointing past the end', () => {
    const header = f4Header('(1,)');
    expectFormatError(() => parseNpy(handNpy(header, f4([1]), 1, 5000), 'x.npy'), /^x\.npy: \.npy header length 5000 points past the end/);
    expectFormatError(() => parseNpy(handNpy(header, [], 2, 0xfffff)), /points past the end/);
  });

  it('refuses headers over 1 MiB before reading them', () => {
    expectFormatError(() => parseNpy(handNpy(f4Header('(1,)'), f4([1]), 2, 0xffffffff)), /4294967295 bytes exceeds the 1048576-byte limit/);
    expectFormatError(() => parseNpy(handNpy(f4Header('(1,)'), f4([1]), 3, 1024 * 1024 + 1)), /exceeds the 1048576-byte limit/);
  });

  it('refuses headers that are not a dict', () => {
    for (const header of ["['descr', '<f4']", "'abc'", '', 'descr: <f4', "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", "{'descr': '<f4'} extra"]) {
      expectFormatError(() => parseNpy(handNpy(header, f4([1])), 'x.npy'), /^x\.npy: \.npy header is not a Python dict literal/);
    }
  });

  it('refuses runaway nesting without overflowing the stack', () => {
    const header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${'('.repeat(100000)}`;
    expectFormatError(() => parseNpy(handNpy(header, [], 3)), /nesting too deep/);
  });

  it('refuses missing or extra keys', () => {
    expectFormatError(() => parseNpy(handNpy(`{'descr': '<f4', 'shape': (1,)}`, f4([1]))), /keys \[descr, shape\]/);
    expectFormatError(
      () => parseNpy(handNpy(`{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}`, f4([1]))),
      /are not exactly descr, fortran_order, shape/,
    );
  });

  it('refuses bad shapes', () => {
    for (const shape of ['(-1,)', '(2.5,)', "('3',)", '(None,)', '[1]', '3', '(99999999999999999999,)']) {
      expectFormatError(() => parseNpy(handNpy(f4Header(shape), f4([1]))), /shape/);
    }
  });

  it('refuses a non-boolean fortran_order', () => {
    const header = `{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }`;
    expectFormatError(() => parseNpy(handNpy(header, f4([1]))), /fortran_order/);
  });

  it('refuses unsupported, object and structured dtypes', () => {
    const header = (descr: string): string => `{'descr': ${descr}, 'fortran_order': False, 'shape': (1,), }`;
    expectFormatError(() => parseNpy(handNpy(header("'<i2'"), [0, 0])), /dtype '<i2' is not supported/);
    expectFormatError(() => parseNpy(handNpy(header("'<c8'"), f4([1, 2]))), /dtype '<c8' is not supported/);
    expectFormatError(() => parseNpy(handNpy(header("'|O'"), new Uint8Array(8))), /object arrays are not supported/);
    expectFormatError(() => parseNpy(handNpy(header("[('a', '<f4')]"), f4([1]))), /structured dtypes/);
    expectFormatError(() => parseNpy(handNpy(header("'|f4'"), f4([1]))), /lacks a byte order/);
    expectFormatError(() => parseNpy(handNpy(header('3'), f4([1]))), /'descr' is not a dtype string/);
  });

  it('refuses data shorter or longer than the shape needs', () => {
    expectFormatError(
      () => parseNpy(handNpy(f4Header('(3, 4)'), f4(new Array(10).fill(0))), 'x.npy'),
      /^x\.npy: \.npy header declares shape \(3,4\) float32 = 48 bytes but 40 bytes follow$/,
    );
    expectFormatError(() => parseNpy(handNpy(f4Header('(2,)'), f4([1, 2, 3]))), /shape \(2,\) float32 = 8 bytes but 12 bytes follow/);
    expectFormatError(() => parseNpy(handNpy(f4Header('(0,)'), f4([1]))), /= 0 bytes but 4 bytes follow/);
  });

  it('refuses absurd declared sizes without allocating them', () => {
    const shape = `(${new Array(40).fill(9007199254740991).join(', ')})`;
    expectFormatError(() => parseNpy(handNpy(f4Header(shape), f4([1]))), /= over 2\^64 bytes but 4 bytes follow/);
    expectFormatError(() => parseNpy(handNpy(f4Header('(100000, 100000)'), f4([1]))), /= 40000000000 bytes but 4 bytes follow/);
  });
});

describe('readNpy / writeNpy', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'npy-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips through a file and leaves no temporary files', async () => {
    const path = join(dir, 'a.npy');
    const arr: NpyArray = { dtype: 'int32', shape: [2, 2], data: new Int32Array([1, 2, 3, 4]) };
    await writeNpy(path, arr);
    await writeNpy(path, { ...arr, data: new Int32Array([5, 6, 7, 8]) });
    expect(await readNpy(path)).toEqual({ ...arr, data: new Int32Array([5, 6, 7, 8]) });
    expect(await readdir(dir)).toEqual(['a.npy']);
  });

  it('names the path in format errors', async () => {
    const path = join(dir, 'bad.npy');
    await writeFile(path, handNpy(f4Header('(3,)'), new Uint8Array(new Float32Array([1]).buffer)));
    const err = await readNpy(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).file).toBe(path);
    expect((err as FormatError).message.startsWith(`${path}: .npy header declares shape (3,)`)).toBe(true);
  });

  it('leaves the target untouched and cleans up when the write fails', async () => {
    const path = join(dir, 'missing-dir', 'x.npy');
    await expect(writeNpy(path, { dtype: 'uint8', shape: [1], data: new Uint8Array([1]) })).rejects.toThrow(/x\.npy: cannot write \(no such file or folder\)/);
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});
