/** Shared by the edgetune op tests: run a one-node model whose op definition loading injects, and compare values. */
import { expect } from 'vitest';
import { Model } from '../../src/node/model.js';

/** Load `bytes` (the definition of `op` must be injected), feed `input` and return output 'Y'. */
export async function runInjected(
  bytes: Uint8Array, op: string, input: string, dims: number[], data: Float32Array,
): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const m = await Model.load(bytes);
  try {
    expect(m.onnx.injected).toEqual([op]);
    const y = (await m.run({ [input]: { dims, data } }))['Y']!;
    return { dims: y.dims, data: y.data as Float32Array };
  } finally {
    await m.dispose();
  }
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i]! - expected[i]!) > tol) throw new Error(`element ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}
