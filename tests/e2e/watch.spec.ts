// The watch page in real Chromium against the real server: a processed video's
// share link, Start (no autoplay), honest telemetry checked against what the
// server stored, the beacon on close, video.viewed once, hls.js with segments
// through /v/{id}/hls/, the MP4 fallback, the 404/410 pages, axe in both themes.
import { test, expect, Page, Request } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, createCaptureLink, RunningServer } from './support/server';
import { WebhookReceiver, outboxDrained } from './support/webhooks';
import { axeViolations } from './support/a11y';

const SECONDS = 8;
const WEBM = 'video/webm;codecs=vp8,opus';

/** An 8 s VP8/Opus WebM, as a browser would record it. */
function recording(): Buffer {
  return execFileSync('ffmpeg', ['-v', 'error',
    '-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=15:duration=${SECONDS}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:duration=${SECONDS}`,
    '-c:v', 'libvpx', '-b:v', '300k', '-c:a', 'libopus', '-f', 'webm', 'pipe:1'], { maxBuffer: 64 << 20 });
}

const api = (s: RunningServer, path: string, init: RequestInit & { token?: string } = {}) =>
  fetch(`${s.url}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${init.token ?? s.apiKey}`,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
  });

/** Send a recording through the upload API, wait until processing made it playable. */
async function processedVideo(s: RunningServer, conversationId: string): Promise<{ id: string; share: string }> {
  // Encode first: a connection left idle through a long encode may be closed by the server.
  const bytes = recording();
  const { token } = await createCaptureLink(s, { conversationId });
  const up = await (await api(s, '/api/v1/uploads', { method: 'POST', token, body: JSON.stringify({ mimeType: WEBM }) })).json();
  const parts: { partNumber: number; etag: string }[] = [];
  for (let n = 1, off = 0; off < bytes.length; n++, off += up.partSize) {
    const signed = await (await api(s, `/api/v1/uploads/${up.uploadId}/sign`, {
      method: 'POST', token, body: JSON.stringify({ partNumbers: [n] }),
    })).json();
    const put = await fetch(signed.parts[0].url, { method: 'PUT', body: bytes.subarray(off, off + up.partSize) });
    expect(put.status).toBe(200);
    parts.push({ partNumber: n, etag: put.headers.get('etag')! });
  }
  const done = await api(s, `/api/v1/uploads/${up.uploadId}/complete`, {
    method: 'POST', token, body: JSON.stringify({ parts, totalBytes: bytes.length }),
  });
  expect(done.status).toBe(200);
  const video = await done.json();
  await expect.poll(async () => (await (await api(s, `/api/v1/videos/${video.videoId}`)).json()).status,
    { timeout: 120_000 }).toBe('ready');
  return { id: video.videoId, share: video.mediaUrl };
}

type Stored = { seq: number; verified: boolean; type: string; sessionId: string; assetId: string; durationWatched: number;
  quartile?: number; timestamp: number; eventId: string; completionStatus: string };

async function stored(s: RunningServer, sessionId?: string): Promise<Stored[]> {
  const text = await (await api(s, '/api/v1/telemetry/export?since=0')).text();
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l))
    .map((e) => ({ ...e, ...e.event }))
    .filter((e: Stored) => !sessionId || e.sessionId === sessionId);
}

const root = (page: Page) => page.locator('.vr-watch');
const sessionOf = async (page: Page) => (await root(page).getAttribute('data-session'))!;
const currentTime = (page: Page) => page.locator('video').evaluate((v: HTMLVideoElement) => v.currentTime);
/** The browser's own record of what played: the union of `video.played`. */
const playedUnion = (page: Page) => page.locator('video').evaluate((v: HTMLVideoElement) => {
  let sum = 0;
  for (let i = 0; i < v.played.length; i++) sum += v.played.end(i) - v.played.start(i);
  return sum;
});
const seek = (page: Page, t: number) => page.locator('video').evaluate((v: HTMLVideoElement, t) => { v.currentTime = t; }, t);

test.describe('watch page', () => {
  let server: RunningServer;
  let hooks: WebhookReceiver;
  let video: { id: string; share: string };

  test.beforeAll(async () => {
    hooks = new WebhookReceiver();
    await hooks.start();
    server = await startServer('local', { VIDREPLY_WEBHOOK_URL: hooks.url, VIDREPLY_WEBHOOK_SECRET: hooks.secret });
    video = await processedVideo(server, 'conv-watch-e2e');
  });
  test.afterAll(async () => {
    await server?.stop();
    await hooks?.stop();
  });

  test('nothing happens before Start; then START after real playback, quartiles, completion, video.viewed once, via hls.js', async ({ page }) => {
    const requests: Request[] = [];
    page.on('request', (r) => requests.push(r));
    await page.addInitScript(() => {
      document.addEventListener('playing', () => { (window as any).__firstPlaying ??= Date.now(); }, true);
    });
    const res = await page.goto(video.share);
    expect(res!.status()).toBe(200);
    expect(res!.headers()['cache-control']).toBe('no-store');
    const html = await res!.text();
    expect(html).not.toContain('/storage/');
    const start = page.getByRole('button', { name: 'Start video' });
    await expect(start).toBeVisible();
    await page.waitForLoadState('networkidle');
    // No autoplay, no media fetched, nothing reported.
    expect(await page.locator('video').evaluate((v: HTMLVideoElement) => v.currentSrc)).toBe('');
    expect(requests.filter((r) => r.url().includes('/api/v1/telemetry'))).toEqual([]);
    expect(requests.filter((r) => /\/(media|hls\/.*)$/.test(new URL(r.url()).pathname))).toEqual([]);
    const session = await sessionOf(page);
    expect(await stored(server, session)).toEqual([]);

    // Keyboard: the button takes Enter.
    await start.focus();
    await page.keyboard.press('Enter');
    await expect(root(page)).toHaveAttribute('data-playback', 'hls.js');
    await expect(page.getByRole('status')).toHaveText('You reached the end of the video.', { timeout: 60_000 });
    await expect.poll(async () => (await stored(server, session)).map((e) => e.type).at(-1), { timeout: 30_000 })
      .toBe('VIDEO_COMPLETION');
    const events = await stored(server, session);
    expect(events.map((e) => e.type + (e.quartile ?? ''))).toEqual(
      ['VIDEO_START', 'VIDEO_PROGRESS25', 'VIDEO_PROGRESS50', 'VIDEO_PROGRESS75', 'VIDEO_COMPLETION']);
    const firstPlaying = await page.evaluate(() => (window as any).__firstPlaying as number);
    expect(events[0].timestamp).toBeGreaterThanOrEqual(firstPlaying);
    for (const e of events) {
      // Verified: the server served this session the video before its events came.
      expect(e).toMatchObject({ assetId: video.id, sessionId: session, verified: true });
      expect(e.eventId).toBeTruthy();
    }
    expect(events.at(-1)!.completionStatus).toBe('completed');
    expect(events.at(-1)!.durationWatched).toBeGreaterThanOrEqual(0.95 * SECONDS - 0.5);

    // Segments were fetched through our links, each redirected to a fresh signature.
    const segs = requests.filter((r) => new RegExp(`/v/${video.id}/hls/[^/]+/seg_\\d+\\.ts\\?viewer=`).test(r.url()));
    expect(segs.length).toBeGreaterThan(1);
    for (const r of requests.filter((r) => new URL(r.url()).pathname.startsWith('/storage/'))) {
      expect(new URL(r.redirectedFrom()!.url()).pathname).toMatch(new RegExp(`^/v/${video.id}/`));
    }

    const viewed = await hooks.waitFor((h) => h.headers['x-vidreply-event'] === 'video.viewed'
      && JSON.parse(h.body).sessionId === session);
    expect(hooks.verify(viewed)).toBe(true);
    expect(JSON.parse(viewed.body)).toMatchObject({ conversationId: 'conv-watch-e2e', videoId: video.id, status: 'viewed' });
    // Replaying in the same session reports no second START and no second view.
    await seek(page, 0);
    await page.locator('video').evaluate((v: HTMLVideoElement) => v.play());
    await expect.poll(() => currentTime(page)).toBeGreaterThan(1);
    await page.locator('video').evaluate((v: HTMLVideoElement) => v.pause());
    await expect.poll(async () => (await stored(server, session)).map((e) => e.type).at(-1), { timeout: 30_000 })
      .toBe('VIDEO_PAUSE');
    expect((await stored(server, session)).filter((e) => e.type === 'VIDEO_START')).toHaveLength(1);
    // The replay's events are stored; once the outbox has delivered all it queued, one view.
    await outboxDrained(server);
    expect(hooks.received.filter((h) => h.headers['x-vidreply-event'] === 'video.viewed'
      && JSON.parse(h.body).sessionId === session)).toHaveLength(1);
  });

  test('seeking ahead and replaying: durationWatched is the union of what played', async ({ page }) => {
    await page.goto(video.share);
    const session = await sessionOf(page);
    await page.getByRole('button', { name: 'Start video' }).click();
    await expect.poll(() => currentTime(page)).toBeGreaterThan(1.5);
    await seek(page, 5); // ahead: 1.5..5 is skipped
    await expect.poll(() => currentTime(page)).toBeGreaterThan(6);
    await seek(page, 0.5); // back: 0.5..1.5 is played again
    await expect.poll(() => currentTime(page)).toBeGreaterThan(2.5);
    await page.locator('video').evaluate((v: HTMLVideoElement) => v.pause());
    const union = await playedUnion(page);
    await expect.poll(async () => (await stored(server, session)).some((e) => e.type === 'VIDEO_PAUSE'),
      { timeout: 30_000 }).toBe(true);
    const pause = (await stored(server, session)).find((e) => e.type === 'VIDEO_PAUSE')!;
    // The union (about 2.5 + 1 s), not the skipped span (6 s and more) nor the replay
    // counted twice (about 1 s more).
    expect(Math.abs(pause.durationWatched - union)).toBeLessThan(0.5);
    const engagement = await (await api(server, `/api/v1/videos/${video.id}/engagement`)).json();
    expect(engagement.maxDurationWatched).toBeGreaterThanOrEqual(pause.durationWatched);
  });

  test('closing the tab mid-play: the beacon delivers the pending events', async ({ page }) => {
    // Hold every fetch batch (the beacon, with ?token=, is not held): what reaches the
    // server can only have come by sendBeacon.
    await page.route((url) => url.pathname === '/api/v1/telemetry' && !url.search.includes('token='), () => {});
    await page.goto(video.share);
    const session = await sessionOf(page);
    await page.getByRole('button', { name: 'Start video' }).click();
    // Past 75 % and before the end. The first batch (START) left at the first tick,
    // before 50 % was reached, and is held: 50 % and 75 % wait in the page.
    await expect.poll(() => currentTime(page)).toBeGreaterThan(SECONDS * 0.8);
    expect(await page.locator('video').evaluate((v: HTMLVideoElement) => v.ended)).toBe(false);
    await page.close({ runBeforeUnload: true });
    await expect.poll(async () => (await stored(server, session)).map((e) => e.type + (e.quartile ?? '')), { timeout: 30_000 })
      .toEqual(expect.arrayContaining(['VIDEO_PROGRESS50', 'VIDEO_PROGRESS75']));
  });

  test('with HLS unavailable the MP4 plays', async ({ page }) => {
    await page.route(`**/v/${video.id}/hls/**`, (r) => r.abort());
    await page.goto(video.share);
    const session = await sessionOf(page);
    await page.getByRole('button', { name: 'Start video' }).click();
    await expect(root(page)).toHaveAttribute('data-playback', 'mp4', { timeout: 60_000 });
    await expect.poll(() => currentTime(page)).toBeGreaterThan(1);
    await expect.poll(async () => (await stored(server, session)).map((e) => e.type), { timeout: 30_000 })
      .toContain('VIDEO_START');
  });

  test.describe('pages checked by axe', () => {
    test.use({ bypassCSP: true }); // for axe's script tag only; the tests above run under the CSP

    test('when nothing can play, the text fallback shows', async ({ page }) => {
      await page.route(`**/v/${video.id}/hls/**`, (r) => r.abort());
      await page.route(`**/v/${video.id}/media?*`, (r) => r.abort());
      await page.goto(video.share);
      await page.getByRole('button', { name: 'Start video' }).click();
      await expect(root(page)).toHaveAttribute('data-playback', 'text', { timeout: 60_000 });
      await expect(page.getByRole('status')).toHaveText('This video cannot be played in this browser.');
      await expect(page.getByRole('link', { name: 'Download the video instead' }))
        .toHaveAttribute('href', new RegExp(`^/v/${video.id}/media\\?viewer=`));
      expect(await axeViolations(page)).toEqual([]);
    });

    for (const theme of ['light', 'dark']) {
      test(`axe finds nothing on the watch page (${theme}), before and after Start`, async ({ page }) => {
        await page.goto(`${video.share}?theme=${theme}`);
        await expect(root(page)).toHaveAttribute('data-theme', theme);
        await expect(page.getByRole('button', { name: 'Start video' })).toBeVisible();
        expect(await axeViolations(page)).toEqual([]);
        await page.getByRole('button', { name: 'Start video' }).click();
        await expect.poll(() => currentTime(page)).toBeGreaterThan(0.5);
        expect(await axeViolations(page)).toEqual([]);
      });
    }

    test('the page is translated by ?lang=', async ({ page }) => {
      await page.goto(`${video.share}?lang=es`);
      await expect(page.getByRole('button', { name: 'Iniciar vídeo' })).toBeVisible();
      expect(await page.evaluate(() => document.documentElement.lang)).toBe('es');
    });

    test('missing, withdrawn and expired links show their pages and statuses', async ({ page }) => {
      const missing = await page.goto(`${server.url}/v/${'0'.repeat(32)}`);
      expect(missing!.status()).toBe(404);
      await expect(page.getByRole('heading', { name: 'Video not found' })).toBeVisible();
      expect(await axeViolations(page)).toEqual([]);

      const withdrawn = await processedVideo(server, 'conv-withdrawn');
      expect((await api(server, `/api/v1/videos/${withdrawn.id}/share-link`, { method: 'DELETE' })).status).toBe(204);
      const gone = await page.goto(withdrawn.share);
      expect(gone!.status()).toBe(410);
      await expect(page.getByRole('heading', { name: 'Video withdrawn' })).toBeVisible();
      expect((await fetch(`${withdrawn.share}/media`, { redirect: 'manual' })).status).toBe(410);

      const expired = await processedVideo(server, 'conv-expired');
      execFileSync('sqlite3', [join(server.dataDir, 'vidreply.db'),
        `UPDATE videos SET retention_expires_at = 1 WHERE id = '${expired.id}'`]);
      const old = await page.goto(expired.share);
      expect(old!.status()).toBe(410);
      await expect(page.getByRole('heading', { name: 'Video expired' })).toBeVisible();
      await page.goto(`${expired.share}?lang=de`);
      await expect(page.getByRole('heading', { name: 'Video abgelaufen' })).toBeVisible();
    });
  });
});
