// A person quicker than the disk: the journal (IndexedDB) has not finished opening when
// they choose a file or press Start. Nothing may be refused for that; the recorder waits
// for the journal and goes on. The page's IndexedDB opening is held back by the test
// (its `success` handlers wait for a gate), so the order is certain, not a race.
import { test, expect, Page } from '@playwright/test';
import { readFileSync, statSync } from 'node:fs';
import { RunningServer } from './support/server';
import { completionOf, sentVideo, sha256, stopAndSend } from './support/flow';
import { serverAndFixturesPerFile, Fixtures, captureUrl } from './support/capture-kit';
import { captureRecorderChunks, recordedSha256 } from './support/recording';

let server: RunningServer;
let fx: Fixtures;
serverAndFixturesPerFile((s, f) => { server = s; fx = f; });

/** Runs in the page before its scripts: IndexedDB opens, but says so only when released. */
function holdIndexedDb() {
  const w = window as any;
  const held: (() => void)[] = [];
  w.__journalOpens = 0;
  w.__releaseJournal = () => {
    w.__journalReleased = true;
    held.splice(0).forEach((f) => f());
  };
  const gate = (f: any) => (typeof f !== 'function' ? f : function (this: any, ev: Event) {
    if (w.__journalReleased) return f.call(this, ev);
    held.push(() => f.call(this, ev));
  });
  const open = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function (this: IDBFactory, ...args: any[]) {
    w.__journalOpens++;
    const req = open.apply(this, args as [string, number?]);
    const d = Object.getOwnPropertyDescriptor(IDBRequest.prototype, 'onsuccess')!;
    Object.defineProperty(req, 'onsuccess', {
      get: () => d.get!.call(req),
      set: (f) => d.set!.call(req, gate(f)),
    });
    const add = req.addEventListener.bind(req);
    (req as any).addEventListener = (t: string, f: any, o?: any) => add(t, t === 'success' ? gate(f) : f, o);
    return req;
  } as typeof open;
}

async function openHeld(page: Page, params: Record<string, string> = {}) {
  await page.addInitScript(holdIndexedDb);
  // What MediaRecorder produced, kept apart from the app, to compare with what was stored.
  await captureRecorderChunks(page);
  await page.goto((await captureUrl(server, params)).url);
  // The journal has been asked for and is not open yet.
  await expect.poll(() => page.evaluate(() => (window as any).__journalOpens)).toBeGreaterThan(0);
}

const screen = (page: Page) => page.locator('.vr-root');

test('a file chosen before the journal has opened is sent, not refused', async ({ page }) => {
  await openHeld(page);
  const done = completionOf(page);
  await page.locator('.vr-file input[type=file]').setInputFiles(fx.mp4);
  await expect(screen(page)).toHaveAttribute('data-screen', 'sending');
  await page.evaluate(() => (window as any).__releaseJournal());
  const stored = await sentVideo(page, server, done);
  expect(stored.length).toBe(statSync(fx.mp4).size);
  expect(sha256(stored)).toBe(sha256(readFileSync(fx.mp4)));
});

test('Start pressed before the journal has opened records, and the recording is sent', async ({ page }) => {
  await openHeld(page, { countdown: '0' });
  await page.getByRole('button', { name: 'Allow camera' }).click();
  await page.getByRole('button', { name: 'Start recording' }).click();
  // Not refused while it waits for the journal.
  await expect(screen(page)).toHaveAttribute('data-screen', 'preview');
  await page.evaluate(() => (window as any).__releaseJournal());
  await expect(screen(page)).toHaveAttribute('data-screen', 'recording');
  await expect(page.locator('.vr-elapsed')).not.toHaveText('0:00');
  const stored = await stopAndSend(page, server);
  // Exactly the bytes the browser recorded, none lost while the journal was held.
  const recorded = await recordedSha256(page);
  expect(recorded.size).toBeGreaterThan(0);
  expect(stored.length).toBe(recorded.size);
  expect(sha256(stored)).toBe(recorded.sha256);
});
