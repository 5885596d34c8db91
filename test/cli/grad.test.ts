/**
 * `edgetune grad`: manifest.json and one float32 .npy per trainable
 * initializer, checked against losses and central differences computed here
 * directly on onnxruntime-node.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNpy, type NpyArray } from '../../src/io/npy.js';
import type { ModelProto } from '../../src/onnx/types.js';
import {
  AWKWARD_NAMES, awkwardNames, f32, floats, i64, LENET5, OpenModel, runCli, smallCnn, tempFolder, twoHeads,
  writeModelFile, writeNpyFile, type OrtFeeds, type Weights,
} from './run-cli.js';

const tmp = tempFolder();
afterAll(() => tmp.remove());

interface Manifest {
  loss: number;
  gradients: Record<string, string>;
}

/** Run `edgetune grad` and read back manifest.json and every gradient file it names. */
async function grad(args: string[], outName: string): Promise<{ manifest: Manifest; grads: Map<string, NpyArray>; files: string[] }> {
  const out = tmp.file(outName);
  const r = await runCli(['grad', ...args, '--out', out]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const manifest = JSON.parse(readFileSync(`${out}/manifest.json`, 'utf8')) as Manifest;
  expect(typeof manifest.loss).toBe('number');
  const grads = new Map<string, NpyArray>();
  for (const [name, file] of Object.entries(manifest.gradients)) {
    expect(file).toMatch(/^[A-Za-z0-9._-]+\.npy$/);
    grads.set(name, parseNpy(new Uint8Array(readFileSync(`${out}/${file}`)), file));
  }
  const files = readdirSync(out).sort();
  expect(files).toEqual(['manifest.json', ...Object.values(manifest.gradients)].sort());
  expect(r.stdout).toContain(`wrote ${grads.size} gradient(s)`);
  return { manifest, grads, files };
}

// ---- losses written out from their definitions, in float64

type LossFn = (y: Float32Array, n: number) => number;

/** (1/N) Σ ½ (y − t)² */
const mse = (t: Float32Array): LossFn => (y, n) => {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += 0.5 * (y[i]! - t[i]!) ** 2;
  return s / n;
};

/** (1/N) Σ_n −log(e^{y_n,l} / Σ_k e^{y_n,k}) */
const crossEntropy = (labels: number[]): LossFn => (y, n) => {
  const k = y.length / n;
  let s = 0;
  for (let r = 0; r < n; r++) {
    let z = 0;
    for (let c = 0; c < k; c++) z += Math.exp(y[r * k + c]!);
    s += Math.log(z) - y[r * k + labels[r]!]!;
  }
  return s / n;
};

/** (1/N) Σ −[t log σ(y) + (1 − t) log(1 − σ(y))] */
const bce = (t: Float32Array): LossFn => (y, n) => {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const p = 1 / (1 + Math.exp(-y[i]!));
    s -= t[i]! * Math.log(p) + (1 - t[i]!) * Math.log(1 - p);
  }
  return s / n;
};

/**
 * Checks the loss and, for the three largest-magnitude coordinates of every
 * gradient, the central difference (L(θ+ε) − L(θ−ε)) / 2ε through
 * onnxruntime-node with that coordinate as a graph input, to 1e-2 relative.
 */
async function checkAgainstOrt(
  proto: ModelProto, weights: Weights, feeds: OrtFeeds, output: string, n: number, loss: LossFn,
  manifest: Manifest, grads: Map<string, NpyArray>,
): Promise<void> {
  const open = await OpenModel.create(proto, [...grads.keys()]);
  try {
    const lossAt = async (w: Weights) => loss((await open.run(feeds, w))[output]!, n);
    expect(Math.abs(manifest.loss - await lossAt(weights))).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(manifest.loss)));
    for (const [name, g] of grads) {
      const w = weights.get(name)!;
      expect(g.dtype).toBe('float32');
      expect(g.shape).toEqual(w.dims);
      const gd = g.data as Float32Array;
      const top = [...gd.keys()].sort((a, b) => Math.abs(gd[b]!) - Math.abs(gd[a]!)).slice(0, 3);
      expect(Math.abs(gd[top[0]!]!), `${name}: largest gradient`).toBeGreaterThan(1e-3);
      for (const i of top) {
        const eps = 5e-3;
        const shifted = w.data.slice();
        const probe: Weights = new Map(weights);
        probe.set(name, { dims: w.dims, data: shifted });
        shifted[i] = w.data[i]! + eps;
        const up = await lossAt(probe);
        shifted[i] = w.data[i]! - eps;
        const down = await lossAt(probe);
        const numeric = (up - down) / (Math.fround(w.data[i]! + eps) - Math.fround(w.data[i]! - eps));
        const analytic = gd[i]!;
        const rel = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), 1e-6);
        expect(rel, `${name}[${i}]: file ${analytic}, central difference ${numeric}`).toBeLessThanOrEqual(1e-2);
      }
    }
  } finally {
    await open.dispose();
  }
}

const N = 3;

describe('edgetune grad', () => {
  it('mse: trainable = float initializers on differentiable inputs; loss and gradients match onnxruntime-node', async () => {
    const { proto, weights } = smallCnn({ reshape: true, clip: true });
    const file = writeModelFile(tmp.file('cnn-reshape-clip.onnx'), proto);
    const x = floats(201, N * 25);
    const t = floats(202, N * 3);
    const xFile = writeNpyFile(tmp.file('x-mse.npy'), f32([N, 1, 5, 5], x));
    const tFile = writeNpyFile(tmp.file('t-mse.npy'), f32([N, 3], t));
    const { manifest, grads } = await grad([file, '--input', `X=${xFile}`, '--target', tFile, '--loss', 'mse'], 'out-mse');
    // not reshape.shape (int64), not clip.min / clip.max (Clip's bounds carry no gradient)
    expect(Object.keys(manifest.gradients).sort()).toEqual(['C1.bias', 'C1.weight', 'F.bias', 'F.weight']);
    expect(manifest.gradients['C1.weight']).toBe('C1.weight.npy');
    await checkAgainstOrt(proto, weights, { X: { dims: [N, 1, 5, 5], data: x } }, 'logits', N, mse(t), manifest, grads);
  });

  it('cross-entropy with int64 labels [N]', async () => {
    const { proto, weights } = smallCnn({ seed: 12 });
    const file = writeModelFile(tmp.file('cnn.onnx'), proto);
    const x = floats(203, N * 25);
    const labels = [2, 0, 1];
    const xFile = writeNpyFile(tmp.file('x-ce.npy'), f32([N, 1, 5, 5], x));
    const tFile = writeNpyFile(tmp.file('labels.npy'), i64([N], labels));
    const { manifest, grads } = await grad([file, '--input', `X=${xFile}`, '--target', tFile, '--loss', 'cross-entropy'], 'out-ce');
    expect(Object.keys(manifest.gradients).sort()).toEqual(['C1.bias', 'C1.weight', 'F.bias', 'F.weight']);
    await checkAgainstOrt(proto, weights, { X: { dims: [N, 1, 5, 5], data: x } }, 'logits', N, crossEntropy(labels), manifest, grads);
  });

  it('bce-with-logits on the second output of a two-output model (--output)', async () => {
    const { proto, weights } = twoHeads();
    const file = writeModelFile(tmp.file('two-heads.onnx'), proto);
    const x = floats(204, N * 4, -2, 2);
    const t = Float32Array.from([1, 0, 0, 1, 1, 1]);
    const xFile = writeNpyFile(tmp.file('x-bce.npy'), f32([N, 4], x));
    const tFile = writeNpyFile(tmp.file('t-bce.npy'), f32([N, 2], t));
    const { manifest, grads } = await grad(
      [file, '--input', `X=${xFile}`, '--target', tFile, '--loss', 'bce-with-logits', '--output', 'second'], 'out-bce');
    // the head of 'first' does not reach the loss
    expect(Object.keys(manifest.gradients).sort()).toEqual(['B.bias', 'B.weight', 'T.bias', 'T.weight']);
    await checkAgainstOrt(proto, weights, { X: { dims: [N, 4], data: x } }, 'second', N, bce(t), manifest, grads);
  });

  it('without --output the loss reads the first output', async () => {
    const { proto, weights } = twoHeads();
    const file = writeModelFile(tmp.file('two-heads-first.onnx'), proto);
    const x = floats(205, N * 4, -2, 2);
    const t = floats(206, N * 3);
    const xFile = writeNpyFile(tmp.file('x-first.npy'), f32([N, 4], x));
    const tFile = writeNpyFile(tmp.file('t-first.npy'), f32([N, 3], t));
    const { manifest, grads } = await grad([file, '--input', `X=${xFile}`, '--target', tFile, '--loss', 'mse'], 'out-first');
    expect(Object.keys(manifest.gradients).sort()).toEqual(['A.bias', 'A.weight', 'T.bias', 'T.weight']);
    await checkAgainstOrt(proto, weights, { X: { dims: [N, 4], data: x } }, 'first', N, mse(t), manifest, grads);
  });

  it("file names made safe from names with '/', ':' and spaces, unique when two collide", async () => {
    const { proto, weights } = awkwardNames();
    const file = writeModelFile(tmp.file('awkward.onnx'), proto);
    const x = floats(207, N * 4);
    const t = floats(208, N * 3);
    const xFile = writeNpyFile(tmp.file('x-awk.npy'), f32([N, 4], x));
    const tFile = writeNpyFile(tmp.file('t-awk.npy'), f32([N, 3], t));
    const { manifest, grads } = await grad([file, '--input', `X=${xFile}`, '--target', tFile, '--loss', 'mse'], 'out-awkward');
    expect(Object.keys(manifest.gradients).sort()).toEqual([...AWKWARD_NAMES].sort());
    const names = Object.values(manifest.gradients);
    expect(new Set(names.map((f) => f.toLowerCase())).size).toBe(3);
    for (const f of names) expect(f).not.toMatch(/[/: ]/);
    // a swapped pair would show in the shapes ([3,4] and [3]) and in the values checked below
    await checkAgainstOrt(proto, weights, { X: { dims: [N, 4], data: x } }, 'y', N, mse(t), manifest, grads);
  });

  describe('lenet5', () => {
    const x = floats(209, 2 * 28 * 28, 0, 1);
    const xFile = writeNpyFile(tmp.file('digits.npy'), f32([2, 1, 28, 28], x));
    const tFile = writeNpyFile(tmp.file('digit-labels.npy'), i64([2], [3, 7]));
    const common = [LENET5, '--input', `input=${xFile}`, '--target', tFile, '--loss', 'cross-entropy'];
    const all = ['C1.weight', 'C1.bias', 'S2.beta', 'S2.bias', 'C3.weight', 'C3.bias', 'S4.beta', 'S4.bias',
      'C5.weight', 'C5.bias', 'F6.weight', 'F6.bias', 'OUT.weight', 'OUT.bias'];

    it("every initializer by default; --freeze 'C1.*' leaves the C1 parameters out and the others unchanged", async () => {
      const full = await grad(common, 'out-lenet');
      expect(Object.keys(full.manifest.gradients).sort()).toEqual([...all].sort());
      const frozen = await grad([...common, '--freeze', 'C1.*'], 'out-lenet-frozen');
      expect(Object.keys(frozen.manifest.gradients).sort()).toEqual(all.filter((n) => !n.startsWith('C1.')).sort());
      expect(frozen.manifest.loss).toBeCloseTo(full.manifest.loss, 6);
      for (const [name, g] of frozen.grads) {
        const ref = full.grads.get(name)!;
        expect(g.shape).toEqual(ref.shape);
        let worst = 0;
        for (let i = 0; i < g.data.length; i++) worst = Math.max(worst, Math.abs(Number(g.data[i]) - Number(ref.data[i])));
        expect(worst, name).toBeLessThanOrEqual(1e-6);
      }
    });

    it('--freeze takes comma-separated lists and repeats', async () => {
      const r = await grad([...common, '--freeze', 'C1.*,S2.beta', '--freeze', 'OUT.bias'], 'out-lenet-frozen2');
      expect(Object.keys(r.manifest.gradients).sort())
        .toEqual(all.filter((n) => !n.startsWith('C1.') && n !== 'S2.beta' && n !== 'OUT.bias').sort());
    });
  });
});
