/**
 * Fine-tuning in real Chromium on WebGPU: over a few dozen Adam steps on real
 * digits the loss on held-out digits falls, and the tuned .onnx taken from
 * the page (bytes handed back to Node) loads with onnxruntime-node and gives
 * the logits the page gives (|Δ| ≤ 1e-4). WebGPU here is usually a software
 * renderer (SwiftShader), so the run is shorter and its batches smaller than
 * on wasm, and its default backward path is the TypeScript one; the compiled
 * training step is checked on WebGPU separately, against wasm's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../../src/node/model.js';
import { browserSupport, fineTuneInPage, fixedInput, maxAbsDiff, noteSkip, openBrowser, openHarness, type BrowserSession } from './helpers.js';

const support = browserSupport();
if (!support.run) await noteSkip(support.reason);

const EP = 'webgpu';
const STEPS = 24;
const BATCH = 8;

describe.skipIf(!support.run)(`fine-tuning LeNet-5 in Chromium on ${EP}`, () => {
  let s: BrowserSession;

  beforeAll(async () => {
    s = await openBrowser();
    await openHarness(s);
  });

  afterAll(async () => {
    await s?.close();
  });

  it('the loss falls and the tuned .onnx gives the same logits in Node', async () => {
    const probe = fixedInput(BATCH, 7);
    const r = await fineTuneInPage(s, EP, STEPS, BATCH, probe);
    expect(r.provider).toBe(EP);
    expect(r.trainedOn).toBe(EP);
    const software = await s.page.evaluate(async () => (await (window as unknown as { et: typeof import('../../src/web/index.js') }).et.webgpuAdapterInfo())?.software);
    expect(r.backward, r.notices.join('; ')).toBe(software ? 'typescript' : 'compiled');
    expect(r.losses).toHaveLength(STEPS);
    expect(r.losses.every((l) => Number.isFinite(l))).toBe(true);
    expect(r.after).toBeLessThan(0.75 * r.before);

    const tuned = await Model.load(r.bytes);
    try {
      const meta = tuned.onnx.proto.metadata_props.find((p) => p.key === 'edgetune.finetune');
      expect(JSON.parse(meta?.value ?? '{}')).toMatchObject({ steps: STEPS, loss: 'cross-entropy', optimizer: 'adam', test: EP });
      const node = (await tuned.run({ input: { dims: [BATCH, 1, 28, 28], data: probe } })).logits!.data as Float32Array;
      expect(maxAbsDiff(r.logits, node)).toBeLessThanOrEqual(1e-4);
      expect(maxAbsDiff(r.logits, r.untunedLogits)).toBeGreaterThan(1e-2);
    } finally {
      await tuned.dispose();
    }
  });

  it('the compiled training step runs on WebGPU and gives the losses and weights wasm\'s gives', async () => {
    const r = await s.page.evaluate(async (batch) => {
      const et = (window as unknown as { et: typeof import('../../src/web/index.js') }).et;
      const digits = et.decodeDigits(await et.fetchBytes('/digits.bin'));
      const out: Record<string, { path: string; losses: number[]; weights: number[]; notices: string[] }> = {};
      for (const ep of ['wasm', 'webgpu']) {
        const model = await et.loadModel('/models/lenet5.onnx', { providers: [ep] });
        const notices: string[] = [];
        const tuner = await et.createTuner(model, { loss: 'cross-entropy', optimizer: 'adam', lr: 0.003, backward: 'compiled', onNotice: (m) => notices.push(m) });
        const losses: number[] = [];
        for (let k = 0; k < 2; k++) losses.push((await tuner.trainStep(et.makeBatch(tuner, digits.train, Array.from({ length: batch }, (_, i) => k * batch + i)))).loss);
        out[ep] = { path: tuner.backwardPath, losses, weights: Array.from(tuner.weights.get('C3.weight')!), notices };
        await tuner.dispose();
        await model.dispose();
      }
      return out;
    }, BATCH);
    expect(r.webgpu!.path, r.webgpu!.notices.join('; ')).toBe('compiled');
    expect(r.wasm!.path).toBe('compiled');
    expect(maxAbsDiff(r.webgpu!.losses, r.wasm!.losses)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(r.webgpu!.weights, r.wasm!.weights)).toBeLessThanOrEqual(1e-5);
  });
});
