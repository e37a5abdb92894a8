// Minify the app's JS glue in a Trunk-built folder (dist/), then put the new file's
// SHA-384 in index.html's `integrity` for it, so the browser still checks what it runs.
// Trunk 0.21's own minifier cannot parse wasm-bindgen's glue (it leaves the file as it
// was), so esbuild (pinned in package-lock.json) does it. The file keeps Trunk's name:
// its hash is of the unminified glue, which changes whenever the minified one does.
//   node scripts/minify.mjs dist
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { transformSync } from 'esbuild';

const root = process.argv[2];
if (!root) throw new Error('usage: minify.mjs <folder>');
const indexPath = join(root, 'index.html');
let html = readFileSync(indexPath, 'utf8');
const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

let done = 0;
for (const name of readdirSync(root).filter((n) => n.endsWith('.js'))) {
  const path = join(root, name);
  const before = readFileSync(path);
  // ESM in, ESM out: the page imports `init` and the bindings by name, so exports keep them.
  const { code } = transformSync(before.toString('utf8'), {
    loader: 'js', format: 'esm', minify: true, target: 'es2020', legalComments: 'none',
  });
  const after = Buffer.from(code);
  const oldSri = sri(before);
  if (!html.includes(oldSri)) {
    throw new Error(`${indexPath} carries no integrity ${oldSri} for ${name}: cannot keep it checked`);
  }
  writeFileSync(path, after);
  html = html.split(oldSri).join(sri(after));
  console.log(`minified ${name}: ${before.length} → ${after.length} B`);
  done++;
}
if (done === 0) throw new Error(`no JS glue in ${root}: was it built by Trunk?`);
writeFileSync(indexPath, html);
