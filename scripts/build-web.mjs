#!/usr/bin/env node
/**
 * Builds the browser side into dist/web/:
 *   edgetune.module.js   the package's `edgetune/web` entry (src/web/index.ts)
 *                 as one ES module that imports onnxruntime-web by its package
 *                 name, so the app's bundler (Vite, webpack, esbuild) brings in
 *                 the one onnxruntime-web installed beside edgetune and its
 *                 wasm (see docs/install.md)
 *   edgetune.js   the same entry for pages served without a bundler (the
 *                 demo): it imports onnxruntime-web from ./ort.all.min.mjs
 *   demo.js       the demo page's script, importing ./edgetune.js
 *   index.html, styles.css   the demo page (from demo/)
 *   ort.all.min.mjs, ort-wasm-simd-threaded.jsep.{mjs,wasm}   onnxruntime-web's
 *                 runtime files, copied from the installed package so the demo
 *                 server finds them in this folder; the npm package leaves them
 *                 out (package.json "files") and ships onnxruntime-web's own
 *   digits.bin    the demo's compact digit set (scripts/build-demo-data.mjs)
 *
 * protobufjs is CommonJS, so the sources are bundled (rolldown) rather than
 * served as they are. Run as a script, or import buildWeb().
 */
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rolldown } from 'rolldown';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The dist folder of the onnxruntime-web that `root` resolves (the one its package.json pins). */
export function ortWebDist(root = ROOT) {
  const req = createRequire(path.join(root, 'package.json'));
  return path.dirname(req.resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm'));
}

/** onnxruntime-web files the all-providers build loads at run time (its wasm, WebGPU and WebNN runtime is the JSEP one). */
export const ORT_FILES = ['ort.all.min.mjs', 'ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'];

const DEMO_STATIC = ['index.html', 'styles.css'];

function externalTo(map) {
  return {
    name: 'edgetune-externals',
    resolveId(id, importer) {
      for (const [from, to] of map) if (from(id, importer)) return { id: to, external: true };
      return null;
    },
  };
}

async function bundle(input, outFile, map, define = {}) {
  const b = await rolldown({
    input,
    platform: 'browser',
    resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
    transform: { define },
    plugins: [externalTo(map)],
    logLevel: 'warn',
  });
  try {
    await b.write({ file: outFile, format: 'es', sourcemap: true, codeSplitting: false });
  } finally {
    await b.close();
  }
}

/** Build everything into `outDir` (default dist/web); `digits: false` skips the digit set. */
export async function buildWeb({ root = ROOT, outDir = path.join(root, 'dist', 'web'), digits = true } = {}) {
  await fs.rm(outDir, { recursive: true, force: true });
  await fs.mkdir(outDir, { recursive: true });
  const isOrt = (id) => id === 'onnxruntime-web/all';
  // the app's bundler resolves onnxruntime-web/all to the build with the wasm glue inside (see src/web/backend.ts)
  await bundle(path.join(root, 'src/web/index.ts'), path.join(outDir, 'edgetune.module.js'), [[isOrt, 'onnxruntime-web/all']], { __EDGETUNE_ORT_GLUE_EMBEDDED__: 'true' });
  await bundle(path.join(root, 'src/web/index.ts'), path.join(outDir, 'edgetune.js'), [[isOrt, './ort.all.min.mjs']]);
  const demoEntry = path.join(root, 'src/web/demo-app.ts');
  const webDir = path.join(root, 'src/web');
  const isEntryImport = (id, importer) => id === './index.js' && importer !== undefined && path.dirname(importer) === webDir;
  await bundle(demoEntry, path.join(outDir, 'demo.js'), [[isEntryImport, './edgetune.js'], [isOrt, './ort.all.min.mjs']]);
  for (const f of DEMO_STATIC) await fs.copyFile(path.join(root, 'demo', f), path.join(outDir, f));
  const ortDist = ortWebDist(root);
  for (const f of ORT_FILES) await fs.copyFile(path.join(ortDist, f), path.join(outDir, f));
  if (digits) {
    const { buildDemoData } = await import(pathToFileURL(path.join(root, 'scripts/build-demo-data.mjs')).href);
    await buildDemoData({ root, out: path.join(outDir, 'digits.bin') });
  }
  return outDir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  buildWeb().then(
    (dir) => { process.stdout.write(`build-web: wrote ${path.relative(process.cwd(), dir) || '.'} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`); },
    (e) => { process.stderr.write(`build-web: ${e instanceof Error ? e.message : String(e)}\n`); process.exitCode = 1; },
  );
}
