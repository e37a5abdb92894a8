// Figure 5: what a long recording costs the page: JS heap (CDP Performance.getMetrics,
// after a forced GC) plus live Blob bytes, at checkpoints while vidreply records.
import { Browser } from '@playwright/test';
import { BenchServer } from '../lib/server';
import { memory, pageNow, sleep, Throttle } from '../lib/browser';
import { openVidreply, stopAndSend } from '../lib/pages';
import { floorOf } from './upload';

export async function recordingMemory(browser: Browser, server: BenchServer, checkpointsMin: number[],
  link: Throttle, log: (s: string) => void, beforeStop?: Promise<void>) {
  const { page, cdp, ctx, token } = await openVidreply(browser, server, link);
  try {
    const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/uploads') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Start recording' }).click();
    const uploadId = (await (await created).json()).uploadId;
    await page.waitForFunction(() => (window as any).__bench.screens.recording != null, null, { timeout: 60_000 });
    const started = await page.evaluate(() => (window as any).__bench.screens.recording);
    const samples = [];
    for (const min of checkpointsMin) {
      const wait = started + min * 60_000 - (await pageNow(page));
      if (wait > 0) await sleep(wait);
      const m = await memory(page, cdp);
      const atMin = ((await pageNow(page)) - started) / 60_000;
      samples.push({ minutes: min, measuredAtMinutes: atMin, ...m });
      log(`memory at ${min} min: JS heap ${(m.jsHeapUsedBytes / 1e6).toFixed(1)} MB + Blobs ${(m.liveBlobBytes / 1e6).toFixed(1)} MB`);
    }
    const first = samples[0];
    const last = samples[samples.length - 1];
    // The long recording is sent too: Stop → "Sent" at its full length costs no extra time.
    // It waits (still recording) until the figures running alongside are over, so the
    // machine is as quiet for this Stop as for the short ones.
    if (beforeStop) {
      log('memory: samples taken; recording on until the other figures finish, then Stop');
      await beforeStop;
    }
    const sent = await stopAndSend(page, server, token, uploadId, started);
    const floor = floorOf(sent, link);
    log(`sent after ${(sent.recordedMs / 60_000).toFixed(1)} min: ${sent.bytes} B, Stop → Sent ${sent.stopToSentMs.toFixed(0)} ms, floor ${floor.floorMs.toFixed(0)} ms`);
    return {
      stopToSent: {
        recordSeconds: sent.recordedMs / 1000, vidreply: sent, floor,
        excessOverFloorMs: sent.stopToSentMs - floor.floorMs, aOverC: sent.stopToSentMs / floor.floorMs,
      },
      unit: 'bytes',
      inputs: {
        recorder: 'vidreply standalone page, recording from the fake 720p30 camera',
        link: `${link.bitsPerSecond / 1e6} Mb/s uplink (CDP), ${link.rttMs} ms latency`,
        heap: 'CDP Performance.getMetrics JSHeapUsedSize after HeapProfiler.collectGarbage',
        blobs: 'bytes of MediaRecorder chunks and of Blobs built from bytes that the page can still reach (WeakRef after the GC)',
      },
      samples,
      lastOverFirst: last.totalBytes / first.totalBytes,
    };
  } finally {
    await ctx.close();
  }
}
