/**
 * The channel block of ONNX Runtime's NCHWc CPU kernels (the
 * com.microsoft.nchwc domain: 8 channels on AVX2 CPUs, 16 on AVX-512 ones),
 * read from the runtime itself (ReorderInput's padding and layout of a small
 * input). undefined where those kernels are not there (onnxruntime-web's
 * wasm, WebGL and WebGPU, the Node entry's wasm fallback), do not run, or
 * block by fewer than 8 channels.
 */
import { graph, model, node, opset, valueInfo } from '../onnx/builder.js';
import { DataType } from '../onnx/dtypes.js';
import { encodeModel } from '../onnx/model-io.js';
import type { Backend } from './backend.js';

const probes = new WeakMap<Backend, Promise<number | undefined>>();

/** The NCHWc block of `provider` on `backend`: a number only for onnxruntime-node's CPU provider. Measured once per backend. */
export function nchwcBlockSize(backend: Backend, provider: string): Promise<number | undefined> {
  if (backend.platform !== 'node' || provider !== 'cpu') return Promise.resolve(undefined);
  let p = probes.get(backend);
  if (!p) {
    p = probe(backend);
    probes.set(backend, p);
  }
  return p;
}

/**
 * ReorderInput of 20 channels over 2 positions: a block of B pads them to
 * ⌈20/B⌉·B channels, and value c·10 + p (channel c, position p) lands at
 * ((c / B)·2 + p)·B + c mod B. Only a block of 8 or more that lays the
 * values out so counts; a runtime whose kernels block by fewer (or not at
 * all) is treated as having none.
 */
async function probe(backend: Backend): Promise<number | undefined> {
  const domain = 'com.microsoft.nchwc';
  const [C, P] = [20, 2];
  const g = graph('nchwc-block', [node('ReorderInput', ['x'], ['y'], {}, { domain })],
    [valueInfo('x', DataType.FLOAT, [1, C, 1, P])], [valueInfo('y', DataType.FLOAT)]);
  try {
    const session = await backend.ort.InferenceSession.create(encodeModel(model(g, { opsets: [opset('', 13), opset(domain, 1)] })), {
      executionProviders: ['cpu'], logSeverityLevel: 4,
    });
    try {
      const x = Float32Array.from({ length: C * P }, (_, i) => Math.floor(i / P) * 10 + (i % P));
      const out = (await session.run({ x: new backend.ort.Tensor('float32', x, [1, C, 1, P]) })).y;
      const padded = out?.dims[1];
      const data = out?.data;
      if (typeof padded !== 'number' || !(data instanceof Float32Array)) return undefined;
      return [8, 16, 32, 64].find((B) => padded === Math.ceil(C / B) * B && laidOut(data, B, C, P));
    } finally {
      await session.release();
    }
  } catch {
    return undefined;
  }
}

/** Whether `data` holds channel c's value at position p where a block of B puts it. */
function laidOut(data: Float32Array, B: number, C: number, P: number): boolean {
  for (let c = 0; c < C; c++) {
    for (let p = 0; p < P; p++) {
      if (data[(Math.floor(c / B) * P + p) * B + (c % B)] !== c * 10 + p) return false;
    }
  }
  return true;
}
