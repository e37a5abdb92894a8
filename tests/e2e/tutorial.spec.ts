// Tutorial delivery (seed 2) in real Chromium against the real server: the IVR signs a
// link for the caller's session (a Data Action), the caller opens it and presses
// "Start video", and the conversation receives one signed `context.message`; the same
// link works on a second device (another browser context) within its window and shows
// the "expired" page after it; a TTL out of bounds is refused, naming the field.
import { test, expect, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, RunningServer } from './support/server';
import { WebhookReceiver, outboxDrained } from './support/webhooks';

/** The shortest link this server signs, so the expiry is seen without a long wait. */
const MIN_TTL = 5;

let server: RunningServer;
const hooks = new WebhookReceiver();
let assetId = '';

async function api(path: string, init: RequestInit = {}) {
  return fetch(`${server.url}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${server.apiKey}`, ...(init.headers ?? {}) },
  });
}

async function sign(body: object) {
  return api('/media/sign-video-url', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** VIDEO_START events the server stored for a session (each device reports its own). */
async function startsStored(session: string): Promise<number> {
  const text = await (await api('/telemetry/export?since=0')).text();
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l))
    .map((e) => ({ ...e, ...e.event }))
    .filter((e) => e.sessionId === session && e.type === 'VIDEO_START').length;
}

async function status(session: string) {
  const res = await api(`/sessions/${encodeURIComponent(session)}/status`);
  expect(res.status).toBe(200);
  return res.json();
}

/** Press "Start video" and wait until the media time really advances. */
async function play(page: Page) {
  await page.getByRole('button', { name: 'Start video' }).click();
  await expect
    .poll(() => page.locator('video').evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 30_000 })
    .toBeGreaterThan(0.3);
}

test.describe('tutorial delivery from the IVR', () => {
  test.beforeAll(async () => {
    test.setTimeout(180_000);
    await hooks.start();
    server = await startServer('local', {
      VIDREPLY_WEBHOOK_URL: hooks.url,
      VIDREPLY_WEBHOOK_SECRET: hooks.secret,
      VIDREPLY_TUTORIAL_MIN_TTL_SECONDS: String(MIN_TTL),
    });
    // An admin uploads a 6 s tutorial; processing makes it playable.
    const dir = mkdtempSync(join(tmpdir(), 'vidreply-tutorial-'));
    const file = join(dir, 'tutorial.mp4');
    execFileSync('ffmpeg', [
      '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=6',
      '-f', 'lavfi', '-i', 'sine=frequency=440:duration=6',
      '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart', file,
    ]);
    const res = await api('/assets?title=Resetting%20your%20router', {
      method: 'POST',
      headers: { 'content-type': 'video/mp4' },
      body: readFileSync(file),
    });
    rmSync(dir, { recursive: true, force: true });
    expect(res.status).toBe(201);
    assetId = (await res.json()).assetId;
    await expect
      .poll(async () => (await (await api(`/assets/${assetId}`)).json()).status, { timeout: 120_000 })
      .toBe('ready');
  });

  test.afterAll(async () => {
    await server?.stop();
    await hooks.stop();
  });

  test('an expiration_seconds out of bounds is refused, naming the field', async () => {
    for (const ttl of [MIN_TTL - 1, 3601]) {
      const res = await sign({
        asset_id: assetId, expiration_seconds: ttl, session_token: `ivr-bounds-${ttl}`,
        conversation_id: 'conv-bounds',
      });
      expect(res.status).toBe(400);
      const { error } = await res.json();
      expect(error.code).toBe('invalid_field');
      expect(error.field).toBe('expiration_seconds');
      expect(error.message).toContain(String(MIN_TTL));
      expect(error.message).toContain('3600');
    }
  });

  test('Start video posts one context.message; a second device plays within the window', async ({ browser }) => {
    const conversationId = `conv-tut-${Date.now()}`;
    const session = `ivr-${Date.now()}`;
    const res = await sign({
      asset_id: assetId, expiration_seconds: 600, session_token: session,
      conversation_id: conversationId, source_channel: 'ivr',
    });
    expect(res.status).toBe(200);
    const link = await res.json();
    expect(link.session_id).toBe(session);
    expect(link.url).toContain(`/t/${assetId}?`);
    expect(link.url).not.toMatch(/X-Amz|\/storage\//);

    // The phone that got the SMS.
    const phone = await browser.newContext({
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
      viewport: { width: 390, height: 844 },
    });
    const page = await phone.newPage();
    const opened = await page.goto(link.url);
    expect(opened?.status()).toBe(200);
    await expect(page.getByRole('button', { name: 'Start video' })).toBeVisible();
    // Loading the page is not a start.
    let st = await status(session);
    expect([st.opened, st.started, st.channelHint]).toEqual([true, false, 'sms']);
    // Whatever the opening queued has been delivered by now: no context.message among it.
    await outboxDrained(server);
    expect(hooks.received.some((r) => r.headers['x-vidreply-event'] === 'context.message')).toBe(false);

    await play(page);
    const hook = await hooks.waitFor((r) => r.headers['x-vidreply-event'] === 'context.message');
    expect(hooks.verify(hook)).toBe(true);
    expect(JSON.parse(hook.body)).toEqual({
      conversationId,
      text: `Video tutorial session initiated for asset ID: ${assetId}`,
      context: { source_channel: 'ivr', session_id: session },
    });
    await expect.poll(async () => (await status(session)).started).toBe(true);

    // The same link on a laptop (another browser, no shared state) within the window.
    const laptop = await browser.newContext();
    const second = await laptop.newPage();
    expect((await second.goto(link.url))?.status()).toBe(200);
    await play(second);
    // Both devices flushed their events: the server holds a START from each.
    await page.close();
    await second.close();
    await expect.poll(() => startsStored(session), { timeout: 30_000 }).toBe(2);
    await expect.poll(async () => (await status(session)).started).toBe(true);
    // Once the outbox has delivered all it queued, still exactly one context.message.
    await outboxDrained(server);
    const messages = hooks.received.filter((r) => r.headers['x-vidreply-event'] === 'context.message'
      && JSON.parse(r.body).context.session_id === session);
    expect(messages.length).toBe(1);
    st = await status(session);
    expect(st.channelHint).toBe('sms');
    await phone.close();
    await laptop.close();
  });

  test('a link opened on a second device works within its window and shows the expired page after it', async ({ browser }) => {
    const session = `ivr-short-${Date.now()}`;
    const res = await sign({
      asset_id: assetId, expiration_seconds: MIN_TTL, session_token: session,
      conversation_id: 'conv-short',
    });
    expect(res.status).toBe(200);
    const { url } = await res.json();
    const other = await browser.newContext();
    const page = await other.newPage();
    expect((await page.goto(url))?.status()).toBe(200);
    await expect(page.getByRole('button', { name: 'Start video' })).toBeVisible();
    // After the window: the friendly 410 page, no video, no redirect.
    await expect
      .poll(async () => (await page.goto(url))?.status(), { timeout: 30_000, intervals: [500] })
      .toBe(410);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(page.locator('video')).toHaveCount(0);
    expect(new URL(page.url()).pathname).toBe(`/t/${assetId}`);
    await other.close();
  });
});
