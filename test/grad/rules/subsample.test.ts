import { describe, it, expect } from 'vitest';
import { subsampleReference } from '../../../customops/subsample.js';
import { GradientEngine } from '../../../src/grad/engine.js';
import { floatTensor, node } from '../../../src/onnx/builder.js';
import { nodeBackend } from '../../../src/node/backend.js';
import type { HostTensor } from '../../../src/runtime/host-tensor.js';
import { buildSpecModel, expectGradientsMatch, type GraphSpec } from '../../helpers/check-gradients.js';
import { randomFloats, seeded } from '../../helpers/random.js';
import { cases, subsampleNode } from './subsample.cases.js';

/** Loss and gradients of the trained parameters of a graph, for one fixed target. */
async function gradientsOf(spec: GraphSpec, trainable: string[], target: HostTensor): Promise<Map<string, Float32Array>> {
  const engine = await GradientEngine.create(buildSpecModel(spec), nodeBackend, { loss: 'mse', output: spec.output, trainable });
  try {
    return (await engine.gradients({}, target, engine.currentWeights())).grads;
  } finally {
    await engine.dispose();
  }
}

function expectAllClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  let scale = 1e-6;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst / scale).toBeLessThan(tol);
}

describe('edgetune.Subsample rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });

  it('matches β·up(δ), Σ δ∘down(x) and Σ δ computed by hand, with exact zeros past the last block', async () => {
    const rng = seeded(5);
    const [N, C, H, W, n] = [2, 2, 7, 5, 3];
    const x = randomFloats(rng, N * C * H * W);
    const beta = randomFloats(rng, C);
    const bias = randomFloats(rng, C);
    const ref = subsampleReference(x, [N, C, H, W], beta, bias, n);
    const t = randomFloats(rng, ref.y.length);
    const g = await gradientsOf({
      nodes: [subsampleNode({ size: n })],
      params: { x: { dims: [N, C, H, W], data: x }, beta: { dims: [C], data: beta }, bias: { dims: [C], data: bias } },
      output: 'y',
    }, ['x', 'beta', 'bias'], { dims: ref.dims, data: t });
    const [oh, ow] = [Math.floor(H / n), Math.floor(W / n)];
    const delta = ref.y.map((v, i) => (v - t[i]!) / N);
    const dx = new Float32Array(x.length);
    const dBeta = new Float64Array(C);
    const dBias = new Float64Array(C);
    for (let b = 0; b < N; b++)
      for (let c = 0; c < C; c++)
        for (let i = 0; i < oh; i++)
          for (let j = 0; j < ow; j++) {
            const d = delta[((b * C + c) * oh + i) * ow + j]!;
            let block = 0;
            for (let p = 0; p < n; p++)
              for (let q = 0; q < n; q++) {
                const k = ((b * C + c) * H + i * n + p) * W + j * n + q;
                dx[k] = beta[c]! * d;
                block += x[k]!;
              }
            dBeta[c]! += d * block;
            dBias[c]! += d;
          }
    expectAllClose(g.get('x')!, dx);
    expectAllClose(g.get('beta')!, dBeta);
    expectAllClose(g.get('bias')!, dBias);
    const gx = g.get('x')!;
    for (let b = 0; b < N; b++)
      for (let c = 0; c < C; c++)
        for (let h = 0; h < H; h++)
          for (let w = 0; w < W; w++) {
            if (h >= oh * n || w >= ow * n) expect(gx[((b * C + c) * H + h) * W + w]).toBe(0);
          }
  });
});

describe('edgetune.Subsample rule against standard-op graphs', () => {
  const [N, C, H, W, n] = [2, 3, 7, 6, 2];
  const rng = seeded(21);
  const x = randomFloats(rng, N * C * H * W);
  const beta = randomFloats(rng, C);
  const bias = randomFloats(rng, C);
  const target: HostTensor = { dims: [N, C, 3, 3], data: randomFloats(rng, N * C * 9) };
  const convAttrs = { strides: [n, n], group: C };

  async function subsampleGrads(): Promise<Map<string, Float32Array>> {
    return gradientsOf({
      nodes: [subsampleNode({ size: n })],
      params: { x: { dims: [N, C, H, W], data: x }, beta: { dims: [C], data: beta }, bias: { dims: [C], data: bias } },
      output: 'y',
    }, ['x', 'beta', 'bias'], target);
  }

  it('agrees with Conv(x, ones, stride n, depthwise) · beta + bias built from Conv, Mul and Add', async () => {
    const ours = await subsampleGrads();
    const body = await gradientsOf({
      nodes: [
        node('Conv', ['x', 'ones'], ['d'], convAttrs),
        node('Mul', ['d', 'beta3'], ['s']),
        node('Add', ['s', 'bias3'], ['y']),
      ],
      params: {
        x: { dims: [N, C, H, W], data: x },
        beta3: { dims: [C, 1, 1], data: beta },
        bias3: { dims: [C, 1, 1], data: bias },
      },
      constants: [floatTensor('ones', [C, 1, n, n], new Array<number>(C * n * n).fill(1))],
      output: 'y',
    }, ['x', 'beta3', 'bias3'], target);
    expectAllClose(ours.get('x')!, body.get('x')!);
    expectAllClose(ours.get('beta')!, body.get('beta3')!);
    expectAllClose(ours.get('bias')!, body.get('bias3')!);
  });

  it('agrees with a depthwise Conv whose n×n kernel is β_c everywhere (∂β_c = Σ ∂W[c])', async () => {
    const ours = await subsampleGrads();
    const kernel = Array.from({ length: C * n * n }, (_, i) => beta[Math.floor(i / (n * n))]!);
    const conv = await gradientsOf({
      nodes: [node('Conv', ['x', 'k', 'bias'], ['y'], convAttrs)],
      params: { x: { dims: [N, C, H, W], data: x }, k: { dims: [C, 1, n, n], data: kernel }, bias: { dims: [C], data: bias } },
      output: 'y',
    }, ['x', 'k', 'bias'], target);
    const dk = conv.get('k')!;
    const dBeta = Array.from({ length: C }, (_, c) => dk.slice(c * n * n, (c + 1) * n * n).reduce((a, b) => a + b, 0));
    expectAllClose(ours.get('x')!, conv.get('x')!);
    expectAllClose(ours.get('beta')!, dBeta);
    expectAllClose(ours.get('bias')!, conv.get('bias')!);
  });
});
