// Helpers for capture.spec.ts and capture-errors.spec.ts: the recorder page, Chromium launched with the camera condition a test
// needs (flags, never a faked API), media fixtures made with ffmpeg, the English
// strings straight from locales/en.ftl, and the server's view of a sent video.
import { chromium, expect, test, Browser, BrowserContextOptions, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumArgs } from '../../../playwright.config';
import { ROOT, RunningServer, createCaptureLink, startServer } from './server';

/** en.ftl as key → text (single-line messages; placeables left as written). */
export const EN: Record<string, string> = Object.fromEntries(
  readFileSync(join(ROOT, 'locales/en.ftl'), 'utf8')
    .split('\n')
    .map((l) => l.match(/^([a-z][a-z0-9-]*)\s*=\s*(.*)$/))
    .filter((m): m is RegExpMatchArray => !!m)
    .map((m) => [m[1], m[2].trim()]),
);

/** An English message with its placeables filled in. */
export function en(key: string, args: Record<string, string | number> = {}): string {
  const text = EN[key];
  if (text === undefined) throw new Error(`no ${key} in en.ftl`);
  return text.replace(/\{\s*\$([a-z]+)\s*\}/g, (_, name) => String(args[name]));
}

/** Chromium as the config launches it, minus some flags and plus others. */
export async function launchChromium(opts: { drop?: string[]; add?: string[] } = {}): Promise<Browser> {
  const drop = opts.drop ?? [];
  const args = chromiumArgs.filter((a) => !drop.includes(a)).concat(opts.add ?? []);
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
}

/** Run `body` in a fresh page of a Chromium launched with these flags; always closed after. */
export async function withChromium(launch: { drop?: string[]; add?: string[] },
  context: BrowserContextOptions, body: (page: Page) => Promise<void>) {
  const browser = await launchChromium(launch);
  try {
    await body(await (await browser.newContext(context)).newPage());
  } finally {
    await browser.close();
  }
}

export interface Fixtures {
  dir: string;
  /** 2 s of H.264/AAC test pattern. */
  mp4: string;
  /** A text file, not a video. */
  txt: string;
  /** A y4m whose left half is white and right half black. */
  leftWhite: string;
  cleanup: () => void;
}

export function makeFixtures(): Fixtures {
  const dir = mkdtempSync(join(tmpdir(), 'vidreply-capture-'));
  const ff = (...args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
  const mp4 = join(dir, 'out.mp4');
  ff('-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine', '-t', '2',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', mp4);
  const leftWhite = join(dir, 'left-white.y4m');
  ff('-f', 'lavfi', '-i', 'color=white:s=320x240:r=15', '-t', '4',
    '-vf', 'drawbox=x=160:y=0:w=160:h=240:color=black:t=fill,format=yuv420p', leftWhite);
  const txt = join(dir, 'notes.txt');
  writeFileSync(txt, 'This is a text file, not a video.\n');
  return { dir, mp4, txt, leftWhite, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh capture link for this server, with extra recorder parameters. */
export async function captureUrl(server: RunningServer, params: Record<string, string> = {}, host?: string) {
  const link = await createCaptureLink(server, { conversationId: `capture-${Date.now()}-${Math.random().toString(36).slice(2, 8)}` });
  const u = new URL(link.url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  if (host) u.hostname = host;
  return { url: u.toString(), token: link.token };
}

/** The server's record of a video (API key). */
export async function videoRecord(server: RunningServer, videoId: string): Promise<any> {
  const res = await fetch(`${server.url}/api/v1/videos/${videoId}`, {
    headers: { authorization: `Bearer ${server.apiKey}` },
  });
  expect(res.status).toBe(200);
  return res.json();
}

/** Wait until processing says the video is ready; returns the record. */
export async function expectReady(server: RunningServer, videoId: string): Promise<any> {
  let last: any;
  await expect.poll(async () => (last = await videoRecord(server, videoId)).status,
    { timeout: 120_000, message: `video ${videoId} never became ready` }).toBe('ready');
  return last;
}

/**
 * How long a video's media lasts, in seconds, as ffprobe reads it from the packets
 * themselves (the first packet's start to the last one's end, over every stream):
 * MediaRecorder's WebM says no duration in its header, so the header is not asked.
 */
export function mediaSeconds(video: Buffer, ext: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'vidreply-probe-'));
  try {
    const file = join(dir, `v.${ext}`);
    writeFileSync(file, video);
    const rows = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'packet=pts_time,duration_time',
      '-of', 'csv=p=0', file], { maxBuffer: 64 << 20 }).toString().trim().split('\n');
    let first = Infinity, last = -Infinity;
    for (const row of rows) {
      const [pts, dur] = row.split(',').map(Number);
      if (!Number.isFinite(pts)) continue;
      first = Math.min(first, pts);
      last = Math.max(last, pts + (Number.isFinite(dur) ? dur : 0));
    }
    expect(last, `ffprobe found no timed packets in the ${ext}`).toBeGreaterThan(first);
    return last - first;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One frame of a video as 2×1 gray pixels: [left, right] brightness 0–255. */
export function leftRightBrightness(video: Buffer, ext: string): [number, number] {
  const dir = mkdtempSync(join(tmpdir(), 'vidreply-frame-'));
  try {
    const file = join(dir, `v.${ext}`);
    writeFileSync(file, video);
    const px = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', file,
      '-vf', 'scale=2:1,format=gray', '-frames:v', '1', '-f', 'rawvideo', '-']);
    expect(px.length).toBe(2);
    return [px[0], px[1]];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const SCREENSHOTS = join(ROOT, 'docs/screenshots');

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
}

/** What Chromium itself answers to the app's camera request here (error name, or "ok"). */
export async function chromiumReports(page: Page): Promise<string> {
  return page.evaluate(async () => {
    if (!window.isSecureContext) return 'not a secure context (navigator.mediaDevices is ' + typeof navigator.mediaDevices + ')';
    if (!('MediaRecorder' in window)) return 'no MediaRecorder';
    try {
      const s = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: 'user' }, width: { ideal: 1280 }, height: { ideal: 720 } }, audio: true,
      });
      s.getTracks().forEach((t) => t.stop());
      return 'ok';
    } catch (e: any) {
      return `${e.name}: ${e.message}`;
    }
  });
}

// The recorder page, as both capture spec files drive it.
export const root = (page: Page) => page.locator('.vr-root');
export const status = (page: Page) => page.getByRole('status');
export const fileInput = (page: Page) => page.locator('.vr-file input[type=file]');

/**
 * Open a capture link and wait for the recorder's first screen; uncaught page
 * errors are collected in the returned list (each test expects none).
 */
export async function openRecorder(page: Page, url: string): Promise<string[]> {
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
export async function watchScreens(page: Page) {
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
export const screensSeen = (page: Page) => page.evaluate(() => (window as any).__screens as string[]);

/**
 * One server and one set of ffmpeg-made files for the whole spec file: made before its
 * first test and handed to `use`, stopped and removed after its last.
 */
export function serverAndFixturesPerFile(use: (server: RunningServer, fx: Fixtures) => void) {
  let server: RunningServer | undefined;
  let fx: Fixtures | undefined;
  test.beforeAll(async () => {
    fx = makeFixtures();
    server = await startServer('local');
    use(server, fx);
  });
  test.afterAll(async () => {
    await server?.stop();
    fx?.cleanup();
  });
}
