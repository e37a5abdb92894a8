// A tiny static file server on 127.0.0.1 (a free port) standing in for a support site on
// another origin than the vidreply server: it serves the built host pages and package
// (dist/www at /www/, dist/pkg at /pkg/) with the MIME types browsers need.
import { createServer, Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { freePort, ROOT } from './server';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', // WebAssembly.instantiateStreaming needs exactly this
  '.json': 'application/json',
  '.ts': 'text/plain; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export class StaticSite {
  url = '';
  /** Paths the browser asked for, with the status each got. */
  requests: { path: string; status: number }[] = [];
  private server?: Server;

  /** `mounts` maps a URL prefix (e.g. "/www/") to a folder. */
  constructor(private mounts: Record<string, string> = {
    '/www/': join(ROOT, 'dist/www'),
    '/pkg/': join(ROOT, 'dist/pkg'),
  }) {}

  get origin(): string {
    return new URL(this.url).origin;
  }

  async start() {
    const port = await freePort();
    this.server = createServer(async (req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const file = this.resolve(path);
      let status = 404;
      try {
        if (file && (await stat(file)).isFile()) {
          const body = await readFile(file);
          status = 200;
          res.writeHead(200, {
            'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
            'cache-control': 'no-store',
          });
          res.end(body);
        }
      } catch { /* not found */ }
      if (status === 404) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      this.requests.push({ path, status });
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${port}`;
  }

  async stop() {
    await new Promise((r) => this.server?.close(r));
  }

  private resolve(path: string): string | null {
    for (const [prefix, dir] of Object.entries(this.mounts)) {
      if (!path.startsWith(prefix)) continue;
      const file = normalize(join(dir, path.slice(prefix.length)));
      // Nothing outside the folder, whatever the path says.
      return file.startsWith(dir + sep) ? file : null;
    }
    return null;
  }
}
