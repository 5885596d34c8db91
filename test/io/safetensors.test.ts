import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../src/io/errors.js';
import { encodeSafetensors, parseSafetensors, readSafetensors, writeSafetensors, type SafeTensor } from '../../src/io/safetensors.js';

/** Assembles a file from the spec: u64 LE header length, the header text as given, then the buffer bytes. */
function handFile(headerText: string, buffer: number[] | Uint8Array = [], declaredLen?: bigint): Uint8Array {
  const h = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + h.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, declaredLen ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(buffer, 8 + h.length);
  return out;
}

function expectFormatError(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(FormatError);
  expect((caught as Error).name).toBe('FormatError');
  expect((caught as Error).message).toMatch(pattern);
  expect((caught as Error).message).not.toContain('\n');
}

describe('encodeSafetensors', () => {
  it('matches a file assembled by hand from the format spec', () => {
    const json = '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"m":{"dtype":"U8","shape":[1,3],"data_offsets":[8,11]}}';
    expect(json.length).toBe(140);
    const padded = json + '    '; // 144 = 18 * 8
    // 1.0f = 00 00 80 3f, -2.0f = 00 00 00 c0
    const expected = handFile(padded, [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, 7, 8, 9]);
    expect(Array.from(expected.subarray(0, 8))).toEqual([144, 0, 0, 0, 0, 0, 0, 0]);

    const bytes = encodeSafetensors(
      { w: { dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) }, m: { dtype: 'U8', shape: [1, 3], data: new Uint8Array([7, 8, 9]) } },
      { format: 'pt' },
    );
    expect(Buffer.from(bytes).equals(Buffer.from(expected))).toBe(true);
  });

  it('pads the header to 8 bytes and omits __metadata__ when none is given', () => {
    const bytes = encodeSafetensors(new Map([['x', { dtype: 'I8', shape: [], data: new Int8Array([-3]) } satisfies SafeTensor]]));
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd()).toBe('{"x":{"dtype":"I8","shape":[],"data_offsets":[0,1]}}');
    expect(bytes[bytes.length - 1]).toBe(0xfd);
  });

  it('refuses inconsistent tensors', () => {
    expect(() => encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float64Array(2) } })).toThrow(TypeError);
    expect(() => encodeSafetensors({ a: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(/needs 3 values but data holds 2/);
    expect(() => encodeSafetensors({ __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } })).toThrow(/reserved/);
  });
});

describe('round trip', () => {
  const tensors = new Map<string, SafeTensor>([
    ['conv.weight', { dtype: 'F32', shape: [2, 1, 1, 2], data: new Float32Array([0.5, -1, 3e-8, 1e20]) }],
    ['flag', { dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) }],
    ['d', { dtype: 'F64', shape: [2], data: new Float64Array([Math.E, -0]) }],
    ['half', { dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0xc000]) }],
    ['steps', { dtype: 'I64', shape: [], data: new BigInt64Array([-(2n ** 63n)]) }],
    ['idx', { dtype: 'I32', shape: [1, 2], data: new Int32Array([-1, 2 ** 31 - 1]) }],
    ['q', { dtype: 'I8', shape: [2], data: new Int8Array([-128, 127]) }],
    ['empty', { dtype: 'U8', shape: [0, 4], data: new Uint8Array(0) }],
    ['__proto__', { dtype: 'U8', shape: [1], data: new Uint8Array([200]) }],
  ]);

  it('returns every tensor, in order, with aligned copies', () => {
    const { tensors: back, metadata } = parseSafetensors(encodeSafetensors(tensors, { a: 'b', 'é': '✓' }));
    expect(metadata).toEqual({ a: 'b', 'é': '✓' });
    expect([...back.keys()]).toEqual([...tensors.keys()]);
    for (const [name, t] of tensors) expect(back.get(name), name).toEqual(t);
    // F64 follows 3 BOOL bytes and more, so its file offset is unaligned.
    expect(back.get('d')!.data.byteOffset % 8).toBe(0);
  });

  it('normalises BOOL bytes to 0/1', () => {
    const bytes = encodeSafetensors({ b: { dtype: 'BOOL', shape: [2], data: new Uint8Array([9, 0]) } });
    expect(Array.from(bytes.subarray(bytes.length - 2))).toEqual([1, 0]);
    const hand = handFile('{"b":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}}', [0, 5]);
    expect(Array.from(parseSafetensors(hand).tensors.get('b')!.data as Uint8Array)).toEqual([0, 1]);
  });

  it('reads headers written in another style (whitespace, key order, offsets not in header order)', () => {
    const header = `{ "b": {"data_offsets": [4, 6], "shape": [2], "dtype": "U8"},
      "a": {"shape": [1], "dtype": "I32", "data_offsets": [0, 4]}, "__metadata__": {} }`;
    const { tensors: back, metadata } = parseSafetensors(handFile(header, [0xff, 0xff, 0xff, 0xff, 1, 2]));
    expect(metadata).toEqual({});
    expect(back.get('a')).toEqual({ dtype: 'I32', shape: [1], data: new Int32Array([-1]) });
    expect(back.get('b')).toEqual({ dtype: 'U8', shape: [2], data: new Uint8Array([1, 2]) });
  });
});

describe('parseSafetensors on hostile input', () => {
  const one = (entry: string, buf: number[] = [0, 0, 0, 0]): Uint8Array => handFile(`{"t":${entry}}`, buf);

  it('refuses files too short for the length prefix', () => {
    expectFormatError(() => parseSafetensors(new Uint8Array(5), 'x.safetensors'), /^x\.safetensors: safetensors file of 5 bytes is too short/);
  });

  it('refuses header lengths beyond the file or over 100 MiB', () => {
    expectFormatError(() => parseSafetensors(handFile('{}', [], 4096n)), /header length 4096 points past the end of the 10-byte file/);
    expectFormatError(() => parseSafetensors(handFile('{}', [], 2n ** 64n - 1n)), /exceeds the 104857600-byte limit/);
    expectFormatError(() => parseSafetensors(handFile('{}', [], 100n * 1024n * 1024n + 1n)), /exceeds the 104857600-byte limit/);
  });

  it('refuses headers that are not a JSON object', () => {
    expectFormatError(() => parseSafetensors(handFile('{"t": ')), /not valid JSON/);
    expectFormatError(() => parseSafetensors(handFile('[1,2]')), /not a JSON object/);
    expectFormatError(() => parseSafetensors(handFile('null')), /not a JSON object/);
    const badUtf8 = handFile('{"a"}');
    badUtf8[10] = 0xff;
    expectFormatError(() => parseSafetensors(badUtf8), /not valid UTF-8/);
  });

  it('refuses malformed entries and metadata', () => {
    expectFormatError(() => parseSafetensors(one('3')), /tensor 't' is not an object/);
    expectFormatError(() => parseSafetensors(one('{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}')), /unsupported dtype 'BF16'/);
    expectFormatError(() => parseSafetensors(one('{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}')), /shape \[-1\]/);
    expectFormatError(() => parseSafetensors(one('{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}')), /shape \[1.5\]/);
    expectFormatError(() => parseSafetensors(one('{"dtype":"F32","shape":[1],"data_offsets":[0]}')), /data_offsets \[0\]/);
    expectFormatError(() => parseSafetensors(handFile('{"__metadata__":{"k":1}}')), /__metadata__ entry 'k' is not a string/);
    expectFormatError(() => parseSafetensors(handFile('{"__metadata__":[]}')), /__metadata__ is not an object/);
  });

  it('refuses out-of-range offsets and size mismatches', () => {
    expectFormatError(
      () => parseSafetensors(one('{"dtype":"F32","shape":[2],"data_offsets":[0,8]}'), 'm.safetensors'),
      /^m\.safetensors: safetensors tensor 't' has data_offsets \[0,8\] outside the 4-byte buffer$/,
    );
    expectFormatError(() => parseSafetensors(one('{"dtype":"F32","shape":[1],"data_offsets":[4,0]}')), /outside/);
    expectFormatError(
      () => parseSafetensors(one('{"dtype":"F32","shape":[2,3],"data_offsets":[0,4]}')),
      /declares shape \[2,3\] F32 = 24 bytes but data_offsets \[0,4\] span 4/,
    );
    const huge = `[${new Array(30).fill(9007199254740991).join(',')}]`;
    expectFormatError(() => parseSafetensors(one(`{"dtype":"F32","shape":${huge},"data_offsets":[0,4]}`)), /declares shape/);
  });

  it('refuses overlaps, gaps and trailing bytes', () => {
    const overlap = '{"a":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}';
    expectFormatError(() => parseSafetensors(handFile(overlap, [1, 2, 3, 4])), /'a' and 'b' overlap at byte 2/);
    const gap = '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}';
    expectFormatError(() => parseSafetensors(handFile(gap, [1, 2, 3])), /gap at bytes \[1,2\) before 'b'/);
    const trailing = '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}';
    expectFormatError(() => parseSafetensors(handFile(trailing, [1, 2])), /cover 1 bytes but the buffer holds 2/);
  });
});

describe('readSafetensors / writeSafetensors', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safetensors-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips through a file atomically', async () => {
    const path = join(dir, 'w.safetensors');
    await writeSafetensors(path, { a: { dtype: 'F32', shape: [1], data: new Float32Array([2]) } }, { step: '1' });
    await writeSafetensors(path, { a: { dtype: 'F32', shape: [1], data: new Float32Array([3]) } }, { step: '2' });
    const back = await readSafetensors(path);
    expect(back.metadata).toEqual({ step: '2' });
    expect(back.tensors.get('a')!.data).toEqual(new Float32Array([3]));
    expect(await readdir(dir)).toEqual(['w.safetensors']);
  });

  it('names the path in format errors', async () => {
    const path = join(dir, 'bad.safetensors');
    await writeFile(path, handFile('{}', [1]));
    const err = await readSafetensors(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as FormatError).file).toBe(path);
    expect((err as Error).message).toBe(`${path}: safetensors tensors cover 0 bytes but the buffer holds 1`);
  });
});
