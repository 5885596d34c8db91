import { describe, it, expect } from 'vitest';
import { combineMapsReference, softmaxColumns } from '../../../customops/combine-maps.js';
import { GradientEngine } from '../../../src/grad/engine.js';
import { nodeBackend } from '../../../src/node/backend.js';
import { buildSpecModel, expectGradientsMatch } from '../../helpers/check-gradients.js';
import { randomFloats, seeded } from '../../helpers/random.js';
import { cases, combine } from './combine-maps.cases.js';

describe('edgetune.CombineMaps rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });

  it('equals the formulas of the paper written out with the full softmax Jacobian', async () => {
    const rng = seeded(9);
    const [N, I, J, H, W] = [2, 3, 2, 2, 3];
    const hw = H * W;
    const z = randomFloats(rng, N * I * hw);
    const c = randomFloats(rng, I * J, -1.5, 1.5);
    const bias = randomFloats(rng, J);
    const ref = combineMapsReference(z, [N, I, H, W], c, J, bias);
    const t = randomFloats(rng, ref.y.length);
    const engine = await GradientEngine.create(buildSpecModel({
      nodes: [combine],
      params: { z: { dims: [N, I, H, W], data: z }, c: { dims: [I, J], data: c }, bias: { dims: [J], data: bias } },
      output: 'y',
    }), nodeBackend, { loss: 'mse', output: 'y', trainable: ['z', 'c', 'bias'] });
    const { grads } = await engine.gradients({}, { dims: ref.dims, data: t }, engine.currentWeights());
    await engine.dispose();

    const delta = ref.y.map((v, i) => (v - t[i]!) / N);
    const a = softmaxColumns(c, I, J);
    const dZ = new Float64Array(z.length);
    const dAlpha = new Float64Array(I * J);
    const dBias = new Float64Array(J);
    for (let b = 0; b < N; b++)
      for (let j = 0; j < J; j++)
        for (let p = 0; p < hw; p++) {
          const d = delta[(b * J + j) * hw + p]!;
          dBias[j]! += d;
          for (let i = 0; i < I; i++) {
            dZ[(b * I + i) * hw + p]! += a[i * J + j]! * d;
            dAlpha[i * J + j]! += d * z[(b * I + i) * hw + p]!;
          }
        }
    // ∂E/∂c_ij = Σ_k ∂E/∂α_kj · α_kj (1[k = i] − α_ij)
    const dC = new Float64Array(I * J);
    for (let i = 0; i < I; i++)
      for (let j = 0; j < J; j++)
        for (let k = 0; k < I; k++) dC[i * J + j]! += dAlpha[k * J + j]! * a[k * J + j]! * ((k === i ? 1 : 0) - a[i * J + j]!);

    const close = (got: Float32Array, want: Float64Array) => {
      expect(got.length).toBe(want.length);
      want.forEach((v, i) => expect(got[i]!).toBeCloseTo(v, 5));
    };
    close(grads.get('z')!, dZ);
    close(grads.get('c')!, dC);
    close(grads.get('bias')!, dBias);
  });
});
