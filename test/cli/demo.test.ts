import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCommand, mimeType, resolveRequest, SECURITY_HEADERS, startDemoServer, type DemoRoots, type DemoServer } from '../../src/cli/demo.js';
import { UsageError } from '../../src/cli/common.js';
import { FileError } from '../../src/errors.js';

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }

/** A request with the target sent exactly as given (no URL normalization). */
function request(port: number, target: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

function expectIsolationHeaders(r: Reply): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) expect(r.headers[k.toLowerCase()], `${k} on ${r.status}`).toBe(v);
}

let tmp: string;
let roots: DemoRoots;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'edgetune-demo-'));
  roots = { web: path.join(tmp, 'web'), models: path.join(tmp, 'models') };
  await fs.mkdir(path.join(roots.web, 'sub'), { recursive: true });
  await fs.mkdir(roots.models);
  await fs.writeFile(path.join(roots.web, 'index.html'), '<!doctype html><title>demo</title>');
  await fs.writeFile(path.join(roots.web, 'app.js'), 'export {};');
  await fs.writeFile(path.join(roots.web, 'ort.min.mjs'), 'export {};');
  await fs.writeFile(path.join(roots.web, 'rt.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
  await fs.writeFile(path.join(roots.web, 'styles.css'), 'body{}');
  await fs.writeFile(path.join(roots.web, 'sub', 'a b.txt'), 'spaced');
  await fs.writeFile(path.join(roots.web, '.env'), 'SECRET=1');
  await fs.writeFile(path.join(roots.models, 'm.onnx'), Buffer.from([8, 9]));
  await fs.writeFile(path.join(tmp, 'secret.txt'), 'TOP SECRET');
  await fs.symlink(path.join(tmp, 'secret.txt'), path.join(roots.web, 'link.txt'));
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('resolveRequest', () => {
  const r = { web: '/srv/web', models: '/srv/models' };

  it('maps / to index.html, /models/ to the models folder and the rest to the web folder', () => {
    expect(resolveRequest('/', r)).toEqual({ ok: true, root: '/srv/web', file: '/srv/web/index.html' });
    expect(resolveRequest('/?x=1#y', r)).toEqual({ ok: true, root: '/srv/web', file: '/srv/web/index.html' });
    expect(resolveRequest('/models/lenet5.onnx', r)).toEqual({ ok: true, root: '/srv/models', file: '/srv/models/lenet5.onnx' });
    expect(resolveRequest('/sub/a%20b.txt', r)).toEqual({ ok: true, root: '/srv/web', file: '/srv/web/sub/a b.txt' });
  });

  it('refuses dot segments, encoded separators, hidden files and bad escapes', () => {
    for (const t of ['/../x', '/a/../../x', '/%2e%2e/x', '/%2E%2E%2Fx', '/models/../x', '/models/%2e%2e/x', '/..%2fx', '/a%5c..%5cx', '/./x', '/a//b', '/.env', '/x%00', '/%zz', 'x']) {
      const got = resolveRequest(t, r);
      expect(got.ok, t).toBe(false);
      if (!got.ok) expect(got.status, t).toBe(400);
    }
  });

  it('lists no directories', () => {
    expect(resolveRequest('/models/', r)).toMatchObject({ ok: false, status: 404 });
    expect(resolveRequest('/sub/', r)).toMatchObject({ ok: false, status: 404 });
  });
});

describe('mimeType', () => {
  it('gives the types browsers insist on for modules and wasm', () => {
    expect(mimeType('a.wasm')).toBe('application/wasm');
    expect(mimeType('a.mjs')).toMatch(/^text\/javascript/);
    expect(mimeType('a.js')).toMatch(/^text\/javascript/);
    expect(mimeType('a.html')).toMatch(/^text\/html/);
    expect(mimeType('a.CSS')).toMatch(/^text\/css/);
    expect(mimeType('m.onnx')).toBe('application/octet-stream');
  });
});

describe('the demo server', () => {
  let server: DemoServer;

  beforeAll(async () => {
    server = await startDemoServer({ port: 0, roots });
  });

  afterAll(async () => {
    await server.close();
  });

  it('listens on 127.0.0.1 and serves files with their types and the isolation headers', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const cases: [string, RegExp, string][] = [
      ['/', /^text\/html/, '<!doctype html><title>demo</title>'],
      ['/app.js', /^text\/javascript/, 'export {};'],
      ['/ort.min.mjs', /^text\/javascript/, 'export {};'],
      ['/rt.wasm', /^application\/wasm$/, '\0asm'],
      ['/styles.css', /^text\/css/, 'body{}'],
      ['/sub/a%20b.txt', /^text\/plain/, 'spaced'],
      ['/models/m.onnx', /^application\/octet-stream$/, '\b\t'],
    ];
    for (const [target, type, body] of cases) {
      const r = await request(server.port, target);
      expect(r.status, target).toBe(200);
      expect(r.headers['content-type'], target).toMatch(type);
      expect(r.body, target).toBe(body);
      expectIsolationHeaders(r);
    }
  });

  it('never serves a file outside its folders, and sends the headers on refusals too', async () => {
    for (const target of ['/../secret.txt', '/%2e%2e/secret.txt', '/models/../../secret.txt', '/models/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%2fsecret.txt', '/link.txt', '/.env', '/nothing.js', '/sub', '/models/']) {
      const r = await request(server.port, target);
      expect([400, 404], target).toContain(r.status);
      expect(r.body, target).not.toContain('SECRET');
      expectIsolationHeaders(r);
    }
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await request(server.port, '/app.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('10');
    expect(head.body).toBe('');
    const post = await request(server.port, '/app.js', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expectIsolationHeaders(post);
  });

  it('takes a free port when the one asked for is busy and fallback is on, else fails naming it', async () => {
    const other = await startDemoServer({ port: server.port, roots, fallback: true });
    try {
      expect(other.port).not.toBe(server.port);
    } finally {
      await other.close();
    }
    await expect(startDemoServer({ port: server.port, roots })).rejects.toThrow(FileError);
    await expect(startDemoServer({ port: server.port, roots })).rejects.toThrow(`127.0.0.1:${server.port}`);
  });

  it('refuses to start without the built page', async () => {
    await expect(startDemoServer({ port: 0, roots: { web: path.join(tmp, 'none'), models: roots.models } })).rejects.toThrow(/index\.html: is missing: build the browser files first/);
  });
});

describe('demoCommand', () => {
  it('prints the URL, serves until stopped, then returns', async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    const running = demoCommand(['--port', '0'], { signal: stop.signal, out: (l) => lines.push(l), roots });
    for (let i = 0; i < 100 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(lines).toHaveLength(1);
    const m = /^edgetune demo: http:\/\/127\.0\.0\.1:(\d+)\/$/.exec(lines[0]!);
    expect(m).not.toBeNull();
    const r = await request(Number(m![1]), '/');
    expect(r.status).toBe(200);
    stop.abort();
    await running;
    await expect(request(Number(m![1]), '/')).rejects.toThrow();
  });

  it('rejects bad flags as usage errors', async () => {
    await expect(demoCommand(['--port', 'abc'], { roots })).rejects.toThrow(UsageError);
    await expect(demoCommand(['--port', '70000'], { roots })).rejects.toThrow(UsageError);
    await expect(demoCommand(['--port', '-1'], { roots })).rejects.toThrow(UsageError);
    await expect(demoCommand(['--bogus'], { roots })).rejects.toThrow(UsageError);
  });
});
