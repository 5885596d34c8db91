/**
 * ONNX Runtime as the Node entry's Backend: onnxruntime-node's CPU execution
 * provider when that optional dependency loads, else onnxruntime-web's wasm
 * backend (see ort-loader.ts). `providers` names the one that loaded.
 */
import { MessageChannel } from 'node:worker_threads';
import type { Backend } from '../runtime/backend.js';
import { loadNodeOrt } from './ort-loader.js';

const loaded = loadNodeOrt();

/** Which ONNX Runtime package the Node entry runs on, and why not the native one when it is the wasm fallback. */
export const nodeRuntime: { readonly package: string; readonly provider: 'cpu' | 'wasm'; readonly reason?: string } = {
  package: loaded.package,
  provider: loaded.provider,
  ...(loaded.reason !== undefined ? { reason: loaded.reason } : {}),
};

export const nodeBackend: Backend = {
  platform: 'node',
  ort: loaded.ort,
  defaultProviders: [loaded.provider],
  providers: [loaded.provider],
  // ONNX Runtime's own log lines stay quiet: its warnings (shape hints it
  // overrides, initializers it drops) are not the user's business, and its
  // errors reach the caller as typed one-line errors, so printing them too
  // would say everything twice
  sessionOptions: () => ({ intraOpNumThreads: 0, logSeverityLevel: 4 }),
  releaseBuffers: releaseNow,
};

/**
 * Free ArrayBuffers' memory at once: transferred to a message port that is
 * then closed, their memory goes with the dropped message instead of waiting
 * for V8's next collection (the buffers left behind are detached).
 */
export function releaseNow(buffers: ArrayBuffer[]): void {
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(null, buffers);
  port1.close();
  port2.close();
}
