// Figure 1: download size. What a browser fetches to run each recorder (wasm + JS + CSS),
// raw and gzip -9; Uppy's page is bundled here, now, by esbuild (minified).
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readdirSync, readFileSync, writeFileSync, mkdirSync, copyFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../lib/server';

const UPPY_SRC = join(ROOT, 'bench/uppy');

function measure(files: string[]) {
  const each = files.map((f) => {
    const b = readFileSync(f);
    // What the server sends a browser that accepts Brotli: the build's .br copy if any.
    const servedBytes = existsSync(`${f}.br`) ? statSync(`${f}.br`).size : b.length;
    return { file: relative(ROOT, f), rawBytes: b.length, gzipBytes: gzipSync(b, { level: 9 }).length, servedBytes };
  });
  return {
    files: each,
    rawBytes: each.reduce((s, e) => s + e.rawBytes, 0),
    gzipBytes: each.reduce((s, e) => s + e.gzipBytes, 0),
    servedBytes: each.reduce((s, e) => s + e.servedBytes, 0),
  };
}

const assets = (dir: string) => readdirSync(dir)
  .filter((f) => /\.(wasm|js|css)$/.test(f))
  .map((f) => join(dir, f));

/** Bundle the Uppy page (JS and CSS, minified) into `outDir`, with its index.html. */
export async function buildUppyPage(outDir: string) {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(UPPY_SRC, 'entry.js')], bundle: true, minify: true, format: 'esm',
    target: 'es2020', outfile: join(outDir, 'uppy.min.js'), logLevel: 'error', legalComments: 'none',
  });
  const css = join(outDir, 'uppy-entry.css');
  writeFileSync(css, ['core', 'dashboard', 'webcam']
    .map((p) => `@import "@uppy/${p}/css/style.min.css";`).join('\n'));
  await build({
    entryPoints: [css], bundle: true, minify: true, outfile: join(outDir, 'uppy.min.css'),
    logLevel: 'error', nodePaths: [join(ROOT, 'node_modules')],
  });
  rmSync(css);
  copyFileSync(join(UPPY_SRC, 'index.html'), join(outDir, 'index.html'));
}

function version(pkg: string): string {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

export async function downloadSize(uppyDir: string) {
  await buildUppyPage(uppyDir);
  const recorder = measure(assets(join(ROOT, 'dist')));
  const widget = measure(assets(join(ROOT, 'pkg')));
  const uppy = measure([join(uppyDir, 'uppy.min.js'), join(uppyDir, 'uppy.min.css')]);
  return {
    unit: 'bytes',
    inputs: {
      recorder: 'dist/*.{wasm,js,css} (Trunk release build: what the standalone recorder page loads)',
      widget: 'pkg/*.{wasm,js,css} (wasm-pack build of the widget)',
      uppy: `@uppy/core ${version('@uppy/core')} + @uppy/aws-s3 ${version('@uppy/aws-s3')} + @uppy/webcam ${version('@uppy/webcam')} + @uppy/dashboard ${version('@uppy/dashboard')}, bundled by esbuild ${version('esbuild')} (minified, ESM, es2020) plus their CSS`,
      gzip: 'zlib gzip level 9',
      served: 'the bytes the server sends with Accept-Encoding: br (the .br copy scripts/build made; raw where none)',
    },
    recorder, widget, uppy,
    ratios: {
      recorderGzipOverUppyGzip: recorder.gzipBytes / uppy.gzipBytes,
      widgetGzipOverUppyGzip: widget.gzipBytes / uppy.gzipBytes,
    },
  };
}
