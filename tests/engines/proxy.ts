// A recording proxy in front of the server: the browser reaches the server only through
// it (the server's public URL is the proxy's), so the tests see every request the same
// way in every engine, with no browser-specific network hooks. It can cut the line for
// part uploads (the connection is dropped, as on a train), and counts the bytes of every
// part that reached the server, whether at a signed URL or the tail through the API.
import { createServer, request, IncomingMessage, Server } from 'node:http';
import { freePort } from '../e2e/support/server';

export interface Seen {
  method: string;
  path: string;
  status: number;
  /** Request body bytes. */
  bytes: number;
  /** JSON bodies of API calls (request and response). */
  body?: any;
  response?: any;
}

export class Proxy {
  url = '';
  /** Where requests go: the real server. */
  target = '';
  seen: Seen[] = [];
  /** Part uploads allowed through before the line is cut; `null`: never cut. */
  cutAfter: number | null = null;
  admitted = 0;
  passed = 0;
  passedBytes = 0;
  cut = 0;
  private server?: Server;

  async start() {
    const port = await freePort();
    // A browser that goes away mid-request (a reload) is no error of the proxy's.
    this.server = createServer((req, res) => this.handle(req, res).catch(() => res.destroy()));
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${port}`;
  }

  async stop() {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  /** Let everything through again and forget the counts (the log stays). */
  reset(cutAfter: number | null = null) {
    this.cutAfter = cutAfter;
    this.admitted = this.passed = this.passedBytes = this.cut = 0;
  }

  /** Part PUTs that reached the server with 200, since `from` (an index into `seen`). */
  partPuts(from = 0): Seen[] {
    return this.seen.slice(from).filter((s) => isPart(s) && s.status === 200);
  }

  /** The first API call that matches, with its JSON bodies. */
  api(method: string, path: RegExp): Seen | undefined {
    return this.seen.find((s) => s.method === method && path.test(s.path));
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const path = req.url ?? '/';
    const entry: Seen = { method: req.method ?? 'GET', path, status: 0, bytes: body.length };
    if (isPart(entry)) {
      if (this.cutAfter !== null && this.admitted >= this.cutAfter) {
        this.cut++;
        req.socket.destroy();
        return;
      }
      this.admitted++;
    }
    const isApi = path.startsWith('/api/');
    if (isApi && body.length) entry.body = parse(body);
    const up = request(`${this.target}${path}`, { method: req.method, headers: req.headers }, (ur) => {
      entry.status = ur.statusCode ?? 0;
      if (isPart(entry) && entry.status === 200) {
        this.passed++;
        this.passedBytes += body.length;
      }
      this.seen.push(entry);
      res.writeHead(entry.status, ur.headers);
      if (!isApi) return void ur.pipe(res);
      const out: Buffer[] = [];
      ur.on('data', (c) => out.push(c));
      ur.on('end', () => {
        const all = Buffer.concat(out);
        entry.response = parse(all);
        res.end(all);
      });
    });
    up.on('error', () => res.destroy());
    up.end(body);
  }
}

// A part reaches the server at a signed storage URL, or (the recording's short tail,
// sent at Stop) through the API.
const isPart = (s: { method: string; path: string }) =>
  s.method === 'PUT' && (s.path.startsWith('/storage/parts/') || /^\/api\/v1\/uploads\/[^/?]+\/parts\/\d+(\?|$)/.test(s.path));

function parse(b: Buffer): any {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return undefined;
  }
}
