/**
 * NumPy .npy files: the magic string `\x93NUMPY`, a version (1.0, 2.0 or 3.0),
 * a little-endian header length (u16 in 1.0, u32 later), a Python dict literal
 * `{'descr': ..., 'fortran_order': ..., 'shape': (...), }` and then the raw
 * array bytes. Only little-endian, C-ordered arrays of a few plain dtypes are
 * accepted; everything else is refused with a one-line FormatError.
 */
import { readFileBytes, writeFileAtomic } from '../node/files.js';
import { FormatError } from './errors.js';

export type NpyDtype = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'bool';
export type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

interface DtypeInfo {
  readonly descr: string;
  readonly itemsize: number;
  readonly make: (n: number) => NpyData;
  readonly accepts: (d: NpyData) => boolean;
}

const DTYPES: Readonly<Record<NpyDtype, DtypeInfo>> = {
  float32: { descr: '<f4', itemsize: 4, make: (n) => new Float32Array(n), accepts: (d) => d instanceof Float32Array },
  float64: { descr: '<f8', itemsize: 8, make: (n) => new Float64Array(n), accepts: (d) => d instanceof Float64Array },
  int32: { descr: '<i4', itemsize: 4, make: (n) => new Int32Array(n), accepts: (d) => d instanceof Int32Array },
  int64: { descr: '<i8', itemsize: 8, make: (n) => new BigInt64Array(n), accepts: (d) => d instanceof BigInt64Array },
  uint8: { descr: '|u1', itemsize: 1, make: (n) => new Uint8Array(n), accepts: (d) => d instanceof Uint8Array },
  bool: { descr: '|b1', itemsize: 1, make: (n) => new Uint8Array(n), accepts: (d) => d instanceof Uint8Array },
};

/** Type code + size (as in `f4`) to dtype; the byte-order mark is checked separately. */
const BY_CODE: Readonly<Record<string, NpyDtype>> = {
  f4: 'float32',
  f8: 'float64',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  b1: 'bool',
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const MAX_HEADER_BYTES = 1024 * 1024;
/** numpy pads the header so the data starts on a 64-byte boundary. */
const ARRAY_ALIGN = 64;
/** numpy leaves room for the leading axis to grow to this many digits in place. */
const GROWTH_AXIS_MAX_DIGITS = 21;
const MAX_NESTING = 32;
const NUM_RE = /[+-]?(?:\d+(?:\.\d*)?(?:[eE][+-]?\d+)?[lL]?|\.\d+)/y;
const WORD_RE = /(?:True|False|None)\b/y;

/** Python-style shape text for messages: `()`, `(3,)`, `(3,4)`; absurdly long shapes are abbreviated. */
function shapeText(shape: readonly number[]): string {
  if (shape.length > 16) return `(${shape.slice(0, 8).join(',')},...) [${shape.length} dims]`;
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(',')})`;
}

const BYTES_CAP = 1n << 64n;

/** prod(shape) * itemsize exactly, or undefined once it passes 2^64 (a hostile header can declare any dims). */
function declaredBytes(shape: readonly number[], itemsize: number): bigint | undefined {
  if (shape.includes(0)) return 0n;
  let n = BigInt(itemsize);
  for (const d of shape) {
    n *= BigInt(d);
    if (n > BYTES_CAP) return undefined;
  }
  return n;
}

// ---------------------------------------------------------------------------
// A minimal reader for the Python literal subset that .npy headers use.

interface PyTuple {
  kind: 'tuple' | 'list';
  items: PyValue[];
}
interface PyDict {
  kind: 'dict';
  entries: Map<string, PyValue>;
}
type PyValue = string | number | boolean | null | PyTuple | PyDict;

class LiteralReader {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly source: string | undefined,
  ) {}

  fail(what: string): never {
    throw new FormatError(`.npy header is not a Python dict literal: ${what} at offset ${this.pos}`, this.source);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && ' \t\n\r\f\v'.includes(this.text[this.pos]!)) this.pos++;
  }

  peek(): string | undefined {
    this.skipSpace();
    return this.text[this.pos];
  }

  expect(ch: string): void {
    if (this.peek() !== ch) this.fail(`expected '${ch}'`);
    this.pos++;
  }

  atEnd(): boolean {
    return this.peek() === undefined;
  }

  value(depth: number): PyValue {
    if (depth > MAX_NESTING) this.fail('nesting too deep');
    const ch = this.peek();
    if (ch === undefined) this.fail('unexpected end');
    if (ch === '{') return this.dict(depth);
    if (ch === '(') return this.sequence('tuple', ')', depth);
    if (ch === '[') return this.sequence('list', ']', depth);
    if (ch === "'" || ch === '"') return this.string();
    const num = this.match(NUM_RE);
    if (num !== undefined) return Number(num.replace(/[lL]$/, ''));
    const word = this.match(WORD_RE);
    if (word !== undefined) return word === 'None' ? null : word === 'True';
    return this.fail(`unexpected character '${ch}'`);
  }

  /** Consumes and returns the text a sticky regex matches at the cursor, if any. */
  private match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (m === null) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  private string(): string {
    const quote = this.text[this.pos]!;
    this.pos++;
    let out = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++]!;
      if (c === quote) return out;
      if (c === '\\') {
        const next = this.text[this.pos++];
        if (next === undefined) break;
        out += next;
      } else {
        out += c;
      }
    }
    return this.fail('unterminated string');
  }

  private sequence(kind: 'tuple' | 'list', close: string, depth: number): PyTuple {
    this.pos++;
    const items: PyValue[] = [];
    while (this.peek() !== close) {
      items.push(this.value(depth + 1));
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== close) this.fail(`expected ',' or '${close}'`);
    }
    this.pos++;
    return { kind, items };
  }

  private dict(depth: number): PyDict {
    this.pos++;
    const entries = new Map<string, PyValue>();
    while (this.peek() !== '}') {
      const key = this.value(depth + 1);
      if (typeof key !== 'string') this.fail('dict key is not a string');
      this.expect(':');
      entries.set(key, this.value(depth + 1));
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== '}') this.fail("expected ',' or '}'");
    }
    this.pos++;
    return { kind: 'dict', entries };
  }
}

function isSeq(v: PyValue | undefined): v is PyTuple {
  return typeof v === 'object' && v !== null && (v.kind === 'tuple' || v.kind === 'list');
}

// ---------------------------------------------------------------------------

function dtypeFromDescr(descr: PyValue | undefined, source: string | undefined): NpyDtype {
  if (isSeq(descr)) throw new FormatError('.npy structured dtypes are not supported', source);
  if (typeof descr !== 'string') throw new FormatError(".npy header 'descr' is not a dtype string", source);
  const m = /^([<>=|]?)([a-zA-Z])(\d+)$/.exec(descr);
  if (descr === '|O' || descr === 'O' || m?.[2] === 'O') {
    throw new FormatError('.npy object arrays are not supported (they hold pickled Python objects)', source);
  }
  const dtype = m ? BY_CODE[`${m[2]}${m[3]}`] : undefined;
  if (m === null || dtype === undefined) {
    throw new FormatError(`.npy dtype '${descr}' is not supported (use <f4, <f8, <i4, <i8, |u1 or |b1)`, source);
  }
  const order = m[1];
  if (DTYPES[dtype].itemsize > 1) {
    if (order === '>') throw new FormatError(`.npy dtype '${descr}' is big-endian; only little-endian data is supported`, source);
    if (order === '|') throw new FormatError(`.npy dtype '${descr}' lacks a byte order`, source);
  }
  return dtype;
}

function shapeFromValue(v: PyValue | undefined, source: string | undefined): number[] {
  if (!isSeq(v) || v.kind !== 'tuple') throw new FormatError(".npy header 'shape' is not a tuple", source);
  return v.items.map((d) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new FormatError(`.npy header 'shape' entry ${JSON.stringify(d)} is not a non-negative integer`, source);
    }
    return d;
  });
}

function readHeaderText(bytes: Uint8Array, start: number, len: number, utf8: boolean, source: string | undefined): string {
  const raw = bytes.subarray(start, start + len);
  if (utf8) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      throw new FormatError('.npy version 3.0 header is not valid UTF-8', source);
    }
  }
  let s = '';
  for (let i = 0; i < raw.length; i += 8192) s += String.fromCharCode(...raw.subarray(i, i + 8192));
  return s;
}

/**
 * Parses the bytes of a .npy file into a typed array with its shape. The data
 * is copied into a fresh, aligned typed array (the header length puts the data
 * at an arbitrary offset); bool data comes back as a Uint8Array of 0/1.
 * Throws FormatError for anything malformed or unsupported; `source` (a file
 * name) prefixes the messages.
 */
export function parseNpy(bytes: Uint8Array, source?: string): NpyArray {
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new FormatError('not a .npy file (missing \\x93NUMPY magic)', source);
  }
  if (bytes.length < 8) throw new FormatError(`.npy header is truncated at ${bytes.length} bytes`, source);
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (minor !== 0 || major < 1 || major > 3) {
    throw new FormatError(`.npy format version ${major}.${minor} is not supported (1.0, 2.0, 3.0)`, source);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) throw new FormatError(`.npy header is truncated at ${bytes.length} bytes`, source);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLen > MAX_HEADER_BYTES) {
    throw new FormatError(`.npy header of ${headerLen} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit`, source);
  }
  if (prefix + headerLen > bytes.length) {
    throw new FormatError(`.npy header length ${headerLen} points past the end of the ${bytes.length}-byte file`, source);
  }

  const reader = new LiteralReader(readHeaderText(bytes, prefix, headerLen, major === 3, source), source);
  if (reader.peek() !== '{') reader.fail('expected a dict');
  const header = reader.value(0) as PyDict;
  if (!reader.atEnd()) reader.fail('trailing text after the dict');
  const keys = [...header.entries.keys()].sort();
  if (keys.join(',') !== 'descr,fortran_order,shape') {
    throw new FormatError(`.npy header keys [${keys.join(', ')}] are not exactly descr, fortran_order, shape`, source);
  }
  const dtype = dtypeFromDescr(header.entries.get('descr'), source);
  const fortran = header.entries.get('fortran_order');
  if (typeof fortran !== 'boolean') throw new FormatError(".npy header 'fortran_order' is not True or False", source);
  const shape = shapeFromValue(header.entries.get('shape'), source);
  if (fortran) {
    throw new FormatError('.npy array is stored in Fortran order; only C order is supported', source);
  }

  const { itemsize, make } = DTYPES[dtype];
  const dataStart = prefix + headerLen;
  const available = bytes.length - dataStart;
  const expected = declaredBytes(shape, itemsize);
  if (expected !== BigInt(available)) {
    const size = expected === undefined ? 'over 2^64' : String(expected);
    throw new FormatError(
      `.npy header declares shape ${shapeText(shape)} ${dtype} = ${size} bytes but ${available} bytes follow`,
      source,
    );
  }
  const data = make(available / itemsize);
  new Uint8Array(data.buffer).set(bytes.subarray(dataStart));
  if (dtype === 'bool') {
    const b = data as Uint8Array;
    for (let i = 0; i < b.length; i++) b[i] = b[i] === 0 ? 0 : 1;
  }
  return { dtype, shape, data };
}

function validateArray(arr: NpyArray): DtypeInfo {
  const info = (DTYPES as Record<string, DtypeInfo | undefined>)[arr.dtype];
  if (info === undefined) throw new TypeError(`encodeNpy: unknown dtype '${arr.dtype}'`);
  if (!info.accepts(arr.data)) {
    throw new TypeError(`encodeNpy: dtype ${arr.dtype} does not match data of type ${arr.data.constructor.name}`);
  }
  for (const d of arr.shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`encodeNpy: shape ${shapeText(arr.shape)} has an invalid entry ${d}`);
  }
  const n = arr.shape.reduce((a, d) => a * d, 1);
  if (n !== arr.data.length) {
    throw new RangeError(`encodeNpy: shape ${shapeText(arr.shape)} needs ${n} values but data holds ${arr.data.length}`);
  }
  return info;
}

function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * Encodes an array as a .npy file, byte-identical to what `numpy.save` writes
 * for the same array: format 1.0 (2.0 only when the header would exceed
 * 65535 bytes), sorted header keys, the spare space numpy leaves for the
 * leading axis to grow, and padding so the data starts on a 64-byte boundary.
 */
export function encodeNpy(arr: NpyArray): Uint8Array {
  const info = validateArray(arr);
  const pyShape = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  let dict = `{'descr': '${info.descr}', 'fortran_order': False, 'shape': ${pyShape}, }`;
  if (arr.shape.length > 0) dict += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(arr.shape[0]).length);

  const hlen = dict.length + 1; // + the closing newline
  let major = 1;
  let prefix = 10;
  let padlen = ARRAY_ALIGN - ((prefix + hlen) % ARRAY_ALIGN);
  if (hlen + padlen > 0xffff) {
    major = 2;
    prefix = 12;
    padlen = ARRAY_ALIGN - ((prefix + hlen) % ARRAY_ALIGN);
  }
  const headerTotal = hlen + padlen;
  const dataBytes = new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
  const out = new Uint8Array(prefix + headerTotal + dataBytes.length);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, headerTotal, true);
  else view.setUint32(8, headerTotal, true);
  out.set(asciiBytes(dict), prefix);
  out.fill(0x20, prefix + dict.length, prefix + headerTotal - 1);
  out[prefix + headerTotal - 1] = 0x0a;
  const dataStart = prefix + headerTotal;
  out.set(dataBytes, dataStart);
  if (arr.dtype === 'bool') {
    for (let i = dataStart; i < out.length; i++) out[i] = out[i] === 0 ? 0 : 1;
  }
  return out;
}

/** Reads and parses a .npy file; errors name the path. */
export async function readNpy(path: string): Promise<NpyArray> {
  return parseNpy(await readFileBytes(path), path);
}

/** Encodes `arr` (see encodeNpy) and writes it to `path` atomically. */
export async function writeNpy(path: string, arr: NpyArray): Promise<void> {
  await writeFileAtomic(path, encodeNpy(arr));
}
