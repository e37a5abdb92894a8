// The real vidreply server (release build) for the bench: a fresh data folder, a known
// API key, and its PID so the bench can read its CPU time and peak RSS from /proc.
import { spawn, ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// One way to find a free port, shared with the e2e harness.
import { freePort, TARGET } from '../../tests/e2e/support/server';

export { freePort, TARGET };

export const ROOT = join(__dirname, '../..');

export interface BenchServer {
  url: string;
  port: number;
  apiKey: string;
  dataDir: string;
  pid: number;
  /** Stop it; what it answered with 5xx or logged as an error goes to [`serverErrors`]. */
  stop: () => Promise<void>;
}

/** Every server the bench started, by name, with what went wrong in it. */
const errorsSeen: string[] = [];
let started = 0;

/**
 * What the bench's servers got wrong while it measured: requests answered with a 5xx
 * (from each server's own /metrics) and lines logged at ERROR, each naming its server.
 * A figure measured against a failing server says nothing; `--smoke` fails on these.
 */
export function serverErrors(): string[] {
  return [...errorsSeen];
}

/** `http_requests_total` samples whose status is 5xx, as "METHOD route: N × status". */
export function fiveHundreds(metrics: string): string[] {
  const out: string[] = [];
  for (const line of metrics.split('\n')) {
    const m = line.match(/^http_requests_total\{(.*)\}\s+(\S+)$/);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    const n = Number(m[2]);
    if (/^5\d\d$/.test(labels.status ?? '') && n > 0) out.push(`${labels.method} ${labels.route}: ${n} × ${labels.status}`);
  }
  return out;
}

/** Lines of the server's text log at level ERROR. */
export function errorLines(log: string): string[] {
  return log.split('\n').filter((l) => /^\S+\s+ERROR\s/.test(l));
}

/** `env` may use `{port}` for the port this server listens on. */
export async function startServer(env: Record<string, string> = {}, distDir = join(ROOT, 'dist'),
  port?: number): Promise<BenchServer> {
  port ??= await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'vidreply-bench-'));
  // The server refuses API keys shorter than 32 characters.
  const apiKey = `bench-${randomBytes(24).toString('hex')}`;
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const logged: string[] = [];
  let partial = '';
  // Named by its settings, secrets left out, so a failure says which run it was.
  const settings = Object.entries(env).map(([k, v]) => `${k}=${/SECRET|KEY|TOKEN|PASSWORD/i.test(k) ? '…' : v}`);
  const name = `server #${++started} (${[url, ...settings].join(' ')})`;
  const child: ChildProcess = spawn(join(TARGET, 'server/vidreply-server'), [], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      VIDREPLY_BIND: `127.0.0.1:${port}`,
      VIDREPLY_DATA_DIR: dataDir,
      VIDREPLY_DIST_DIR: distDir,
      VIDREPLY_API_KEY: apiKey,
      VIDREPLY_LOG: 'warn',
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replaceAll('{port}', String(port))])),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d) => {
    log = (log + d).slice(-20_000);
    // Every ERROR line, however long the log grows (the tail above is for start-up failures).
    const lines = (partial + d).split('\n');
    partial = lines.pop() ?? '';
    logged.push(...errorLines(lines.join('\n')));
  });
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${log}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch { /* not up yet */ }
    if (i > 300) throw new Error(`server did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url, port, apiKey, dataDir, pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) errorsSeen.push(`${name} exited by itself (${child.exitCode ?? child.signalCode})`);
      if (child.exitCode === null) {
        try {
          const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } });
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          errorsSeen.push(...fiveHundreds(await res.text()).map((e) => `${name} answered ${e}`));
        } catch (e) {
          errorsSeen.push(`${name}: /metrics could not be read to count 5xx answers (${e})`);
        }
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      logged.push(...errorLines(partial));
      errorsSeen.push(...logged.map((l) => `${name} logged: ${l}`));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function captureLink(server: BenchServer, conversationId = `bench-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`) {
  const res = await fetch(`${server.url}/api/v1/capture-links`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ conversationId }),
  });
  if (res.status !== 201) throw new Error(`capture link: ${res.status} ${await res.text()}`);
  return res.json() as Promise<{ url: string; token: string }>;
}

/** CPU seconds (user + system) and peak RSS (VmHWM, bytes) of a process, from /proc. */
export function procStats(pid: number): { cpuSeconds: number; peakRssBytes: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0, so utime (14) is 11 and stime (15) is 12.
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN) * 1024;
  return { cpuSeconds: ticks / clkTck(), peakRssBytes: kb('VmHWM'), rssBytes: kb('VmRSS') };
}

let tck = 0;
function clkTck(): number {
  if (!tck) {
    try {
      tck = Number(require('node:child_process').execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      tck = 100;
    }
  }
  return tck;
}
