// Watch what MediaRecorder really produced, independently of the app: every non-empty
// chunk is kept in page order, so the test can hash exactly the recorded bytes.
import type { Page } from '@playwright/test';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3';
import type { RunningServer } from './server';

export async function captureRecorderChunks(page: Page) {
  await page.addInitScript(() => {
    const w = window as any;
    w.__recorded = { chunks: [] as Blob[], mimeType: '' };
    const Original = w.MediaRecorder;
    if (!Original) return;
    w.MediaRecorder = class extends Original {
      constructor(...args: any[]) {
        super(...args);
        w.__recorded.mimeType = (this as any).mimeType;
        this.addEventListener('dataavailable', (e: any) => {
          if (e.data && e.data.size > 0) w.__recorded.chunks.push(e.data);
        });
      }
    };
  });
}

/** SHA-256 (hex) of the bytes MediaRecorder produced, computed in the page. */
export async function recordedSha256(page: Page): Promise<{ sha256: string; size: number; mimeType: string }> {
  return page.evaluate(async () => {
    const r = (window as any).__recorded;
    const buf = await new Blob(r.chunks).arrayBuffer();
    const digest = await crypto.subtle.digest('SHA-256', buf);
    const sha256 = Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, '0')).join('');
    return { sha256, size: buf.byteLength, mimeType: r.mimeType };
  });
}

/** The stored object's bytes, read straight from storage (not through the server). */
export async function storedObject(server: RunningServer, key: string): Promise<Buffer> {
  if (server.backend === 'local') {
    return readFileSync(join(server.dataDir, 'storage', 'objects', key));
  }
  const s3 = new S3Client({
    endpoint: process.env.S3_ENDPOINT, region: process.env.S3_REGION ?? 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! },
  });
  const res = await s3.send(new GetObjectCommand({ Bucket: process.env.S3_BUCKET, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
