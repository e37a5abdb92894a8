// The recorder people use (issue #4): every screen axe-clean and pictured, the
// keyboard-only path, every language, pause/resume (ffprobe), and the client poster.
import { test, expect, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, createCaptureLink, RunningServer, ROOT } from './support/server';
import { checkScreen } from './support/a11y';
import { completionOf, sentVideo } from './support/flow';

// axe is added to each page as a script tag, which the app's CSP would (rightly) refuse.
test.use({ bypassCSP: true });

let server: RunningServer;
test.beforeAll(async () => { server = await startServer('local'); });
test.afterAll(async () => { await server?.stop(); });

const screen = (page: Page) => page.locator('.vr-root');
const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });

async function link(extra = '', conversationId = `conv-rec-${Date.now()}-${Math.random()}`) {
  const l = await createCaptureLink(server, { conversationId });
  return { url: l.url + extra, conversationId, link: l };
}

/** A locale's messages (`key = value` lines of its .ftl file). */
function messages(lang: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(ROOT, `locales/${lang}.ftl`), 'utf8').split('\n')) {
    const m = /^([a-z][a-z0-9-]*) = (.*)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

test('every screen is axe-clean and pictured, in the light and the dark theme', async ({ page }) => {
  await page.goto(`${server.url}/record`);
  await checkScreen(page, 'bad-link');

  const { url } = await link('&countdown=10');
  await page.goto(url);
  await checkScreen(page, 'intro');
  await button(page, 'Allow camera').click();
  await checkScreen(page, 'preview');
  await button(page, 'Start recording').click();
  await checkScreen(page, 'countdown');
  await expect(screen(page)).toHaveAttribute('data-screen', 'recording', { timeout: 15_000 });
  await checkScreen(page, 'recording');
  await button(page, 'Pause').click();
  await checkScreen(page, 'paused');
  await button(page, 'Resume').click();
  await page.waitForTimeout(1500);
  await button(page, 'Stop').click();
  await checkScreen(page, 'review');
  // Closing the page now leaves the recording in the journal: the next visit offers it.
  await page.reload();
  await checkScreen(page, 'resume');
  await button(page, 'Resume sending your video').click();
  await checkScreen(page, 'sent');

  const dark = await link('&countdown=0&theme=dark');
  await page.goto(dark.url);
  await checkScreen(page, 'intro', 'dark-intro');
  await button(page, 'Allow camera').click();
  await checkScreen(page, 'preview', 'dark-preview');
  const bg = await screen(page).evaluate((e) => getComputedStyle(e).backgroundColor);
  expect(bg).toBe('rgb(18, 18, 18)');

  // A send the server refuses (the link was revoked meanwhile) keeps the recording.
  const revoked = await link('&countdown=0');
  await page.goto(revoked.url);
  await button(page, 'Allow camera').click();
  await button(page, 'Start recording').click();
  await expect(screen(page)).toHaveAttribute('data-screen', 'recording');
  await page.waitForTimeout(1500);
  await button(page, 'Stop').click();
  const res = await fetch(`${server.url}/api/v1/capture-links/${revoked.link.id}`, {
    method: 'DELETE', headers: { authorization: `Bearer ${server.apiKey}` },
  });
  expect(res.status).toBeLessThan(300);
  await button(page, 'Send').click();
  await checkScreen(page, 'failed');
  await expect(page.getByRole('status')).toContainText('kept on this device');
});

test('keyboard only: Tab to the first action, then every step has focus on its main button', async ({ page }) => {
  const { url } = await link('&countdown=0');
  await page.goto(url);
  const focused = () => page.evaluate(() => {
    const e = document.activeElement as HTMLElement;
    const s = getComputedStyle(e);
    return { text: e.textContent?.trim(), visible: e.matches(':focus-visible'), outline: s.outlineStyle };
  });
  for (let i = 0; i < 10 && (await focused()).text !== 'Allow camera'; i++) await page.keyboard.press('Tab');
  expect(await focused()).toEqual({ text: 'Allow camera', visible: true, outline: 'solid' });
  await page.keyboard.press('Enter');
  await expect(screen(page)).toHaveAttribute('data-screen', 'preview');
  await expect.poll(async () => (await focused()).text).toBe('Start recording');
  await page.keyboard.press('Enter');
  await expect(screen(page)).toHaveAttribute('data-screen', 'recording');
  await expect.poll(async () => (await focused()).text).toBe('Stop');
  await page.keyboard.press('Tab');
  expect((await focused()).text).toBe('Pause');
  await page.keyboard.press('Space');
  await expect(screen(page)).toHaveAttribute('data-screen', 'paused');
  await expect.poll(async () => (await focused()).text).toBe('Resume');
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await focused()).text).toBe('Stop');
  await page.waitForTimeout(1500);
  await page.keyboard.press('Enter');
  await expect(screen(page)).toHaveAttribute('data-screen', 'review');
  await expect.poll(async () => (await focused()).text).toBe('Send');
  expect((await focused()).outline).toBe('solid');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status')).toHaveText('Sent');
});

for (const lang of ['en', 'es', 'fr', 'de', 'pt']) {
  test(`language ${lang}: every screen of a recording renders with no missing key`, async ({ page }) => {
    const m = messages(lang);
    const missing: string[] = [];
    page.on('console', (msg) => { if (msg.text().includes('missing translation')) missing.push(msg.text()); });
    const { url } = await link(`&countdown=2&lang=${lang}`);
    await page.goto(url);
    await expect(screen(page)).toHaveAttribute('lang', lang);
    await expect(page.locator('h1')).toHaveText(m['title-customer']);
    await expect(page.getByRole('status')).toHaveText(m['intro']);
    await button(page, m['btn-allow']).click();
    await expect(page.getByRole('status')).toHaveText(m['preview']);
    await button(page, m['btn-start']).click();
    await expect(page.getByRole('status')).toHaveText(m['countdown'].replace('{ $seconds }', '2'));
    await expect(page.getByRole('status')).toHaveText(m['recording'], { timeout: 10_000 });
    await expect(page.locator('.vr-timer')).toContainText(m['label-remaining']);
    await button(page, m['btn-pause']).click();
    await expect(page.getByRole('status')).toHaveText(m['paused']);
    await button(page, m['btn-resume']).click();
    await button(page, m['btn-stop']).click();
    await expect(page.getByRole('status')).toHaveText(m['review']);
    await expect(button(page, m['btn-retake'])).toBeVisible();
    await expect(page.getByText(m['btn-upload-file'])).toHaveCount(0);
    await button(page, m['btn-send']).click();
    await expect(page.getByRole('status')).toHaveText(m['sent']);
    await expect(page.locator('.vr-sent')).toHaveText(m['sent-detail']);
    expect(await page.locator('body').innerText()).not.toContain('⟦');
    expect(missing).toEqual([]);
  });
}

test('the language comes from pcLangTag, else the browser', async ({ browser }) => {
  const de = messages('de');
  const fr = messages('fr');
  const ctx = await browser.newContext({ locale: 'fr-CA', permissions: ['camera', 'microphone'] });
  const page = await ctx.newPage();
  await page.goto((await link('&pcLangTag=de-DE')).url);
  await expect(page.locator('h1')).toHaveText(de['title-customer']);
  await page.goto((await link()).url);
  await expect(screen(page)).toHaveAttribute('lang', 'fr');
  await expect(page.locator('h1')).toHaveText(fr['title-customer']);
  await ctx.close();
});

test('a link with a bad option is refused and names it, as mount() does, instead of clamping it', async ({ page }) => {
  const logged: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') logged.push(m.text()); });
  for (const [extra, field, says] of [
    ['&countdown=99', 'countdown', 'must be from 0 to 10, not 99'],
    ['&maxDuration=0', 'maxDuration', 'must be at least 1'],
    ['&theme=purple', 'theme', '"purple" is not one of'],
  ]) {
    await page.goto((await link(extra)).url);
    await expect(screen(page)).toHaveAttribute('data-screen', 'bad-link');
    await expect(page.getByRole('status')).toContainText(`${field}: ${says}`);
    await expect(page.getByRole('button')).toHaveCount(0);
    expect(logged.at(-1)).toContain(`vidreply: options.${field}: ${says}`);
  }
  // The same values, within bounds, still record.
  await page.goto((await link('&countdown=10&maxDuration=3&theme=dark')).url);
  await expect(screen(page)).toHaveAttribute('data-screen', 'intro');
});

test('pause and resume: the sent file is as long as the time recorded, not the time paused', async ({ page }) => {
  const { url } = await link('&countdown=0');
  await page.goto(url);
  await button(page, 'Allow camera').click();
  await button(page, 'Start recording').click();
  await expect(screen(page)).toHaveAttribute('data-screen', 'recording');
  const t0 = Date.now();
  await page.waitForTimeout(2500);
  await button(page, 'Pause').click();
  const t1 = Date.now();
  await expect(page.locator('.vr-timer')).toHaveClass(/vr-paused/);
  const pausedAt = await page.locator('.vr-elapsed').textContent();
  await page.waitForTimeout(5000);
  // The clock stands still while paused.
  await expect(page.locator('.vr-elapsed')).toHaveText(pausedAt!);
  await button(page, 'Resume').click();
  const t2 = Date.now();
  await page.waitForTimeout(2500);
  await button(page, 'Stop').click();
  const t3 = Date.now();
  const done = completionOf(page);
  await button(page, 'Send').click();
  const bytes = await sentVideo(page, server, done);

  const dir = mkdtempSync(join(tmpdir(), 'vidreply-pause-'));
  const file = join(dir, 'sent');
  writeFileSync(file, bytes);
  const pts = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries',
    'packet=pts_time', '-of', 'csv=p=0', file]).toString().split('\n').map(Number).filter((n) => !isNaN(n) && n > 0);
  const duration = Math.max(...pts);
  const recorded = (t1 - t0 + t3 - t2) / 1000;
  const paused = (t2 - t1) / 1000;
  expect(paused).toBeGreaterThan(4.5);
  // The file holds the recorded time (give or take a time-slice), and none of the pause.
  expect(duration).toBeGreaterThan(recorded - 1.5);
  expect(duration).toBeLessThan(recorded + 1.5);
  expect(duration).toBeLessThan(recorded + paused - 3);
});

test('the poster is taken in the browser and is the one the share link serves', async ({ page }) => {
  const { url } = await link('&countdown=0');
  await page.goto(url);
  await button(page, 'Allow camera').click();
  const posterDone = page.waitForResponse((r) => /\/api\/v1\/uploads\/[^/]+\/poster$/.test(r.url()) && r.request().method() === 'PUT');
  await button(page, 'Start recording').click();
  const put = await posterDone;
  expect(put.status()).toBe(204);
  expect(put.request().headers()['content-type']).toBe('image/jpeg');
  await page.waitForTimeout(1000);
  await button(page, 'Stop').click();
  const done = completionOf(page);
  await button(page, 'Send').click();
  await sentVideo(page, server, done);
  const video = await (await done).json();
  // Served once processing has made the video playable (it keeps this poster).
  await expect.poll(async () => (await fetch(`${server.url}/v/${video.videoId}/poster.jpg`)).status,
    { timeout: 60_000 }).toBe(200);
  const served = Buffer.from(await (await fetch(`${server.url}/v/${video.videoId}/poster.jpg`)).arrayBuffer());
  expect(served.subarray(0, 3).toString('hex')).toBe('ffd8ff');
  // The browser's canvas JPEG, not one ffmpeg made (ffmpeg signs its JPEGs "Lavc…").
  expect(served.includes(Buffer.from('Lavc'))).toBe(false);
  expect(server.logs()).toMatch(/poster stored/);
});

test('reduced motion: the countdown and the recording dot stand still', async ({ page }) => {
  const { url } = await link('&countdown=10');
  const animation = (sel: string) => page.locator(sel).evaluate((e) => getComputedStyle(e).animationName);
  await page.goto(url);
  await button(page, 'Allow camera').click();
  await button(page, 'Start recording').click();
  await expect(page.locator('.vr-countdown')).toBeVisible();
  expect(await animation('.vr-countdown')).toBe('vr-pulse');
  await page.emulateMedia({ reducedMotion: 'reduce' });
  expect(await animation('.vr-countdown')).toBe('none');
  await button(page, 'Cancel').click();
  await expect(screen(page)).toHaveAttribute('data-screen', 'preview');
  await page.goto((await link('&countdown=0')).url);
  await button(page, 'Allow camera').click();
  await button(page, 'Start recording').click();
  await expect(page.locator('.vr-rec-dot')).toBeVisible();
  expect(await animation('.vr-rec-dot')).toBe('none');
  await page.emulateMedia({ reducedMotion: 'no-preference' });
  expect(await animation('.vr-rec-dot')).toBe('vr-blink');
});
