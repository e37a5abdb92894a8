// Never lose a second: upload while recording, faults, expiry, offline, reload,
// a closed tab and retake, in real Chromium against the real server on both backends.
import { test, expect, Page } from '@playwright/test';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { S3Client, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { startServer, createCaptureLink, RunningServer, Backend } from './support/server';
import { captureRecorderChunks, recordedSha256 } from './support/recording';
import { startRecording, serverParts, sentVideo, completionOf, stopAndSend, sha256, isPartPut, partNumberOf } from './support/flow';

// Small parts on local disk so a few seconds of fake camera make many parts. S3
// refuses parts under 5 MiB (SeaweedFS too), so there one recording is one part.
const PART: Record<Backend, number> = { local: 32 * 1024, s3: 5 * 1024 * 1024 };

async function inProgressUploads(server: RunningServer): Promise<string[]> {
  if (server.backend === 'local') {
    const dir = join(server.dataDir, 'storage', 'multipart');
    return existsSync(dir) ? readdirSync(dir).sort() : [];
  }
  const s3 = new S3Client({
    endpoint: process.env.S3_ENDPOINT, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! },
  });
  const res = await s3.send(new ListMultipartUploadsCommand({ Bucket: process.env.S3_BUCKET }));
  return (res.Uploads ?? []).map((u) => `${u.Key}/${u.UploadId}`).sort();
}

/** Requests the server answered, by route (its own Prometheus counters). */
async function requestCounts(server: RunningServer) {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.apiKey}` } });
  expect(res.status).toBe(200);
  const text = await res.text();
  const count = (method: string, route: string) => text.split('\n')
    .filter((l) => l.startsWith('http_requests_total{') && l.includes(`method="${method}"`) && l.includes(`route="${route}"`))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  return {
    sign: count('POST', '/api/v1/uploads/{id}/sign'),
    tail: count('PUT', '/api/v1/uploads/{id}/parts/{part}'),
    complete: count('POST', '/api/v1/uploads/{id}/complete'),
  };
}

/** Press Send on the review screen and return the stored bytes once "Sent" shows. */
async function stopAndSendFromReview(page: Page, server: RunningServer): Promise<Buffer> {
  const done = completionOf(page);
  await page.getByRole('button', { name: 'Send' }).click();
  return sentVideo(page, server, done);
}

for (const backend of ['local', 's3'] as Backend[]) {
  test.describe(`reliability on ${backend} storage`, () => {
    let server: RunningServer;
    test.beforeAll(async () => {
      server = await startServer(backend, { VIDREPLY_PART_SIZE: String(PART[backend]) });
    });
    test.afterAll(async () => server?.stop());

    async function link(page: Page, name: string) {
      const l = await createCaptureLink(server, { conversationId: `${name}-${backend}-${Date.now()}` });
      await captureRecorderChunks(page);
      return l;
    }

    test('parts go up while recording; Send leaves only the tail', async ({ page }) => {
      test.skip(backend === 's3', 'S3 parts are ≥ 5 MiB: over a minute of fake camera each; the part path is shared');
      const l = await link(page, 'while');
      const uploadId = await startRecording(page, l.url);
      // More than three parts reach the server before Stop or Send is pressed.
      await expect.poll(async () => (await serverParts(server, l.token, uploadId)).length, { timeout: 60_000 })
        .toBeGreaterThanOrEqual(3);
      const stored = await stopAndSend(page, server);
      expect(sha256(stored)).toBe((await recordedSha256(page)).sha256);
    });

    test('the tail goes at Stop: every sign comes before it, and the whole recording is stored before Send', async ({ page }) => {
      const l = await link(page, 'tail');
      // The server's counts are for the whole describe: this test's requests are the difference.
      const atStart = await requestCounts(server);
      // The part numbers of every sign request the page makes after Stop.
      let stopped = false;
      const signedAfterStop: number[] = [];
      page.on('request', (r) => {
        if (stopped && r.method() === 'POST' && /\/sign$/.test(r.url())) signedAfterStop.push(...r.postDataJSON().partNumbers);
      });
      const uploadId = await startRecording(page, l.url);
      if (backend === 'local') {
        await expect.poll(async () => (await serverParts(server, l.token, uploadId)).length, { timeout: 60_000 })
          .toBeGreaterThanOrEqual(2);
      } else {
        await page.waitForTimeout(2000);
      }
      stopped = true;
      await page.getByRole('button', { name: 'Stop' }).click();
      await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();
      const recorded = await recordedSha256(page);
      // Before Send: the server holds every recorded byte (the tail went at Stop).
      await expect.poll(async () => (await serverParts(server, l.token, uploadId)).reduce((n, p) => n + p.size, 0))
        .toBe(recorded.size);
      const parts = await serverParts(server, l.token, uploadId);
      const tail = Math.max(...parts.map((p) => p.partNumber));
      const atReview = await requestCounts(server);
      const stored = await stopAndSendFromReview(page, server);
      const atSent = await requestCounts(server);
      expect(sha256(stored)).toBe(recorded.sha256);
      // The server saw the tail through the API, once, and no sign from Stop to "Sent".
      expect(atReview.tail - atStart.tail).toBe(1);
      expect(atSent.tail - atStart.tail).toBe(1);
      expect(atSent.sign).toBe(atReview.sign);
      expect(atSent.complete).toBe(atReview.complete + 1);
      // The tail was never signed after Stop (a full part the last chunk completed may
      // still be signed then, when one chunk fills more than the part signed ahead).
      expect(signedAfterStop, 'parts signed after Stop').not.toContain(tail);
    });

    test('the server restarts mid-upload: the recording completes after it comes back', async ({ page }) => {
      const l = await link(page, 'restart');
      const uploadId = await startRecording(page, l.url);
      if (backend === 'local') {
        // Parts are on their way to the server when it goes down.
        await expect.poll(async () => (await serverParts(server, l.token, uploadId)).length, { timeout: 60_000 })
          .toBeGreaterThanOrEqual(1);
      } else {
        await page.waitForTimeout(1500);
      }
      await server.restart();
      await page.waitForTimeout(1500);
      const stored = await stopAndSend(page, server);
      expect(sha256(stored)).toBe((await recordedSha256(page)).sha256);
      expect(server.logs()).toMatch(/shutting down/);
    });

    test('going offline three times mid-upload: it completes by itself', async ({ page, context }) => {
      const l = await link(page, 'offline');
      await startRecording(page, l.url);
      for (let i = 0; i < 3; i++) {
        await page.waitForTimeout(800);
        await context.setOffline(true);
        await page.waitForTimeout(1200);
        await context.setOffline(false);
      }
      const stored = await stopAndSend(page, server);
      expect(sha256(stored)).toBe((await recordedSha256(page)).sha256);
    });

    test('500, 503, 429 and dropped connections: only failed parts are re-sent', async ({ page }) => {
      const l = await link(page, 'faults');
      const failures = [
        (r: any) => r.fulfill({ status: 500, body: 'boom' }),
        (r: any) => r.fulfill({ status: 503, body: 'busy' }),
        (r: any) => r.fulfill({ status: 429, headers: { 'retry-after': '1' }, body: 'slow down' }),
        (r: any) => r.abort('connectionreset'),
      ];
      // Every attempt of every part, in order: whether it went through, and its bytes.
      const attempts = new Map<number, { through: boolean; body: Buffer }[]>();
      let puts = 0, injected = 0;
      await page.route((u) => true, async (route, req) => {
        if (!isPartPut(req)) return route.fallback();
        const n = partNumberOf(req.url());
        const tries = attempts.get(n) ?? [];
        attempts.set(n, tries);
        const body = req.postDataBuffer() ?? Buffer.alloc(0);
        // One of each failure first, then every other attempt.
        if (injected < failures.length || puts++ % 2 === 0) {
          tries.push({ through: false, body });
          return failures[injected++ % failures.length](route);
        }
        tries.push({ through: true, body });
        return route.continue();
      });
      await startRecording(page, l.url);
      await page.waitForTimeout(3000);
      const stored = await stopAndSend(page, server);
      const recorded = await recordedSha256(page);
      expect(sha256(stored)).toBe(recorded.sha256);
      expect(injected).toBeGreaterThanOrEqual(4);
      // Parts 1..n, each through exactly once, as its last attempt: nothing that went
      // through was sent again. Every failed attempt was that same part, re-sent whole.
      const numbers = [...attempts.keys()].sort((a, b) => a - b);
      expect(numbers).toEqual(numbers.map((_, i) => i + 1));
      for (const n of numbers) {
        const tries = attempts.get(n)!;
        const last = tries.at(-1)!;
        expect(tries.map((t) => t.through), `part ${n}`).toEqual([...tries.slice(1).map(() => false), true]);
        for (const t of tries) expect(sha256(t.body), `part ${n}, a failed attempt`).toBe(sha256(last.body));
      }
      // What went through, in part order, is exactly the recording.
      expect(sha256(Buffer.concat(numbers.map((n) => attempts.get(n)!.at(-1)!.body)))).toBe(recorded.sha256);
    });

    test('reload mid-upload: the journal offers to resume and only missing parts go up', async ({ page }) => {
      const l = await link(page, 'reload');
      // Let the first parts through (local backend: they fill while recording), then cut the line.
      const allowed = backend === 'local' ? 2 : 0;
      let passed = 0, passedBytes = 0, cut = 0;
      const passedParts: number[] = [];
      await page.route((u) => true, (route, req) => {
        if (!isPartPut(req)) return route.fallback();
        if (passed < allowed) {
          passed++;
          passedBytes += req.postDataBuffer()?.length ?? 0;
          passedParts.push(partNumberOf(req.url()));
          return route.continue();
        }
        cut++;
        return route.abort('connectionreset');
      });
      const uploadId = await startRecording(page, l.url);
      await page.waitForTimeout(2500);
      await page.getByRole('button', { name: 'Stop' }).click();
      const cutBeforeSend = cut;
      await page.getByRole('button', { name: 'Send' }).click();
      // The tail tried to go up and the line was cut: reload mid-upload.
      await expect.poll(() => cut, { timeout: 30_000 }).toBeGreaterThan(cutBeforeSend);
      const recorded = await recordedSha256(page);
      // Reload with the line still cut, so nothing slips through uncounted; the
      // resumed page sends nothing until asked.
      await page.reload();
      await expect(page.getByRole('status')).toContainText('earlier recording was kept');
      await page.unrouteAll({ behavior: 'wait' });
      expect(passed).toBe(allowed);
      // What the server holds across the reload: exactly the parts that went through.
      const held = (await serverParts(server, l.token, uploadId)).map((p) => p.partNumber);
      expect([...held].sort((a, b) => a - b)).toEqual([...passedParts].sort((a, b) => a - b));
      let resentBytes = 0;
      const resentParts: number[] = [];
      await page.route((u) => true, (route, req) => {
        if (isPartPut(req)) {
          resentBytes += req.postDataBuffer()?.length ?? 0;
          resentParts.push(partNumberOf(req.url()));
        }
        return route.fallback();
      });
      const done = completionOf(page);
      await page.getByRole('button', { name: 'Resume sending your video' }).click();
      const stored = await sentVideo(page, server, done);
      expect(sha256(stored)).toBe(recorded.sha256);
      // Parts the server held were not sent again; every other part was, once.
      const all = [...held, ...resentParts].sort((a, b) => a - b);
      expect(all).toEqual(all.map((_, i) => i + 1));
      expect(resentBytes).toBe(recorded.size - passedBytes);
    });

    test('tab closed mid-recording: the recording so far is recovered and sent', async ({ context }) => {
      const l = await createCaptureLink(server, { conversationId: `closed-${backend}-${Date.now()}` });
      const chunks: Buffer[] = [];
      await context.exposeFunction('__vrChunk', (b64: string) => { chunks.push(Buffer.from(b64, 'base64')); });
      await context.addInitScript(() => {
        const w = window as any;
        const Original = w.MediaRecorder;
        let chain = Promise.resolve();
        w.MediaRecorder = class extends Original {
          constructor(...a: any[]) {
            super(...a);
            this.addEventListener('dataavailable', (e: any) => {
              if (!e.data || e.data.size === 0) return;
              chain = chain.then(async () => {
                const bytes = new Uint8Array(await e.data.arrayBuffer());
                let s = '';
                for (const b of bytes) s += String.fromCharCode(b);
                await w.__vrChunk(btoa(s));
              });
            });
          }
        };
      });
      const first = await context.newPage();
      await startRecording(first, l.url);
      await first.waitForTimeout(3500);
      await first.close();
      const second = await context.newPage();
      await second.goto(l.url);
      await expect(second.getByRole('status')).toContainText('earlier recording was kept');
      const done = completionOf(second);
      await second.getByRole('button', { name: 'Resume sending your video' }).click();
      const stored = await sentVideo(second, server, done);
      // What was sent is the recording in order: every chunk the page saw, except at
      // most the last one still being written when the tab closed; anything beyond them
      // is the final chunk the page flushed on the way out.
      let k = 0;
      while (k < chunks.length && stored.subarray(0, Buffer.concat(chunks.slice(0, k + 1)).length)
        .equals(Buffer.concat(chunks.slice(0, k + 1)))) k++;
      const seen = Buffer.concat(chunks.slice(0, k)).length;
      expect(k, `stored ${stored.length} bytes; chunks ${chunks.map((c) => c.length)}`)
        .toBeGreaterThanOrEqual(Math.max(1, chunks.length - 1));
      if (stored.length > seen) expect(k).toBe(chunks.length);
    });

    test('retake aborts the upload and leaves nothing in storage', async ({ page }) => {
      const before = await inProgressUploads(server);
      const l = await link(page, 'retake');
      await startRecording(page, l.url);
      await page.waitForTimeout(1500);
      // The multipart upload exists in storage from the start of recording.
      expect((await inProgressUploads(server)).length).toBe(before.length + 1);
      await page.getByRole('button', { name: 'Stop' }).click();
      await page.getByRole('button', { name: 'Retake' }).click();
      await expect(page.getByRole('button', { name: 'Start recording' })).toBeVisible();
      await expect.poll(() => inProgressUploads(server)).toEqual(before);
    });
  });
}

test('expired part URLs are re-signed and the upload completes', async ({ page }) => {
  const server = await startServer('local', { VIDREPLY_PART_SIZE: String(PART.local), VIDREPLY_PRESIGN_TTL_SECONDS: '1' });
  try {
    const l = await createCaptureLink(server, { conversationId: `expiry-${Date.now()}` });
    await captureRecorderChunks(page);
    const seen = new Set<string>();
    let expired = 0;
    page.on('response', async (r) => {
      if (isPartPut(r.request()) && r.status() === 403 && (await r.text()).includes('Request has expired')) expired++;
    });
    // Hold each part's first attempt past its URL's 1 s life; re-signed attempts pass.
    await page.route((u) => true, async (route, req) => {
      const part = new URL(req.url()).pathname;
      if (!isPartPut(req) || seen.has(part)) return route.fallback();
      seen.add(part);
      await new Promise((r) => setTimeout(r, 2500));
      return route.continue();
    });
    await startRecording(page, l.url);
    await page.waitForTimeout(2000);
    const stored = await stopAndSend(page, server);
    expect(sha256(stored)).toBe((await recordedSha256(page)).sha256);
    expect(expired).toBeGreaterThanOrEqual(1);
  } finally {
    await server.stop();
  }
});
