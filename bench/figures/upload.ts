// Figures 2–4: Stop → "Sent" side by side with Uppy and the physical floor, goodput of an
// existing file, and the cost of connection drops mid-part.
import { Browser } from '@playwright/test';
import { BenchServer, captureLink, freePort, startServer } from '../lib/server';
import { benchContext, throttle, Throttle } from '../lib/browser';
import { openVidreply, uppySend, vidreplySend, waitScreen, SendResult } from '../lib/pages';
import { faultProxy } from '../lib/proxy';
import { fileBreakdown, readMarks } from '../lib/marks';
import { statSync } from 'node:fs';

const mbps = (bits: number) => `${bits / 1e6} Mb/s`;

/** Figure 2 for one recording length. vidreply records `repeats` times: where a part
 * boundary falls at Stop decides how much is unsent, so one recording is one draw; the
 * run with the median Stop → "Sent" is reported, and every run is kept in `samples`. */
export async function stopToSent(browser: Browser, server: BenchServer, seconds: number, link: Throttle,
  partSize: number, log: (s: string) => void, repeats = 1) {
  const runs: SendResult[] = [];
  for (let i = 0; i < repeats; i++) {
    const r = await vidreplySend(browser, server, seconds, link);
    const f = floorOf(r, link);
    log(`vidreply ${seconds} s: ${r.bytes} B (${bitrate(r)} Mb/s ${r.mimeType}), Stop → Sent ${r.stopToSentMs.toFixed(0)} ms, `
      + `floor ${f.floorMs.toFixed(0)} ms (${f.unsentAtStopBytes} B unsent at Stop)`);
    runs.push(r);
  }
  const a = [...runs].sort((x, y) => x.stopToSentMs - y.stopToSentMs)[Math.floor(runs.length / 2)];
  const samples = runs.map((r) => {
    const f = floorOf(r, link);
    return { stopToSentMs: r.stopToSentMs, floorMs: f.floorMs, unsentAtStopBytes: f.unsentAtStopBytes, aOverC: r.stopToSentMs / f.floorMs };
  });
  const b = await uppySend(browser, server, seconds, link, partSize, a.mimeType.split(';')[0] === 'video/webm' ? a.mimeType : 'video/webm');
  log(`uppy     ${seconds} s: ${b.bytes} B (${bitrate(b)} Mb/s ${b.mimeType}), Stop → complete ${b.stopToSentMs.toFixed(0)} ms`);
  const floor = floorOf(a, link);
  return {
    recordSeconds: seconds,
    vidreply: { ...a, bitrateMbps: bitrate(a) },
    uppy: { ...b, bitrateMbps: bitrate(b) },
    floor,
    excessOverFloorMs: a.stopToSentMs - floor.floorMs,
    ratios: { aOverB: a.stopToSentMs / b.stopToSentMs, aOverC: a.stopToSentMs / floor.floorMs },
    samples,
  };
}

/** The physical floor: bytes the server did not hold at Stop over the link, plus one round trip. */
export function floorOf(a: SendResult, link: Throttle) {
  const unsent = a.bytes - a.confirmedAtStopBytes;
  return { unsentAtStopBytes: unsent, floorMs: (unsent * 8 / link.bitsPerSecond) * 1000 + link.rttMs };
}

const bitrate = (r: SendResult) => Number(((r.bytes * 8) / (r.recordedMs / 1000) / 1e6).toFixed(3));

/** Figure 3: send an existing file through vidreply's file path at one link rate. */
export async function goodput(browser: Browser, server: BenchServer, file: string, bitsPerSecond: number, rttMs: number) {
  const { page, ctx } = await openVidreplyForFile(browser, server, { bitsPerSecond, rttMs });
  try {
    const bytes = statSync(file).size;
    await page.locator('.vr-file input[type=file]').setInputFiles(file);
    // Ten times the wire time, and at least two minutes: a stall fails with what the page said.
    await waitScreen(page, 'sent', Math.max(120_000, 10 * (bytes * 8 / bitsPerSecond) * 1000));
    const b = await page.evaluate(() => (window as any).__bench);
    const seconds = (b.screens.sent - b.fileChosen) / 1000;
    const bytesPerSecond = bytes / seconds;
    const { marks, server: timing } = await readMarks(page, b.fileChosen);
    return {
      linkMbps: bitsPerSecond / 1e6, bytes, seconds, bytesPerSecond, ofLinkRate: bytesPerSecond / (bitsPerSecond / 8),
      breakdown: fileBreakdown(marks, timing, b.fileChosen, b.screens.sent),
    };
  } finally {
    await ctx.close();
  }
}

async function openVidreplyForFile(browser: Browser, server: BenchServer, t: Throttle) {
  // The file input is offered before the camera is asked for.
  const link = await captureLink(server);
  const ctx = await benchContext(browser);
  const page = await ctx.newPage();
  await throttle(page, t);
  await page.goto(link.url);
  await page.locator('.vr-file input[type=file]').waitFor({ state: 'attached' });
  return { page, ctx };
}

/** Figure 4: record with `drops` part PUTs cut halfway through a proxy, and without. */
export async function faultCost(browser: Browser, seconds: number, drops: number, link: Throttle,
  partSize: number, log: (s: string) => void) {
  const runs: Record<string, any> = {};
  for (const [name, n] of [['baseline', 0], ['faults', drops]] as const) {
    const proxyEnv = { VIDREPLY_PART_SIZE: String(partSize), VIDREPLY_RETRY_BASE_MS: '500' };
    // The proxy needs the server's port and the server the proxy's URL: pick the port first.
    const port = await freePort();
    const proxy = await faultProxy(port, n);
    const server = await startServerOn(port, { ...proxyEnv, VIDREPLY_PUBLIC_URL: `http://127.0.0.1:${proxy.port}/` });
    try {
      const r = await vidreplySend(browser, server, seconds, link, `http://127.0.0.1:${proxy.port}`);
      const wire = proxy.puts.reduce((s, p) => s + p.forwarded, 0);
      const cut = proxy.puts.filter((p) => p.cut);
      const failedPartBytes = cut.reduce((s, p) => s + p.contentLength, 0);
      runs[name] = {
        stopToSentMs: r.stopToSentMs, bytes: r.bytes, partPuts: proxy.puts.length, drops: cut.length,
        partBodyBytesOnWire: wire, failedPartBytes, extraBytesOnWire: wire - r.bytes,
      };
      log(`${name}: ${cut.length} drops, ${proxy.puts.length} part PUTs, ${wire} B on the wire for ${r.bytes} B, Stop → Sent ${r.stopToSentMs.toFixed(0)} ms`);
    } finally {
      await server.stop();
      await proxy.close();
    }
  }
  const f = runs.faults;
  return {
    ...runs,
    resentOverFailedPartBytes: f.failedPartBytes ? f.extraBytesOnWire / f.failedPartBytes : NaN,
    timeAddedMs: f.stopToSentMs - runs.baseline.stopToSentMs,
  };
}

const startServerOn = (port: number, env: Record<string, string>) => startServer(env, undefined, port);

export { mbps };
