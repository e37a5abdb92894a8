// scripts/bench: every figure of issue 7 measured in one run, side by side with Uppy, on
// this machine. Prints a short summary, then the path of the JSON document, last.
//   npx tsx bench/run.ts [--smoke] [--parallel] [--out FILE]
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT, procStats, serverErrors, startServer } from './lib/server';
import { cameraY4m, launch, webmOfSize, smallWebm, Throttle } from './lib/browser';
import { timeToCamera } from './lib/pages';
import { downloadSize, buildUppyPage } from './figures/size';
import { faultCost, goodput, stopToSent } from './figures/upload';
import { recordingMemory } from './figures/memory';
import { serverLoad } from './figures/load';
import { missingFigures, summary } from './report';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
// The memory figure records for ten minutes. By default it runs after the others, so no
// figure shares the two cores with a live 720p recording (which slowed Stop → "Sent" and
// goodput measurably); --parallel runs it alongside figures 2–4 and 7 to save time.
const serial = !args.includes('--parallel');
const outArg = args.indexOf('--out');
const PART = 5 * 1024 * 1024;
const RTT_MS = 20;
const C = smoke
  ? { recordSeconds: [5, 10], goodputBytes: 5e6, goodputMbps: [10, 50], faultSeconds: 8, drops: 1,
    memoryMin: [0.1, 0.2, 0.35], clients: 50, ttcRepeats: 1, stopRepeats: 1 }
  : { recordSeconds: [30, 120], goodputBytes: 100e6, goodputMbps: [10, 50], faultSeconds: 30, drops: 3,
    memoryMin: [1, 5, 10], clients: 1000, ttcRepeats: 3, stopRepeats: 3 };
const link: Throttle = { bitsPerSecond: 10e6, rttMs: RTT_MS };
const log = (s: string) => process.stderr.write(`  ${s}\n`);
const step = (s: string) => process.stderr.write(`\x1b[1m==> ${s}\x1b[0m\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const t0 = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'vidreply-bench-run-'));
  const figures: Record<string, any> = {};
  let chromiumVersion = '';
  try {
    step('1. download size (esbuild bundles the Uppy page)');
    figures.downloadSize = await downloadSize(join(work, 'uppy-measured'));
    // The server serves the built app plus the Uppy page at /uppy/, same origin for both.
    const dist = join(work, 'dist');
    cpSync(join(ROOT, 'dist'), dist, { recursive: true });
    await buildUppyPage(join(dist, 'uppy'));

    step('fixtures (ffmpeg)');
    const y4m = cameraY4m();
    const file = webmOfSize(C.goodputBytes);
    const small = smallWebm();
    const server = await startServer({ VIDREPLY_PART_SIZE: String(PART) }, dist);
    const browser = await launch(y4m);
    chromiumVersion = browser.version();
    // Memory needs minutes of recording: it runs in its own browser and server alongside
    // the figures below only with --parallel, and says so in its inputs.
    // The long run's Stop waits for the figures alongside to finish (a quiet machine).
    let othersDone: () => void = () => undefined;
    const quiet = new Promise<void>((resolve) => { othersDone = resolve; });
    const memoryRun = async (beforeStop?: Promise<void>) => {
      const mServer = await startServer({ VIDREPLY_PART_SIZE: String(PART) }, dist);
      const mBrowser = await launch(y4m);
      try {
        return await recordingMemory(mBrowser, mServer, C.memoryMin, link, log, beforeStop);
      } finally {
        await mBrowser.close();
        await mServer.stop();
      }
    };
    const memory = serial ? null : memoryRun(quiet);
    memory?.catch(() => undefined);
    try {
      step('7. time to camera');
      const ttc: Record<string, number[]> = { vidreply: [], uppy: [] };
      for (let i = 0; i < C.ttcRepeats; i++) {
        for (const which of ['vidreply', 'uppy'] as const) {
          ttc[which].push(await timeToCamera(browser, server, which, PART, 'video/webm;codecs=vp9,opus'));
        }
      }
      figures.timeToCamera = {
        unit: 'ms', inputs: { measure: 'navigation start → first frame of the live preview (requestVideoFrameCallback, videoWidth > 0), the one button to the camera pressed as soon as it shows; median of the runs', runs: C.ttcRepeats },
        vidreplyMs: median(ttc.vidreply), uppyMs: median(ttc.uppy), samples: ttc,
        vidreplyOverUppy: median(ttc.vidreply) / median(ttc.uppy),
      };
      log(`vidreply ${figures.timeToCamera.vidreplyMs.toFixed(0)} ms, Uppy ${figures.timeToCamera.uppyMs.toFixed(0)} ms`);

      step(`2. Stop → Sent at ${link.bitsPerSecond / 1e6} Mb/s up`);
      const runs = [];
      for (const s of C.recordSeconds) runs.push(await stopToSent(browser, server, s, link, PART, log, C.stopRepeats));
      figures.stopToSent = {
        unit: 'ms (times), bytes, ratios',
        inputs: {
          link: `${link.bitsPerSecond / 1e6} Mb/s uplink via CDP Network.emulateNetworkConditions, ${RTT_MS} ms latency`,
          camera: 'fake camera: 1280×720 30 fps y4m, testsrc2 + temporal noise (ffmpeg)', partSize: PART,
          a: `vidreply: uploads parts while recording; Stop, then Send, until the page says "Sent"; the median of ${C.stopRepeats} recordings (all in samples)`,
          b: 'Uppy: Webcam + AwsS3 multipart against the same server (autoProceed); Stop, then Submit, until upload complete',
          c: 'floor: bytes vidreply\'s server did not yet hold at Stop ÷ link rate + one round trip',
        },
        runs,
      };

      step('3. goodput of an existing file (vidreply file path)');
      const before = procStats(server.pid);
      const g = [];
      for (const m of C.goodputMbps) {
        const r = await goodput(browser, server, file, m * 1e6, RTT_MS);
        log(`${m} Mb/s: ${r.bytes} B in ${r.seconds.toFixed(1)} s = ${(r.ofLinkRate * 100).toFixed(1)} % of the link`);
        g.push(r);
      }
      const after = procStats(server.pid);
      const stored = g.reduce((s, r) => s + r.bytes, 0);
      figures.goodput = {
        unit: 'bytes/s ÷ link rate (bytes/s)',
        inputs: { file: `${statSync(file).size} B WebM`, path: 'vidreply page → Upload a video file instead → parts → complete', partSize: PART, rttMs: RTT_MS },
        runs: g,
        serverCpuSecondsPerGbStored: (after.cpuSeconds - before.cpuSeconds) / (stored / 1e9),
      };

      step(`4. fault cost (${C.drops} connection drops mid-part)`);
      figures.faultCost = {
        unit: 'bytes, ms, ratio',
        inputs: { recordSeconds: C.faultSeconds, drops: C.drops, partSize: 1 << 20, link: `${link.bitsPerSecond / 1e6} Mb/s`,
          how: 'a TCP proxy (the server\'s public URL) cuts the first attempt of every other part PUT halfway through its body',
          resent: 'part body bytes that crossed the proxy − bytes stored; ÷ full size of the parts whose PUT was cut' },
        ...await faultCost(browser, C.faultSeconds, C.drops, link, 1 << 20, log),
      };

    } finally {
      await browser.close();
      await server.stop();
      othersDone();
    }
    step(`5. memory while recording (${C.memoryMin.join(', ')} min)`);
    figures.memory = await (memory ?? memoryRun());
    figures.memory.inputs.concurrent = serial ? 'ran alone' : 'ran alongside figures 2–4 and 7 (own browser and server)';
    // The long recording's Stop → "Sent" joins figure 2: does the excess grow with length?
    const long = figures.memory.stopToSent;
    const shortest = figures.stopToSent.runs[0];
    figures.stopToSent.long = long;
    figures.stopToSent.excessGrowthMs = long.excessOverFloorMs - shortest.excessOverFloorMs;
    figures.stopToSent.inputs.long = `the ${C.memoryMin[C.memoryMin.length - 1]} min memory recording (figure 5), Stop then Send at its end`;

    // Last and alone: 1,000 clients would starve the browsers of CPU.
    step(`6. server under ${C.clients} clients`);
    figures.server = await serverLoad(C.clients, small, 64 * 1024, log);
    // CPU per GB stored, from the goodput run: large parts, so storage dominates. The load
    // run's own figure (loadCpuSecondsPerGbStored) mostly measures API calls.
    figures.server.cpuSecondsPerGbStored = figures.goodput.serverCpuSecondsPerGbStored;
    figures.server.units.cpu = 'CPU seconds (user + system, /proc) per GB (1e9 bytes) stored, measured over figure 3\'s uploads';

    const doc = {
      bench: 'vidreply vs Uppy (issue 7)', mode: smoke ? 'smoke' : 'full',
      when: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryBytes: totalmem(),
        chromium: chromiumVersion, node: process.version },
      wallSeconds: (Date.now() - t0) / 1000,
      figures,
    };
    const missing = missingFigures(doc);
    if (missing.length) (doc as any).missingFigures = missing;
    // Figures measured against a server that failed requests say nothing: name each failure.
    const errors = serverErrors();
    if (errors.length) (doc as any).serverErrors = errors;
    const out = outArg >= 0 ? args[outArg + 1] : join(ROOT, 'target/bench', `bench-${doc.mode}-${Date.now()}.json`);
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(out, JSON.stringify(doc, null, 2) + '\n');
    process.stdout.write(summary(doc) + '\n');
    if (missing.length) process.stderr.write(`bench failed: figures missing or not numeric:\n  ${missing.join('\n  ')}\n`);
    if (errors.length) {
      process.stderr.write(`${smoke ? 'bench failed' : 'bench warning'}: the server answered with 5xx or logged errors:\n  ${errors.join('\n  ')}\n`);
    }
    process.stdout.write(`${out}\n`);
    if (missing.length || (smoke && errors.length)) process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  const errors = serverErrors();
  if (errors.length) process.stderr.write(`the server answered with 5xx or logged errors:\n  ${errors.join('\n  ')}\n`);
  process.stderr.write(`bench failed: ${e?.stack ?? e}\n`);
  process.exit(1);
});
