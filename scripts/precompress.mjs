// Precompress every text and wasm file under a folder (the built dist/): a Brotli
// (quality 11) and a gzip (level 9) copy beside each, kept only when smaller. The
// server sends the one the browser accepts (tower-http's precompressed ServeDir), so
// no byte is compressed per request. Node's own zlib: nothing to install.
//   node scripts/precompress.mjs dist
import { readdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const KINDS = /\.(html|js|mjs|wasm|css|svg|json|txt|map|ts|webmanifest)$/;

function* files(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (KINDS.test(e.name)) yield p;
  }
}

const root = process.argv[2];
if (!root) throw new Error('usage: precompress.mjs <folder>');
let raw = 0, br = 0, gz = 0;
for (const path of files(root)) {
  const bytes = readFileSync(path);
  const size = statSync(path).size;
  const out = {
    br: brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: size,
        [constants.BROTLI_PARAM_MODE]: path.endsWith('.wasm') ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
      },
    }),
    gz: gzipSync(bytes, { level: 9 }),
  };
  raw += size;
  for (const [ext, data] of Object.entries(out)) {
    const target = `${path}.${ext}`;
    if (data.length < size) writeFileSync(target, data);
    else rmSync(target, { force: true });
  }
  br += Math.min(out.br.length, size);
  gz += Math.min(out.gz.length, size);
}
const kb = (n) => `${Math.round(n / 1024)} KiB`;
console.log(`precompressed ${root}: ${kb(raw)} → ${kb(br)} Brotli, ${kb(gz)} gzip`);
