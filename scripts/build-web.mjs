#!/usr/bin/env node
/**
 * Builds the browser side into dist/web/:
 *   edgetune.js   the browser entry (src/web/index.ts) as one ES module; it
 *                 imports onnxruntime-web from ./ort.all.min.mjs beside it
 *   demo.js       the demo page's script, importing ./edgetune.js
 *   index.html, styles.css   the demo page (from demo/)
 *   ort.all.min.mjs, ort-wasm-*.{mjs,wasm}   onnxruntime-web's runtime files
 *   digits.bin    the demo's compact digit set (scripts/build-demo-data.mjs)
 *
 * protobufjs is CommonJS, so the sources are bundled (rolldown) rather than
 * served as they are. Run as a script, or import buildWeb().
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rolldown } from 'rolldown';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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

async function bundle(input, outFile, map) {
  const b = await rolldown({
    input,
    platform: 'browser',
    resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
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
  await bundle(path.join(root, 'src/web/index.ts'), path.join(outDir, 'edgetune.js'), [[isOrt, './ort.all.min.mjs']]);
  const demoEntry = path.join(root, 'src/web/demo-app.ts');
  const webDir = path.join(root, 'src/web');
  const isEntryImport = (id, importer) => id === './index.js' && importer !== undefined && path.dirname(importer) === webDir;
  await bundle(demoEntry, path.join(outDir, 'demo.js'), [[isEntryImport, './edgetune.js'], [isOrt, './ort.all.min.mjs']]);
  for (const f of DEMO_STATIC) await fs.copyFile(path.join(root, 'demo', f), path.join(outDir, f));
  const ortDist = path.join(root, 'node_modules/onnxruntime-web/dist');
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
