/**
 * Inference parity in real Chromium: the shipped LeNet-5 run by the browser
 * entry on wasm, WebGL and WebGPU gives the logits onnxruntime-node gives in
 * Node for the same inputs (|Δ| ≤ 1e-4), and each run happens on the provider
 * asked for (no silent fallback). WebGL, whose graph differs most from the
 * model's (see src/web/lower.ts), also trains a few steps in step with wasm.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../../src/node/model.js';
import { loadMnist } from '../../src/train/data/mnist.js';
import { browserSupport, fixedInput, maxAbsDiff, noteSkip, openBrowser, openHarness, ROOT, type BrowserSession } from './helpers.js';

const support = browserSupport();
if (!support.run) await noteSkip(support.reason);

/** Three synthetic inputs and three real test digits: [6,1,28,28]. */
function inputs(): Float32Array {
  const x = new Float32Array(6 * 784);
  x.set(fixedInput(3, 1));
  const test = loadMnist().test;
  for (let i = 0; i < 3; i++) x.set(test.x.subarray((i * 600) * 784, (i * 600 + 1) * 784), (3 + i) * 784);
  return x;
}

interface PageRun { provider: string; logits: number[]; dims: number[]; adapter?: { vendor: string; architecture: string; software: boolean } }

describe.skipIf(!support.run)('LeNet-5 inference in Chromium matches onnxruntime-node', () => {
  let s: BrowserSession;
  const x = inputs();
  let reference: Float32Array;

  beforeAll(async () => {
    const model = await Model.load(path.join(ROOT, 'models/lenet5.onnx'));
    reference = (await model.run({ input: { dims: [6, 1, 28, 28], data: x } })).logits!.data as Float32Array;
    await model.dispose();
    s = await openBrowser();
    await openHarness(s);
  });

  afterAll(async () => {
    await s?.close();
  });

  for (const ep of ['wasm', 'webgl', 'webgpu']) {
    it(`${ep}: same logits (≤ 1e-4) on the provider asked for`, async () => {
      const r = await s.page.evaluate(async ([ep, data]) => {
        const et = (window as unknown as { et: typeof import('../../src/web/index.js') }).et;
        const model = await et.loadModel('/models/lenet5.onnx', { providers: [ep] });
        const out = await model.run({ input: { dims: [6, 1, 28, 28], data: new Float32Array(data) } });
        const run: PageRun = { provider: await model.provider(), logits: Array.from(out.logits!.data as Float32Array), dims: [...out.logits!.dims] };
        if (ep === 'webgpu') run.adapter = await et.webgpuAdapterInfo();
        await model.dispose();
        return run;
      }, [ep, Array.from(x)] as const);
      if (r.adapter) process.stdout.write(`WebGPU adapter: ${r.adapter.vendor} ${r.adapter.architecture}${r.adapter.software ? ' (software)' : ''}\n`);
      expect(r.provider).toBe(ep);
      expect(r.dims).toEqual([6, 10]);
      expect(maxAbsDiff(r.logits, reference)).toBeLessThanOrEqual(1e-4);
    });
  }

  it('webgl: training steps (host-computed C3 weight, one session per batch size) track wasm\'s', async () => {
    const r = await s.page.evaluate(async (data) => {
      const et = (window as unknown as { et: typeof import('../../src/web/index.js') }).et;
      const runs: Record<string, { losses: number[]; provider: string; logits: number[] }> = {};
      for (const ep of ['wasm', 'webgl']) {
        const model = await et.loadModel('/models/lenet5.onnx', { providers: [ep] });
        const tuner = await et.createTuner(model, { loss: 'cross-entropy', optimizer: 'adam', lr: 0.003, batchSize: 4 });
        const batch = { feeds: { input: { dims: [4, 1, 28, 28], data: new Float32Array(data).subarray(0, 4 * 784) } }, target: { dims: [4], data: new BigInt64Array([3n, 1n, 4n, 1n]) } };
        const losses: number[] = [];
        for (let k = 0; k < 3; k++) losses.push((await tuner.trainStep(batch)).loss);
        const logits = Array.from(await tuner.predict({ input: { dims: [6, 1, 28, 28], data: new Float32Array(data) } }));
        runs[ep] = { losses, provider: et.tunerProvider(tuner), logits };
        await tuner.dispose();
        await model.dispose();
      }
      return runs;
    }, Array.from(x));
    expect(r.webgl!.provider).toBe('webgl');
    expect(maxAbsDiff(r.webgl!.losses, r.wasm!.losses)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(r.webgl!.logits, r.wasm!.logits)).toBeLessThanOrEqual(1e-4);
    expect(r.wasm!.losses[2]).toBeLessThan(r.wasm!.losses[0]!);
  });

  it('falls back along the caller\'s provider list when one cannot start', async () => {
    const r = await s.page.evaluate(async () => {
      const et = (window as unknown as { et: typeof import('../../src/web/index.js') }).et;
      const model = await et.loadModel('/models/lenet5.onnx', { providers: ['webnn', 'wasm'] });
      return model.provider();
    });
    expect(r).toBe('wasm');
  });
});
