/**
 * Fine-tuning in real Chromium on WebGPU: over a few dozen Adam steps on real
 * digits the loss on held-out digits falls, and the tuned .onnx taken from
 * the page (bytes handed back to Node) loads with onnxruntime-node and gives
 * the logits the page gives (|Δ| ≤ 1e-4). WebGPU here is usually a software
 * renderer (SwiftShader), so the run is shorter and its batches smaller than
 * on wasm. The compiled training step (the default) is also checked on WebGPU
 * against wasm's, step by step: its weights
 * and optimizer slots stay in GPU buffers from step to step (through a
 * skipped non-finite step and a change of batch shape) until synced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSupport, expectFineTuneRoundTrip, maxAbsDiff, noteSkip, openBrowser, openHarness, type BrowserSession } from './helpers.js';

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
    await expectFineTuneRoundTrip(s, EP, STEPS, BATCH);
  });

  it('the compiled training step keeps the weights on the GPU and gives the losses and weights wasm\'s gives', async () => {
    const r = await s.page.evaluate(async (batch) => {
      const et = (window as unknown as { et: typeof import('../../src/web/index.js') }).et;
      const digits = et.decodeDigits(await et.fetchBytes('/digits.bin'));
      const out: Record<string, { path: string; losses: number[]; skipped: boolean[]; locations: string[]; readEarly: string; weights: number[]; notices: string[] }> = {};
      for (const ep of ['wasm', 'webgpu']) {
        const model = await et.loadModel('/models/lenet5.onnx', { providers: [ep] });
        const notices: string[] = [];
        const tuner = await et.createTuner(model, { loss: 'cross-entropy', optimizer: 'adam', lr: 0.003, backward: 'compiled', onNotice: (m) => notices.push(m) });
        const rows = (start: number, n: number) => Array.from({ length: n }, (_, i) => start + i);
        const poisoned = et.makeBatch(tuner, digits.train, rows(0, batch));
        (poisoned.feeds[tuner.inputName]!.data as Float32Array).fill(NaN);
        // two steps, a non-finite one (skipped), one of another batch shape (its own session), and one back on the first
        const batches = [rows(0, batch), rows(batch, batch), undefined, rows(2 * batch, batch / 2), rows(3 * batch, batch)];
        const losses: number[] = [], skipped: boolean[] = [], locations: string[] = [];
        let readEarly = 'read';
        for (const b of batches) {
          const info = await tuner.trainStep(b ? et.makeBatch(tuner, digits.train, b) : poisoned);
          losses.push(info.loss);
          skipped.push(info.skipped);
          locations.push(tuner.stateLocation);
          if (locations.length === 2) {
            try {
              void tuner.weights;
            } catch (e) {
              readEarly = (e as Error).name;
            }
          }
        }
        await tuner.sync();
        locations.push(tuner.stateLocation);
        out[ep] = { path: tuner.backwardPath, losses, skipped, locations, readEarly, weights: Array.from(tuner.weights.get('C3.weight')!), notices };
        await tuner.dispose();
        await model.dispose();
      }
      return out;
    }, BATCH);
    const gpu = r.webgpu!, wasm = r.wasm!;
    expect(gpu.path, gpu.notices.join('; ')).toBe('compiled');
    expect(wasm.path).toBe('compiled');
    expect(gpu.locations).toEqual(['gpu-buffer', 'gpu-buffer', 'gpu-buffer', 'gpu-buffer', 'gpu-buffer', 'cpu']);
    expect(gpu.readEarly).toBe('ResidentStateError');
    expect(wasm.locations).toEqual(['cpu', 'cpu', 'cpu', 'cpu', 'cpu', 'cpu']);
    expect(wasm.readEarly).toBe('read');
    expect(gpu.skipped).toEqual([false, false, true, false, false]);
    expect(wasm.skipped).toEqual(gpu.skipped);
    const finite = (a: number[]) => a.filter((_, i) => i !== 2);
    expect(Number.isNaN(gpu.losses[2])).toBe(true);
    expect(maxAbsDiff(finite(gpu.losses), finite(wasm.losses))).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(gpu.weights, wasm.weights)).toBeLessThanOrEqual(1e-5);
  });
});
