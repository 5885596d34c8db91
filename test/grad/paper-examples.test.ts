/**
 * The paper, checked at its own level: the fused layer formulas of
 * shared/docs/paper-rules.md, written out here in MATLAB style (true
 * convolution conv2 with rot180), against the node-by-node rules composed by
 * the GradientEngine on small ONNX graphs, on the blog's worked examples.
 *
 * Kernels: ONNX Conv is cross-correlation, so a graph weight W is the paper's
 * kernel turned around, k = rot180(W), and x ∗ k = conv2(x, k, 'valid') =
 * corr_valid(x, W). The loss is mse with N = 1, i.e. the paper's E = ½ Σ (y − t)².
 */
import { describe, it, expect } from 'vitest';
import { GradientEngine } from '../../src/grad/engine.js';
import { floatTensor, node, type AttrValue } from '../../src/onnx/builder.js';
import { nodeBackend } from '../../src/node/backend.js';
import type { TensorProto } from '../../src/onnx/types.js';
import { buildSpecModel } from '../helpers/check-gradients.js';
import { randomFloats, seeded } from '../helpers/random.js';

type Map2 = number[][];

const rng = seeded(2006);

function randomMap(h: number, w: number, lo = -1, hi = 1): Map2 {
  return Array.from({ length: h }, () => Array.from(randomFloats(rng, w, lo, hi)));
}

function rot180(k: Map2): Map2 {
  return k.map((row) => [...row].reverse()).reverse();
}

/** MATLAB conv2: true 2-D convolution, 'full' or 'valid'. */
function conv2(a: Map2, k: Map2, shape: 'full' | 'valid'): Map2 {
  const [ha, wa, hk, wk] = [a.length, a[0]!.length, k.length, k[0]!.length];
  const full: Map2 = Array.from({ length: ha + hk - 1 }, () => new Array<number>(wa + wk - 1).fill(0));
  for (let p = 0; p < ha; p++)
    for (let q = 0; q < wa; q++)
      for (let r = 0; r < hk; r++)
        for (let s = 0; s < wk; s++) full[p + r]![q + s]! += a[p]![q]! * k[r]![s]!;
  if (shape === 'full') return full;
  return full.slice(hk - 1, ha).map((row) => row.slice(wk - 1, wa));
}

/** ONNX-style valid cross-correlation, straight from its definition (independent of conv2). */
function corrValid(a: Map2, k: Map2): Map2 {
  const [hk, wk] = [k.length, k[0]!.length];
  return Array.from({ length: a.length - hk + 1 }, (_, i) =>
    Array.from({ length: a[0]!.length - wk + 1 }, (_, j) => {
      let s = 0;
      for (let p = 0; p < hk; p++) for (let q = 0; q < wk; q++) s += a[i + p]![j + q]! * k[p]![q]!;
      return s;
    }));
}

const add = (a: Map2, b: Map2): Map2 => a.map((row, i) => row.map((v, j) => v + b[i]![j]!));
const hadamard = (a: Map2, b: Map2): Map2 => a.map((row, i) => row.map((v, j) => v * b[i]![j]!));
const scaleMap = (a: Map2, s: number): Map2 => a.map((row) => row.map((v) => v * s));
const sumMap = (a: Map2): number => a.flat().reduce((s, v) => s + v, 0);
const sigmoid = (a: Map2): Map2 => a.map((row) => row.map((v) => 1 / (1 + Math.exp(-v))));
const sigmoidPrime = (u: Map2): Map2 => sigmoid(u).map((row) => row.map((s) => s * (1 - s)));
const addScalar = (a: Map2, b: number): Map2 => a.map((row) => row.map((v) => v + b));

/** up(x) = x ⊗ 1_{n×n}. */
function up(a: Map2, n: number): Map2 {
  return Array.from({ length: a.length * n }, (_, i) => Array.from({ length: a[0]!.length * n }, (_, j) => a[Math.floor(i / n)]![Math.floor(j / n)]!));
}

/** down(x): the sum of every n×n block. */
function down(a: Map2, n: number): Map2 {
  return Array.from({ length: Math.floor(a.length / n) }, (_, i) => Array.from({ length: Math.floor(a[0]!.length / n) }, (_, j) => {
    let s = 0;
    for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) s += a[i * n + p]![j * n + q]!;
    return s;
  }));
}

const flat = (maps: Map2[]): number[] => maps.flatMap((m) => m.flat());
const dimsOf = (maps: Map2[]): number[] => [1, maps.length, maps[0]!.length, maps[0]![0]!.length];
/** The maps of a [1,C,H,W] buffer. */
function mapsOf(data: ArrayLike<number>, C: number, H: number, W: number): Map2[] {
  return Array.from({ length: C }, (_, c) => Array.from({ length: H }, (_, i) => Array.from({ length: W }, (_, j) => data[(c * H + i) * W + j]!)));
}

function expectMapsClose(got: ArrayLike<number>, want: number[], digits = 5): void {
  expect(got.length).toBe(want.length);
  want.forEach((v, i) => expect(got[i]!, `entry ${i}`).toBeCloseTo(v, digits));
}

interface Run {
  output: Float32Array;
  grads: Map<string, Float32Array>;
}

/** One forward/backward pass of a small graph through ONNX Runtime and the rules. */
async function run(
  nodes: ReturnType<typeof node>[], params: Record<string, { dims: number[]; data: number[] }>,
  target: number[], constants: TensorProto[] = [],
): Promise<Run> {
  const model = buildSpecModel({ nodes, params, constants, output: 'y' });
  const engine = await GradientEngine.create(model, nodeBackend, { loss: 'mse', output: 'y', trainable: Object.keys(params) });
  try {
    const weights = engine.currentWeights();
    const { output } = await engine.forward({}, weights);
    const r = await engine.gradients({}, { dims: output.dims, data: Float32Array.from(target) }, weights);
    return { output: r.output.data, grads: r.grads };
  } finally {
    await engine.dispose();
  }
}

const edgetune = (op: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}) =>
  node(op, inputs, outputs, attrs, { domain: 'edgetune' });

describe('(a) convolution layer: two 4×4 maps, 2×2 kernels, one 3×3 sigmoid map', () => {
  it('kernel gradient is rot180(conv2(x_i, rot180(δ), valid)) and bias gradient is Σ δ', async () => {
    const x = [randomMap(4, 4), randomMap(4, 4)];
    const W = [randomMap(2, 2), randomMap(2, 2)];
    const b = 0.3;
    const t = randomMap(3, 3, 0, 1);

    // The paper's layer: u = Σ_i x_i ∗ k_i + b with k_i = rot180(W_i), y = f(u), δ = f'(u) ∘ (y − t).
    const k = W.map(rot180);
    const u = addScalar(add(conv2(x[0]!, k[0]!, 'valid'), conv2(x[1]!, k[1]!, 'valid')), b);
    const y = sigmoid(u);
    const delta = hadamard(sigmoidPrime(u), add(y, scaleMap(t, -1)));
    const dk = x.map((xi) => rot180(conv2(xi, rot180(delta), 'valid')));
    const dW = dk.map(rot180);

    const r = await run(
      [node('Conv', ['x', 'w', 'b'], ['u']), node('Sigmoid', ['u'], ['y'])],
      { x: { dims: dimsOf(x), data: flat(x) }, w: { dims: [1, 2, 2, 2], data: flat(W) }, b: { dims: [1], data: [b] } },
      t.flat(),
    );
    expectMapsClose(r.output, y.flat());
    expectMapsClose(r.grads.get('w')!, flat(dW));
    // The same gradient in ONNX form: ∂E/∂W_i = corr_valid(x_i, δ).
    expectMapsClose(r.grads.get('w')!, flat(x.map((xi) => corrValid(xi, delta))));
    expect(r.grads.get('b')![0]!).toBeCloseTo(sumMap(delta), 5);
  });
});

describe('(b) subsampling after a convolution layer: 2×2 blocks of a 4×4 map', () => {
  const x0 = randomMap(5, 5);
  const W = randomMap(2, 2);
  const B = -0.2;
  const beta = 0.8;
  const bias = 0.1;
  const t = randomMap(2, 2);
  const u = addScalar(conv2(x0, rot180(W), 'valid'), B);
  const xl = sigmoid(u);
  const y = addScalar(scaleMap(down(xl, 2), beta), bias);
  const d = add(y, scaleMap(t, -1)); // sensitivities of the 2×2 map (linear output)

  it('∂E/∂β = d11·(x1+x2+x3+x4) + d12·(x5+…+x8) + d21·(x9+…+x12) + d22·(x13+…+x16), x numbered block by block', async () => {
    const r = await run(
      [node('Conv', ['x0', 'w', 'B'], ['u']), node('Sigmoid', ['u'], ['xl']), edgetune('Subsample', ['xl', 'beta', 'bias'], ['y'])],
      { w: { dims: [1, 1, 2, 2], data: W.flat() }, B: { dims: [1], data: [B] }, beta: { dims: [1], data: [beta] }, bias: { dims: [1], data: [bias] } },
      t.flat(), [floatTensor('x0', [1, 1, 5, 5], x0.flat())],
    );
    expectMapsClose(r.output, y.flat());
    const dBeta = r.grads.get('beta')![0]!;

    // The doc's grouping holds when x1..x4 are the top-left block, x5..x8 the top-right one, and so on.
    const byBlock = [0, 2].flatMap((bi) => [0, 2].flatMap((bj) => [xl[bi]![bj]!, xl[bi]![bj + 1]!, xl[bi + 1]![bj]!, xl[bi + 1]![bj + 1]!]));
    const xb = (i: number) => byBlock[i - 1]!;
    const [[d11, d12], [d21, d22]] = d as [[number, number], [number, number]];
    const doc = d11 * (xb(1) + xb(2) + xb(3) + xb(4)) + d12 * (xb(5) + xb(6) + xb(7) + xb(8))
      + d21 * (xb(9) + xb(10) + xb(11) + xb(12)) + d22 * (xb(13) + xb(14) + xb(15) + xb(16));
    expect(dBeta).toBeCloseTo(doc, 5);

    // With x1..x16 numbered row-major the blocks are {1,2,5,6}, {3,4,7,8}, {9,10,13,14}, {11,12,15,16};
    // the doc's consecutive groups of four would then be rows, which is not the gradient.
    const xr = (i: number) => xl.flat()[i - 1]!;
    const rowMajor = d11 * (xr(1) + xr(2) + xr(5) + xr(6)) + d12 * (xr(3) + xr(4) + xr(7) + xr(8))
      + d21 * (xr(9) + xr(10) + xr(13) + xr(14)) + d22 * (xr(11) + xr(12) + xr(15) + xr(16));
    expect(dBeta).toBeCloseTo(rowMajor, 5);
    const rowsAsBlocks = d11 * (xr(1) + xr(2) + xr(3) + xr(4)) + d12 * (xr(5) + xr(6) + xr(7) + xr(8))
      + d21 * (xr(9) + xr(10) + xr(11) + xr(12)) + d22 * (xr(13) + xr(14) + xr(15) + xr(16));
    expect(Math.abs(dBeta - rowsAsBlocks)).toBeGreaterThan(1e-3);

    // ∂E/∂β = Σ δ ∘ down(x), ∂E/∂b = Σ δ
    expect(dBeta).toBeCloseTo(sumMap(hadamard(d, down(xl, 2))), 5);
    expect(r.grads.get('bias')![0]!).toBeCloseTo(sumMap(d), 5);

    // The convolution layer below: δ^l = β (f'(u) ∘ up(δ^{l+1})), then its kernel and bias gradients.
    const deltaL = scaleMap(hadamard(sigmoidPrime(u), up(d, 2)), beta);
    expectMapsClose(r.grads.get('w')!, corrValid(x0, deltaL).flat());
    const dk = rot180(conv2(x0, rot180(deltaL), 'valid')); // the paper's kernel k = rot180(W)
    expectMapsClose(r.grads.get('w')!, rot180(dk).flat());
    expect(r.grads.get('B')![0]!).toBeCloseTo(sumMap(deltaL), 5);
  });

  it('the convolution-layer sensitivity δ^l = β (f\'(u) ∘ up(δ^{l+1})), read off as ∂E/∂u', async () => {
    const r = await run(
      [node('Sigmoid', ['u'], ['xl']), edgetune('Subsample', ['xl', 'beta', 'bias'], ['y'])],
      { u: { dims: [1, 1, 4, 4], data: u.flat() }, beta: { dims: [1], data: [beta] }, bias: { dims: [1], data: [bias] } },
      t.flat(),
    );
    expectMapsClose(r.grads.get('u')!, scaleMap(hadamard(sigmoidPrime(u), up(d, 2)), beta).flat());
  });
});

describe('(c) input node 7 of a 4×4 map under a 2×2 kernel', () => {
  it('∂E/∂x7 = δ2·k22 + δ3·k21 + δ5·k12 + δ6·k11, the full-convolution rule at one node', async () => {
    const x = randomMap(4, 4);
    const k = randomMap(2, 2); // the graph weight: k_pq = W[p−1][q−1]
    const t = randomMap(3, 3);
    const r = await run(
      [node('Conv', ['x', 'k'], ['y'])],
      { x: { dims: [1, 1, 4, 4], data: x.flat() }, k: { dims: [1, 1, 2, 2], data: k.flat() } },
      t.flat(),
    );
    const y = corrValid(x, k);
    expectMapsClose(r.output, y.flat());
    const delta = add(y, scaleMap(t, -1)).flat(); // δ1..δ9 row-major, δn = delta[n − 1]
    const dx = r.grads.get('x')!;
    const [[k11, k12], [k21, k22]] = k as [[number, number], [number, number]];
    const fromBlog = delta[1]! * k22 + delta[2]! * k21 + delta[4]! * k12 + delta[5]! * k11;
    expect(dx[6]!).toBeCloseTo(fromBlog, 5);
    // The whole map: δ^l = conv2(δ^{l+1}, rot180(k_paper), 'full') with k_paper = rot180(W).
    const kPaper = rot180(k);
    const full = conv2(mapsOf(delta, 1, 3, 3)[0]!, rot180(kPaper), 'full');
    expectMapsClose(dx, full.flat());
    expect(full[1]![2]!).toBeCloseTo(fromBlog, 10);
  });
});

describe('(d) subsampling-layer sensitivity summed over every map of layer l+1 it feeds', () => {
  it('δ_i = f\'(u_i) ∘ Σ_{j: i ∈ M_j} conv2(δ_j, rot180(k_ij), full), through a partial table', async () => {
    // Layer l: two 4×4 maps; layer l+1: two 3×3 maps, M_0 = {0}, M_1 = {0, 1}. Map 0 feeds both.
    const table = [1, 0, 1, 1]; // rows j, columns i
    const u = [randomMap(4, 4, -2, 2), randomMap(4, 4, -2, 2)];
    const W = [randomMap(2, 2), randomMap(2, 2), randomMap(2, 2), randomMap(2, 2)]; // W[j·2 + i]
    const Bj = [0.1, -0.3];
    const t = [randomMap(3, 3), randomMap(3, 3)];
    const xl = u.map(sigmoid);
    const k = W.map(rot180);
    const y = [0, 1].map((j) => {
      let s = addScalar(conv2(xl[0]!, k[j * 2]!, 'valid'), Bj[j]!);
      if (table[j * 2 + 1]) s = add(s, conv2(xl[1]!, k[j * 2 + 1]!, 'valid'));
      return s;
    });
    const delta = y.map((yj, j) => add(yj, scaleMap(t[j]!, -1)));
    const sens = (i: number, js: number[]) =>
      hadamard(sigmoidPrime(u[i]!), js.map((j) => conv2(delta[j]!, rot180(k[j * 2 + i]!), 'full')).reduce(add));
    const fused = [sens(0, [0, 1]), sens(1, [1])];

    const r = await run(
      [node('Sigmoid', ['u'], ['xl']), edgetune('TableConv', ['xl', 'w', 'b'], ['y'], { table })],
      { u: { dims: dimsOf(u), data: flat(u) }, w: { dims: [2, 2, 2, 2], data: flat(W) }, b: { dims: [2], data: Bj } },
      flat(t),
    );
    expectMapsClose(r.output, flat(y));
    expectMapsClose(r.grads.get('u')!, flat(fused));
    // The paper's single-j form misses what map 0 sends to the second map.
    const singleJ = sens(0, [0]).flat();
    const got0 = Array.from(r.grads.get('u')!.slice(0, 16));
    expect(Math.max(...got0.map((g, i) => Math.abs(g - singleJ[i]!)))).toBeGreaterThan(1e-3);
  });

  it('the subsampling layer\'s β and b gradients use that summed sensitivity', async () => {
    // x^{l−1} (8×8) → Subsample(β, b) → u (4×4) → sigmoid → Conv into two 3×3 maps.
    const x0 = randomMap(8, 8);
    const beta = 0.4;
    const bias = -0.1;
    const W = [randomMap(2, 2), randomMap(2, 2)];
    const t = [randomMap(3, 3), randomMap(3, 3)];
    const u = addScalar(scaleMap(down(x0, 2), beta), bias);
    const xl = sigmoid(u);
    const delta = W.map((w, j) => add(conv2(xl, rot180(w), 'valid'), scaleMap(t[j]!, -1)));
    const kPaper = W.map(rot180);
    const deltaL = hadamard(sigmoidPrime(u), kPaper.map((kj, j) => conv2(delta[j]!, rot180(kj), 'full')).reduce(add));

    const r = await run(
      [edgetune('Subsample', ['x0', 'beta', 'bias'], ['u']), node('Sigmoid', ['u'], ['xl']), node('Conv', ['xl', 'w'], ['y'])],
      { beta: { dims: [1], data: [beta] }, bias: { dims: [1], data: [bias] }, w: { dims: [2, 1, 2, 2], data: flat(W) } },
      flat(t), [floatTensor('x0', [1, 1, 8, 8], x0.flat())],
    );
    expect(r.grads.get('beta')![0]!).toBeCloseTo(sumMap(hadamard(deltaL, down(x0, 2))), 5);
    expect(r.grads.get('bias')![0]!).toBeCloseTo(sumMap(deltaL), 5);
  });
});
