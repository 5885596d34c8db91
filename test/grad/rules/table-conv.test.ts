import { describe, it, expect } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { GradientEngine } from '../../../src/grad/engine.js';
import { tableMask } from '../../../src/grad/rules/table-conv.js';
import { GraphView } from '../../../src/graph/graph.js';
import { graph, node, type AttrValue } from '../../../src/onnx/builder.js';
import { nodeBackend } from '../../../src/node/backend.js';
import { buildSpecModel, expectGradientsMatch, type GraphSpec } from '../../helpers/check-gradients.js';
import { randomFloats, seeded } from '../../helpers/random.js';
import { cases } from './table-conv.cases.js';

function tableConvNode(attrs: Record<string, AttrValue>) {
  return node('TableConv', ['x', 'w', 'b'], ['y'], attrs, { domain: 'edgetune', name: 'tc' });
}

/** The engine's gradients for a spec, with its random target. */
async function gradientsOf(s: GraphSpec): Promise<Map<string, Float32Array>> {
  const engine = await GradientEngine.create(buildSpecModel(s), nodeBackend, { loss: 'mse', output: s.output });
  try {
    const weights = engine.currentWeights();
    const { output } = await engine.forward({}, weights);
    const target = { dims: output.dims, data: randomFloats(seeded(4), output.data.length) };
    return (await engine.gradients({}, target, weights)).grads;
  } finally {
    await engine.dispose();
  }
}

/** Every kernel entry of an unconnected pair (table 0) has gradient exactly 0, and connected ones are not all 0. */
function expectMasked(dw: Float32Array, table: number[], kk: number): void {
  let connectedNonZero = 0;
  table.forEach((t, ji) => {
    for (let e = 0; e < kk; e++) {
      const g = dw[ji * kk + e]!;
      // -0 and +0 are both exact zeros (g·0 keeps the sign of g)
      if (t === 0) expect(g === 0, `w[${ji}][${e}] = ${g}`).toBe(true);
      else if (g !== 0) connectedNonZero++;
    }
  });
  expect(connectedNonZero).toBeGreaterThan(0);
}

describe('edgetune.TableConv rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });

  it.each(cases)('gives unconnected kernels exactly 0: $name', async ({ spec, table }) => {
    const kk = spec.params['w']!.dims.slice(2).reduce((a, b) => a * b, 1);
    expectMasked((await gradientsOf(spec)).get('w')!, table, kk);
  });

  it('rejects a table whose size does not match the weight', () => {
    const g = graph('g', [tableConvNode({ table: [1, 0, 1] })], [], [], []);
    const view = new GraphView({ ...g, input: ['x', 'w', 'b'].map((name) => ({ name, metadata_props: [] })) });
    expect(() => tableMask(view.node(0), [2, 2, 3, 3])).toThrow(InputError);
    expect(() => tableMask(view.node(0), [2, 2, 3, 3])).toThrow(/node 'tc'.*'table' has 3 entries/);
  });
});
