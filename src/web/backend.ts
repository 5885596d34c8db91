/**
 * onnxruntime-web as an edgetune Backend: wasm (multi-threaded when the page
 * is cross-origin isolated), WebGL and WebGPU. Sessions for the GPU providers
 * load a rewritten graph (see lower.ts); the wasm one loads the model as is.
 */
import * as ort from 'onnxruntime-web/all';
import type { Backend, InferenceSession, OrtModule } from '../runtime/backend.js';
import { prepareForProvider } from '../runtime/lower.js';
import { WebglSession } from './webgl-session.js';

export { ort };

/** Execution providers the web backend knows, in the order of the default fallback. */
export const WEB_PROVIDERS: readonly string[] = ['webgpu', 'webgl', 'wasm'];

export interface OrtSettings {
  /**
   * Where onnxruntime-web's runtime is served: the URL of
   * ort-wasm-simd-threaded.jsep.wasm itself, or of the folder holding it and
   * ort-wasm-simd-threaded.jsep.mjs (a relative URL is taken against the
   * page). Default: onnxruntime-web finds its files itself, beside its own
   * module; Vite and webpack emit the .wasm into the build, and
   * dist/web/edgetune.js has them beside it.
   */
  wasmPaths?: string | URL;
  /**
   * wasm threads (default: navigator.hardwareConcurrency when the page is
   * cross-origin isolated, else 1; in an app bundle, 1 unless wasmPaths names
   * a folder, see docs/install.md)
   */
  numThreads?: number;
}

export interface WebBackendOptions extends OrtSettings {
  /** batch size a WebGL session is first built for (WebGL builds one session per batch size; default 1) */
  batchSize?: number;
}

/** The settings configureOrt applied: wasmPaths as given (a string), undefined when onnxruntime-web finds its files itself. */
export interface AppliedOrtSettings {
  wasmPaths: string | undefined;
  numThreads: number;
}

let applied: AppliedOrtSettings | undefined;

/**
 * True in dist/web/edgetune.module.js (scripts/build-web.mjs defines it),
 * whose onnxruntime-web is the build bundlers pick: it carries its wasm glue
 * inside, and its threads would start whatever file that glue ends up in (the
 * app's bundle) as their worker. There threads stay off unless wasmPaths
 * names a folder serving onnxruntime-web's own .mjs and .wasm.
 */
declare const __EDGETUNE_ORT_GLUE_EMBEDDED__: boolean | undefined;
const glueEmbedded = typeof __EDGETUNE_ORT_GLUE_EMBEDDED__ !== 'undefined' && __EDGETUNE_ORT_GLUE_EMBEDDED__ === true;

/** Threads for wasm: every hardware thread when SharedArrayBuffer is allowed (cross-origin isolation), else 1. */
export function defaultThreads(): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return isolated ? Math.max(1, Math.min(cores, 16)) : 1;
}

/**
 * onnxruntime-web's env.wasm.wasmPaths for a URL: `{ wasm }` for the .wasm
 * file (the module build embeds the .mjs glue, the page build finds the glue
 * beside its own file), else a folder prefix ending in '/'.
 */
export function ortWasmPaths(url: string | URL): string | { wasm: string } {
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  const href = base !== undefined ? new URL(url, base).href : String(url);
  if (/\.wasm(?:[?#].*)?$/.test(href)) return { wasm: href };
  return /[/]$/.test(href) || /[?#]/.test(href) ? href : `${href}/`;
}

/**
 * Set where onnxruntime-web's wasm files are served and its thread count.
 * ONNX Runtime reads them once, when the first session starts, so the first
 * call wins; later calls return the settings in force.
 */
export function configureOrt(settings: OrtSettings = {}): AppliedOrtSettings {
  if (applied) return applied;
  const paths = settings.wasmPaths === undefined ? undefined : ortWasmPaths(settings.wasmPaths);
  const threadsSafe = !glueEmbedded || typeof paths === 'string';
  applied = {
    wasmPaths: settings.wasmPaths === undefined ? undefined : String(settings.wasmPaths),
    numThreads: settings.numThreads ?? (threadsSafe ? defaultThreads() : 1),
  };
  if (paths !== undefined) ort.env.wasm.wasmPaths = paths;
  ort.env.wasm.numThreads = applied.numThreads;
  return applied;
}

function providerName(options: InferenceSession.SessionOptions | undefined): string | undefined {
  const first = options?.executionProviders?.[0];
  return typeof first === 'string' ? first : first?.name;
}

/** A Backend over onnxruntime-web. */
export function createWebBackend(options: WebBackendOptions = {}): Backend {
  const create = async (model: Uint8Array, sessionOptions?: InferenceSession.SessionOptions) => {
    configureOrt(options);
    const provider = providerName(sessionOptions);
    const createOrt = (bytes: Uint8Array, o?: InferenceSession.SessionOptions) => ort.InferenceSession.create(bytes, o);
    if (provider === 'webgl') return WebglSession.create(model, sessionOptions, { create: createOrt, Tensor: ort.Tensor }, options.batchSize);
    return createOrt(provider ? prepareForProvider(model, provider) : model, sessionOptions);
  };
  return {
    platform: 'web',
    ort: { InferenceSession: { create }, Tensor: ort.Tensor } as unknown as OrtModule,
    defaultProviders: ['webgpu', 'wasm'],
    providers: WEB_PROVIDERS,
  };
}

/** The web backend with default settings. */
export const webBackend: Backend = createWebBackend();

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** a software rasterizer (SwiftShader, llvmpipe, a fallback adapter): usually slower than wasm */
  software: boolean;
}

/** What WebGPU adapter the browser offers (e.g. architecture 'swiftshader' for the software one), or undefined. */
export async function webgpuAdapterInfo(): Promise<AdapterInfo | undefined> {
  type Info = { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<{ info?: Info; isFallbackAdapter?: boolean } | null> } } }).navigator?.gpu;
  if (!gpu) return undefined;
  try {
    const a = await gpu.requestAdapter();
    if (!a) return undefined;
    const i = a.info ?? {};
    const info = { vendor: i.vendor ?? '', architecture: i.architecture ?? '', device: i.device ?? '', description: i.description ?? '' };
    const software = i.isFallbackAdapter === true || a.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe|software/i.test(`${info.architecture} ${info.description} ${info.device}`);
    return { ...info, software };
  } catch {
    return undefined;
  }
}
