/**
 * Session.runRaw with outputs written into the caller's arrays: the values
 * land there, the returned tensors are those arrays, and the copies
 * onnxruntime-node makes besides are handed to the backend's releaseBuffers
 * (never the caller's own buffers), which frees them on the node backend.
 */
import { describe, expect, it } from 'vitest';
import { nodeBackend, releaseNow } from '../../src/node/backend.js';
import { graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import type { Backend } from '../../src/runtime/backend.js';
import { Session } from '../../src/runtime/session.js';

const reluAndNeg = encodeModel(model(graph('g', [node('Relu', ['x'], ['r']), node('Neg', ['x'], ['n'])],
  [valueInfo('x', DataType.FLOAT, [4])], [valueInfo('r', DataType.FLOAT, [4]), valueInfo('n', DataType.FLOAT, [4])]), { opsets: [opset('', 13)] }));

describe('Session.runRaw into host arrays', () => {
  it('writes into the given views, returns them, and releases only the runtime\'s own copies', async () => {
    const released: ArrayBuffer[][] = [];
    const backend: Backend = { ...nodeBackend, releaseBuffers: (b) => { released.push(b); releaseNow(b); } };
    const s = await Session.create(backend, reluAndNeg, [], { label: 'relu-neg.onnx' });
    try {
      const flat = new Float32Array(10).fill(7);
      const into = { r: { dims: [4], data: flat.subarray(1, 5) } };
      const out = await s.runRaw({ x: { dims: [4], data: Float32Array.of(1, -2, 3, -4) } }, ['r', 'n'], into);
      expect([...flat]).toEqual([7, 1, 0, 3, 0, 7, 7, 7, 7, 7]);
      expect(out.r!.data).toBe(into.r.data);
      expect([...(out.n!.data as Float32Array)]).toEqual([-1, 2, -3, 4]);
      const buffers = released.flat();
      if (buffers.length > 0) {
        // the runtime made a copy of 'r' of its own: freed, and never the caller's buffer or the unfetched output's
        expect(buffers).not.toContain(flat.buffer);
        expect(buffers).not.toContain((out.n!.data as Float32Array).buffer);
        expect(buffers.every((b) => b.byteLength === 0)).toBe(true);
      }
      expect(flat.byteLength).toBe(40);
    } finally {
      await s.dispose();
    }
  });

  it('on onnxruntime-node, the copy of an output written into a host array is released at once', async () => {
    const released: ArrayBuffer[] = [];
    const backend: Backend = { ...nodeBackend, releaseBuffers: (b) => { released.push(...b); } };
    const s = await Session.create(backend, reluAndNeg, [], { label: 'relu-neg.onnx' });
    try {
      await s.runRaw({ x: { dims: [4], data: Float32Array.of(1, -2, 3, -4) } }, ['r'], { r: { dims: [4], data: new Float32Array(4) } });
      // onnxruntime-node returns a new array besides writing into the given one; a build that stops copying releases nothing
      expect(released.length).toBeLessThanOrEqual(1);
      if (nodeBackend.providers.includes('cpu')) expect(released.length).toBe(1);
    } finally {
      await s.dispose();
    }
  });
});

describe('releaseNow', () => {
  it('detaches the buffers it frees', () => {
    const a = new Float32Array(1000), b = new Uint8Array(16);
    releaseNow([a.buffer, b.buffer]);
    expect(a.length).toBe(0);
    expect(b.byteLength).toBe(0);
  });
});
