import { describe, expect, it } from 'vitest';
import { normalizeInputGradEmit, normalizeOverEmit, reduceMeanEmit } from '../../src/compile/emit-normalize.js';
import { GraphEmitter, type EmitContext } from '../../src/compile/emit.js';
import { GraphView } from '../../src/graph/graph.js';
import { nodeBackend } from '../../src/node/backend.js';
import { graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import { Session } from '../../src/runtime/session.js';
import { normalizeInputGrad, normalizeOver } from '../../src/tensor/normalize.js';
import { reduceSum } from '../../src/tensor/broadcast.js';
import { map, sizeOf, type Tensor } from '../../src/tensor/tensor.js';
import { randomFloats, seeded } from '../helpers/random.js';

const rng = seeded(47);

function random(dims: number[]): Tensor {
  return { dims, data: randomFloats(rng, sizeOf(dims)) };
}

/** Runs the nodes `build` emits over graph inputs `feeds` at `opsetVersion`; returns the named value and its recorded dims. */
async function runEmitted(
  feeds: Record<string, Tensor>, build: (ctx: EmitContext) => string, opsetVersion: number,
): Promise<Tensor & { recorded: readonly number[] }> {
  const emitter = new GraphEmitter(new Map(Object.entries(feeds).map(([k, t]) => [k, t.dims])), 'test');
  const placeholder = new GraphView(graph('g', [node('Identity', ['a'], ['b'])], [valueInfo('a', DataType.FLOAT, [1])], [])).node(0);
  const ctx = emitter.context({ node: placeholder, inputs: [], outputs: [], gradOutputs: [], needs: [], opset: opsetVersion });
  const out = build(ctx);
  const inputs = Object.entries(feeds).map(([k, t]) => valueInfo(k, DataType.FLOAT, [...t.dims]));
  const g = graph('emitted', [...emitter.nodes, node('Identity', [out], ['result'])], inputs, [{ name: 'result', metadata_props: [] }], emitter.constants);
  const session = await Session.create(nodeBackend, encodeModel(model(g, { opsets: [opset('', opsetVersion)] })), [], { label: 'emitted.onnx' });
  try {
    const r = (await session.run(feeds)).result!;
    return { dims: [...r.dims], data: r.data as Float32Array, recorded: emitter.dims(out) };
  } finally {
    await session.dispose();
  }
}

function expectClose(got: Tensor & { recorded: readonly number[] }, want: Tensor): void {
  expect(got.dims).toEqual([...want.dims]);
  expect(got.recorded).toEqual([...want.dims]);
  let scale = 1e-6, err = 0;
  for (const v of want.data) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.data.length; i++) err = Math.max(err, Math.abs(got.data[i]! - want.data[i]!));
  expect(err / scale).toBeLessThanOrEqual(1e-5);
}

describe('normalisation emitters', () => {
  const dims = [2, 3, 4, 5];
  const axes = [2, 3];
  for (const opsetVersion of [7, 11, 17, 18, 21]) {
    it(`reduceMeanEmit keeps the reduced axes at opset ${opsetVersion}`, async () => {
      const x = random(dims);
      const got = await runEmitted({ x }, (ctx) => reduceMeanEmit(ctx, 'x', dims, [1, 3]), opsetVersion);
      expectClose(got, map(reduceSum(x, [1, 3], true), (v) => v / 15));
    });

    it(`normalizeOverEmit and normalizeInputGradEmit match the TypeScript forms at opset ${opsetVersion}`, async () => {
      const x = random(dims);
      const g = random(dims);
      const n = normalizeOver(x, axes, 1e-2);
      expectClose(await runEmitted({ x }, (ctx) => normalizeOverEmit(ctx, 'x', dims, axes, 1e-2).xHat, opsetVersion), n.xHat);
      expectClose(await runEmitted({ x }, (ctx) => normalizeOverEmit(ctx, 'x', dims, axes, 1e-2).invStd, opsetVersion), n.invStd);
      const dx = await runEmitted({ x, g }, (ctx) => normalizeInputGradEmit(ctx, 'g', normalizeOverEmit(ctx, 'x', dims, axes, 1e-2), dims, axes), opsetVersion);
      expectClose(dx, normalizeInputGrad(g, n, axes));
    });
  }
});
