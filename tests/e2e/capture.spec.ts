// The recorder's capture side in real Chromium against the real server and real
// ffmpeg: device pickers and the level meter, the mirrored preview that records
// unmirrored, a phone-sized touch screen, and the auto-stop limit. Camera failures
// and the file fallback are in capture-errors.spec.ts.
import { test, expect, Page, BrowserContext } from '@playwright/test';
import { RunningServer } from './support/server';
import { completionOf, sentVideo } from './support/flow';
import { storedObject } from './support/recording';
import {
  en, launchChromium, serverAndFixturesPerFile, Fixtures, captureUrl, expectReady, leftRightBrightness,
  screenshot, mediaSeconds, root, status, openRecorder, watchScreens, screensSeen,
} from './support/capture-kit';

// One server and one set of ffmpeg-made files for the whole file.
let server: RunningServer;
let fx: Fixtures;
serverAndFixturesPerFile((s, f) => { server = s; fx = f; });

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
