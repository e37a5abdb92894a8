// The journey of one video, the same test in every engine our users have: Chromium
// (desktop, and a phone with touch), Firefox ESR and WebKitGTK (Safari's engine).
// Which browser runs is the Playwright project (see drivers.ts); run through
// scripts/engines. The real server runs on local storage with small parts, so parts
// go up while recording; the browser reaches it through a recording proxy.
import { test as base, expect } from '@playwright/test';
import { appendFileSync } from 'node:fs';
import { startServer, createCaptureLink, RunningServer } from '../e2e/support/server';
import { WebhookReceiver } from '../e2e/support/webhooks';
import { storedObject, sha256 } from '../e2e/support/recording';
import { openDriver, waitFor, Driver, Engine, ENGINES } from './drivers';
import { installProbe, progress, recorded, statusText, Recorded } from './probe';
import { Proxy } from './proxy';

const PART_SIZE = 32 * 1024;

// What each engine records here: the server must accept each of them.
const EXPECTED_TYPE: Record<Engine, RegExp> = {
  chromium: /^video\/(webm;codecs=vp[89],opus|mp4;codecs=avc1)/,
  'chromium-mobile': /^video\/(webm;codecs=vp[89],opus|mp4;codecs=avc1)/,
  firefox: /^video\/webm;codecs=vp8,opus$/,
  webkit: /^video\/mp4;codecs=avc1(\.[0-9A-F]+)?,mp4a(\.40\.2)?$/,
};

const test = base.extend<{ driver: Driver }>({
  driver: async ({}, use, info) => {
    const engine = info.project.name as Engine;
    if (!ENGINES.includes(engine)) throw new Error(`unknown engine project ${engine}`);
    const driver = await openDriver(engine);
    try {
      await use(driver);
    } finally {
      await driver.close();
    }
  },
});

let server: RunningServer;
const hooks = new WebhookReceiver();
const proxy = new Proxy();

test.beforeAll(async () => {
  await hooks.start();
  await proxy.start();
  server = await startServer('local', {
    VIDREPLY_PART_SIZE: String(PART_SIZE),
    VIDREPLY_PUBLIC_URL: proxy.url,
    VIDREPLY_WEBHOOK_URL: hooks.url,
    VIDREPLY_WEBHOOK_SECRET: hooks.secret,
  });
  proxy.target = server.url;
});
test.afterAll(async () => {
  await server?.stop();
  await proxy.stop();
  await hooks.stop();
});

const partNumber = (path: string) => Number(new URL(path, 'http://x').pathname.split('/').pop());
const norm = (t: string) => t.toLowerCase().replace(/[\s"]/g, '');

async function status(d: Driver, want: string | RegExp) {
  let last = '';
  await waitFor(async () => {
    last = await d.run(statusText);
    return typeof want === 'string' ? last === want : want.test(last);
  }, () => `status ${want}; it shows "${last}"`);
}

/**
 * Open the link and record at least `seconds` chunks (of ~1 s) and at least `parts`
 * parts' worth of bytes (fake cameras differ a lot in bitrate).
 */
async function record(d: Driver, url: string, seconds: number, parts: number): Promise<Recorded> {
  await d.goto(url);
  await status(d, /camera and microphone/);
  await d.run(installProbe);
  await d.press('Allow camera');
  await status(d, /Camera ready/);
  await d.press('Start recording');
  await status(d, 'Recording…');
  let p = { chunks: 0, bytes: 0 };
  await waitFor(async () => {
    p = await d.run(progress);
    return p.chunks >= seconds && p.bytes >= parts * PART_SIZE;
  }, () => `${seconds} chunks and ${parts} parts recorded; got ${JSON.stringify(p)}`);
  await d.press('Stop');
  await status(d, /Recording finished/);
  return d.run(recorded);
}

/** The video, as integrators see it (API key), once processing is done. */
async function readyVideo(videoId: string) {
  let video: any;
  await waitFor(async () => {
    const res = await fetch(`${server.url}/api/v1/videos/${videoId}`, { headers: { authorization: `Bearer ${server.apiKey}` } });
    video = await res.json();
    return video.status !== 'processing';
  }, `video ${videoId} processed`, 120_000);
  return video;
}

/** An MP4's top-level boxes, and the duration its header claims (mvhd), in seconds. */
function mp4Header(b: Buffer): { boxes: string[]; claimed?: number } {
  const boxes: string[] = [];
  let claimed: number | undefined;
  for (let at = 0; at + 8 <= b.length;) {
    const size = b.readUInt32BE(at);
    const type = b.toString('latin1', at + 4, at + 8);
    boxes.push(type);
    if (type === 'moov') {
      const mvhd = b.indexOf('mvhd', at, 'latin1');
      if (mvhd > 0) {
        const v1 = b[mvhd + 4] === 1;
        const scale = b.readUInt32BE(mvhd + (v1 ? 24 : 16));
        const units = v1 ? Number(b.readBigUInt64BE(mvhd + 28)) : b.readUInt32BE(mvhd + 20);
        claimed = units / scale;
      }
    }
    if (size < 8) break;
    at += size;
  }
  return { boxes, claimed };
}

/** One line per engine for the run's summary (scripts/engines prints them). */
function summarize(engine: string, what: string) {
  const line = `${engine.padEnd(16)} ${what}`;
  console.log(line);
  if (process.env.ENGINES_SUMMARY) appendFileSync(process.env.ENGINES_SUMMARY, `${line}\n`);
}

test('record, send: "Sent", stored bytes = recorded bytes, the negotiated type is accepted, the video is ready, the webhook arrives', async ({ driver }) => {
  const engine = driver.engine;
  proxy.reset();
  const from = proxy.seen.length;
  const conversationId = `engines-${engine}-${Date.now()}`;
  const link = await createCaptureLink(server, { conversationId, customerId: 'cust-engines' });
  expect(link.url.startsWith(`${proxy.url}/record?`)).toBe(true);

  const rec = await record(driver, link.url, 3, 4);
  if (engine === 'chromium-mobile') {
    // A phone: a narrow viewport and a touch screen (the buttons were tapped).
    const phone = await driver.run(() => ({ width: innerWidth, touch: navigator.maxTouchPoints }));
    expect(phone.width).toBeLessThan(500);
    expect(phone.touch).toBeGreaterThan(0);
  }
  const beforeSend = proxy.partPuts(from).length;
  await driver.press('Send');
  await status(driver, 'Sent');

  // Codec negotiation: the app asked for the best type this engine records, the
  // recorder produced it, and the server created the upload with exactly that type.
  expect(rec.requested).toMatch(EXPECTED_TYPE[engine]);
  expect(norm(rec.mimeType)).toBe(norm(rec.requested));
  const created = proxy.seen.slice(from).find((s) => s.method === 'POST' && s.path === '/api/v1/uploads');
  expect(created?.status).toBe(201);
  expect(created?.body.mimeType).toBe(rec.requested);

  // Time-slice of at least 1 s (Safari gives empty blobs below that). The app's own
  // listener was handed an empty blob beside every real chunk; it ignored them without
  // breaking assembly: the parts below are whole, none is empty, and together they
  // are exactly the recording.
  expect(rec.timeslice).toBeGreaterThanOrEqual(1000);
  expect(rec.emptyToApp).toBeGreaterThanOrEqual(rec.chunks);
  expect(rec.size).toBeGreaterThan(PART_SIZE);

  // Parts went up while recording, and the stored object is exactly the recording.
  const complete = proxy.seen.slice(from).find((s) => s.method === 'POST' && /\/complete$/.test(s.path) && s.status === 200);
  expect(complete, 'the upload was completed').toBeTruthy();
  const videoId: string = complete!.response.videoId;
  expect(beforeSend, 'parts sent before Send was pressed').toBeGreaterThanOrEqual(1);
  const parts = new Map(proxy.partPuts(from).map((p) => [partNumber(p.path), p.bytes]));
  const count = Math.ceil(rec.size / PART_SIZE);
  expect([...parts.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  // Every part but the last is a whole part; the last holds the rest.
  for (const [n, bytes] of parts) expect(bytes, `part ${n}`).toBe(n < count ? PART_SIZE : rec.size - (count - 1) * PART_SIZE);
  const ext = rec.requested.startsWith('video/mp4') ? 'mp4' : 'webm';
  const original = await storedObject(server, `videos/${videoId}/original.${ext}`);
  expect(sha256(original)).toBe(rec.sha256);
  // WebKit records fragmented MP4 as Safari does (movie fragments, no whole-file index).
  const header = ext === 'mp4' ? mp4Header(original) : undefined;
  if (engine === 'webkit') expect(header?.boxes).toContain('moof');

  // Processing accepted what this engine recorded (for WebKit: fragmented MP4 whose
  // header duration is wrong) and measured the true duration.
  const video = await readyVideo(videoId);
  expect(video.failure).toBeUndefined();
  expect(video.status).toBe('ready');
  expect(video.mimeType).toBe(rec.requested);
  expect(video.duration).toBeGreaterThan(rec.seconds / 2);
  expect(video.duration).toBeLessThan(rec.seconds + 2);

  const hook = await hooks.waitFor((r) => JSON.parse(r.body).conversationId === conversationId);
  expect(hooks.verify(hook)).toBe(true);
  const payload = JSON.parse(hook.body);
  expect(payload.videoId).toBe(videoId);
  expect(payload.mimeType).toBe(rec.requested);
  expect(payload.customerId).toBe('cust-engines');
  expect(payload.duration).toBe(video.duration);

  // The processed MP4 plays through our link.
  const media = await fetch(`${proxy.url}/v/${videoId}/media`);
  expect(media.status).toBe(200);
  expect(Buffer.from(await media.arrayBuffer()).subarray(4, 8).toString('latin1')).toBe('ftyp');

  summarize(engine, `journey ok: ${rec.requested} · ${rec.chunks} chunks (+${rec.emptyToApp} empty ignored) · `
    + `${rec.size} bytes in ${parts.size} parts (${beforeSend} before Send) · ready, duration ${video.duration} s `
    + `(recorded ${rec.seconds.toFixed(1)} s${header ? `; ${header.boxes.includes('moof') ? 'fragmented ' : ''}MP4 header says ${header.claimed} s` : ''})`);
});

test('reload mid-upload: the journal offers to resume, only missing parts go up', async ({ driver }) => {
  const engine = driver.engine;
  // The first two parts reach the server; then the line is cut for every part.
  const allowed = 2;
  proxy.reset(allowed);
  const link = await createCaptureLink(server, { conversationId: `engines-reload-${engine}-${Date.now()}` });
  const rec = await record(driver, link.url, 3, 4);
  const cutBeforeSend = proxy.cut;
  await driver.press('Send');
  // A part still to go (the tail, sent at Stop, is retried) tried to go up and the line
  // was cut: reload mid-upload.
  await waitFor(async () => proxy.cut > cutBeforeSend, 'a part upload cut after Send');
  await driver.reload();
  await status(driver, /earlier recording was kept/);

  // The line is back; count what the resumed page sends.
  const passedBytes = proxy.passedBytes;
  expect(proxy.passed).toBe(allowed);
  proxy.reset();
  const from = proxy.seen.length;
  await driver.press('Resume sending your video');
  await status(driver, 'Sent');

  const complete = proxy.seen.slice(from).find((s) => s.method === 'POST' && /\/complete$/.test(s.path) && s.status === 200);
  expect(complete, 'the upload was completed').toBeTruthy();
  const videoId: string = complete!.response.videoId;
  const ext = rec.requested.startsWith('video/mp4') ? 'mp4' : 'webm';
  expect(sha256(await storedObject(server, `videos/${videoId}/original.${ext}`))).toBe(rec.sha256);
  // Parts the server confirmed before the reload were not sent again.
  const resent = proxy.partPuts(from).reduce((n, p) => n + p.bytes, 0);
  expect(resent).toBe(rec.size - passedBytes);
  expect((await readyVideo(videoId)).status).toBe('ready');

  summarize(engine, `resume ok: ${allowed} parts (${passedBytes} bytes) kept on the server across the reload, `
    + `${resent} of ${rec.size} bytes sent after it`);
});
