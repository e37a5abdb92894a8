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
  stop: () => Promise<void>;
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
  const child: ChildProcess = spawn(join(TARGET, 'release/vidreply-server'), [], {
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
  child.stderr!.on('data', (d) => { log = (log + d).slice(-20_000); });
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
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
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
