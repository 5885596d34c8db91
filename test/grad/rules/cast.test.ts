import { describe, expect, it } from 'vitest';
import { cast } from '../../../src/grad/rules/cast.js';
import { differentiableInputs } from '../../../src/grad/rule.js';
import { Attrs } from '../../../src/graph/attributes.js';
import type { NodeView } from '../../../src/graph/graph.js';
import { node } from '../../../src/onnx/builder.js';
import { DataType } from '../../../src/onnx/dtypes.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases } from './cast.cases.js';

function castView(to: number): NodeView {
  const proto = node('Cast', ['x'], ['y'], { to });
  return { index: 0, proto, name: 'c', opType: 'Cast', domain: '', inputs: proto.input, outputs: proto.output, attrs: new Attrs(proto) };
}

describe('Cast rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });

  it('passes through float casts only', () => {
    for (const to of [DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.BFLOAT16]) {
      expect(differentiableInputs(cast, castView(to))).toEqual([0]);
    }
    for (const to of [DataType.INT64, DataType.INT32, DataType.UINT8, DataType.BOOL, DataType.STRING]) {
      expect(differentiableInputs(cast, castView(to))).toEqual([]);
    }
  });
});
