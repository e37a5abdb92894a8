// Figure 6: the server under N simulated clients (server/examples/loadgen.rs), on the
// local backend; its CPU and peak RSS come from /proc.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { TARGET, procStats, startServer } from '../lib/server';

export async function serverLoad(clients: number, file: string, partSize: number, log: (s: string) => void) {
  const server = await startServer({
    VIDREPLY_PART_SIZE: String(partSize),
    // One machine plays every client from one IP; the per-IP limit would refuse it.
    VIDREPLY_RATE_LIMIT_IP_PER_MINUTE: '0',
    // Complete (with its ffprobe) is measured; processing (ffmpeg) is a separate worker.
    VIDREPLY_PROCESSING_WORKERS: '0',
  });
  try {
    const before = procStats(server.pid);
    // Asynchronously: Node must keep draining the server's log pipe meanwhile, or the
    // server blocks writing its (slow-query) warnings and the run measures that.
    const { stdout: out } = await promisify(execFile)(join(TARGET, 'server/examples/loadgen'),
      [server.url, server.apiKey, file, String(clients), String(partSize)],
      { maxBuffer: 16 << 20, env: { PATH: process.env.PATH ?? '' } });
    const after = procStats(server.pid);
    const r = JSON.parse(out);
    const cpu = after.cpuSeconds - before.cpuSeconds;
    log(`load: ${clients} clients, ${r.requests} requests, ${r.errors} errors, ${r.requestsPerSecond.toFixed(0)} req/s`);
    return {
      inputs: {
        clients, fileBytes: statSync(file).size, partSize,
        flow: 'capture link (API key) → create upload → sign all parts → PUT each part → complete (ffprobe)',
        server: 'local disk + SQLite, per-IP rate limit off, processing workers 0',
      },
      ...r,
      units: { latency: 'ms', requestsPerSecond: 'requests/s', rss: 'bytes', cpu: 'CPU seconds per GB (1e9 bytes) stored' },
      serverPeakRssBytes: after.peakRssBytes,
      serverCpuSeconds: cpu,
      loadCpuSecondsPerGbStored: r.bytesStored > 0 ? cpu / (r.bytesStored / 1e9) : null,
    };
  } finally {
    await server.stop();
  }
}
