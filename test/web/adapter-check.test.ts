/**
 * Software WebGPU adapters (adapter.info, the older requestAdapterInfo(), or
 * a fallback flag) are told apart from hardware ones, and the default
 * provider list leaves 'webgpu' out on them with one notice; explicit
 * providers are left alone by WebModel.load.
 */
import { describe, expect, it, vi } from 'vitest';
import { nodeBackend } from '../../src/node/backend.js';
import { chooseDefaultProviders, defaultProviders, describeWebgpuAdapter, isSoftwareAdapter, type AdapterLike, type GpuLike } from '../../src/web/adapter-check.js';
import { WebModel } from '../../src/web/model.js';

const gpu = (adapter: AdapterLike | null): GpuLike => ({ requestAdapter: async () => adapter });

describe('isSoftwareAdapter', () => {
  it('knows the software rasterizers by name and trusts the fallback flag', () => {
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader' })).toBe(true);
    expect(isSoftwareAdapter({ description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(isSoftwareAdapter({ description: 'Microsoft Basic Render Driver' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', device: 'lavapipe' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'ampere' }, true)).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'apple', architecture: 'metal-3', isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper' })).toBe(false);
    expect(isSoftwareAdapter({})).toBe(false);
  });
});

describe('describeWebgpuAdapter', () => {
  it('reads adapter.info, else requestAdapterInfo(), and the flag on either', async () => {
    expect(await describeWebgpuAdapter(gpu({ info: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true } })))
      .toMatchObject({ vendor: 'google', architecture: 'swiftshader', fallback: true, software: true, name: 'google swiftshader' });
    expect(await describeWebgpuAdapter(gpu({ requestAdapterInfo: async () => ({ vendor: 'intel', description: 'llvmpipe' }) })))
      .toMatchObject({ vendor: 'intel', software: true });
    expect(await describeWebgpuAdapter(gpu({ info: { vendor: 'amd', architecture: 'rdna-3' }, isFallbackAdapter: true })))
      .toMatchObject({ fallback: true, software: true });
    expect(await describeWebgpuAdapter(gpu({ info: { vendor: 'nvidia', architecture: 'hopper' } })))
      .toMatchObject({ software: false, name: 'nvidia hopper' });
  });

  it('is undefined without an adapter, or when asking fails', async () => {
    expect(await describeWebgpuAdapter(gpu(null))).toBeUndefined();
    expect(await describeWebgpuAdapter({ requestAdapter: async () => { throw new Error('no'); } })).toBeUndefined();
    expect(await describeWebgpuAdapter()).toBeUndefined();
  });
});

describe('defaultProviders', () => {
  it("leaves 'webgpu' out on a software adapter, with a notice", async () => {
    const sw = gpu({ info: { vendor: 'google', architecture: 'swiftshader' } });
    const choice = await chooseDefaultProviders({ gpu: sw });
    expect(choice.providers).toEqual(['wasm']);
    expect(choice.notice).toMatch(/^WebGPU here is a software adapter \(google swiftshader\), slower than wasm: using wasm; name providers: \['webgpu'\] to use it anyway$/);
    const notices: string[] = [];
    expect(await defaultProviders({ gpu: sw, onNotice: (m) => notices.push(m) })).toEqual(['wasm']);
    expect(notices).toHaveLength(1);
    expect(await defaultProviders({ gpu: sw, providers: ['webgpu', 'webgl', 'wasm'], onNotice: () => undefined })).toEqual(['webgl', 'wasm']);
  });

  it('keeps the list on a hardware adapter, drops webgpu silently without one, and never empties it', async () => {
    const hw = gpu({ info: { vendor: 'nvidia', architecture: 'hopper' } });
    expect(await chooseDefaultProviders({ gpu: hw })).toMatchObject({ providers: ['webgpu', 'wasm'] });
    expect(await chooseDefaultProviders({ gpu: hw })).not.toHaveProperty('notice');
    expect(await chooseDefaultProviders({ gpu: gpu(null) })).toEqual({ providers: ['wasm'] });
    expect((await chooseDefaultProviders({ gpu: gpu({ info: { architecture: 'swiftshader' } }), providers: ['webgpu'] })).providers).toEqual(['webgpu']);
    expect(await chooseDefaultProviders({ providers: ['wasm'] })).toEqual({ providers: ['wasm'] });
  });

  it('says it once on the console when no onNotice is given', async () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    try {
      const sw = gpu({ info: { architecture: 'swiftshader' } });
      await defaultProviders({ gpu: sw });
      await defaultProviders({ gpu: sw });
      expect(info).toHaveBeenCalledTimes(1);
      expect(String(info.mock.calls[0]![0])).toMatch(/^edgetune: WebGPU here is a software adapter/);
    } finally {
      info.mockRestore();
    }
  });
});

describe('WebModel.load', () => {
  it('applies the web defaults only to a web backend and only when no providers are named', async () => {
    const bytes = new Uint8Array(await (await import('node:fs/promises')).readFile(new URL('../../models/lenet5.onnx', import.meta.url)));
    const onNode = await WebModel.load(bytes, { backend: nodeBackend });
    expect(onNode.sessionOptions.providers).toBeUndefined();
    const named = await WebModel.load(bytes, { providers: ['webgpu'] });
    expect(named.sessionOptions.providers).toEqual(['webgpu']);
    // Node has no navigator.gpu: no adapter, so the default list is wasm alone
    const dflt = await WebModel.load(bytes);
    expect(dflt.sessionOptions.providers).toEqual(['wasm']);
  });
});
