// The recorder's camera failures in real Chromium against the real server and
// real ffmpeg, each from a real browser condition (flags, a missing device, an
// insecure origin; only "no MediaRecorder" is stood in for by removing it), and
// the file fallback each failure offers. The rest of the capture side is in
// capture.spec.ts.
import { test, expect, Page } from '@playwright/test';
import { readFileSync, statSync } from 'node:fs';
import { startServer, RunningServer } from './support/server';
import { completionOf, sha256 } from './support/flow';
import { storedObject } from './support/recording';
import {
  en, launchChromium, withChromium, serverAndFixturesPerFile, Fixtures, captureUrl, expectReady,
  screenshot, chromiumReports, root, status, fileInput, openRecorder, watchScreens, screensSeen,
} from './support/capture-kit';

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
serverAndFixturesPerFile((s, f) => { server = s; fx = f; });

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
