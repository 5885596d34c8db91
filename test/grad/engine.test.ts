/**
 * The gradient engine's session for the TypeScript path: on the CPU provider
 * it opens when first run (a compiled step never needs it), once, and the
 * provider it reports is the one it runs on.
 */
import { describe, expect, it } from 'vitest';
import { GradientEngine } from '../../src/grad/engine.js';
import { nodeBackend } from '../../src/node/backend.js';
import type { Backend, OrtModule } from '../../src/runtime/backend.js';
import { mlp } from '../train/fixtures.js';

/** The Node backend, counting the ONNX Runtime sessions it creates. */
function countingBackend(): { backend: Backend; created: () => number } {
  let n = 0;
  const ort: OrtModule = {
    Tensor: nodeBackend.ort.Tensor,
    InferenceSession: { create: (model, options) => { n++; return nodeBackend.ort.InferenceSession.create(model, options); } },
  };
  return { backend: { ...nodeBackend, ort }, created: () => n };
}

describe('gradient engine session', () => {
  // the laziness is the CPU provider's; on the wasm fallback (no onnxruntime-node) the session opens at once
  it.runIf(nodeBackend.defaultProviders.every((p) => p === 'cpu'))('opens on the CPU provider when first run, once', async () => {
    const { backend, created } = countingBackend();
    const engine = await GradientEngine.create(mlp(), backend, { loss: 'cross-entropy' });
    expect(created()).toBe(0);
    expect(engine.provider).toBe('cpu');
    const feeds = { x: { dims: [2, 6], data: Float32Array.from({ length: 12 }, (_, i) => Math.sin(i)) } };
    const first = await engine.forward(feeds, engine.currentWeights());
    const again = await engine.forward(feeds, engine.currentWeights());
    expect(created()).toBe(1);
    expect([...again.output.data]).toEqual([...first.output.data]);
    expect(engine.provider).toBe('cpu');
    await engine.dispose();
  });
});
