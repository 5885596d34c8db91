/**
 * safetensors files: an 8-byte little-endian u64 header length N, N bytes of
 * JSON `{"name": {"dtype", "shape", "data_offsets": [begin, end]}, ...,
 * "__metadata__": {str: str}}` padded with spaces to 8-byte alignment, then
 * the byte buffer the offsets point into (relative to its start).
 */
import { FormatError } from './errors.js';
import { readFileBytes, writeFileAtomic } from '../node/files.js';

export type SafeDtype = 'F32' | 'F64' | 'F16' | 'I64' | 'I32' | 'I8' | 'U8' | 'BOOL';
export type SafeData = Float32Array | Float64Array | Uint16Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;
/** One tensor; F16 values are kept as their raw IEEE half bits, BOOL as a Uint8Array of 0/1. */
export interface SafeTensor {
  dtype: SafeDtype;
  shape: number[];
  data: SafeData;
}
export type SafeTensors = Record<string, SafeTensor> | Map<string, SafeTensor>;

interface DtypeInfo {
  readonly itemsize: number;
  readonly make: (n: number) => SafeData;
  readonly accepts: (d: SafeData) => boolean;
}

const DTYPES: Readonly<Record<SafeDtype, DtypeInfo>> = {
  F32: { itemsize: 4, make: (n) => new Float32Array(n), accepts: (d) => d instanceof Float32Array },
  F64: { itemsize: 8, make: (n) => new Float64Array(n), accepts: (d) => d instanceof Float64Array },
  F16: { itemsize: 2, make: (n) => new Uint16Array(n), accepts: (d) => d instanceof Uint16Array },
  I64: { itemsize: 8, make: (n) => new BigInt64Array(n), accepts: (d) => d instanceof BigInt64Array },
  I32: { itemsize: 4, make: (n) => new Int32Array(n), accepts: (d) => d instanceof Int32Array },
  I8: { itemsize: 1, make: (n) => new Int8Array(n), accepts: (d) => d instanceof Int8Array },
  U8: { itemsize: 1, make: (n) => new Uint8Array(n), accepts: (d) => d instanceof Uint8Array },
  BOOL: { itemsize: 1, make: (n) => new Uint8Array(n), accepts: (d) => d instanceof Uint8Array },
};

const METADATA_KEY = '__metadata__';
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

function dtypeInfo(dtype: string): DtypeInfo | undefined {
  return Object.hasOwn(DTYPES, dtype) ? DTYPES[dtype as SafeDtype] : undefined;
}

function entriesOf(tensors: SafeTensors): [string, SafeTensor][] {
  return tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
}

function shapeText(shape: readonly unknown[]): string {
  return shape.length > 16 ? `[${shape.slice(0, 8).join(',')},...] (${shape.length} dims)` : `[${shape.join(',')}]`;
}

/**
 * Encodes tensors (in the given order, contiguous, without gaps) and optional
 * string metadata as a safetensors file. The header JSON lists
 * `__metadata__` first when metadata is given and is padded with spaces so
 * the buffer starts on an 8-byte boundary.
 */
export function encodeSafetensors(tensors: SafeTensors, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TypeError(`encodeSafetensors: metadata '${k}' is not a string`);
    }
    header[METADATA_KEY] = metadata;
  }
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entriesOf(tensors)) {
    if (name === METADATA_KEY) throw new RangeError(`encodeSafetensors: '${METADATA_KEY}' is reserved and cannot name a tensor`);
    const info = dtypeInfo(t.dtype);
    if (info === undefined) throw new TypeError(`encodeSafetensors: tensor '${name}' has unknown dtype '${t.dtype}'`);
    if (!info.accepts(t.data)) {
      throw new TypeError(`encodeSafetensors: tensor '${name}' dtype ${t.dtype} does not match data of type ${t.data.constructor.name}`);
    }
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new RangeError(`encodeSafetensors: tensor '${name}' has invalid shape ${shapeText(t.shape)}`);
    }
    const n = t.shape.reduce((a, d) => a * d, 1);
    if (n !== t.data.length) {
      throw new RangeError(`encodeSafetensors: tensor '${name}' shape ${shapeText(t.shape)} needs ${n} values but data holds ${t.data.length}`);
    }
    let bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    if (t.dtype === 'BOOL') bytes = bytes.map((b) => (b === 0 ? 0 : 1));
    // Object.defineProperty keeps a tensor called "__proto__" an ordinary key.
    Object.defineProperty(header, name, {
      value: { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  const utf8 = new TextEncoder();
  const rawLen = utf8.encode(json).length;
  json += ' '.repeat((8 - (rawLen % 8)) % 8);
  const headerBytes = utf8.encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

interface Entry {
  name: string;
  dtype: SafeDtype;
  shape: number[];
  begin: number;
  end: number;
}

/** JSON text of a hostile value, cut short so messages stay one readable line. */
function brief(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseEntry(name: string, v: unknown, bufLen: number, source: string | undefined): Entry {
  const fail = (what: string): never => {
    throw new FormatError(`safetensors tensor '${name}' ${what}`, source);
  };
  if (!isPlainObject(v)) return fail('is not an object');
  const { dtype, shape, data_offsets: offsets } = v;
  if (typeof dtype !== 'string') return fail('has no dtype string');
  const info = dtypeInfo(dtype);
  if (info === undefined) return fail(`has unsupported dtype '${dtype}' (supported: ${Object.keys(DTYPES).join(', ')})`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    return fail(`has shape ${brief(shape)} that is not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    return fail(`has data_offsets ${brief(offsets)} that are not two non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin || end > bufLen) return fail(`has data_offsets [${begin},${end}] outside the ${bufLen}-byte buffer`);
  // A float product is exact for any size a real buffer can hold and stays huge otherwise.
  const expected = shape.includes(0) ? 0 : (shape as number[]).reduce((a, d) => a * d, info.itemsize);
  if (expected !== end - begin) {
    return fail(`declares shape ${shapeText(shape)} ${dtype} = ${expected} bytes but data_offsets [${begin},${end}] span ${end - begin}`);
  }
  return { name, dtype: dtype as SafeDtype, shape: shape as number[], begin, end };
}

function parseMetadata(v: unknown, source: string | undefined): Record<string, string> {
  if (!isPlainObject(v)) throw new FormatError(`safetensors ${METADATA_KEY} is not an object`, source);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw new FormatError(`safetensors ${METADATA_KEY} entry '${k}' is not a string`, source);
    Object.defineProperty(out, k, { value: val, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Parses a safetensors file. Validates the header length against the file,
 * each entry's dtype, shape and offsets (size = prod(shape) * itemsize), and
 * that the tensors tile the buffer exactly: no overlaps, no gaps, no trailing
 * bytes. Tensor data is copied into fresh, aligned typed arrays; the returned
 * map keeps the header's order.
 */
export function parseSafetensors(bytes: Uint8Array, source?: string): { tensors: Map<string, SafeTensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new FormatError(`safetensors file of ${bytes.length} bytes is too short for the 8-byte header length`, source);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) throw new FormatError(`safetensors header of ${n} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit`, source);
  const headerLen = Number(n);
  if (8 + headerLen > bytes.length) {
    throw new FormatError(`safetensors header length ${headerLen} points past the end of the ${bytes.length}-byte file`, source);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    throw new FormatError('safetensors header is not valid UTF-8', source);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`safetensors header is not valid JSON (${(e as Error).message.split('\n')[0]})`, source);
  }
  if (!isPlainObject(header)) throw new FormatError('safetensors header is not a JSON object', source);

  const bufStart = 8 + headerLen;
  const bufLen = bytes.length - bufStart;
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = parseMetadata(v, source);
    else entries.push(parseEntry(name, v, bufLen, source));
  }

  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  let prev: Entry | undefined;
  for (const e of byOffset) {
    if (e.begin < expectedBegin) {
      throw new FormatError(`safetensors tensors '${prev?.name}' and '${e.name}' overlap at byte ${e.begin}`, source);
    }
    if (e.begin > expectedBegin) throw new FormatError(`safetensors buffer has a gap at bytes [${expectedBegin},${e.begin}) before '${e.name}'`, source);
    expectedBegin = e.end;
    prev = e;
  }
  if (expectedBegin !== bufLen) {
    throw new FormatError(`safetensors tensors cover ${expectedBegin} bytes but the buffer holds ${bufLen}`, source);
  }

  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) {
    const info = DTYPES[e.dtype];
    const data = info.make((e.end - e.begin) / info.itemsize);
    new Uint8Array(data.buffer).set(bytes.subarray(bufStart + e.begin, bufStart + e.end));
    if (e.dtype === 'BOOL') {
      const b = data as Uint8Array;
      for (let i = 0; i < b.length; i++) b[i] = b[i] === 0 ? 0 : 1;
    }
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}

/** Encodes tensors (see encodeSafetensors) and writes them to `path` atomically (temp file + rename). */
export async function writeSafetensors(path: string, tensors: SafeTensors, metadata?: Record<string, string>): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads and parses a safetensors file; errors name the path. */
export async function readSafetensors(path: string): Promise<{ tensors: Map<string, SafeTensor>; metadata: Record<string, string> }> {
  return parseSafetensors(await readFileBytes(path), path);
}
