/**
 * The package as a user gets it: `npm pack` of a copy of this checkout (so the
 * build it runs never touches the checkout's dist/), and `npm ci --offline`
 * of that tarball into an empty folder. The folder's package-lock.json pins
 * the tarball's dependencies to the versions in this checkout's lock, so npm
 * takes every package from its local cache by integrity and asks no registry.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What a checkout's `npm pack` needs: the sources the build reads and the files package.json ships. */
const COPY = ['package.json', 'package-lock.json', 'tsconfig.json', 'README.md', 'LICENSE', '.npmrc', 'src', 'customops', 'models', 'scripts', 'demo'];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment without the npm_* variables `npm test` exports (among them
 * this checkout's onnxruntime-node-install=skip), so a child npm reads only
 * its own folder's settings, as a user's would.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'npm_config_cache') {
      env[k] = v; // the same package cache the parent npm uses
      continue;
    }
    if (/^npm_/i.test(k) || /^ONNXRUNTIME_NODE_INSTALL/i.test(k) || k === 'INIT_CWD' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

/** Run a command; resolves with its exit code and output whatever the code. */
export function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env ?? cleanEnv(), timeout: opts.timeout ?? 300_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Run and throw with the output when the exit code is not 0. */
export async function runOk(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${opts.cwd}) exited ${r.code}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  return r;
}

export async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/**
 * `npm pack` a copy of this checkout (its own build via `prepare`, with this
 * checkout's node_modules linked in); returns the tarball's path inside `dir`.
 */
export async function packEdgetune(dir: string): Promise<string> {
  const src = path.join(dir, 'checkout');
  await fs.mkdir(src, { recursive: true });
  for (const f of COPY) {
    if (existsSync(path.join(ROOT, f))) await fs.cp(path.join(ROOT, f), path.join(src, f), { recursive: true });
  }
  await fs.symlink(path.join(ROOT, 'node_modules'), path.join(src, 'node_modules'), 'dir');
  const r = await runOk('npm', ['pack', '--json', '--pack-destination', dir], { cwd: src, timeout: 300_000 });
  const name = (JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as { filename: string }[])[0]!.filename;
  return path.join(dir, name);
}

interface LockEntry {
  version?: string;
  integrity?: string;
  resolved?: string;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  link?: boolean;
  [k: string]: unknown;
}

interface Lock {
  packages: Record<string, LockEntry>;
}

/**
 * A package-lock.json for a folder whose only dependency is the tarball: the
 * tarball's entry, and this checkout's lock entries for everything that is
 * not a dev dependency (the same paths, so the same tree npm would build).
 */
export async function lockFor(tarball: string, appName: string): Promise<object> {
  const lock = JSON.parse(await fs.readFile(path.join(ROOT, 'package-lock.json'), 'utf8')) as Lock;
  const pkg = JSON.parse(await fs.readFile(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const bytes = await fs.readFile(tarball);
  const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
  const spec = `file:${path.basename(tarball)}`;
  const packages: Record<string, LockEntry> = {
    '': { name: appName, dependencies: { edgetune: spec } },
    'node_modules/edgetune': {
      version: pkg.version as string,
      resolved: spec,
      integrity,
      license: pkg.license,
      dependencies: pkg.dependencies,
      optionalDependencies: pkg.optionalDependencies,
      peerDependencies: pkg.peerDependencies,
      peerDependenciesMeta: pkg.peerDependenciesMeta,
      bin: { edgetune: (pkg.bin as Record<string, string>).edgetune },
      engines: pkg.engines,
    },
  };
  for (const [p, e] of Object.entries(lock.packages)) {
    if (p === '' || e.dev || e.link || !p.startsWith('node_modules/')) continue;
    const { dev: _dev, devOptional, ...rest } = e;
    packages[p] = devOptional ? { ...rest, optional: true } : rest;
  }
  return { name: appName, lockfileVersion: 3, requires: true, packages };
}

export interface InstallOptions {
  /**
   * 'fails': onnxruntime-node's install script runs as a user's would and
   * cannot download (its proxy is a closed local port), so npm drops the
   * optional package; 'skip': the script is told to download nothing (as this
   * checkout's .npmrc does) and the native package stays; 'omit': npm leaves
   * optional packages out.
   */
  native: 'fails' | 'skip' | 'omit';
}

/** An empty folder with the tarball installed by `npm ci --offline`; returns the folder. */
export async function installTarball(dir: string, tarball: string, opts: InstallOptions): Promise<string> {
  const app = path.join(dir, `app-${opts.native}`);
  await fs.mkdir(app, { recursive: true });
  const local = path.join(app, path.basename(tarball));
  await fs.copyFile(tarball, local);
  const name = `edgetune-check-${opts.native}`;
  await fs.writeFile(path.join(app, 'package.json'), JSON.stringify({ name, private: true, type: 'module', dependencies: { edgetune: `file:${path.basename(tarball)}` } }, null, 2));
  await fs.writeFile(path.join(app, 'package-lock.json'), JSON.stringify(await lockFor(local, name), null, 2));
  const env = opts.native === 'skip'
    ? cleanEnv({ ONNXRUNTIME_NODE_INSTALL: 'skip' })
    // global-agent, which the install script loads, sends its download through this proxy: a closed port, so it fails at once
    : cleanEnv({ GLOBAL_AGENT_HTTPS_PROXY: 'http://127.0.0.1:9', GLOBAL_AGENT_HTTP_PROXY: 'http://127.0.0.1:9' });
  const args = ['ci', '--offline', '--no-audit', '--no-fund', ...(opts.native === 'omit' ? ['--omit=optional'] : [])];
  const r = await run('npm', args, { cwd: app, env, timeout: 300_000 });
  if (r.code !== 0) {
    const hint = /ENOTCACHED/.test(r.stderr) ? '\n(a package is missing from the npm cache: run `npm ci` in this checkout once, which fills it)' : '';
    throw new Error(`npm ${args.join(' ')} exited ${r.code}${hint}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  }
  return app;
}

/** Bytes under `dir`, counting each file once (hard links) and following no symlinks. */
export async function diskBytes(dir: string): Promise<number> {
  let total = 0;
  const seen = new Set<string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const s = await fs.stat(p);
        const key = `${s.dev}:${s.ino}`;
        if (!seen.has(key)) {
          seen.add(key);
          total += s.size;
        }
      }
    }
  };
  await walk(dir);
  return total;
}

/** Paths (relative to `dir`) of files named `name` anywhere under it. */
export async function findFiles(dir: string, name: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name === name) found.push(path.relative(dir, p));
    }
  };
  await walk(dir);
  return found;
}
