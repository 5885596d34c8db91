/** Helpers shared by the CLI commands: flag parsing, feeds from .npy files, output. */
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EdgetuneError, InputError } from '../errors.js';
import { readNpy, type NpyArray } from '../io/npy.js';
import { DataType } from '../onnx/dtypes.js';
import { didYouMean } from './suggest.js';
import type { HostTensor } from '../runtime/host-tensor.js';

/** A bad command line; its message may go on with the command's usage text on further lines. */
export class UsageError extends EdgetuneError {
  override name = 'UsageError';
  constructor(message: string) {
    super(message);
    this.message = message;
  }
}

export type Options = NonNullable<ParseArgsConfig['options']>;

/** A value that reads as a negative number (`-1`, `-0.5`, `-1e-3`), which parseArgs would take for a flag. */
const NEGATIVE = /^-(\d|\.\d)/;

/**
 * Parse argv with node's parseArgs. A negative number after a flag that takes
 * a value is that flag's value (`--lr -1`); unknown flags get "did you mean";
 * every problem is a one-line UsageError (the CLI adds a pointer to --help).
 */
export function parse(argv: string[], options: Options, usage: string): { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] } {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : undefined;
    if (name !== undefined && !name.includes('=') && options[name]?.type === 'string' && next !== undefined && NEGATIVE.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else {
      args.push(a);
    }
  }
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0]!;
    const unknown = /^Unknown option '(-{1,2}[^']*)'/.exec(msg);
    if (unknown) {
      const flag = unknown[1]!;
      throw new UsageError(`unknown option ${flag}${didYouMean(flag.replace(/^-+/, ''), Object.keys(options), (s) => `--${s}`)}`);
    }
    const missing = /^Option '(-{1,2}[^ ']*)[^']*' argument missing/.exec(msg);
    if (missing) throw new UsageError(`${missing[1]} needs a value`);
    throw new UsageError(`${msg} (${usage.split('\n')[0]})`);
  }
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function strs(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}

/** A comma-separated list flag that may also be repeated. */
export function list(v: unknown): string[] {
  return strs(v).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

export function number(v: unknown, flag: string, dflt: number, opts: { integer?: boolean; min?: number } = {}): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
    throw new UsageError(`${flag} expects ${opts.integer ? 'an integer' : 'a number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}, got '${String(v)}'`);
  }
  return n;
}

/**
 * A .npy array as a HostTensor over the same data. When `elemType` (the
 * ONNX element type the model expects, e.g. TensorSpec.elemType) is FLOAT
 * and the array is float64, the values are converted to float32 (rounded to
 * nearest), as --data does for x.npy; every other dtype is passed as
 * stored, so a mismatch is still reported by the session.
 */
export function npyToHost(a: NpyArray, elemType?: number): HostTensor {
  if (elemType === DataType.FLOAT && a.dtype === 'float64') {
    return { dims: a.shape, data: Float32Array.from(a.data as Float64Array) };
  }
  const t: HostTensor = { dims: a.shape, data: a.data };
  if (a.dtype === 'bool') t.type = 'bool';
  return t;
}

export function hostToNpy(t: HostTensor): NpyArray {
  const d = t.data;
  const dtype = t.type === 'bool' ? 'bool'
    : d instanceof Float32Array ? 'float32' : d instanceof Float64Array ? 'float64' : d instanceof Int32Array ? 'int32'
    : d instanceof BigInt64Array ? 'int64' : d instanceof Uint8Array ? 'uint8' : undefined;
  if (!dtype) throw new InputError(`cannot write ${d.constructor.name} values to .npy`);
  return { dtype, shape: [...t.dims], data: d as NpyArray['data'] };
}

/**
 * `--input name=file.npy` pairs; a single bare file is given to the model's only input.
 * With the inputs' element types, float64 arrays fed to a float32 input are converted.
 */
export async function readFeeds(specs: string[], inputNames: string[], elemTypes: Record<string, number> = {}): Promise<Record<string, HostTensor>> {
  const feeds: Record<string, HostTensor> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    let name: string, file: string;
    if (eq > 0) {
      name = spec.slice(0, eq);
      file = spec.slice(eq + 1);
    } else if (inputNames.length === 1) {
      name = inputNames[0]!;
      file = spec;
    } else {
      throw new UsageError(`--input '${spec}' must be <name>=<file.npy> (inputs: ${inputNames.join(', ')})`);
    }
    feeds[name] = npyToHost(await readNpy(file), elemTypes[name]);
  }
  return feeds;
}

/** A file name made safe from an ONNX value name. */
export function safeFileName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return s === '' ? '_' : s.slice(0, 200);
}

/** Unique safe file names for a list of value names. */
export function safeFileNames(names: string[], ext: string): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const n of names) {
    const base = safeFileName(n);
    let f = `${base}${ext}`;
    for (let i = 2; used.has(f.toLowerCase()); i++) f = `${base}_${i}${ext}`;
    used.add(f.toLowerCase());
    out.set(n, f);
  }
  return out;
}

export function shapeStr(dims: readonly (number | string)[] | undefined): string {
  return dims ? `[${dims.join(',')}]` : '[?]';
}

export function resolveOut(dir: string, file: string): string {
  return path.join(dir, file);
}
