/**
 * `edgetune demo [--port P]`: a small static server on 127.0.0.1 for the
 * in-browser fine-tuning demo. It serves the built browser files (dist/web)
 * at / (ONNX Runtime's files from the installed onnxruntime-web where that
 * folder lacks them) and the shipped models at /models/, with cross-origin isolation
 * headers on every response so onnxruntime-web may use threads
 * (SharedArrayBuffer), and never serves a file outside those two folders.
 */
import { createReadStream, promises as fs, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { ortWebDist } from '../node/ort-loader.js';
import { fileURLToPath } from 'node:url';
import { FileError } from '../errors.js';
import { number, parse, UsageError } from './common.js';

export const demoUsage = `usage: edgetune demo [--port P]

Serves the in-browser fine-tuning demo at http://127.0.0.1:P/ (default 8080,
or a free port if 8080 is taken; --port 0 always picks a free one), and at
/personalise the page that teaches any image classifier your own classes.
Open the printed URL in a browser; stop with Ctrl-C.`;

export const DEFAULT_PORT = 8080;

/** Headers on every response: cross-origin isolation (COOP + COEP), same-origin resources, no sniffing, no stale caches. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/** The Content-Type for a file name (application/octet-stream when unknown, e.g. .onnx and .bin). */
export function mimeType(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export interface DemoRoots {
  /** served at / (the built browser files) */
  web: string;
  /** served at /models/ */
  models: string;
  /** onnxruntime-web's browser files, served at / where `web` has no such file */
  ort?: string;
}

/** The folder holding edgetune's package.json, found upward from this module. */
export function packageRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'edgetune') return dir;
    } catch {
      // not here: keep walking up
    }
    if (path.dirname(dir) === dir) throw new FileError(from, 'is not inside the edgetune package');
  }
}

/** The demo's folders inside the package: dist/web and models. */
export function defaultRoots(root = packageRoot()): DemoRoots {
  return { web: path.join(root, 'dist', 'web'), models: path.join(root, 'models'), ort: ortWebDist() };
}

export type Resolved = { ok: true; root: string; file: string } | { ok: false; status: 400 | 404; reason: string };

/** Paths that serve the demo page itself (it reads its mode from the path). */
const PAGE_ALIASES = new Set(['personalise']);

/**
 * Map a request target to a file under one of the roots: /models/<p> → models/<p>,
 * / and /personalise → web/index.html, /<p> → web/<p>. Refuses ('400') any segment that is '.',
 * '..', empty inside the path, hidden (leading '.'), or that decodes to one
 * holding '/', '\\' or NUL, so the result never leaves its root.
 */
export function resolveRequest(target: string, roots: DemoRoots): Resolved {
  const raw = target.split(/[?#]/, 1)[0] ?? '';
  if (!raw.startsWith('/')) return { ok: false, status: 400, reason: 'path must start with /' };
  const parts = raw.slice(1).split('/');
  if (parts.length > 1 && parts[parts.length - 1] === '') return { ok: false, status: 404, reason: 'no directory listings' };
  const segments: string[] = [];
  for (const p of parts) {
    let s: string;
    try {
      s = decodeURIComponent(p);
    } catch {
      return { ok: false, status: 400, reason: 'malformed percent-encoding' };
    }
    if (s === '' && parts.length === 1) break;
    if (s === '' || s === '.' || s === '..' || s.startsWith('.') || /[/\\\0]/.test(s)) {
      return { ok: false, status: 400, reason: `refused path segment '${p}'` };
    }
    segments.push(s);
  }
  let root = roots.web;
  if (segments[0] === 'models') {
    root = roots.models;
    segments.shift();
    if (segments.length === 0) return { ok: false, status: 404, reason: 'no directory listings' };
  }
  if (segments.length === 0 || (root === roots.web && segments.length === 1 && PAGE_ALIASES.has(segments[0]!))) segments.splice(0, segments.length, 'index.html');
  const file = path.join(root, ...segments);
  const rel = path.relative(root, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return { ok: false, status: 400, reason: 'outside the served folders' };
  return { ok: true, root, file };
}

/** The real path of `file` if it is a regular file that stays inside `root` once links are followed. */
async function servable(root: string, file: string): Promise<{ real: string; size: number } | undefined> {
  try {
    const [realRoot, real] = await Promise.all([fs.realpath(root), fs.realpath(file)]);
    const rel = path.relative(realRoot, real);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    const st = await fs.stat(real);
    return st.isFile() ? { real, size: st.size } : undefined;
  } catch {
    return undefined;
  }
}

function send(res: http.ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

/** The request handler over the given roots. */
export function demoHandler(roots: DemoRoots): http.RequestListener {
  return (req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
      const r = resolveRequest(req.url ?? '/', roots);
      if (!r.ok) return send(res, r.status, `${r.status === 400 ? 'bad request' : 'not found'}: ${r.reason}\n`);
      // ONNX Runtime's own files come from the installed onnxruntime-web where the page's folder has none
      const name = path.basename(r.file);
      const fromOrt = roots.ort !== undefined && r.root === roots.web && path.dirname(r.file) === roots.web && /^ort[.-][\w.-]+\.(?:mjs|wasm)$/.test(name);
      const found = (await servable(r.root, r.file)) ?? (fromOrt ? await servable(roots.ort!, path.join(roots.ort!, name)) : undefined);
      if (!found) return send(res, 404, 'not found\n');
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': mimeType(found.real), 'Content-Length': String(found.size) });
      if (req.method === 'HEAD') return res.end();
      const stream = createReadStream(found.real);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    })().catch(() => {
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  };
}

export interface DemoServerOptions {
  /** 0 picks a free port (default 8080) */
  port?: number;
  /** when the port is taken, take a free one instead of failing */
  fallback?: boolean;
  roots?: DemoRoots;
}

export interface DemoServer {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => { server.off('listening', onListening); reject(e); };
    const onListening = () => { server.off('error', onError); resolve((server.address() as AddressInfo).port); };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

/** Start the demo server on 127.0.0.1; throws a FileError when the browser files are not built. */
export async function startDemoServer(opts: DemoServerOptions = {}): Promise<DemoServer> {
  const roots = opts.roots ?? defaultRoots();
  const index = path.join(roots.web, 'index.html');
  try {
    await fs.access(index);
  } catch {
    throw new FileError(index, "is missing: build the browser files first with 'npm run build'");
  }
  const server = http.createServer(demoHandler(roots));
  const wanted = opts.port ?? DEFAULT_PORT;
  let port: number;
  try {
    port = await listen(server, wanted);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' && opts.fallback) port = await listen(server, 0);
    else throw new FileError(`127.0.0.1:${wanted}`, `cannot listen (${code ?? (e as Error).message})`);
  }
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    server,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

export interface DemoCommandOptions {
  /** stops the server when aborted (default: SIGINT or SIGTERM) */
  signal?: AbortSignal;
  /** where the URL line goes (default: stdout) */
  out?: (line: string) => void;
  /** folders to serve (default: the package's dist/web and models) */
  roots?: DemoRoots;
}

/** Run the demo server until Ctrl-C (or `opts.signal`), printing `edgetune demo: <url>`. */
export async function demoCommand(argv: string[], opts: DemoCommandOptions = {}): Promise<void> {
  const { values } = parse(argv, { port: { type: 'string' } }, demoUsage);
  const explicit = values.port !== undefined;
  const port = number(values.port, '--port', DEFAULT_PORT, { integer: true, min: 0 });
  if (port > 65535) throw new UsageError(`--port expects a TCP port 0–65535, got ${port}`);
  const out = opts.out ?? ((line: string) => { process.stdout.write(`${line}\n`); });
  const demo = await startDemoServer({ port, fallback: !explicit, ...(opts.roots ? { roots: opts.roots } : {}) });
  if (!explicit && demo.port !== DEFAULT_PORT) out(`edgetune demo: port ${DEFAULT_PORT} is taken, using ${demo.port}`);
  out(`edgetune demo: ${demo.url}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      opts.signal?.removeEventListener('abort', stop);
      void demo.close().then(resolve);
    };
    if (opts.signal) {
      if (opts.signal.aborted) return stop();
      opts.signal.addEventListener('abort', stop);
    } else {
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    }
  });
}
