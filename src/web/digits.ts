/**
 * The demo's compact digit set: a few real MNIST digits as one small binary
 * file, pixels quantized to bytes.
 *
 * Layout (little-endian): 'EDG1', u32 side S, u32 train count A, u32 test
 * count B, then A + B label bytes (train first), then (A + B)·S² pixel bytes,
 * row after row, each pixel round(255·v) for v in [0, 1].
 */
import { InputError } from '../errors.js';
import type { Dataset } from '../train/data/dataset.js';

const MAGIC = [0x45, 0x44, 0x47, 0x31];
const HEADER = 16;

export interface DigitSplit {
  train: Dataset;
  test: Dataset;
}

/** Encode a train/test pair of labelled square grayscale sets ([1,S,S] samples in [0,1]). */
export function encodeDigits(split: DigitSplit): Uint8Array {
  const { train, test } = split;
  const side = train.sampleShape[2] ?? 0;
  for (const d of [train, test]) {
    if (d.sampleShape.length !== 3 || d.sampleShape[0] !== 1 || d.sampleShape[1] !== side || d.sampleShape[2] !== side || !d.labels) {
      throw new InputError(`${d.name}: digits must be labelled [1,${side},${side}] samples, got [${d.sampleShape.join(',')}]`);
    }
  }
  const px = side * side;
  const n = train.size + test.size;
  const out = new Uint8Array(HEADER + n + n * px);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(4, side, true);
  view.setUint32(8, train.size, true);
  view.setUint32(12, test.size, true);
  let row = 0;
  for (const d of [train, test]) {
    for (let i = 0; i < d.size; i++, row++) {
      out[HEADER + row] = d.labels![i]!;
      for (let p = 0; p < px; p++) {
        const v = d.x[i * px + p]!;
        out[HEADER + n + row * px + p] = Math.round(255 * Math.min(1, Math.max(0, v)));
      }
    }
  }
  return out;
}

/** Decode the file written by encodeDigits into datasets of [1,S,S] float samples (v = byte / 255). */
export function decodeDigits(bytes: Uint8Array, name = 'digits'): DigitSplit {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < HEADER || MAGIC.some((m, i) => bytes[i] !== m)) throw new InputError(`${name}: not an edgetune digit file`);
  const side = view.getUint32(4, true);
  const a = view.getUint32(8, true);
  const b = view.getUint32(12, true);
  const px = side * side;
  const n = a + b;
  if (bytes.byteLength !== HEADER + n + n * px) throw new InputError(`${name}: expected ${HEADER + n + n * px} bytes for ${n} digits of ${side}×${side}, got ${bytes.byteLength}`);
  const make = (split: string, from: number, size: number): Dataset => {
    const x = new Float32Array(size * px);
    const labels = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      labels[i] = bytes[HEADER + from + i]!;
      const src = HEADER + n + (from + i) * px;
      for (let p = 0; p < px; p++) x[i * px + p] = bytes[src + p]! / 255;
    }
    const d: Dataset = { name: `${name}:${split}`, size, sampleShape: [1, side, side], x, labels, classes: Array.from({ length: 10 }, (_, k) => String(k)) };
    return d;
  };
  return { train: make('train', 0, a), test: make('test', a, b) };
}
