/**
 * Which ONNX Runtime the Node entry runs on. onnxruntime-node (native, CPU
 * execution provider) is an optional dependency: npm skips it where its
 * install fails (no network for its install script, an unsupported platform),
 * and it can fail to load (a missing or mismatched native library). Then the
 * Node entry runs on onnxruntime-web's wasm backend, which is a plain
 * dependency and needs nothing native; it says so once per process, on
 * stderr, when the first session starts.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { InferenceSession } from 'onnxruntime-common';
import type { OrtModule } from '../runtime/backend.js';

export interface LoadedOrt {
  /** the package that loaded */
  package: 'onnxruntime-node' | 'onnxruntime-web';
  /** its execution provider: the native CPU one, or onnxruntime-web's wasm */
  provider: 'cpu' | 'wasm';
  ort: OrtModule;
  /** why onnxruntime-node did not load (only on the wasm fallback) */
  reason?: string;
}

/** require, or a stand-in for it in tests */
export type Require = ((id: string) => unknown) & { resolve(id: string): string };

const NOTED = Symbol.for('edgetune.ort-fallback-noted');

/** The one line the wasm fallback writes to stderr. */
export function fallbackNotice(reason: string): string {
  return `edgetune: onnxruntime-node is not available (${reason}); running on onnxruntime-web's wasm backend, which is slower. Install it with: npm install onnxruntime-node`;
}

/** The first line of an error's message, without the require stack Node appends. */
function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return (text.split('\n')[0] ?? text).trim();
}

/** Write `line` to stderr unless this process has already written it (several copies of this module share the flag). */
function noteOnce(line: string): void {
  const g = globalThis as { [NOTED]?: boolean };
  if (g[NOTED]) return;
  g[NOTED] = true;
  process.stderr.write(`${line}\n`);
}

/**
 * onnxruntime-node when it loads, else onnxruntime-web's Node build (wasm).
 * Both are CommonJS, so this is synchronous. `req` stands in for require in
 * tests; `notify` receives the fallback's one line (default: stderr, once per
 * process, when the first session is created).
 */
export function loadNodeOrt(req: Require = createRequire(import.meta.url), notify: (line: string) => void = noteOnce): LoadedOrt {
  let reason: string;
  try {
    req.resolve('onnxruntime-node');
    try {
      return { package: 'onnxruntime-node', provider: 'cpu', ort: req('onnxruntime-node') as OrtModule };
    } catch (e) {
      reason = `failed to load: ${firstLine(e)}`;
    }
  } catch {
    reason = 'not installed';
  }
  const web = req('onnxruntime-web') as OrtModule & { env?: { logLevel?: string } };
  // its warnings would reach the user's terminal, as onnxruntime-node's do not (see backend.ts)
  if (web.env) web.env.logLevel = 'error';
  let noted = false;
  const create = (model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> => {
    if (!noted) notify(fallbackNotice(reason));
    noted = true;
    return web.InferenceSession.create(model, options);
  };
  return { package: 'onnxruntime-web', provider: 'wasm', ort: { InferenceSession: { create }, Tensor: web.Tensor }, reason };
}

/**
 * The folder holding onnxruntime-web's browser runtime (ort.all.min.mjs and
 * the ort-wasm-simd-threaded.* files) as installed beside edgetune, for a
 * server that hands those files to a page (the demo, an Electron protocol).
 */
export function ortWebDist(req: Require = createRequire(import.meta.url)): string {
  return path.dirname(req.resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm'));
}
