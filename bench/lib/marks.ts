// Where the time goes between Stop (or choosing a file) and "Sent": the page's
// `vr:` performance marks (core's `Host::mark`, the recorder, the PUT shell) and the
// server's own `Server-Timing` on complete, read after the page says "Sent".
import { Page } from '@playwright/test';

export interface Mark { name: string; at: number }

/** Every `vr:` mark since `from` (page ms), and complete's Server-Timing, in ms. */
export async function readMarks(page: Page, from: number) {
  return page.evaluate((from) => {
    const marks = performance.getEntriesByType('mark')
      .filter((m) => m.name.startsWith('vr:') && m.startTime >= from)
      .map((m) => ({ name: m.name, at: m.startTime }));
    const complete = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((r) => /\/api\/v1\/uploads\/[^/]+\/complete$/.test(r.name)).pop();
    const server: Record<string, number> = {};
    for (const t of complete?.serverTiming ?? []) server[t.name] = t.duration;
    return { marks, server };
  }, from);
}

const first = (ms: Mark[], name: string) => ms.find((m) => m.name === name)?.at;
const last = (ms: Mark[], name: string) => [...ms].reverse().find((m) => m.name === name)?.at;
const round = (x: number | undefined) => (x == null ? null : Math.round(x * 10) / 10);

/** Part numbers that have a mark, highest first. */
function parts(ms: Mark[]): number[] {
  const ns = ms.flatMap((m) => [...m.name.matchAll(/#(\d+)/g)].map((x) => Number(x[1])));
  return [...new Set(ns)].sort((a, b) => b - a);
}

/** Was part `n` in a sign request after `from`, and when did that request start and end? */
function signOf(ms: Mark[], n: number) {
  const has = (m: Mark, kind: string) => m.name.startsWith(`vr:${kind}#`) && m.name.split('#').slice(1).map(Number).includes(n);
  return { at: ms.find((m) => has(m, 'sign'))?.at, done: ms.find((m) => has(m, 'signed'))?.at };
}

/**
 * Stop → "Sent", step by step, each as ms since Stop: when the recorder handed over
 * its last chunk, when that chunk was journaled, Send, the tail part's sign, read,
 * checksum and PUT, complete (with the server's own share), and "Sent".
 */
export function stopBreakdown(all: Mark[], server: Record<string, number>, stopAt: number, sentAt: number) {
  const rel = (x: number | undefined) => round(x == null ? undefined : x - stopAt);
  const marks = all.filter((m) => m.at >= stopAt);
  const tail = parts(all)[0];
  // The tail may have been signed before Stop (then these are negative).
  const sign = tail == null ? { at: undefined, done: undefined } : signOf(all, tail);
  const steps = {
    recorderStopped: rel(first(marks, 'vr:recorder-stopped')),
    lastChunkJournaled: rel(last(marks.filter((m) => m.at <= (first(marks, 'vr:finished') ?? Infinity)), 'vr:journaled')),
    journalFinished: rel(first(marks, 'vr:finished')),
    send: rel(first(marks, 'vr:send')),
    tailPart: tail ?? null,
    tailSignStart: rel(sign.at),
    tailSigned: rel(sign.done),
    tailReadStart: rel(first(marks, `vr:read#${tail}`)),
    tailRead: rel(first(marks, `vr:put#${tail}`)),
    tailChecksummed: rel(first(marks, `vr:md5-done#${tail}`)),
    tailPutDone: rel(last(marks, `vr:put-done#${tail}`)),
    completeStart: rel(first(marks, 'vr:complete')),
    completeDone: rel(last(marks, 'vr:completed')),
    sent: rel(sentAt),
  };
  return { unit: 'ms since Stop was pressed', steps, signRequestsAfterStop: marks.filter((m) => /^vr:sign#/.test(m.name)).length, server };
}

/** Time in [from, to] with no PUT in flight (the link standing idle), from put → put-done marks. */
function idleMs(marks: Mark[], from: number, to: number) {
  const open = new Map<string, number>();
  const spans: [number, number][] = [];
  for (const m of marks) {
    const p = /^vr:put#(\d+)$/.exec(m.name);
    const d = /^vr:put-done#(\d+)$/.exec(m.name);
    if (p) open.set(p[1], m.at);
    else if (d && open.has(d[1])) {
      spans.push([open.get(d[1])!, m.at]);
      open.delete(d[1]);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  let idle = 0;
  let edge = from;
  for (const [s, e] of spans) {
    if (s > edge) idle += s - edge;
    edge = Math.max(edge, e);
  }
  return idle + Math.max(0, to - edge);
}

/** Sum of (end − start) over every part that has both marks. */
function perPart(marks: Mark[], start: string, end: string) {
  let sum = 0;
  for (const n of parts(marks)) {
    const a = first(marks, `vr:${start}#${n}`);
    const b = first(marks, `vr:${end}#${n}`);
    if (a != null && b != null) sum += b - a;
  }
  return sum;
}

/**
 * A file, chosen → "Sent": journaling it, reading parts back and checksumming them
 * (summed over parts, they overlap the link), sign round trips, the time the link
 * stood idle (no PUT in flight), and complete.
 */
export function fileBreakdown(marks: Mark[], server: Record<string, number>, chosenAt: number, sentAt: number) {
  const signs = marks.filter((m) => /^vr:sign#/.test(m.name));
  const signed = marks.filter((m) => /^vr:signed#/.test(m.name));
  const firstPut = marks.find((m) => /^vr:put#/.test(m.name))?.at;
  const lastDone = [...marks].reverse().find((m) => /^vr:put-done#/.test(m.name))?.at;
  return {
    unit: 'ms',
    journalCopyMs: round((last(marks, 'vr:journaled') ?? chosenAt) - chosenAt),
    untilFirstPutMs: round((firstPut ?? chosenAt) - chosenAt),
    readBackMsSummed: round(perPart(marks, 'read', 'put')),
    checksumMsSummed: round(perPart(marks, 'put', 'md5-done')),
    signRoundTrips: signs.length,
    signMsSummed: round(signs.reduce((s, m, i) => s + ((signed[i]?.at ?? m.at) - m.at), 0)),
    linkIdleMs: round(firstPut != null && lastDone != null ? idleMs(marks, firstPut, lastDone) : undefined),
    lastPutToCompleteMs: round((first(marks, 'vr:complete') ?? NaN) - (lastDone ?? NaN)),
    completeMs: round((last(marks, 'vr:completed') ?? NaN) - (first(marks, 'vr:complete') ?? NaN)),
    completeToSentMs: round(sentAt - (last(marks, 'vr:completed') ?? NaN)),
    server,
  };
}
