// The walking skeleton, end to end in real Chromium with a fake camera, against the
// real server on both storage backends: capture link → record → send → stored bytes
// equal recorded bytes → signed webhook with the seed's payload.
import { test, expect } from '@playwright/test';
import { startServer, createCaptureLink, RunningServer, Backend } from './support/server';
import { WebhookReceiver } from './support/webhooks';
import { captureRecorderChunks, recordedSha256, storedObject, sha256 } from './support/recording';

for (const backend of ['local', 's3'] as Backend[]) {
  test.describe(`journey on ${backend} storage`, () => {
    let server: RunningServer;
    const hooks = new WebhookReceiver();

    test.beforeAll(async () => {
      await hooks.start();
      server = await startServer(backend, {
        VIDREPLY_WEBHOOK_URL: hooks.url,
        VIDREPLY_WEBHOOK_SECRET: hooks.secret,
      });
    });
    test.afterAll(async () => {
      await server?.stop();
      await hooks.stop();
    });

    test('record about 3 s, send, and the conversation hears about it', async ({ page }) => {
      const conversationId = `conv-${backend}-${Date.now()}`;
      const link = await createCaptureLink(server, { conversationId, customerId: 'cust-42' });
      expect(link.url).toContain('/record?');
      expect(link.url).not.toMatch(/X-Amz|storage/);

      await captureRecorderChunks(page);
      await page.goto(link.url);
      await expect(page.getByRole('status')).toContainText('camera and microphone');
      await page.getByRole('button', { name: 'Allow camera' }).click();
      await page.getByRole('button', { name: 'Start recording' }).click();
      await expect(page.getByRole('status')).toHaveText('Recording…');
      await page.waitForTimeout(3000);
      await page.getByRole('button', { name: 'Stop' }).click();
      await page.getByRole('button', { name: 'Send' }).click();
      await expect(page.getByRole('status')).toHaveText('Sent');

      const recorded = await recordedSha256(page);
      expect(recorded.size).toBeGreaterThan(0);

      const hook = await hooks.waitFor((r) => JSON.parse(r.body).conversationId === conversationId);
      expect(hooks.verify(hook)).toBe(true);
      expect(hook.headers['webhook-id']).toMatch(/^msg_/);
      const payload = JSON.parse(hook.body);
      expect(Object.keys(payload).sort()).toEqual([
        'conversationId', 'customerId', 'duration', 'hasVideoAttachment', 'mediaUrl', 'mimeType',
        'retentionExpires', 'routing', 'thumbnailUrl', 'videoId',
      ]);
      expect(payload.hasVideoAttachment).toBe(true);
      expect(payload.routing.queueName).toBe('Async_Video_Review');
      expect(payload.customerId).toBe('cust-42');
      expect(typeof payload.duration).toBe('number');
      expect(payload.duration).toBeGreaterThanOrEqual(2);
      expect(payload.duration).toBeLessThan(60);
      // The poster and media links are ours too; the duration was measured by processing.
      expect(payload.thumbnailUrl).toBe(`${payload.mediaUrl}/poster.jpg`);
      expect(payload.mimeType).toBe(recorded.mimeType);
      // mediaUrl is our link resolver, never a storage URL.
      expect(payload.mediaUrl.startsWith(`${server.url}/v/`)).toBe(true);
      expect(payload.mediaUrl).not.toMatch(/X-Amz|signature|storage/i);

      const videoId = payload.mediaUrl.split('/v/')[1];
      const ext = recorded.mimeType.startsWith('video/mp4') ? 'mp4' : 'webm';
      const stored = await storedObject(server, `videos/${videoId}/original.${ext}`);
      expect(sha256(stored)).toBe(recorded.sha256);

      // The share link resolves to a page that plays the video through a fresh signed URL.
      const watch = await page.request.get(payload.mediaUrl);
      expect(watch.status()).toBe(200);
      // It plays as the processed MP4 (H.264/AAC, faststart) through a fresh signed URL.
      const media = await page.request.get(`${payload.mediaUrl}/media`);
      expect(media.status()).toBe(200);
      const mp4 = await media.body();
      expect(mp4.subarray(4, 8).toString('latin1')).toBe('ftyp');
      // faststart: the index (moov) comes right after ftyp, before the media data.
      const next = mp4.readUInt32BE(0);
      expect(mp4.subarray(next + 4, next + 8).toString('latin1')).toBe('moov');
      const poster = await page.request.get(payload.thumbnailUrl);
      expect(poster.status()).toBe(200);
      expect([...(await poster.body()).subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
      // Nothing in the server's log carries a token or a signature.
      expect(server.logs()).not.toMatch(/X-Amz-Signature|signature=|token=/);
      expect(server.logs()).not.toContain(link.token);
    });

    test('a refused send keeps the recording; Send again resumes and completes', async ({ page }) => {
      const link = await createCaptureLink(server, { conversationId: `conv-fail-${backend}` });
      await captureRecorderChunks(page);
      await page.goto(link.url);
      await page.getByRole('button', { name: 'Allow camera' }).click();
      await page.getByRole('button', { name: 'Start recording' }).click();
      await page.waitForTimeout(1500);
      await page.getByRole('button', { name: 'Stop' }).click();
      // The server refuses to complete (as it would for a revoked link).
      await page.route('**/api/v1/uploads/*/complete', (route) => route.fulfill({
        status: 403, contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'forbidden', message: 'This link was revoked.', requestId: 'r' } }),
      }));
      await page.getByRole('button', { name: 'Send' }).click();
      await expect(page.getByRole('status')).toContainText('This link was revoked.');
      await expect(page.getByRole('status')).toContainText('recording is kept');
      // Once the server accepts again, Send resumes from the journal and sends the same bytes.
      await page.unroute('**/api/v1/uploads/*/complete');
      await page.getByRole('button', { name: 'Send' }).click();
      await expect(page.getByRole('status')).toHaveText('Sent');
      const recorded = await recordedSha256(page);
      const hook = await hooks.waitFor((r) => JSON.parse(r.body).conversationId === `conv-fail-${backend}`);
      const videoId = JSON.parse(hook.body).mediaUrl.split('/v/')[1];
      const ext = recorded.mimeType.startsWith('video/mp4') ? 'mp4' : 'webm';
      expect(sha256(await storedObject(server, `videos/${videoId}/original.${ext}`))).toBe(recorded.sha256);
    });
  });
}

test('the start-up banner prints a demo link that opens the recorder; a link without a token explains itself', async ({ page }) => {
  const server = await startServer('local', { VIDREPLY_DEMO_LINK: 'true' });
  try {
    const demo = server.banner().match(/(http:\/\/\S+\/record\?\S+)/)?.[1];
    expect(demo).toContain('conversationId=demo-conversation');
    expect(server.logs()).not.toContain(demo!);
    await page.goto(demo!);
    await expect(page.getByRole('button', { name: 'Allow camera' })).toBeVisible();

    await page.goto(`${server.url}/record?conversationId=abc`);
    await expect(page.getByRole('status')).toContainText('no access token');
    await expect(page.getByRole('button', { name: 'Allow camera' })).toHaveCount(0);
  } finally {
    await server.stop();
  }
});
