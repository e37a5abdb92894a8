// The bench's check that every figure is present and numeric (what makes the smoke run
// able to fail), and the short summary for a person.
const REQUIRED: string[] = [
  'downloadSize.recorder.rawBytes', 'downloadSize.recorder.gzipBytes', 'downloadSize.recorder.servedBytes',
  'downloadSize.widget.rawBytes', 'downloadSize.widget.gzipBytes',
  'downloadSize.uppy.rawBytes', 'downloadSize.uppy.gzipBytes',
  'stopToSent.runs.*.vidreply.stopToSentMs', 'stopToSent.runs.*.uppy.stopToSentMs',
  'stopToSent.runs.*.floor.floorMs', 'stopToSent.runs.*.ratios.aOverB', 'stopToSent.runs.*.ratios.aOverC',
  'stopToSent.runs.*.vidreply.bitrateMbps', 'stopToSent.runs.*.uppy.bitrateMbps',
  'stopToSent.runs.*.excessOverFloorMs', 'stopToSent.runs.*.vidreply.breakdown.steps.sent',
  'stopToSent.runs.*.samples.*.stopToSentMs', 'stopToSent.runs.*.samples.*.aOverC',
  'stopToSent.runs.*.vidreply.breakdown.steps.completeDone', 'stopToSent.runs.*.vidreply.breakdown.server.total',
  'stopToSent.long.vidreply.stopToSentMs', 'stopToSent.long.floor.floorMs', 'stopToSent.long.aOverC',
  'stopToSent.excessGrowthMs', 'goodput.runs.*.breakdown.linkIdleMs', 'goodput.runs.*.breakdown.journalCopyMs',
  'goodput.runs.*.breakdown.completeMs',
  'goodput.runs.*.ofLinkRate', 'goodput.runs.*.bytesPerSecond', 'goodput.serverCpuSecondsPerGbStored',
  'faultCost.resentOverFailedPartBytes', 'faultCost.timeAddedMs', 'faultCost.faults.drops',
  'memory.samples.*.jsHeapUsedBytes', 'memory.samples.*.liveBlobBytes', 'memory.lastOverFirst',
  'server.errors', 'server.requestsPerSecond', 'server.serverPeakRssBytes', 'server.cpuSecondsPerGbStored',
  ...['capture-link', 'create', 'sign', 'put-part', 'complete'].flatMap((e) =>
    [`server.endpoints.${e}.p50Ms`, `server.endpoints.${e}.p99Ms`]),
  'timeToCamera.vidreplyMs', 'timeToCamera.uppyMs', 'timeToCamera.vidreplyOverUppy',
];

function values(root: any, path: string[]): any[] {
  if (path.length === 0) return [root];
  const [head, ...rest] = path;
  if (root == null) return [undefined];
  if (head === '*') return Array.isArray(root) && root.length ? root.flatMap((x) => values(x, rest)) : [undefined];
  return values(root[head], rest);
}

/** Names every figure that is missing or not a finite number (empty: all there). */
export function missingFigures(doc: any): string[] {
  const bad = REQUIRED.filter((p) => values(doc.figures, p.split('.')).some((v) => typeof v !== 'number' || !Number.isFinite(v)));
  if (doc.figures.faultCost?.faults?.drops < 1) bad.push('faultCost.faults.drops (no drop happened)');
  return bad;
}

const kb = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
const x = (r: number) => `${r.toFixed(2)}×`;

export function summary(doc: any): string {
  try {
    return lines(doc);
  } catch (e) {
    return `(no summary: ${e})`;
  }
}

/** The named steps of a Stop → "Sent" breakdown, and the server's share of complete. */
function steps(b: any): string {
  const s = Object.entries(b.steps).filter(([k]) => k !== 'tailPart').map(([k, v]) => `${k} ${v}`).join(', ');
  return `${s}; server ${Object.entries(b.server).map(([k, v]) => `${k} ${(v as number).toFixed(1)}`).join(', ')}`;
}

function lines(doc: any): string {
  const f = doc.figures;
  const d = f.downloadSize;
  const lines = [
    `vidreply bench (${doc.mode}, ${doc.machine.cpus} CPUs, ${doc.wallSeconds.toFixed(0)} s)`,
    `1 download (gzip -9): recorder ${kb(d.recorder.gzipBytes)} (served, Brotli: ${kb(d.recorder.servedBytes)}), widget ${kb(d.widget.gzipBytes)}, Uppy ${kb(d.uppy.gzipBytes)}`,
    ...f.stopToSent.runs.map((r: any) => `2 Stop→Sent ${r.recordSeconds} s: vidreply ${r.vidreply.stopToSentMs.toFixed(0)} ms, `
      + `Uppy ${r.uppy.stopToSentMs.toFixed(0)} ms, floor ${r.floor.floorMs.toFixed(0)} ms; a/b ${x(r.ratios.aOverB)}, a/c ${x(r.ratios.aOverC)}`
      + ` (camera ${r.vidreply.bitrateMbps} Mb/s; median of ${r.samples.length}: `
      + `${r.samples.map((s: any) => `${s.stopToSentMs.toFixed(0)} ms a/c ${x(s.aOverC)}`).join(', ')})`),
    `2 Stop→Sent ${(f.stopToSent.long.recordSeconds / 60).toFixed(1)} min: vidreply ${f.stopToSent.long.vidreply.stopToSentMs.toFixed(0)} ms, `
      + `floor ${f.stopToSent.long.floor.floorMs.toFixed(0)} ms, a/c ${x(f.stopToSent.long.aOverC)}; excess over the floor grew `
      + `${f.stopToSent.excessGrowthMs.toFixed(0)} ms from the shortest run`,
    ...f.stopToSent.runs.map((r: any) => `  ${r.recordSeconds} s breakdown (ms after Stop): ${steps(r.vidreply.breakdown)}`),
    `3 goodput: ${f.goodput.runs.map((r: any) => `${r.linkMbps} Mb/s → ${(r.ofLinkRate * 100).toFixed(1)} %`).join(', ')} of the link`,
    ...f.goodput.runs.map((r: any) => `  ${r.linkMbps} Mb/s: journal copy ${r.breakdown.journalCopyMs} ms, first PUT at ${r.breakdown.untilFirstPutMs} ms, `
      + `link idle ${r.breakdown.linkIdleMs} ms, ${r.breakdown.signRoundTrips} signs, complete ${r.breakdown.completeMs} ms`),
    `4 faults: ${f.faultCost.faults.drops} drops, re-sent ÷ failed-part bytes ${f.faultCost.resentOverFailedPartBytes.toFixed(2)}, time added ${f.faultCost.timeAddedMs.toFixed(0)} ms`,
    `5 memory: ${f.memory.samples.map((s: any) => `${s.minutes} min ${(s.totalBytes / 1e6).toFixed(1)} MB`).join(', ')}; last/first ${x(f.memory.lastOverFirst)}`,
    `6 server: ${f.server.clients} clients, ${f.server.errors} errors, ${f.server.requestsPerSecond.toFixed(0)} req/s, `
      + `p50/p99 put-part ${f.server.endpoints['put-part'].p50Ms.toFixed(1)}/${f.server.endpoints['put-part'].p99Ms.toFixed(1)} ms, `
      + `peak RSS ${(f.server.serverPeakRssBytes / 1e6).toFixed(0)} MB; ${f.server.cpuSecondsPerGbStored.toFixed(1)} CPU s per GB stored (goodput file)`,
    `7 time to camera: vidreply ${f.timeToCamera.vidreplyMs.toFixed(0)} ms, Uppy ${f.timeToCamera.uppyMs.toFixed(0)} ms`,
  ];
  return lines.join('\n');
}
