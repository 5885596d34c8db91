import { describe, it, expect } from 'vitest';
import { lenet5Table } from '../../../customops/table-conv.js';
import { InputError } from '../../../src/errors.js';
import { GradientEngine } from '../../../src/grad/engine.js';
import { tableMask } from '../../../src/grad/rules/table-conv.js';
import { GraphView } from '../../../src/graph/graph.js';
import { graph, node, type AttrValue } from '../../../src/onnx/builder.js';
import { nodeBackend } from '../../../src/node/backend.js';
import { buildSpecModel, expectGradientsMatch, type GraphSpec } from '../../helpers/check-gradients.js';
import { randomBits, randomFloats, seeded } from '../../helpers/random.js';

function tableConvNode(attrs: Record<string, AttrValue>) {
  return node('TableConv', ['x', 'w', 'b'], ['y'], attrs, { domain: 'edgetune', name: 'tc' });
}

function spec(x: number[], w: number[], attrs: Record<string, AttrValue>): GraphSpec {
  return {
    nodes: [tableConvNode(attrs)],
    params: { x: { dims: x }, w: { dims: w }, b: { dims: [w[0]!] } },
    output: 'y',
  };
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
  const lenet = lenet5Table();

  it('LeNet-5 C3 table: matches central differences', async () => {
    await expectGradientsMatch(spec([2, 6, 7, 6], [16, 6, 3, 3], { table: lenet }), { samples: 24 });
  });

  it('LeNet-5 C3 table: unconnected kernels get exactly 0', async () => {
    const g = await gradientsOf(spec([2, 6, 7, 6], [16, 6, 3, 3], { table: lenet }));
    expectMasked(g.get('w')!, lenet, 9);
  });

  const random = randomBits(seeded(17), 4 * 3, 0.5);

  it('random table with strides, asymmetric pads and dilations', async () => {
    const s = spec([2, 3, 8, 7], [4, 3, 2, 3], { table: random, strides: [2, 1], pads: [1, 0, 0, 2], dilations: [1, 2] });
    await expectGradientsMatch(s, { samples: 24 });
    expectMasked((await gradientsOf(s)).get('w')!, random, 6);
  });

  it('random table with auto_pad SAME_UPPER and stride 2', async () => {
    const s = spec([3, 3, 7, 5], [4, 3, 3, 2], { table: random, auto_pad: 'SAME_UPPER', strides: [2, 2] });
    await expectGradientsMatch(s, { samples: 24 });
    expectMasked((await gradientsOf(s)).get('w')!, random, 6);
  });

  it('rejects a table whose size does not match the weight', () => {
    const g = graph('g', [tableConvNode({ table: [1, 0, 1] })], [], [], []);
    const view = new GraphView({ ...g, input: ['x', 'w', 'b'].map((name) => ({ name, metadata_props: [] })) });
    expect(() => tableMask(view.node(0), [2, 2, 3, 3])).toThrow(InputError);
    expect(() => tableMask(view.node(0), [2, 2, 3, 3])).toThrow(/node 'tc'.*'table' has 3 entries/);
  });
});
