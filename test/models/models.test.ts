import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModels, writeModels } from '../../models/build.js';
import { lenet5Table } from '../../customops/index.js';
import { Model } from '../../src/node/model.js';
import { num, type Attribute } from '../../src/onnx/types.js';
import { randomFloats, seeded } from '../helpers/random.js';

const MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));
const LENET5 = join(MODELS_DIR, 'lenet5.onnx');
const CNN = join(MODELS_DIR, 'cnn-6c2s12c2s.onnx');

/*
 * LeNet-5's C3 connection table, LeCun et al. 1998, Table I: row = S2 input
 * map 0–5, column = C3 output map 0–15, X = connected.
 */
const PAPER_TABLE_I = [
  'X   XXX  XXXX XX',
  'XX   XXX  XXXX X',
  'XXX   XXX  X XXX',
  ' XXX  XXXX  X XX',
  '  XXX  XXXX XX X',
  '   XXX  XXXX XXX',
];

// ---- an independent forward pass, layer by layer, from the brief's description

interface T4 { dims: [number, number, number, number]; data: Float64Array }

function conv(x: T4, w: Float32Array, o: number, k: number, b: Float32Array, pad: number, mask?: (j: number, i: number) => boolean): T4 {
  const [n, c, h, wd] = x.dims;
  const oh = h + 2 * pad - k + 1, ow = wd + 2 * pad - k + 1;
  const y = new Float64Array(n * o * oh * ow);
  for (let b0 = 0; b0 < n; b0++)
    for (let j = 0; j < o; j++)
      for (let r = 0; r < oh; r++)
        for (let s = 0; s < ow; s++) {
          let acc = b[j]!;
          for (let i = 0; i < c; i++) {
            if (mask && !mask(j, i)) continue;
            for (let p = 0; p < k; p++) {
              const yy = r + p - pad;
              if (yy < 0 || yy >= h) continue;
              for (let q = 0; q < k; q++) {
                const xx = s + q - pad;
                if (xx < 0 || xx >= wd) continue;
                acc += x.data[((b0 * c + i) * h + yy) * wd + xx]! * w[((j * c + i) * k + p) * k + q]!;
              }
            }
          }
          y[((b0 * o + j) * oh + r) * ow + s] = acc;
        }
  return { dims: [n, o, oh, ow], data: y };
}

/** Y = β·(sum of each 2×2 block) + bias, per map. */
function sub2(x: T4, beta: Float32Array, bias: Float32Array): T4 {
  const [n, c, h, w] = x.dims;
  const oh = h / 2, ow = w / 2;
  const y = new Float64Array(n * c * oh * ow);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let r = 0; r < oh; r++)
        for (let s = 0; s < ow; s++) {
          const at = (rr: number, ss: number) => x.data[((b * c + ch) * h + rr) * w + ss]!;
          const sum = at(2 * r, 2 * s) + at(2 * r, 2 * s + 1) + at(2 * r + 1, 2 * s) + at(2 * r + 1, 2 * s + 1);
          y[((b * c + ch) * oh + r) * ow + s] = beta[ch]! * sum + bias[ch]!;
        }
  return { dims: [n, c, oh, ow], data: y };
}

function apply(x: T4, f: (v: number) => number): T4 {
  return { dims: x.dims, data: x.data.map(f) };
}

/** rows [n, in] times W[out, in]ᵀ plus bias. */
function dense(x: Float64Array, n: number, w: Float32Array, out: number, bias: Float32Array): Float64Array {
  const inF = x.length / n;
  const y = new Float64Array(n * out);
  for (let b = 0; b < n; b++)
    for (let j = 0; j < out; j++) {
      let acc = bias[j]!;
      for (let i = 0; i < inF; i++) acc += x[b * inF + i]! * w[j * inF + i]!;
      y[b * out + j] = acc;
    }
  return y;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

function lenet5Forward(m: Model, x: Float32Array, n: number): Float64Array {
  const p = (name: string) => m.onnx.readFloat(name);
  const connected = (j: number, i: number) => PAPER_TABLE_I[i]![j] === 'X';
  let a: T4 = { dims: [n, 1, 28, 28], data: Float64Array.from(x) };
  a = apply(conv(a, p('C1.weight'), 6, 5, p('C1.bias'), 2), Math.tanh);
  a = apply(sub2(a, p('S2.beta'), p('S2.bias')), Math.tanh);
  a = apply(conv(a, p('C3.weight'), 16, 5, p('C3.bias'), 0, connected), Math.tanh);
  a = apply(sub2(a, p('S4.beta'), p('S4.bias')), Math.tanh);
  a = apply(conv(a, p('C5.weight'), 120, 5, p('C5.bias'), 0), Math.tanh);
  const f6 = dense(a.data, n, p('F6.weight'), 84, p('F6.bias')).map(Math.tanh);
  return dense(f6, n, p('OUT.weight'), 10, p('OUT.bias'));
}

function cnnForward(m: Model, x: Float32Array, n: number): Float64Array {
  const p = (name: string) => m.onnx.readFloat(name);
  let a: T4 = { dims: [n, 1, 28, 28], data: Float64Array.from(x) };
  a = apply(conv(a, p('C1.weight'), 6, 5, p('C1.bias'), 0), sigmoid);
  a = sub2(a, p('S2.beta'), p('S2.bias'));
  a = apply(conv(a, p('C3.weight'), 12, 5, p('C3.bias'), 0), sigmoid);
  a = sub2(a, p('S4.beta'), p('S4.bias'));
  expect(a.dims).toEqual([n, 12, 4, 4]);
  return dense(a.data, n, p('FC.weight'), 10, p('FC.bias')).map(sigmoid);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const SHAPES: Record<string, Record<string, number[]>> = {
  lenet5: {
    'C1.weight': [6, 1, 5, 5], 'C1.bias': [6], 'S2.beta': [6], 'S2.bias': [6],
    'C3.weight': [16, 6, 5, 5], 'C3.bias': [16], 'S4.beta': [16], 'S4.bias': [16],
    'C5.weight': [120, 16, 5, 5], 'C5.bias': [120], 'F6.weight': [84, 120], 'F6.bias': [84],
    'OUT.weight': [10, 84], 'OUT.bias': [10],
  },
  cnn: {
    'C1.weight': [6, 1, 5, 5], 'C1.bias': [6], 'S2.beta': [6], 'S2.bias': [6],
    'C3.weight': [12, 6, 5, 5], 'C3.bias': [12], 'S4.beta': [12], 'S4.bias': [12],
    'FC.weight': [10, 192], 'FC.bias': [10],
  },
};

/** Glorot bounds √(6/(fan_in+fan_out)) of each weight, fans worked out by hand. */
const BOUNDS: Record<string, Record<string, number>> = {
  lenet5: {
    'C1.weight': Math.sqrt(6 / (25 + 150)), 'C3.weight': Math.sqrt(6 / (150 + 400)),
    'C5.weight': Math.sqrt(6 / (400 + 3000)), 'F6.weight': Math.sqrt(6 / (120 + 84)), 'OUT.weight': Math.sqrt(6 / (84 + 10)),
  },
  cnn: {
    'C1.weight': Math.sqrt(6 / (25 + 150)), 'C3.weight': Math.sqrt(6 / (150 + 300)), 'FC.weight': Math.sqrt(6 / (192 + 10)),
  },
};

describe('shipped models', () => {
  let lenet: Model;
  let cnn: Model;
  let tmp: string;

  beforeAll(async () => {
    lenet = await Model.load(LENET5);
    cnn = await Model.load(CNN);
    tmp = await mkdtemp(join(tmpdir(), 'edgetune-models-'));
  });

  afterAll(async () => {
    await lenet?.dispose();
    await cnn?.dispose();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('lenet5.onnx runs on a batch of 3 and matches a layer-by-layer reference', async () => {
    const x = randomFloats(seeded(11), 3 * 784, 0, 1);
    const out = await lenet.run({ input: { dims: [3, 1, 28, 28], data: x } });
    const y = out['logits']!;
    expect(y.dims).toEqual([3, 10]);
    expect(Array.from(y.data as Float32Array).every(Number.isFinite)).toBe(true);
    expect(maxAbsDiff(y.data as Float32Array, lenet5Forward(lenet, x, 3))).toBeLessThan(1e-5);
  });

  it('cnn-6c2s12c2s.onnx runs on a batch of 3 and matches a layer-by-layer reference', async () => {
    const x = randomFloats(seeded(12), 3 * 784, 0, 1);
    const out = await cnn.run({ input: { dims: [3, 1, 28, 28], data: x } });
    const y = out['output']!;
    expect(y.dims).toEqual([3, 10]);
    expect(Array.from(y.data as Float32Array).every((v) => Number.isFinite(v) && v > 0 && v < 1)).toBe(true);
    expect(maxAbsDiff(y.data as Float32Array, cnnForward(cnn, x, 3))).toBeLessThan(1e-5);
  });

  it('the committed files are exactly what the builders produce', async () => {
    const built = await buildModels();
    expect([...built.keys()].sort()).toEqual(['cnn-6c2s12c2s.onnx', 'lenet5.onnx']);
    for (const [name, bytes] of built) {
      const committed = new Uint8Array(await readFile(join(MODELS_DIR, name)));
      expect(Buffer.from(bytes).equals(Buffer.from(committed)), `${name} differs from a rebuild; run npm run build:models`).toBe(true);
    }
    const again = await buildModels();
    for (const [name, bytes] of again) expect(Buffer.from(bytes).equals(Buffer.from(built.get(name)!))).toBe(true);
  });

  it('writeModels writes both files into a folder', async () => {
    const files = await writeModels(tmp);
    expect(files.map((f) => f.slice(tmp.length + 1)).sort()).toEqual(['cnn-6c2s12c2s.onnx', 'lenet5.onnx']);
    for (const f of files) {
      const name = f.slice(tmp.length + 1);
      expect(Buffer.from(await readFile(f)).equals(await readFile(join(MODELS_DIR, name)))).toBe(true);
    }
  });

  it("LeNet-5's C3 uses the paper's connection table", () => {
    const c3 = lenet.onnx.graph.node.find((n) => n.name === 'C3')!;
    expect(c3.domain).toBe('edgetune');
    expect(c3.op_type).toBe('TableConv');
    const table = c3.attribute.find((a) => a.name === 'table')!.ints.map((v) => num(v));
    const expected: number[] = [];
    for (let j = 0; j < 16; j++) for (let i = 0; i < 6; i++) expected.push(PAPER_TABLE_I[i]![j] === 'X' ? 1 : 0);
    expect(table).toEqual(expected);
    expect(lenet5Table()).toEqual(expected);
    expect(expected.reduce((s, v) => s + v, 0)).toBe(60);
    // unconnected kernels hold zeros, connected ones do not
    const w = lenet.onnx.readFloat('C3.weight');
    for (let p = 0; p < 96; p++) {
      const kernel = w.subarray(p * 25, (p + 1) * 25);
      if (expected[p] === 0) expect(kernel.every((v) => v === 0)).toBe(true);
      else expect(kernel.some((v) => v !== 0)).toBe(true);
    }
  });

  for (const [key, file, out] of [['lenet5', LENET5, 'logits'], ['cnn', CNN, 'output']] as const) {
    it(`${key}: header, opsets, functions, inputs and outputs`, () => {
      const m = key === 'lenet5' ? lenet : cnn;
      const p = m.onnx.proto;
      expect(m.onnx.file).toBe(file);
      expect(num(p.ir_version)).toBe(9);
      expect(p.opset_import.map((o) => [o.domain, num(o.version)])).toEqual([['', 17], ['edgetune', 1]]);
      expect(p.functions.map((f) => `${f.domain}.${f.name}`).sort()).toEqual(['edgetune.CombineMaps', 'edgetune.Subsample', 'edgetune.TableConv']);
      expect(m.onnx.injected).toEqual([]);
      expect(p.doc_string!.length).toBeGreaterThan(50);
      expect(m.inputs).toEqual([{ name: 'input', elemType: 1, dims: ['N', 1, 28, 28] }]);
      expect(m.outputs).toEqual([{ name: out, elemType: 1, dims: ['N', 10] }]);
      expect(p.graph!.node.every((n) => (n.name ?? '') !== '')).toBe(true);
    });

    it(`${key}: initializer names, shapes and initial values`, () => {
      const m = key === 'lenet5' ? lenet : cnn;
      const shapes = SHAPES[key]!;
      expect(m.onnx.initializers.map((t) => t.name)).toEqual(Object.keys(shapes));
      for (const [name, dims] of Object.entries(shapes)) {
        const t = m.onnx.read(name);
        expect(t.dims, name).toEqual(dims);
        const v = t.data as Float32Array;
        if (name.endsWith('.bias')) expect(v.every((x) => x === 0), name).toBe(true);
        else if (name.endsWith('.beta')) expect(v.every((x) => x === 0.25), name).toBe(true);
        else {
          const a = BOUNDS[key]![name]!;
          let maxAbs = 0;
          for (const x of v) maxAbs = Math.max(maxAbs, Math.abs(x));
          expect(maxAbs, name).toBeLessThanOrEqual(a);
          // a uniform draw of this many values reaches close to the bound
          expect(maxAbs, name).toBeGreaterThan(0.8 * a);
        }
      }
    });
  }

  it('parameter counts match models/README.md', async () => {
    const count = (m: Model) => m.onnx.initializers.reduce((s, t) => s + t.dims.reduce<number>((p, d) => p * num(d), 1), 0);
    expect(count(lenet)).toBe(61750);
    expect(count(cnn)).toBe(3934);
    const readme = await readFile(join(MODELS_DIR, 'README.md'), 'utf8');
    expect(readme).toContain('61,750');
    expect(readme).toContain('3,934');
  });

  it('Subsample nodes carry size 2 and the expected attribute types', () => {
    for (const m of [lenet, cnn]) {
      const subs = m.onnx.graph.node.filter((n) => n.op_type === 'Subsample');
      expect(subs.map((n) => n.name)).toEqual(['S2', 'S4']);
      for (const n of subs) {
        const size = n.attribute.find((a: Attribute) => a.name === 'size')!;
        expect(num(size.i)).toBe(2);
      }
    }
  });
});
