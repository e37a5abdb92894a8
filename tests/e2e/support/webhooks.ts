// A webhook receiver for tests, with an independent Standard Webhooks verifier.
import { createServer, Server } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from '@playwright/test';
import { freePort, RunningServer } from './server';

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

/**
 * The server's outbox, read from its SQLite database (local backend): how many
 * deliveries are still to be attempted, and how many were given up.
 */
export function outboxState(server: RunningServer): { pending: number; failed: number } {
  if (server.backend !== 'local') throw new Error('the outbox is read from the local backend\'s SQLite database');
  const out = execFileSync('sqlite3', ['-cmd', '.timeout 5000', join(server.dataDir, 'vidreply.db'),
    `SELECT COUNT(*) FILTER (WHERE delivered_at IS NULL AND failed_at IS NULL),
            COUNT(*) FILTER (WHERE failed_at IS NOT NULL)
     FROM webhook_deliveries`]).toString().trim();
  const [pending, failed] = out.split('|').map(Number);
  return { pending, failed };
}

/**
 * Wait until the outbox has delivered every event queued so far (the receiver has
 * them all), so "nothing more came" can be said of what was queued until now.
 */
export async function outboxDrained(server: RunningServer, timeout = 30_000) {
  await expect.poll(() => outboxState(server).pending, { timeout, message: 'the webhook outbox still has deliveries to make' })
    .toBe(0);
  expect(outboxState(server).failed, 'webhook deliveries given up').toBe(0);
}
