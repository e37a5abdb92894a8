// A webhook receiver for tests, with an independent Standard Webhooks verifier.
import { createServer, Server } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { freePort } from './server';

export interface Received {
  headers: Record<string, string>;
  body: string;
}

export class WebhookReceiver {
  readonly secret = 'whsec_' + Buffer.from(Array.from({ length: 24 }, () => Math.floor(Math.random() * 256))).toString('base64');
  received: Received[] = [];
  url = '';
  private server?: Server;

  async start() {
    const port = await freePort();
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        this.received.push({ headers: req.headers as Record<string, string>, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${port}/hooks/vidreply`;
  }

  async stop() {
    await new Promise((r) => this.server?.close(r));
  }

  /** Wait for the first delivery that matches. */
  async waitFor(pred: (r: Received) => boolean, timeoutMs = 30_000): Promise<Received> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const hit = this.received.find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no matching webhook; got ${JSON.stringify(this.received)}`);
  }

  /** Standard Webhooks: HMAC-SHA256 over `id.timestamp.body`, any of the `v1,` signatures. */
  verify(r: Received): boolean {
    const key = Buffer.from(this.secret.slice('whsec_'.length), 'base64');
    const id = r.headers['webhook-id'];
    const ts = r.headers['webhook-timestamp'];
    const expected = createHmac('sha256', key).update(`${id}.${ts}.${r.body}`).digest();
    if (!id || !ts || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
    return (r.headers['webhook-signature'] ?? '').split(' ').some((s) => {
      const [v, sig] = s.split(',');
      const got = Buffer.from(sig ?? '', 'base64');
      return v === 'v1' && got.length === expected.length && timingSafeEqual(got, expected);
    });
  }
}
