import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../src/errors.js';
import { GraphView } from '../../../src/graph/graph.js';
import { poolWindow } from '../../../src/grad/rules/average-pool.js';
import { graph, node } from '../../../src/onnx/builder.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases } from './average-pool.cases.js';

describe('AveragePool rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });

  it('refuses 4-D pooling with UnsupportedError naming the node', () => {
    const g = graph('g', [node('AveragePool', ['x'], ['y'], { kernel_shape: [2, 2, 2, 2] }, { name: 'pool4d' })], [], [], []);
    const n = new GraphView({ ...g, input: [{ name: 'x', metadata_props: [] }] }).node(0);
    expect(() => poolWindow(n, [1, 2, 3, 3, 3, 3])).toThrow(UnsupportedError);
    expect(() => poolWindow(n, [1, 2, 3, 3, 3, 3])).toThrow(/pool4d.*4-D pooling/);
  });
});
