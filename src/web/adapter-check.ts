/**
 * Which WebGPU adapter the browser offers, and whether it is a software one
 * (SwiftShader, llvmpipe/lavapipe, Microsoft's Basic Render Driver, or any
 * adapter the browser flags as a fallback). ONNX Runtime's WebGPU provider
 * on a software adapter runs far slower than its wasm provider, so the
 * default provider list leaves 'webgpu' out there, with a one-line notice;
 * a caller who names 'webgpu' explicitly still gets it.
 *
 * Chromium reports the adapter in `adapter.info` (older versions through
 * `adapter.requestAdapterInfo()`), and the fallback flag on the info or on
 * the adapter itself, depending on the version; every place is read.
 */

/** The fields of a GPUAdapterInfo this check reads. */
export interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/** The parts of a GPUAdapter this check reads. */
export interface AdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<AdapterInfoLike>;
}

/** The part of navigator.gpu this check uses. */
export interface GpuLike {
  requestAdapter(options?: Record<string, unknown>): Promise<AdapterLike | null>;
}

export interface GpuAdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** the browser flags it as a fallback adapter */
  fallback: boolean;
  /** a software rasterizer: WebGPU there is usually slower than wasm */
  software: boolean;
  /** 'vendor architecture' (or the description), for messages */
  name: string;
}

/** Names that software WebGPU adapters report in vendor, architecture, device or description. */
const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i;

/** Whether adapter info (and the adapter's own fallback flag) describes a software adapter. */
export function isSoftwareAdapter(info: AdapterInfoLike, fallback = false): boolean {
  if (fallback || info.isFallbackAdapter === true) return true;
  return SOFTWARE_NAMES.test([info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' '));
}

/** navigator.gpu, when this context has one. */
export function navigatorGpu(): GpuLike | undefined {
  return (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
}

async function readDescription(gpu: GpuLike): Promise<GpuAdapterDescription | undefined> {
  let adapter: AdapterLike | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch {
    return undefined;
  }
  if (!adapter) return undefined;
  let info: AdapterInfoLike = adapter.info ?? {};
  if (!adapter.info && typeof adapter.requestAdapterInfo === 'function') {
    try {
      info = await adapter.requestAdapterInfo();
    } catch {
      info = {};
    }
  }
  const fallback = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true;
  const vendor = info.vendor ?? '', architecture = info.architecture ?? '', device = info.device ?? '', description = info.description ?? '';
  const name = [vendor, architecture].filter(Boolean).join(' ') || description || device || (fallback ? 'fallback adapter' : 'unnamed adapter');
  return { vendor, architecture, device, description, fallback, software: isSoftwareAdapter(info, fallback), name };
}

let cached: Promise<GpuAdapterDescription | undefined> | undefined;

/**
 * The WebGPU adapter this browser offers, or undefined when it has no
 * WebGPU or no adapter. With no argument it asks navigator.gpu once per page
 * and remembers the answer; pass `gpu` to ask another object (tests).
 */
export function describeWebgpuAdapter(gpu?: GpuLike): Promise<GpuAdapterDescription | undefined> {
  if (gpu) return readDescription(gpu);
  const g = navigatorGpu();
  if (!g) return Promise.resolve(undefined);
  cached ??= readDescription(g);
  return cached;
}

export interface ProviderChoice {
  /** the providers to try, in order */
  providers: string[];
  /** why 'webgpu' was left out, in one line; undefined when nothing was */
  notice?: string;
  adapter?: GpuAdapterDescription;
}

export interface DefaultProviderOptions {
  /** the list to start from (default ['webgpu', 'wasm'], the web backend's default) */
  providers?: readonly string[];
  /** the navigator.gpu to ask (default: this page's) */
  gpu?: GpuLike;
}

/**
 * The default providers for this browser: `providers` (default ['webgpu',
 * 'wasm']) without 'webgpu' when there is no WebGPU adapter or only a
 * software one (then with a notice saying so), else unchanged.
 */
export async function chooseDefaultProviders(opts: DefaultProviderOptions = {}): Promise<ProviderChoice> {
  const base = [...(opts.providers ?? ['webgpu', 'wasm'])];
  if (!base.includes('webgpu')) return { providers: base };
  const adapter = await describeWebgpuAdapter(opts.gpu);
  const without = base.filter((p) => p !== 'webgpu');
  if (without.length === 0) return { providers: base, ...(adapter ? { adapter } : {}) };
  if (!adapter) return { providers: without };
  if (!adapter.software) return { providers: base, adapter };
  return {
    providers: without,
    adapter,
    notice: `WebGPU here is a software adapter (${adapter.name}), slower than ${without[0]}: using ${without.join(', ')}; name providers: ['webgpu'] to use it anyway`,
  };
}

/**
 * chooseDefaultProviders' list alone, its notice passed to `onNotice`
 * (default: one console.info line, once per page).
 */
export async function defaultProviders(opts: DefaultProviderOptions & { onNotice?: (msg: string) => void } = {}): Promise<string[]> {
  const choice = await chooseDefaultProviders(opts);
  if (choice.notice) (opts.onNotice ?? noticeOnce)(choice.notice);
  return choice.providers;
}

let noticed = false;

function noticeOnce(msg: string): void {
  if (noticed) return;
  noticed = true;
  console.info(`edgetune: ${msg}`);
}
