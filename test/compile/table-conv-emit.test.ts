import { describe, it } from 'vitest';
import { lenet5Table } from '../../customops/table-conv.js';
import { node, type AttrValue } from '../../src/onnx/builder.js';
import type { GraphSpec } from '../helpers/check-gradients.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { randomBits, seeded } from '../helpers/random.js';

function spec(x: number[], w: number[], attrs: Record<string, AttrValue>, bias = true): GraphSpec {
  return {
    nodes: [node('TableConv', bias ? ['x', 'w', 'b'] : ['x', 'w'], ['y'], attrs, { domain: 'edgetune', name: 'tc' })],
    params: { x: { dims: x }, w: { dims: w }, ...(bias ? { b: { dims: [w[0]!] } } : {}) },
    output: 'y',
  };
}

describe('edgetune.TableConv emitter', () => {
  it('LeNet-5 C3 table', async () => {
    await expectEmitterMatches(spec([2, 6, 7, 6], [16, 6, 3, 3], { table: lenet5Table() }));
  });

  const random = randomBits(seeded(17), 4 * 3, 0.5);

  it('random table with strides, asymmetric pads and dilations', async () => {
    await expectEmitterMatches(spec([2, 3, 8, 7], [4, 3, 2, 3], { table: random, strides: [2, 1], pads: [1, 0, 0, 2], dilations: [1, 2] }));
  });

  it('random table with auto_pad SAME_UPPER and stride 2', async () => {
    await expectEmitterMatches(spec([3, 3, 7, 5], [4, 3, 3, 2], { table: random, auto_pad: 'SAME_UPPER', strides: [2, 2] }));
  });

  it('random table without bias', async () => {
    await expectEmitterMatches(spec([2, 3, 6, 5], [4, 3, 2, 2], { table: random, pads: [0, 1, 1, 0] }, false));
  });
});
