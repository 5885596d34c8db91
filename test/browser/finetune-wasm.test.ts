/**
 * Fine-tuning in real Chromium on wasm (each step one compiled ONNX graph):
 * over a few dozen Adam steps on real digits the loss on held-out digits falls, and the tuned .onnx taken from
 * the page (bytes handed back to Node) loads with onnxruntime-node and gives
 * the logits the page gives (|Δ| ≤ 1e-4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSupport, expectFineTuneRoundTrip, noteSkip, openBrowser, openHarness, type BrowserSession } from './helpers.js';

const support = browserSupport();
if (!support.run) await noteSkip(support.reason);

const EP = 'wasm';
const STEPS = 40;
const BATCH = 16;

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
});
