// What a phone does to a recording: the camera taken away, a part corrupted on
// the way, a recording left unsent past its upload's life.
import { test, expect } from '@playwright/test';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, createCaptureLink, RunningServer, Backend } from './support/server';
import { captureRecorderChunks, recordedSha256 } from './support/recording';
import { startRecording, sentVideo, completionOf, stopAndSend, sha256, isPartPut } from './support/flow';

for (const backend of ['local', 's3'] as Backend[]) {
  test.describe(`interruptions on ${backend} storage`, () => {
    let server: RunningServer;
    test.beforeAll(async () => {
      server = await startServer(backend, backend === 'local' ? { VIDREPLY_PART_SIZE: String(32 * 1024) } : {});
    });
    test.afterAll(async () => server?.stop());

    test('camera taken away mid-recording: what was recorded is kept and sent', async ({ page }) => {
      const l = await createCaptureLink(server, { conversationId: `ended-${backend}-${Date.now()}` });
      await captureRecorderChunks(page);
      await startRecording(page, l.url);
      await page.waitForTimeout(2000);
      // What the browser does when a call takes the camera: the tracks end by themselves.
      await page.evaluate(() => {
        const v = document.querySelector('video.vr-preview') as HTMLVideoElement;
        for (const t of (v.srcObject as MediaStream).getTracks()) t.dispatchEvent(new Event('ended'));
      });
      await expect(page.getByRole('status')).toContainText('taken away');
      await expect(page.getByRole('status')).toContainText('kept');
      const done = completionOf(page);
      await page.getByRole('button', { name: 'Send' }).click();
      const stored = await sentVideo(page, server, done);
      const recorded = await recordedSha256(page);
      expect(recorded.size).toBeGreaterThan(0);
      expect(sha256(stored)).toBe(recorded.sha256);
    });

    test('a part corrupted on the way is refused by storage and sent again', async ({ page }) => {
      const l = await createCaptureLink(server, { conversationId: `corrupt-${backend}-${Date.now()}` });
      await captureRecorderChunks(page);
      let corrupted = 0, refused = 0;
      page.on('response', (r) => { if (isPartPut(r.request()) && r.status() === 400) refused++; });
      await page.route((u) => true, (route, req) => {
        if (!isPartPut(req) || corrupted > 0) return route.fallback();
        corrupted++;
        const body = Buffer.from(req.postDataBuffer()!);
        body[body.length >> 1] ^= 0xff; // one flipped byte; Content-MD5 still describes the original
        return route.continue({ postData: body });
      });
      await startRecording(page, l.url);
      await page.waitForTimeout(2000);
      const stored = await stopAndSend(page, server);
      expect(corrupted).toBe(1);
      expect(refused).toBe(1);
      expect(sha256(stored)).toBe((await recordedSha256(page)).sha256);
    });
  });
}

test('a recording left unsent past its upload expiry is kept and sent on a new upload', async ({ context }) => {
  const server = await startServer('local', { VIDREPLY_UPLOAD_TTL_SECONDS: '2' });
  try {
    const l = await createCaptureLink(server, { conversationId: `stale-${Date.now()}` });
    const first = await context.newPage();
    await captureRecorderChunks(first);
    const oldUpload = await startRecording(first, l.url);
    await first.waitForTimeout(1500);
    await first.getByRole('button', { name: 'Stop' }).click();
    await expect(first.getByRole('status')).toContainText('Recording finished');
    const recorded = await recordedSha256(first);
    await first.close();
    await new Promise((r) => setTimeout(r, 3000)); // past the upload's 2 s life
    const second = await context.newPage();
    await second.goto(l.url);
    await expect(second.getByRole('status')).toContainText('earlier recording was kept');
    const created = second.waitForResponse((r) => r.url().endsWith('/api/v1/uploads') && r.request().method() === 'POST');
    const done = completionOf(second);
    await second.getByRole('button', { name: 'Resume sending your video' }).click();
    const fresh = (await (await created).json()).uploadId;
    expect(fresh).not.toBe(oldUpload);
    const stored = await sentVideo(second, server, done);
    expect(sha256(stored)).toBe(recorded.sha256);
  } finally {
    await server.stop();
  }
});

test('storage losing a confirmed part: complete says so, only that part is sent again', async ({ page }) => {
  const server = await startServer('local', { VIDREPLY_PART_SIZE: String(32 * 1024) });
  try {
    const l = await createCaptureLink(server, { conversationId: `lost-${Date.now()}` });
    await captureRecorderChunks(page);
    await startRecording(page, l.url);
    await page.waitForTimeout(2500);
    await page.getByRole('button', { name: 'Stop' }).click();
    // Part 1 is on the server by now; make storage lose it.
    const root = join(server.dataDir, 'storage', 'multipart');
    await expect.poll(() => readdirSync(root).flatMap((d) => readdirSync(join(root, d))).includes('00001')).toBe(true);
    for (const d of readdirSync(root)) rmSync(join(root, d, '00001'), { force: true });
    const putParts: string[] = [];
    page.on('request', (r) => { if (isPartPut(r)) putParts.push(new URL(r.url()).pathname.split('/').pop()!); });
    const conflicts: number[] = [];
    page.on('response', (r) => { if (r.url().endsWith('/complete') && r.status() === 409) conflicts.push(r.status()); });
    const stored = await stopAndSendAfterStop(page, server);
    expect(conflicts.length).toBeGreaterThanOrEqual(1);
    expect(sha256(stored)).toBe((await recordedSha256(page)).sha256);
    // The lost part went once more; every other part after Stop went at most once
    // (the ones still filling or in flight at Stop, and the tail).
    expect(putParts.filter((p) => p === '1'), `parts PUT after Stop: ${putParts}`).toEqual(['1']);
    expect(new Set(putParts).size, `parts PUT after Stop: ${putParts}`).toBe(putParts.length);
  } finally {
    await server.stop();
  }
});

async function stopAndSendAfterStop(page: import('@playwright/test').Page, server: RunningServer) {
  const done = completionOf(page);
  await page.getByRole('button', { name: 'Send' }).click();
  return sentVideo(page, server, done);
}
