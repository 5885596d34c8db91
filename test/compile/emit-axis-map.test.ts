/**
 * The per-axis adjoints of emit-axis-map.ts, run by ONNX Runtime, against the
 * TypeScript adjoint (src/tensor/axis-map.ts) on every form they choose: block
 * sum, Gather layers, constant MatMul, zeros, and a matrix given as a value.
 */
import { describe, expect, it } from 'vitest';
import { GraphEmitter, type EmitContext } from '../../src/compile/emit.js';
import { axisMapAdjointEmit, denseAxisAdjointEmit, layoutFor } from '../../src/compile/emit-axis-map.js';
import { Attrs } from '../../src/graph/attributes.js';
import { graph, model, node, opset as opsetId, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import { applyAxisMapAdjoint, denseMatrix, gatherMap, type AxisMap } from '../../src/tensor/axis-map.js';
import { resizeAxisMap } from '../../src/tensor/resize.js';
import { randomTensor, seeded } from '../helpers/random.js';
import { runModel } from '../tensor/ort-fixture.js';

const proto = node('Identity', ['g'], ['h']);
const view = { index: 0, proto, name: 'n', opType: 'Identity', domain: '', inputs: proto.input, outputs: proto.output, attrs: new Attrs(proto) };

async function runEmitted(gDims: number[], opset: number, build: (ctx: EmitContext) => string): Promise<{ out: Float32Array; g: Float32Array; ops: string[] }> {
  const emitter = new GraphEmitter(new Map([['g', gDims]]));
  const ctx = emitter.context({ node: view, inputs: ['g'], outputs: ['h'], gradOutputs: ['g'], needs: [true], opset });
  const out = build(ctx);
  const nodes = [...emitter.nodes, node('Identity', [out], ['out'])];
  const gr = graph('g', nodes, [valueInfo('g', DataType.FLOAT, gDims)], [valueInfo('out', DataType.FLOAT)], emitter.constants);
  const g = randomTensor(seeded(gDims.length * 13 + opset), gDims);
  const res = await runModel(encodeModel(model(gr, { opsets: [opsetId('', opset)] })), { g });
  return { out: res['out']!.data, g: g.data, ops: emitter.nodes.map((n) => n.op_type ?? '') };
}

const attrs = { coordinate: 'asymmetric', nearest: 'floor', cubicA: -0.75, excludeOutside: false, antialias: false } as const;
const forms: [string, AxisMap, string][] = [
  ['nearest ×3 upsampling', resizeAxisMap({ ...attrs, mode: 'nearest' }, 3, 9, 3), 'ReduceSum'],
  ['bilinear 4 → 7', resizeAxisMap({ ...attrs, mode: 'linear', coordinate: 'half_pixel' }, 4, 7, 1.75), 'Gather'],
  ['a border read by many outputs', gatherMap(3, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2]), 'MatMul'],
  ['a map that reads nothing', { inSize: 3, outSize: 2, taps: 1, index: new Int32Array(2), weight: new Float64Array(2) }, 'Expand'],
];

describe('axisMapAdjointEmit', () => {
  for (const [name, m, op] of forms) {
    for (const [axis, opset] of [[0, 9], [1, 13], [2, 17]] as const) {
      it(`${name} on axis ${axis} (opset ${opset}) uses ${op} and equals the TypeScript adjoint`, async () => {
        const gDims = [2, 3, 2].map((d, a) => (a === axis ? m.outSize : d));
        const { out, g, ops } = await runEmitted(gDims, opset, (ctx) => axisMapAdjointEmit(ctx, 'g', gDims, axis, m)[0]);
        expect(ops).toContain(op);
        const want = applyAxisMapAdjoint({ dims: gDims, data: g }, axis, m).data;
        expect(out.length).toBe(want.length);
        for (let i = 0; i < want.length; i++) expect(out[i]).toBeCloseTo(want[i]!, 5);
      });
    }
  }
});

describe('denseAxisAdjointEmit', () => {
  const m = resizeAxisMap({ ...attrs, mode: 'cubic', coordinate: 'half_pixel' }, 4, 6, 1.5);
  for (const axis of [0, 1, 2]) {
    it(`applies a matrix value along axis ${axis}`, async () => {
      const gDims = [3, 2, 3].map((d, a) => (a === axis ? m.outSize : d));
      const a = denseMatrix(m);
      const outIn = layoutFor(axis, 3) === 'out-in';
      const values = outIn ? Array.from(a) : Array.from({ length: a.length }, (_, k) => a[(k % m.outSize) * m.inSize + Math.floor(k / m.outSize)]!);
      const { out, g } = await runEmitted(gDims, 13, (ctx) => {
        const mat = ctx.op('Identity', [ctx.floats(values, outIn ? [m.outSize, m.inSize] : [m.inSize, m.outSize])]);
        return denseAxisAdjointEmit(ctx, 'g', gDims, axis, m.inSize, mat)[0];
      });
      const want = applyAxisMapAdjoint({ dims: gDims, data: g }, axis, m).data;
      for (let i = 0; i < want.length; i++) expect(out[i]).toBeCloseTo(want[i]!, 5);
    });
  }
});
