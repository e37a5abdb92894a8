// Driving the two recorders the way a person does: vidreply's standalone page from a
// capture link, and the Uppy page (Dashboard → Camera → record → stop → submit).
import { Browser, Page, expect } from '@playwright/test';
import { BenchServer, captureLink } from './server';
import { benchContext, pageNow, sleep, throttle, Throttle } from './browser';
import { readMarks, stopBreakdown } from './marks';

export interface SendResult {
  stopToSentMs: number;
  recordedMs: number;
  bytes: number;
  mimeType: string;
  /** Bytes the server held (confirmed parts) when Stop was pressed. */
  confirmedAtStopBytes: number;
  /** vidreply only: Stop → "Sent" step by step (bench/lib/marks.ts). */
  breakdown?: ReturnType<typeof stopBreakdown>;
}

const screenAt = (page: Page, name: string) =>
  page.evaluate((n) => (window as any).__bench.screens[n] ?? null, name);

/** Screens the recorder cannot leave by itself: waiting longer for "sent" is pointless. */
const DEAD_ENDS = ['failed', 'bad-link', 'interrupted'];

/**
 * When the page first showed `name`, in page ms. Fails at once, with what the page says,
 * if it reaches a dead end instead; and with the same description on timeout.
 */
export async function waitScreen(page: Page, name: string, timeout = 600_000): Promise<number> {
  try {
    await page.waitForFunction(([n, dead]) => {
      const s = (window as any).__bench.screens;
      return s[n] != null || (dead as string[]).some((d) => s[d] != null);
    }, [name, DEAD_ENDS] as const, { timeout, polling: 50 });
  } catch (e) {
    throw new Error(`waiting for the "${name}" screen: ${(e as Error).message.split('\n')[0]}\n${await describe(page)}`);
  }
  const at = await screenAt(page, name);
  if (at == null) throw new Error(`the page reached a dead end instead of "${name}":\n${await describe(page)}`);
  return at;
}

/** The screens seen so far, the current one and its text: enough to tell a hang from an error. */
async function describe(page: Page): Promise<string> {
  return page.evaluate(() => {
    const root = document.querySelector('[data-screen]');
    const seen = Object.entries((window as any).__bench.screens).map(([k, v]) => `${k}@${Math.round(v as number)}`);
    return `screens seen: ${seen.join(', ')}; now "${root?.getAttribute('data-screen')}": ${(root as HTMLElement | null)?.innerText?.replace(/\s+/g, ' ').slice(0, 600)}`;
  }).catch((e) => `(page unreadable: ${e})`);
}

/** vidreply page of a fresh capture link, camera allowed, ready to record. */
export async function openVidreply(browser: Browser, server: BenchServer, t: Throttle | null, base?: string) {
  const link = await captureLink(server);
  const url = new URL(link.url);
  if (base) {
    const b = new URL(base);
    url.host = b.host;
  }
  url.searchParams.set('countdown', '0');
  const ctx = await benchContext(browser);
  const page = await ctx.newPage();
  const cdp = await throttle(page, t);
  await page.goto(url.toString());
  await page.getByRole('button', { name: 'Allow camera' }).click();
  await expect(page.getByRole('button', { name: 'Start recording' })).toBeEnabled({ timeout: 60_000 });
  return { page, cdp, ctx, token: link.token };
}

/** Record `seconds` with vidreply, press Stop then Send, and time Stop → "Sent". */
export async function vidreplySend(browser: Browser, server: BenchServer, seconds: number,
  t: Throttle, base?: string): Promise<SendResult> {
  const { page, ctx, token } = await openVidreply(browser, server, t, base);
  try {
    const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/uploads') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Start recording' }).click();
    const uploadId = (await (await created).json()).uploadId;
    const started = await waitScreen(page, 'recording');
    await sleep(seconds * 1000);
    return await stopAndSend(page, server, token, uploadId, started);
  } finally {
    await ctx.close();
  }
}

/** On a recording page: note what the server holds, press Stop then Send, time Stop → "Sent". */
export async function stopAndSend(page: Page, server: BenchServer, token: string, uploadId: string,
  started: number): Promise<SendResult> {
  const parts = await (await fetch(`${server.url}/api/v1/uploads/${uploadId}/parts`, {
    headers: { authorization: `Bearer ${token}` },
  })).json();
  const confirmed = (parts.parts as { size: number }[]).reduce((s, p) => s + p.size, 0);
  const completion = page.waitForResponse((r) => /\/api\/v1\/uploads\/[^/]+\/complete$/.test(r.url()) && r.status() === 200,
    { timeout: 600_000 });
  const stopAt = await pageNow(page);
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.getByRole('button', { name: 'Send' }).click();
  const sentAt = await waitScreen(page, 'sent');
  const video = await (await completion).json();
  const { marks, server: timing } = await readMarks(page, 0);
  return {
    stopToSentMs: sentAt - stopAt, recordedMs: stopAt - started, bytes: video.size,
    mimeType: video.mimeType, confirmedAtStopBytes: confirmed,
    breakdown: stopBreakdown(marks, timing, stopAt, sentAt),
  };
}

export function uppyUrl(server: BenchServer, token: string, partSize: number, mimeType: string, base = server.url) {
  const q = new URLSearchParams({ token, partSize: String(partSize), mimeType });
  return `${base}/uppy/index.html?${q}`;
}

/** The Uppy page with its Camera panel open, showing the preview. */
export async function openUppy(browser: Browser, server: BenchServer, t: Throttle | null, partSize: number, mimeType: string) {
  const link = await captureLink(server);
  const ctx = await benchContext(browser);
  const page = await ctx.newPage();
  const cdp = await throttle(page, t);
  await page.goto(uppyUrl(server, link.token, partSize, mimeType));
  await page.locator('[data-uppy-acquirer-id="Webcam"] button').click();
  await expect(page.getByRole('button', { name: 'Begin video recording' })).toBeVisible({ timeout: 60_000 });
  return { page, cdp, ctx };
}

/** Record `seconds` with Uppy's webcam, stop, submit (autoProceed uploads), time Stop → complete. */
export async function uppySend(browser: Browser, server: BenchServer, seconds: number, t: Throttle,
  partSize: number, mimeType: string): Promise<SendResult> {
  const { page, ctx } = await openUppy(browser, server, t, partSize, mimeType);
  try {
    await page.getByRole('button', { name: 'Begin video recording' }).click();
    await expect(page.getByRole('button', { name: 'Stop video recording' })).toBeVisible();
    const started = await pageNow(page);
    await sleep(seconds * 1000);
    const stopAt = await pageNow(page);
    await page.getByRole('button', { name: 'Stop video recording' }).click();
    await page.getByRole('button', { name: 'Submit recorded file' }).click();
    await page.waitForFunction(() => {
      const b = (window as any).__uppyBench;
      return b.complete || b.error;
    }, null, { timeout: 600_000, polling: 50 });
    const r = await page.evaluate(() => (window as any).__uppyBench);
    if (r.error) throw new Error(`Uppy upload failed: ${r.error}`);
    const file = await page.evaluate(() => {
      const f = (window as any).__uppyFile;
      return f ? { size: f.size, type: f.type } : null;
    });
    return {
      stopToSentMs: r.complete.at - stopAt, recordedMs: stopAt - started,
      bytes: r.complete.response.size ?? file?.size, mimeType: file?.type ?? mimeType, confirmedAtStopBytes: 0,
    };
  } finally {
    await ctx.close();
  }
}

/** Navigation → first frame of the live preview, in ms, pressing each page's one button
 *  to the camera as soon as it shows. */
export async function timeToCamera(browser: Browser, server: BenchServer, which: 'vidreply' | 'uppy',
  partSize: number, mimeType: string): Promise<number> {
  const link = await captureLink(server);
  const ctx = await benchContext(browser);
  try {
    const page = await ctx.newPage();
    if (which === 'vidreply') {
      const url = new URL(link.url);
      url.searchParams.set('countdown', '0');
      await page.goto(url.toString());
      await page.getByRole('button', { name: 'Allow camera' }).click();
    } else {
      await page.goto(uppyUrl(server, link.token, partSize, mimeType));
      await page.locator('[data-uppy-acquirer-id="Webcam"] button').click();
    }
    await page.waitForFunction(() => (window as any).__bench.firstFrame != null, null, { timeout: 60_000, polling: 20 });
    return await page.evaluate(() => (window as any).__bench.firstFrame);
  } finally {
    await ctx.close();
  }
}
