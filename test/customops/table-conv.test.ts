import { describe, expect, it } from 'vitest';
import { expectClose, runInjected } from './run-op.js';
import { floatTensor, graph, model, node, opset, valueInfo, type AttrValue } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import { randomBits, randomFloats, seeded } from '../helpers/random.js';

interface ConvAttrs { strides: [number, number]; pads: [number, number, number, number]; dilations: [number, number] }

/**
 * Naive masked cross-correlation: Y[b,j,r,s] = B[j] + Σ_i table[j,i] Σ_p,q
 * X[b,i, r·sh + p·dh − top, s·sw + q·dw − left] · W[j,i,p,q], zero outside X.
 */
function tableConvReference(
  x: Float32Array, [N, I, H, Wd]: number[], w: Float32Array, [J, , KH, KW]: number[],
  table: readonly number[], b: Float32Array | undefined, a: ConvAttrs,
): { dims: number[]; y: Float64Array } {
  const [sh, sw] = a.strides, [dh, dw] = a.dilations;
  const [top, left, bottom, right] = a.pads;
  const OH = Math.floor((H! + top + bottom - (dh * (KH! - 1) + 1)) / sh) + 1;
  const OW = Math.floor((Wd! + left + right - (dw * (KW! - 1) + 1)) / sw) + 1;
  const y = new Float64Array(N! * J! * OH * OW);
  for (let n = 0; n < N!; n++)
    for (let j = 0; j < J!; j++)
      for (let r = 0; r < OH; r++)
        for (let s = 0; s < OW; s++) {
          let acc = b ? b[j]! : 0;
          for (let i = 0; i < I!; i++) {
            if (table[j * I! + i] !== 1) continue;
            for (let p = 0; p < KH!; p++)
              for (let q = 0; q < KW!; q++) {
                const yy = r * sh + p * dh - top, xx = s * sw + q * dw - left;
                if (yy < 0 || yy >= H! || xx < 0 || xx >= Wd!) continue;
                acc += x[((n * I! + i) * H! + yy) * Wd! + xx]! * w[((j * I! + i) * KH! + p) * KW! + q]!;
              }
          }
          y[((n * J! + j) * OH + r) * OW + s] = acc;
        }
  return { dims: [N!, J!, OH, OW], y };
}

/** A one-node model using edgetune.TableConv with no function definition (loading injects it). */
function tableConvModel(wDims: number[], w: Float32Array, b: Float32Array | undefined, attrs: Record<string, AttrValue>): Uint8Array {
  const inputs = b ? ['X', 'W', 'B'] : ['X', 'W'];
  const inits = [floatTensor('W', wDims, w)];
  if (b) inits.push(floatTensor('B', [wDims[0]!], b));
  const n = node('TableConv', inputs, ['Y'], attrs, { domain: 'edgetune', name: 'T' });
  const g = graph('table_conv', [n], [valueInfo('X', DataType.FLOAT, ['N', wDims[1]!, 'H', 'W'])], [valueInfo('Y', DataType.FLOAT)], inits);
  return encodeModel(model(g, { opsets: [opset('', 17)] }));
}

const ATTRS: ConvAttrs = { strides: [2, 2], pads: [1, 0, 2, 1], dilations: [2, 2] };

const runOp = (bytes: Uint8Array, dims: number[], data: Float32Array) => runInjected(bytes, 'TableConv', 'X', dims, data);

describe('edgetune.TableConv', () => {
  const rng = seeded(31);
  const xDims = [2, 4, 11, 10];
  const wDims = [5, 4, 3, 2];
  const x = randomFloats(rng, 2 * 4 * 11 * 10);
  const w = randomFloats(rng, 5 * 4 * 3 * 2);
  const b = randomFloats(rng, 5);
  // at least one connection per output map, and at least one gap somewhere
  const table = randomBits(rng, 20);
  for (let j = 0; j < 5; j++) table[j * 4 + (j % 4)] = 1;
  table[3] = 0;
  const attrs = { table, strides: ATTRS.strides, pads: ATTRS.pads, dilations: ATTRS.dilations };

  it('the reference reduces to a hand-computed 1×1 case', () => {
    // X = [[1,2],[3,4]], 1×1 kernel 3 with bias 1, stride 1: Y = 3X + 1
    const r = tableConvReference(new Float32Array([1, 2, 3, 4]), [1, 1, 2, 2], new Float32Array([3]), [1, 1, 1, 1], [1],
      new Float32Array([1]), { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1] });
    expect(Array.from(r.y)).toEqual([4, 7, 10, 13]);
  });

  it('random table, stride 2, pads [1,0,2,1], dilation 2, with B', async () => {
    const y = await runOp(tableConvModel(wDims, w, b, attrs), xDims, x);
    const ref = tableConvReference(x, xDims, w, wDims, table, b, ATTRS);
    // H: (11+1+2-5)/2+1 = 5; W: (10+0+1-3)/2+1 = 5
    expect(ref.dims).toEqual([2, 5, 5, 5]);
    expect(y.dims).toEqual(ref.dims);
    expectClose(y.data, ref.y);
  });

  it('the same without B', async () => {
    const y = await runOp(tableConvModel(wDims, w, undefined, attrs), xDims, x);
    const ref = tableConvReference(x, xDims, w, wDims, table, undefined, ATTRS);
    expect(y.dims).toEqual(ref.dims);
    expectClose(y.data, ref.y);
  });

  it('weights of unconnected pairs never contribute', async () => {
    const wild = w.slice();
    for (let p = 0; p < 20; p++) if (table[p] === 0) wild.fill(1e6, p * 6, (p + 1) * 6);
    const y = await runOp(tableConvModel(wDims, wild, b, attrs), xDims, x);
    expectClose(y.data, tableConvReference(x, xDims, w, wDims, table, b, ATTRS).y);
  });

  it('absent strides, pads and dilations take the Conv defaults', async () => {
    const y = await runOp(tableConvModel(wDims, w, b, { table }), xDims, x);
    const ref = tableConvReference(x, xDims, w, wDims, table, b, { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1] });
    expect(ref.dims).toEqual([2, 5, 9, 9]);
    expect(y.dims).toEqual(ref.dims);
    expectClose(y.data, ref.y);
  });

  it('auto_pad SAME_UPPER passes through (3×2 kernel: pads [1,0,1,1])', async () => {
    const y = await runOp(tableConvModel(wDims, w, b, { table, auto_pad: 'SAME_UPPER' }), xDims, x);
    const ref = tableConvReference(x, xDims, w, wDims, table, b, { strides: [1, 1], pads: [1, 0, 1, 1], dilations: [1, 1] });
    expect(ref.dims).toEqual([2, 5, 11, 10]);
    expect(y.dims).toEqual(ref.dims);
    expectClose(y.data, ref.y);
  });

  it('an all-ones table is a plain convolution', async () => {
    const ones = new Array<number>(20).fill(1);
    const y = await runOp(tableConvModel(wDims, w, b, { ...attrs, table: ones }), xDims, x);
    expectClose(y.data, tableConvReference(x, xDims, w, wDims, ones, b, ATTRS).y);
  });
});
