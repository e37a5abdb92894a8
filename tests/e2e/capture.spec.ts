// The recorder's capture side in real Chromium against the real server and real
// ffmpeg: every camera failure from a real browser condition (flags, a missing
// device, an insecure origin; only "no MediaRecorder" is stood in for by removing
// it), the file fallback, device pickers and the level meter, the mirrored preview
// that records unmirrored, a phone-sized touch screen, and the auto-stop limit.
import { test, expect, Page, BrowserContext } from '@playwright/test';
import { readFileSync, statSync } from 'node:fs';
import { startServer, RunningServer } from './support/server';
import { completionOf, sentVideo, sha256 } from './support/flow';
import { storedObject } from './support/recording';
import {
  en, launchChromium, withChromium, makeFixtures, Fixtures, captureUrl, expectReady, leftRightBrightness,
  screenshot, chromiumReports, mediaSeconds,
} from './support/capture-kit';

const root = (page: Page) => page.locator('.vr-root');
const status = (page: Page) => page.getByRole('status');
const fileInput = (page: Page) => page.locator('.vr-file input[type=file]');

/** What the app promises to say for each error Chromium can give getUserMedia (recorder.rs). */
const MESSAGE_FOR: Record<string, string> = {
  NotAllowedError: 'err-denied', PermissionDeniedError: 'err-denied',
  NotFoundError: 'err-no-camera', OverconstrainedError: 'err-no-camera', DevicesNotFoundError: 'err-no-camera',
  NotReadableError: 'err-in-use', TrackStartError: 'err-in-use', AbortError: 'err-in-use',
  SecurityError: 'err-insecure',
};

function noteReport(condition: string, reported: string) {
  test.info().annotations.push({ type: 'chromium reported', description: `${condition}: ${reported}` });
  console.log(`[chromium reported] ${condition}: ${reported}`);
}

/**
 * Open a capture link and wait for the recorder's first screen; uncaught page
 * errors are collected in the returned list (each test expects none).
 */
async function openRecorder(page: Page, url: string): Promise<string[]> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await expect.poll(async () => ({
    screen: await root(page).getAttribute('data-screen', { timeout: 1_000 }).catch(() => '(no recorder on the page)'),
    pageErrors: errors,
  }), { timeout: 30_000 }).toEqual({ screen: 'intro', pageErrors: [] });
  return errors;
}

/** Start keeping every screen the recorder shows (its data-screen), in order. */
async function watchScreens(page: Page) {
  await page.evaluate(() => {
    const w = window as any;
    w.__screens = [] as string[];
    const r = document.querySelector('.vr-root')!;
    const look = () => {
      const s = r.getAttribute('data-screen')!;
      if (w.__screens[w.__screens.length - 1] !== s) w.__screens.push(s);
    };
    look();
    new MutationObserver(look).observe(r, { attributes: true, attributeFilter: ['data-screen'] });
  });
}
const screensSeen = (page: Page) => page.evaluate(() => (window as any).__screens as string[]);

/** Press "Allow camera" and expect the failure screen with this message and both ways forward. */
async function allowFailsWith(page: Page, key: string) {
  await expect(page.getByRole('button', { name: 'Allow camera' })).toBeVisible();
  await page.getByRole('button', { name: 'Allow camera' }).click();
  await expect(root(page)).toHaveAttribute('data-screen', 'failed');
  await expect(status(page)).toHaveText(en(key));
  await expectWaysForward(page);
}

async function expectWaysForward(page: Page) {
  // Try the camera again, or send a file instead.
  await expect(page.getByRole('button', { name: 'Allow camera' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Allow camera' })).toBeEnabled();
  await expect(fileInput(page)).toHaveCount(1);
  await expect(fileInput(page)).toHaveAttribute('accept', 'video/*');
  await expect(page.locator('label.vr-file', { hasText: en('btn-upload-file') })).toBeVisible();
  // Nothing about recording is offered.
  await expect(page.getByRole('button', { name: 'Start recording' })).toHaveCount(0);
}

/** Choose a video file; expect "Sent"; returns what the server answered on completion. */
async function sendFile(page: Page, file: string): Promise<any> {
  const done = completionOf(page);
  await fileInput(page).setInputFiles(file);
  await expect(page.locator('.vr-notice')).toHaveText(en('file-chosen'));
  await expect(status(page)).toHaveText(en('sent'), { timeout: 120_000 });
  await expect(root(page)).toHaveAttribute('data-screen', 'sent');
  const video = await (await done).json();
  expect(video.mimeType).toMatch(/^video\/mp4/);
  expect(video.size).toBe(statSync(file).size);
  return video;
}

/** [`sendFile`], then: the stored original is exactly the file, and processing makes it ready. */
async function sendFileFully(page: Page, server: RunningServer, file: string) {
  const video = await sendFile(page, file);
  const stored = await storedObject(server, `videos/${video.videoId}/original.mp4`);
  expect(sha256(stored)).toBe(sha256(readFileSync(file)));
  const record = await expectReady(server, video.videoId);
  expect(record.videoId).toBe(video.videoId);
  // The 2 s test file, as measured by processing.
  expect(record.duration).toBeGreaterThan(1);
  expect(record.duration).toBeLessThan(3);
}

// One server and one set of ffmpeg-made files for the whole file.
let server: RunningServer;
let fx: Fixtures;
test.beforeAll(async () => {
  fx = makeFixtures();
  server = await startServer('local');
});
test.afterAll(async () => {
  await server?.stop();
  fx?.cleanup();
});

test.describe('camera errors, each from a real browser condition', () => {

  test('denied: the permission prompt is refused → err-denied; a video file is sent instead and processed', async () => {
    // No permission granted (the config's default grant is overridden).
    const launch = { drop: ['--use-fake-ui-for-media-stream'], add: ['--deny-permission-prompts'] };
    await withChromium(launch, { locale: 'en-US', permissions: [] }, async (page) => {
      const errors = await openRecorder(page, (await captureUrl(server)).url);
      await allowFailsWith(page, 'err-denied');
      await screenshot(page, 'error-denied.png');
      const reported = await chromiumReports(page);
      noteReport('--deny-permission-prompts', reported);
      expect(reported).toMatch(/^NotAllowedError/);
      // Trying again asks again (and is refused again): the retry really retries.
      await watchScreens(page);
      await page.getByRole('button', { name: 'Allow camera' }).click();
      await expect.poll(() => screensSeen(page)).toEqual(['failed', 'opening', 'failed']);
      await expect(status(page)).toHaveText(en('err-denied'));
      await sendFileFully(page, server, fx.mp4);
      expect(errors).toEqual([]);
    });
  });

  test('no camera: no fake device on a machine without one → err-no-camera; a text file is refused, a video sent', async () => {
    await withChromium({ drop: ['--use-fake-device-for-media-stream'] }, { locale: 'en-US', permissions: ['camera', 'microphone'] }, async (page) => {
      const errors = await openRecorder(page, (await captureUrl(server)).url);
      await allowFailsWith(page, 'err-no-camera');
      await screenshot(page, 'error-no-camera.png');
      const reported = await chromiumReports(page);
      noteReport('no --use-fake-device-for-media-stream, no camera', reported);
      expect(reported).toMatch(/^NotFoundError/);
      // Not a video: refused, and the ways forward stay.
      await fileInput(page).setInputFiles(fx.txt);
      await expect(root(page)).toHaveAttribute('data-screen', 'failed');
      await expect(status(page)).toHaveText(en('err-file-type'));
      await expectWaysForward(page);
      await sendFile(page, fx.mp4);
      expect(errors).toEqual([]);
    });
  });

  test('camera unreadable: the fake capture file does not exist → the message for what Chromium reports', async () => {
    await withChromium({ add: ['--use-file-for-fake-video-capture=/nonexistent/file.y4m'] }, { locale: 'en-US', permissions: ['camera', 'microphone'] }, async (page) => {
      const errors = await openRecorder(page, (await captureUrl(server)).url);
      await page.getByRole('button', { name: 'Allow camera' }).click();
      await expect(root(page)).toHaveAttribute('data-screen', 'failed');
      const reported = await chromiumReports(page);
      noteReport('--use-file-for-fake-video-capture=/nonexistent/file.y4m', reported);
      // Chromium 156 never lists a file camera it cannot read: NotFoundError, not
      // NotReadableError, so the person is told no camera was found.
      const name = reported.split(':')[0];
      expect(Object.keys(MESSAGE_FOR)).toContain(name);
      await expect(status(page)).toHaveText(en(MESSAGE_FOR[name]));
      await expectWaysForward(page);
      await screenshot(page, 'error-camera-unreadable.png');
      await sendFile(page, fx.mp4);
      expect(errors).toEqual([]);
    });
  });

  test('insecure context: the link opened over plain http on a real host name → err-insecure', async () => {
    await withChromium({ add: ['--host-resolver-rules=MAP vidreply.test 127.0.0.1'] }, { locale: 'en-US' }, async (page) => {
      const { url } = await captureUrl(server, {}, 'vidreply.test');
      expect(url).toMatch(/^http:\/\/vidreply\.test:\d+\//);
      let errors: string[] = [];
      try {
        errors = await openRecorder(page, url);
      } finally {
        // Evidence either way: what Chromium offers here, and what the page shows.
        noteReport('http://vidreply.test (not a secure context)', await chromiumReports(page));
        await screenshot(page, 'error-insecure.png');
      }
      expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
      await allowFailsWith(page, 'err-insecure');
      await screenshot(page, 'error-insecure.png');
      expect(errors).toEqual([]);
    });
  });

  test('insecure context: a video file chosen instead is still sent', async () => {
    const browser = await launchChromium({ add: ['--host-resolver-rules=MAP vidreply.test 127.0.0.1'] });
    // A plain-http deployment: the server's public URL is that host, so the part URLs it
    // signs are same-origin with the page (as they would be in production).
    const plain = await startServer('local', { VIDREPLY_PUBLIC_URL: 'http://vidreply.test:{port}' });
    try {
      const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
      const errors = await openRecorder(page, (await captureUrl(plain, {}, 'vidreply.test')).url);
      await allowFailsWith(page, 'err-insecure');
      try {
        await sendFile(page, fx.mp4);
      } finally {
        if (errors.length) console.log(`[page errors] ${errors.join('\n')}`);
      }
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await plain.stop();
    }
  });

  test('MediaRecorder unsupported (an old browser) → err-unsupported; a video file is sent and processed', async ({ page }) => {
    // The only stand-in: this Chromium has MediaRecorder, an old browser does not.
    await page.addInitScript(() => { delete (window as any).MediaRecorder; });
    const errors = await openRecorder(page, (await captureUrl(server)).url);
    expect(await page.evaluate(() => 'MediaRecorder' in window)).toBe(false);
    await allowFailsWith(page, 'err-unsupported');
    await screenshot(page, 'error-unsupported.png');
    await sendFileFully(page, server, fx.mp4);
    expect(errors).toEqual([]);
  });

  test('a file that is not a video, chosen on the first screen → err-file-type', async ({ page }) => {
    const errors = await openRecorder(page, (await captureUrl(server)).url);
    await expect(fileInput(page)).toHaveCount(1);
    await fileInput(page).setInputFiles(fx.txt);
    await expect(root(page)).toHaveAttribute('data-screen', 'failed');
    await expect(status(page)).toHaveText(en('err-file-type'));
    await expectWaysForward(page);
    await screenshot(page, 'error-file-type.png');
    expect(errors).toEqual([]);
  });
});

/** The preview's current video track: device id and whether it is live. */
async function previewTrack(page: Page) {
  return page.evaluate(() => {
    const v = document.querySelector('video.vr-preview') as HTMLVideoElement;
    const t = (v.srcObject as MediaStream | null)?.getVideoTracks()[0];
    return t ? { deviceId: t.getSettings().deviceId, live: t.readyState === 'live' } : null;
  });
}

/** Remember the preview's stream, to tell later whether the camera was re-opened. */
async function markPreviewStream(page: Page) {
  await page.evaluate(() => {
    (window as any).__previous = (document.querySelector('video.vr-preview') as HTMLVideoElement).srcObject;
  });
}

/** The preview shows a new live stream and the one marked before was stopped. */
async function reopened(page: Page) {
  return page.evaluate(() => {
    const prev = (window as any).__previous as MediaStream | null;
    const now = (document.querySelector('video.vr-preview') as HTMLVideoElement).srcObject as MediaStream | null;
    return !!prev && !!now && now !== prev
      && prev.getTracks().every((t) => t.readyState === 'ended')
      && now.getVideoTracks()[0]?.readyState === 'live';
  });
}

test.describe('devices and preview', () => {

  test('two cameras: the Camera picker lists both and switching re-opens the chosen one; the level meter moves', async () => {
    const browser = await launchChromium({
      drop: ['--use-fake-device-for-media-stream'], add: ['--use-fake-device-for-media-stream=device-count=2'],
    });
    try {
      const context = await browser.newContext({ locale: 'en-US', permissions: ['camera', 'microphone'] });
      const page = await context.newPage();
      const errors = await openRecorder(page, (await captureUrl(server, { countdown: '0' })).url);
      await page.getByRole('button', { name: 'Allow camera' }).click();
      await expect(root(page)).toHaveAttribute('data-screen', 'preview');
      await expect(status(page)).toHaveText(en('preview'));

      const camera = page.getByLabel('Camera', { exact: true });
      await expect(camera).toBeVisible();
      await expect(camera.locator('option')).toHaveCount(2);
      const ids = await camera.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      const labels = await camera.locator('option').allTextContents();
      console.log(`[cameras] ${labels.map((l) => l.trim()).join(', ')}`);
      expect(new Set(ids).size).toBe(2);
      const first = (await previewTrack(page))!;
      expect(first.live).toBe(true);
      expect(ids).toContain(first.deviceId);
      await expect(camera).toHaveValue(first.deviceId!);
      // The fake microphones (two plus "default") are offered too.
      await expect(page.getByLabel('Microphone', { exact: true }).locator('option')).toHaveCount(2);

      // The level meter: watch every value it shows (the fake microphone beeps).
      const meter = page.locator('meter[aria-label="Microphone level"]');
      await expect(meter).toBeVisible();
      await page.evaluate(() => {
        const w = window as any;
        w.__maxLevel = 0;
        setInterval(() => {
          const m = document.querySelector('meter.vr-meter') as HTMLMeterElement | null;
          if (m) w.__maxLevel = Math.max(w.__maxLevel, m.value);
        }, 10);
      });
      await expect.poll(() => page.evaluate(() => (window as any).__maxLevel), { timeout: 30_000 }).toBeGreaterThan(0);

      const other = ids.find((id) => id !== first.deviceId)!;
      await markPreviewStream(page);
      await camera.selectOption(other);
      await expect.poll(async () => (await previewTrack(page))?.deviceId, { timeout: 30_000 }).toBe(other);
      expect(await reopened(page)).toBe(true);
      await expect(root(page)).toHaveAttribute('data-screen', 'preview');
      await expect(camera).toHaveValue(other);
      // And back again.
      await markPreviewStream(page);
      await camera.selectOption(first.deviceId!);
      await expect.poll(async () => (await previewTrack(page))?.deviceId, { timeout: 30_000 }).toBe(first.deviceId);
      expect(await reopened(page)).toBe(true);
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await browser.close();
    }
  });

  test('the preview is mirrored, the recording is not', async () => {
    const browser = await launchChromium({ add: [`--use-file-for-fake-video-capture=${fx.leftWhite}`] });
    try {
      const context = await browser.newContext({ locale: 'en-US', permissions: ['camera', 'microphone'] });
      const page = await context.newPage();
      const errors = await openRecorder(page, (await captureUrl(server, { countdown: '0' })).url);
      await page.getByRole('button', { name: 'Allow camera' }).click();
      await expect(root(page)).toHaveAttribute('data-screen', 'preview');
      const preview = page.locator('video.vr-preview');
      await expect(preview).toHaveClass(/\bvr-mirrored\b/);
      await expect(preview).toHaveCSS('transform', 'matrix(-1, 0, 0, 1, 0, 0)');
      // The camera itself delivers white on the left (the pixels, not the CSS).
      await expect.poll(() => preview.evaluate((v: HTMLVideoElement) => v.readyState >= 2 && v.videoWidth > 0),
        { timeout: 30_000 }).toBe(true);
      const [camLeft, camRight] = await preview.evaluate((v: HTMLVideoElement) => {
        const c = document.createElement('canvas');
        c.width = v.videoWidth; c.height = v.videoHeight;
        const g = c.getContext('2d')!;
        g.drawImage(v, 0, 0);
        const at = (x: number) => g.getImageData(x, c.height >> 1, 1, 1).data[0];
        return [at(c.width >> 2), at((c.width * 3) >> 2)];
      });
      expect(camLeft - camRight).toBeGreaterThan(150);

      await page.getByRole('button', { name: 'Start recording' }).click();
      await expect(status(page)).toHaveText(en('recording'));
      await expect(page.locator('.vr-elapsed')).toHaveText('0:02', { timeout: 60_000 });
      await page.getByRole('button', { name: 'Stop' }).click();
      await expect(root(page)).toHaveAttribute('data-screen', 'review');
      const done = completionOf(page);
      await page.getByRole('button', { name: 'Send' }).click();
      const original = await sentVideo(page, server, done);
      const video = await (await done).json();
      const [left, right] = leftRightBrightness(original, video.mimeType.startsWith('video/mp4') ? 'mp4' : 'webm');
      console.log(`[recorded frame] left ${left}, right ${right}`);
      expect(left - right).toBeGreaterThan(150);
      // The processed video people watch is not mirrored either.
      await expectReady(server, video.videoId);
      const media = await page.request.get(`${video.mediaUrl}/media`);
      expect(media.status()).toBe(200);
      const [pLeft, pRight] = leftRightBrightness(await media.body(), 'mp4');
      expect(pLeft - pRight).toBeGreaterThan(150);
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await browser.close();
    }
  });
});

test.describe('a phone-sized touch screen', () => {

  /** No sideways scroll, big enough tap targets, inline and silent videos. */
  async function expectPhoneFriendly(page: Page, where: string) {
    const seen = await page.evaluate(() => {
      const visible = (e: Element) => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
      };
      const box = (e: Element) => {
        const r = e.getBoundingClientRect();
        return { name: (e.textContent ?? '').trim(), width: r.width, height: r.height };
      };
      return {
        screen: document.querySelector('.vr-root')!.getAttribute('data-screen'),
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        targets: [...document.querySelectorAll('button, label.vr-file > span')].filter(visible).map(box),
        videos: [...document.querySelectorAll('video')].map((v) => ({
          cls: v.className, playsinline: v.hasAttribute('playsinline') && v.playsInline,
          autoplay: v.autoplay, muted: v.muted,
        })),
      };
    });
    const ctx = `${where} (data-screen=${seen.screen})`;
    expect(seen.scrollWidth, `${ctx}: no horizontal scroll`).toBeLessThanOrEqual(seen.innerWidth);
    for (const t of seen.targets) {
      expect(t.width, `${ctx}: "${t.name}" width`).toBeGreaterThanOrEqual(44);
      expect(t.height, `${ctx}: "${t.name}" height`).toBeGreaterThanOrEqual(44);
    }
    expect(seen.videos.length, `${ctx}: videos`).toBeGreaterThan(0);
    for (const v of seen.videos) {
      expect(v.playsinline, `${ctx}: ${v.cls} playsinline`).toBe(true);
      expect(v.autoplay && !v.muted, `${ctx}: ${v.cls} autoplays with sound`).toBe(false);
      if (v.cls.includes('vr-preview')) expect(v.muted, `${ctx}: preview muted`).toBe(true);
      if (v.cls.includes('vr-review')) expect(v.autoplay, `${ctx}: review autoplay`).toBe(false);
    }
    return seen;
  }

  test('360×640 with touch: tap through allow, flip to the back camera, record, stop and send', async () => {
    const browser = await launchChromium();
    let context: BrowserContext | undefined;
    try {
      context = await browser.newContext({
        viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true,
        locale: 'en-US', permissions: ['camera', 'microphone'],
      });
      const page = await context.newPage();
      const errors = await openRecorder(page, (await captureUrl(server)).url);
      await expectPhoneFriendly(page, 'intro');
      await screenshot(page, 'mobile-intro.png');

      await page.getByRole('button', { name: 'Allow camera' }).tap();
      await expect(root(page)).toHaveAttribute('data-screen', 'preview');
      const preview = page.locator('video.vr-preview');
      await expect(preview).toHaveClass(/\bvr-mirrored\b/);
      const flip = page.getByRole('button', { name: 'Use back camera' });
      await expect(flip).toBeVisible();
      await expectPhoneFriendly(page, 'preview');
      await screenshot(page, 'mobile-preview.png');

      // The back camera: asked for by facing mode, re-opened, shown as it is.
      await markPreviewStream(page);
      await flip.tap();
      await expect.poll(() => reopened(page), { timeout: 30_000 }).toBe(true);
      await expect(root(page)).toHaveAttribute('data-screen', 'preview');
      await expect(preview).not.toHaveClass(/\bvr-mirrored\b/);
      await expect(preview).toHaveCSS('transform', 'none');
      await expect(page.getByRole('button', { name: 'Use front camera' })).toBeVisible();
      await expect(page.getByRole('button', { name: 'Use back camera' })).toHaveCount(0);
      // Asked as {ideal: 'environment'}; Chromium reports a bare ideal as the plain value.
      const facing = await preview.evaluate((v: HTMLVideoElement) =>
        JSON.stringify((v.srcObject as MediaStream).getVideoTracks()[0].getConstraints().facingMode));
      expect([JSON.stringify('environment'), JSON.stringify({ ideal: 'environment' })]).toContain(facing);
      await expectPhoneFriendly(page, 'preview, back camera');
      await screenshot(page, 'mobile-preview-back.png');

      await page.getByRole('button', { name: 'Start recording' }).tap();
      await expect(root(page)).toHaveAttribute('data-screen', /countdown|recording/);
      await expectPhoneFriendly(page, 'after Start recording');
      await expect(root(page)).toHaveAttribute('data-screen', 'recording');
      await expect(page.locator('.vr-elapsed')).toHaveText('0:01', { timeout: 60_000 });
      await expectPhoneFriendly(page, 'recording');
      await screenshot(page, 'mobile-recording.png');

      await page.getByRole('button', { name: 'Stop' }).tap();
      await expect(root(page)).toHaveAttribute('data-screen', 'review');
      const review = page.locator('video.vr-review');
      await expect(review).toBeVisible();
      await expect(review).not.toHaveAttribute('autoplay', /.*/);
      await expectPhoneFriendly(page, 'review');
      await screenshot(page, 'mobile-review.png');

      const done = completionOf(page);
      await page.getByRole('button', { name: 'Send' }).tap();
      await expect(status(page)).toHaveText(en('sent'), { timeout: 120_000 });
      expect((await done).status()).toBe(200);
      await expectPhoneFriendly(page, 'sent');
      await screenshot(page, 'mobile-sent.png');
      expect(errors).toEqual([]);
    } finally {
      await context?.close();
      await browser.close();
    }
  });
});

test.describe('recording limit', () => {
  const LIMIT_S = 3;

  test('maxDuration=3 stops by itself at 0:03, after the remaining time counted down', async ({ page }) => {
    const errors = await openRecorder(page, (await captureUrl(server, { maxDuration: String(LIMIT_S), countdown: '0' })).url);
    await page.getByRole('button', { name: 'Allow camera' }).click();
    await expect(root(page)).toHaveAttribute('data-screen', 'preview');
    // Keep every value the "remaining" timer shows, and every screen.
    await watchScreens(page);
    await page.evaluate(() => {
      const w = window as any;
      w.__remaining = [] as string[];
      const look = () => {
        const t = document.querySelector('.vr-remaining')?.textContent?.trim();
        if (t && w.__remaining[w.__remaining.length - 1] !== t) w.__remaining.push(t);
      };
      new MutationObserver(look).observe(document.querySelector('.vr-root')!,
        { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole('button', { name: 'Start recording' }).click();
    await expect(page.locator('.vr-remaining')).toBeVisible();
    // No Stop pressed: the recorder stops at the limit on its own.
    await expect(root(page)).toHaveAttribute('data-screen', 'review', { timeout: 60_000 });
    await expect(status(page)).toHaveText(en('review'));
    await expect(page.locator('.vr-notice')).toBeVisible();
    await expect(page.locator('.vr-notice')).toHaveText(en('limit-reached', { limit: '0:03' }));
    await expect(page.locator('.vr-remaining')).toHaveCount(0);

    const remaining = await page.evaluate(() => (window as any).__remaining as string[]);
    const screens = await screensSeen(page);
    console.log(`[remaining] ${remaining.join(' → ')}; [screens] ${screens.join(' → ')}`);
    expect(screens).toEqual(['preview', 'recording', 'review']);
    const seconds = remaining.map((t) => {
      const m = t.match(/^(\d+):(\d\d)$/);
      expect(m, `timer text ${t}`).not.toBeNull();
      return Number(m![1]) * 60 + Number(m![2]);
    });
    expect(seconds.length).toBeGreaterThan(0);
    expect(Math.max(...seconds)).toBeLessThanOrEqual(3);
    expect(seconds.some((s) => s < 3)).toBe(true);
    // It counts down, never up.
    for (let i = 1; i < seconds.length; i++) expect(seconds[i]).toBeLessThanOrEqual(seconds[i - 1]);

    // What was recorded up to the limit is sent like any recording.
    const done = completionOf(page);
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(status(page)).toHaveText(en('sent'), { timeout: 120_000 });
    const video = await (await done).json();
    const record = await expectReady(server, video.videoId);
    // The video itself ends at the limit: its media, probed, lasts the 3 s recorded up to
    // it, and not a time-slice more (the recorder was stopped, not only the screen).
    const ext = video.mimeType.startsWith('video/mp4') ? 'mp4' : 'webm';
    const media = mediaSeconds(await storedObject(server, `videos/${video.videoId}/original.${ext}`), ext);
    console.log(`[limit] stored media ${media.toFixed(3)} s; processed duration ${record.duration} s`);
    expect(media).toBeGreaterThan(LIMIT_S - 0.5);
    expect(media).toBeLessThanOrEqual(LIMIT_S + 0.5);
    expect(record.duration).toBeLessThanOrEqual(LIMIT_S + 0.5);
    expect(errors).toEqual([]);
  });
});
