/**
 * What a classifier needs besides its weights to be used on images, kept in
 * the model's own metadata_props so the .onnx carries it wherever it goes.
 * Two documented keys, each holding JSON:
 *
 * `edgetune.labels` — an array of class names in index order: output k of
 * the classifier is `labels[k]`, e.g. `["cat","dog"]`.
 *
 * `edgetune.preprocess` — how an image becomes the model input:
 *   {
 *     "size":     [height, width],        pixels the image is resized to (positive integers)
 *     "layout":   "NCHW" | "NHWC",        default "NCHW"
 *     "channels": "RGB" | "BGR" | "gray", gray is luma 0.299R + 0.587G + 0.114B
 *     "scale":    number,                 multiplies the 0..255 pixel first; default 1/255
 *     "mean":     number[],               subtracted per channel after scaling; default 0
 *     "std":      number[],               divides per channel last; default 1
 *     "resize":   "stretch" | "center-crop"  default "stretch"
 *   }
 * so input = (pixel · scale − mean[c]) / std[c], with mean and std in the
 * order of `channels` (B, G, R for "BGR") and one value allowed for every
 * channel. Resizing is bilinear with half-pixel centres: "stretch" resizes
 * to size ignoring the aspect ratio; "center-crop" resizes so the image
 * covers size with its aspect ratio kept, then keeps the centre.
 *
 * Readers validate: a value that does not follow this is an InputError
 * naming the file and the key. Nothing here uses Node, so the browser entry
 * shares it.
 */
import { InputError } from './errors.js';
import type { ModelProto } from './onnx/types.js';

export const LABELS_KEY = 'edgetune.labels';
export const PREPROCESS_KEY = 'edgetune.preprocess';

export type Layout = 'NCHW' | 'NHWC';
export type ChannelOrder = 'RGB' | 'BGR' | 'gray';
export type ResizeMode = 'stretch' | 'center-crop';

export interface Preprocess {
  /** [height, width] */
  size: [number, number];
  layout: Layout;
  channels: ChannelOrder;
  scale: number;
  /** one value per channel, in the order of `channels` */
  mean: number[];
  std: number[];
  resize: ResizeMode;
}

/** What writePreprocess accepts: size and channels, the rest defaulted; mean/std may be one number for every channel. */
export type PreprocessInput = Pick<Preprocess, 'size' | 'channels'> & Partial<Omit<Preprocess, 'size' | 'channels' | 'mean' | 'std'>> & {
  mean?: number | number[];
  std?: number | number[];
};

/** An OnnxModel (anything with the decoded proto and a file name) or a bare ModelProto. */
export type HasMetadata = { proto: ModelProto; file?: string } | ModelProto;

function protoOf(m: HasMetadata): ModelProto {
  return 'proto' in m ? m.proto : m;
}

function fileOf(m: HasMetadata): string {
  return 'proto' in m && typeof m.file === 'string' ? m.file : '<model>';
}

/** The value stored under `key`, or undefined. */
export function readMetadata(m: HasMetadata, key: string): string | undefined {
  return protoOf(m).metadata_props.find((p) => p.key === key)?.value;
}

/** Set `key` to `value`, replacing an existing entry in place (the others keep their order). */
export function writeMetadata(m: HasMetadata, key: string, value: string): void {
  const props = protoOf(m).metadata_props;
  const entry = props.find((p) => p.key === key);
  if (entry) entry.value = value;
  else props.push({ key, value });
}

/** Remove `key`; whether it was there. */
export function deleteMetadata(m: HasMetadata, key: string): boolean {
  const p = protoOf(m);
  const before = p.metadata_props.length;
  p.metadata_props = p.metadata_props.filter((e) => e.key !== key);
  return p.metadata_props.length !== before;
}

function bad(file: string, key: string, why: string): InputError {
  return new InputError(`${file}: metadata '${key}' ${why}`);
}

function checkLabels(names: unknown, file: string): string[] {
  if (!Array.isArray(names)) throw bad(file, LABELS_KEY, 'must be a JSON array of class names');
  if (names.length === 0) throw bad(file, LABELS_KEY, 'holds no class names');
  names.forEach((n, i) => {
    if (typeof n !== 'string') throw bad(file, LABELS_KEY, `entry ${i} is ${JSON.stringify(n) ?? String(n)}, not a string`);
  });
  return [...(names as string[])];
}

/** Store the class names, index order (label k names output k). */
export function writeLabels(m: HasMetadata, names: readonly string[]): void {
  writeMetadata(m, LABELS_KEY, JSON.stringify(checkLabels(names, fileOf(m))));
}

/** The stored class names, or undefined when the model has none. */
export function readLabels(m: HasMetadata): string[] | undefined {
  const raw = readMetadata(m, LABELS_KEY);
  if (raw === undefined) return undefined;
  return checkLabels(parseJson(raw, fileOf(m), LABELS_KEY), fileOf(m));
}

function parseJson(raw: string, file: string, key: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw bad(file, key, 'is not valid JSON');
  }
}

const LAYOUTS: readonly Layout[] = ['NCHW', 'NHWC'];
const ORDERS: readonly ChannelOrder[] = ['RGB', 'BGR', 'gray'];
const RESIZES: readonly ResizeMode[] = ['stretch', 'center-crop'];
const FIELDS = new Set(['size', 'layout', 'channels', 'scale', 'mean', 'std', 'resize']);

/** Number of channels of a channel order. */
export function channelCount(order: ChannelOrder): 1 | 3 {
  return order === 'gray' ? 1 : 3;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], dflt: T | undefined, fail: (why: string) => InputError, field: string): T {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'string' || !allowed.includes(v as T)) {
    throw fail(`field '${field}' must be ${allowed.map((a) => `"${a}"`).join(' or ')}, got ${JSON.stringify(v) ?? 'nothing'}`);
  }
  return v as T;
}

function perChannel(v: unknown, n: number, dflt: number, fail: (why: string) => InputError, field: string): number[] {
  if (v === undefined) return new Array<number>(n).fill(dflt);
  const list = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'number' && Number.isFinite(x)) || (list.length !== 1 && list.length !== n)) {
    throw fail(`field '${field}' must be 1 or ${n} finite numbers, got ${JSON.stringify(v)}`);
  }
  return list.length === n ? [...(list as number[])] : new Array<number>(n).fill(list[0] as number);
}

/** A preprocessing description checked and completed with the defaults; `fail` makes the error. */
function checkPreprocess(v: unknown, fail: (why: string) => InputError): Preprocess {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail('must be a JSON object');
  const o = v as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !FIELDS.has(k));
  if (unknown !== undefined) throw fail(`has an unknown field '${unknown}' (known: ${[...FIELDS].join(', ')})`);
  const size = o.size;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isSafeInteger(d) && (d as number) > 0 && (d as number) <= 65536)) {
    throw fail(`field 'size' must be [height, width], two positive integers, got ${JSON.stringify(size) ?? 'nothing'}`);
  }
  const channels = oneOf(o.channels, ORDERS, undefined, fail, 'channels');
  const n = channelCount(channels);
  const scale = o.scale === undefined ? 1 / 255 : o.scale;
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale === 0) throw fail(`field 'scale' must be a finite non-zero number, got ${JSON.stringify(scale)}`);
  const std = perChannel(o.std, n, 1, fail, 'std');
  if (std.includes(0)) throw fail(`field 'std' must not hold a zero, got ${JSON.stringify(o.std)}`);
  return {
    size: [size[0] as number, size[1] as number],
    layout: oneOf(o.layout, LAYOUTS, 'NCHW', fail, 'layout'),
    channels,
    scale,
    mean: perChannel(o.mean, n, 0, fail, 'mean'),
    std,
    resize: oneOf(o.resize, RESIZES, 'stretch', fail, 'resize'),
  };
}

/** Complete and check a preprocessing description (an InputError naming the key when it is wrong). */
export function normalisePreprocess(p: PreprocessInput | Preprocess, file = '<model>'): Preprocess {
  return checkPreprocess(p, (why) => bad(file, PREPROCESS_KEY, why));
}

/** Store how images become the model input (checked, defaults filled in). */
export function writePreprocess(m: HasMetadata, p: PreprocessInput | Preprocess): Preprocess {
  const full = normalisePreprocess(p, fileOf(m));
  writeMetadata(m, PREPROCESS_KEY, JSON.stringify(full));
  return full;
}

/** The stored preprocessing, defaults filled in, or undefined when the model has none. */
export function readPreprocess(m: HasMetadata): Preprocess | undefined {
  const raw = readMetadata(m, PREPROCESS_KEY);
  if (raw === undefined) return undefined;
  const file = fileOf(m);
  return checkPreprocess(parseJson(raw, file, PREPROCESS_KEY), (why) => bad(file, PREPROCESS_KEY, why));
}
