// Start the real vidreply server (release build) on a free port with a fresh data folder.
import { spawn, execFileSync, ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';

export const ROOT = resolve(__dirname, '../../..');
/** Cargo's target folder: `CARGO_TARGET_DIR` when set (as cargo and scripts/build honour it), else `target/`. */
export const TARGET = process.env.CARGO_TARGET_DIR ? resolve(ROOT, process.env.CARGO_TARGET_DIR) : join(ROOT, 'target');

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as any).port;
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

export type Backend = 'local' | 's3';

export interface RunningServer {
  url: string;
  apiKey: string;
  dataDir: string;
  backend: Backend;
  /** What the server logged (stderr). */
  logs: () => string;
  /** What it printed for the person at the terminal (stdout). */
  banner: () => string;
  /** Stop the process (SIGTERM) and start it again on the same port and data. */
  restart: () => Promise<void>;
  stop: () => Promise<void>;
}

export async function startServer(backend: Backend, env: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `vidreply-e2e-${backend}-`));
  // The server refuses API keys shorter than 32 characters.
  const apiKey = `test-api-key-${randomBytes(24).toString('hex')}`;
  // The production shape: S3 for video and PostgreSQL for state, by settings only.
  const s3: Record<string, string> = backend === 's3' ? {
    VIDREPLY_STORAGE: 's3',
    VIDREPLY_S3_ENDPOINT: need('S3_ENDPOINT'),
    VIDREPLY_S3_BUCKET: need('S3_BUCKET'),
    VIDREPLY_S3_REGION: process.env.S3_REGION ?? 'us-east-1',
    VIDREPLY_S3_ACCESS_KEY_ID: need('AWS_ACCESS_KEY_ID'),
    VIDREPLY_S3_SECRET_ACCESS_KEY: need('AWS_SECRET_ACCESS_KEY'),
    VIDREPLY_DATABASE_URL: freshDatabase(),
  } : { VIDREPLY_STORAGE: 'local' };
  const url = `http://127.0.0.1:${port}`;
  // stderr is the log; stdout only carries the start-up banner for a person.
  let out = '';
  let log = '';
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(join(TARGET, 'server/vidreply-server'), [], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        VIDREPLY_BIND: `127.0.0.1:${port}`,
        VIDREPLY_DATA_DIR: dataDir,
        VIDREPLY_DIST_DIR: join(ROOT, 'dist'),
        VIDREPLY_API_KEY: apiKey,
        VIDREPLY_LOG: 'info',
        ...s3,
        // `{port}` in a value stands for the port this server listens on.
        ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replaceAll('{port}', String(port))])),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (log += d));
    for (let i = 0; ; i++) {
      if (child.exitCode !== null) throw new Error(`server exited early:\n${log}`);
      try {
        if ((await fetch(`${url}/healthz`)).ok) break;
      } catch { /* not up yet */ }
      if (i > 300) throw new Error(`server did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const halt = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  };
  await launch();
  return {
    url, apiKey, dataDir, backend,
    logs: () => log,
    banner: () => out,
    restart: async () => { await halt(); await launch(); },
    stop: async () => {
      await halt();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A new, empty PostgreSQL database on the server scripts/test started. */
function freshDatabase(): string {
  const admin = need('POSTGRES_URL');
  const name = `e2e_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
  execFileSync('psql', ['-q', admin, '-c', `CREATE DATABASE ${name}`]);
  return admin.replace(/\/postgres$/, `/${name}`);
}

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the e2e tests through scripts/test`);
  return v;
}

export async function createCaptureLink(server: RunningServer, body: object) {
  const res = await fetch(`${server.url}/api/v1/capture-links`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`capture link: ${res.status} ${await res.text()}`);
  return res.json() as Promise<{ url: string; token: string; expiresAt: number }>;
}
