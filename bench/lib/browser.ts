// Chromium for the bench: Debian's binary with a fake camera reading a y4m, the uplink
// throttled through CDP, and in-page probes (first preview frame, screen changes,
// live Blob bytes) that both the vidreply page and the Uppy page get alike.
import { chromium, Browser, BrowserContext, CDPSession, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumArgs } from '../../playwright.config';
import { ROOT } from './server';

export const FIXTURES = join(ROOT, 'target/bench-fixtures');

function ffmpeg(...args: string[]) {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: 'inherit' });
}

/** 1280×720 at 30 fps, 4 s (looped by Chromium): a moving test pattern with per-frame
 *  noise, so the encoder spends its whole bitrate budget as a real camera would. */
export function cameraY4m(): string {
  mkdirSync(FIXTURES, { recursive: true });
  const file = join(FIXTURES, 'camera-720p30-noise.y4m');
  if (!existsSync(file)) {
    ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-t', '4',
      '-vf', 'noise=alls=24:allf=t+u,format=yuv420p', file);
  }
  return file;
}

/** A real WebM (VP8) of at least `bytes`, made by looping a short noisy clip (remux, no re-encode). */
export function webmOfSize(bytes: number): string {
  mkdirSync(FIXTURES, { recursive: true });
  const seed = join(FIXTURES, 'seed-4s.webm');
  if (!existsSync(seed)) {
    ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '4',
      '-vf', 'noise=alls=30:allf=t+u', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8',
      '-b:v', '8M', '-c:a', 'libopus', seed);
  }
  const file = join(FIXTURES, `file-${bytes}.webm`);
  if (!existsSync(file)) {
    const seedBytes = statSync(seed).size;
    const loops = Math.ceil(bytes / seedBytes) + 1;
    const seconds = (4 * bytes) / seedBytes;
    ffmpeg('-stream_loop', String(loops), '-i', seed, '-c', 'copy', '-t', seconds.toFixed(3), file);
  }
  return file;
}

export async function launch(y4m: string): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: [...chromiumArgs, `--use-file-for-fake-video-capture=${y4m}`],
  });
}

/** A fresh context whose pages carry the probes. */
export async function benchContext(browser: Browser): Promise<BrowserContext> {
  const ctx = await browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width: 1280, height: 900 } });
  // tsx (esbuild) names functions with a `__name` helper the page does not have.
  await ctx.addInitScript({ content: `var __name = (f) => f; (${probes.toString()})();` });
  return ctx;
}

/** Runs in every page before its own scripts. */
function probes() {
  const w = window as any;
  w.__bench = { firstFrame: null as number | null, screens: {} as Record<string, number>, fileChosen: null as number | null };
  // First frame any <video> presents (the live preview), in ms since navigation start.
  const watch = (v: HTMLVideoElement) => {
    if ((v as any).__benchProbed) return;
    (v as any).__benchProbed = true;
    const onFrame = () => {
      if (v.videoWidth > 0 && w.__bench.firstFrame === null) w.__bench.firstFrame = performance.now();
      else if (w.__bench.firstFrame === null) v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
  };
  new MutationObserver(() => {
    document.querySelectorAll('video').forEach(watch);
    const screen = document.querySelector('[data-screen]')?.getAttribute('data-screen');
    if (screen && !(screen in w.__bench.screens)) w.__bench.screens[screen] = performance.now();
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-screen'] });
  document.addEventListener('change', (e) => {
    if ((e.target as HTMLInputElement).type === 'file') w.__bench.fileChosen = performance.now();
  }, true);
  // Live Blob bytes: MediaRecorder's chunks and Blobs built from bytes (not from other
  // Blobs, which share their data), counted while still reachable from the page.
  const live = new Set<{ ref: WeakRef<Blob>; size: number }>();
  const track = (b: Blob, size: number) => { if (size > 0) live.add({ ref: new WeakRef(b), size }); };
  w.__benchBlobBytes = () => {
    let sum = 0;
    for (const e of live) {
      if (e.ref.deref()) sum += e.size;
      else live.delete(e);
    }
    return sum;
  };
  const NativeBlob = w.Blob;
  w.Blob = new Proxy(NativeBlob, {
    construct(target, args, newTarget) {
      const b = Reflect.construct(target, args, newTarget);
      const parts: any[] = Array.isArray(args[0]) ? args[0] : [];
      const own = parts.filter((p) => !(p instanceof NativeBlob));
      track(b, own.length === parts.length ? b.size : new NativeBlob(own).size);
      return b;
    },
  });
  const NativeRecorder = w.MediaRecorder;
  if (NativeRecorder) {
    w.MediaRecorder = class extends NativeRecorder {
      constructor(...args: any[]) {
        super(...args);
        this.addEventListener('dataavailable', (e: any) => e.data && track(e.data, e.data.size));
      }
    };
  }
}

export interface Throttle { bitsPerSecond: number; rttMs: number }

/** Limit the page's uplink (bytes/s for CDP) and add `rttMs` of latency; downlink unlimited. */
export async function throttle(page: Page, t: Throttle | null): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  if (t) {
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: t.rttMs, downloadThroughput: -1, uploadThroughput: t.bitsPerSecond / 8,
    });
  }
  return cdp;
}

/** JS heap (CDP Performance.getMetrics, after a forced GC) and live Blob bytes, in bytes. */
export async function memory(page: Page, cdp: CDPSession) {
  await cdp.send('Performance.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const heap = metrics.find((m: any) => m.name === 'JSHeapUsedSize')!.value;
  const blobs = await page.evaluate(() => (window as any).__benchBlobBytes());
  return { jsHeapUsedBytes: heap, liveBlobBytes: blobs, totalBytes: heap + blobs };
}

/** In-page time now, in ms since navigation start (the probes' clock). */
export const pageNow = (page: Page) => page.evaluate(() => performance.now());
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small real WebM (2 s, 320×240) for the load generator's clients. */
export function smallWebm(): string {
  mkdirSync(FIXTURES, { recursive: true });
  const file = join(FIXTURES, 'small-2s.webm');
  if (!existsSync(file)) {
    ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-f', 'lavfi', '-i', 'sine', '-t', '2',
      '-vf', 'noise=alls=20:allf=t+u', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8',
      '-b:v', '800k', '-c:a', 'libopus', file);
  }
  return file;
}
