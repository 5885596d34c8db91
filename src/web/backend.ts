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
  /** URL of the folder that serves onnxruntime-web's .wasm and .mjs files (default: the folder of this module) */
  wasmPaths?: string;
  /** wasm threads (default: navigator.hardwareConcurrency when the page is cross-origin isolated, else 1) */
  numThreads?: number;
}

export interface WebBackendOptions extends OrtSettings {
  /** batch size a WebGL session is first built for (WebGL builds one session per batch size; default 1) */
  batchSize?: number;
}

let applied: Required<OrtSettings> | undefined;

/** Threads for wasm: every hardware thread when SharedArrayBuffer is allowed (cross-origin isolation), else 1. */
export function defaultThreads(): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return isolated ? Math.max(1, Math.min(cores, 16)) : 1;
}

/**
 * Set onnxruntime-web's wasm paths and thread count. ONNX Runtime reads them
 * once, when the first session starts, so the first call wins; later calls
 * return the settings in force.
 */
export function configureOrt(settings: OrtSettings = {}): Required<OrtSettings> {
  if (applied) return applied;
  applied = {
    wasmPaths: settings.wasmPaths ?? new URL('./', import.meta.url).href,
    numThreads: settings.numThreads ?? defaultThreads(),
  };
  ort.env.wasm.wasmPaths = applied.wasmPaths;
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
