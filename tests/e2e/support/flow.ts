// Steps shared by the reliability tests.
import { expect, Page } from '@playwright/test';
import type { RunningServer } from './server';
import { storedObject, sha256 } from './recording';

/** The API's route for a recording's short last part (no signed URL). */
export const isTailPut = (r: { method(): string; url(): string }) =>
  r.method() === 'PUT' && /^\/api\/v1\/uploads\/[^/]+\/parts\/\d+$/.test(new URL(r.url()).pathname);

/** A PUT of a recording's part: to storage at a signed URL, or the tail through the
 * API (the poster's PUT goes to the API too, and is not a part). */
export const isPartPut = (r: { method(): string; url(): string }) =>
  r.method() === 'PUT' && (!new URL(r.url()).pathname.startsWith('/api/v1/') || isTailPut(r));

/** The part number of a part PUT: the path's last segment (local disk) or `?partNumber=` (S3). */
export function partNumberOf(url: string): number {
  const u = new URL(url);
  return Number(u.searchParams.get('partNumber') ?? u.pathname.split('/').pop());
}

/** Open the link, allow the camera and start recording; resolves to the server's upload id. */
export async function startRecording(page: Page, url: string): Promise<string> {
  await page.goto(url);
  await page.getByRole('button', { name: 'Allow camera' }).click();
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/uploads') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Start recording' }).click();
  const res = await created;
  expect(res.status()).toBe(201);
  return (await res.json()).uploadId;
}

/** Parts the server holds for an upload, asked through the API with the link's token. */
export async function serverParts(server: RunningServer, token: string, uploadId: string) {
  const res = await fetch(`${server.url}/api/v1/uploads/${uploadId}/parts`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()).parts as { partNumber: number; size: number }[];
}

/** Wait for "Sent", then return the stored object's bytes for the video the page completed. */
export async function sentVideo(page: Page, server: RunningServer, completion: Promise<any>): Promise<Buffer> {
  await expect(page.getByRole('status')).toHaveText('Sent');
  const video = await (await completion).json();
  const ext = video.mimeType.startsWith('video/mp4') ? 'mp4' : 'webm';
  return storedObject(server, `videos/${video.videoId}/original.${ext}`);
}

/** Press Stop, then Send, and return the stored bytes once "Sent" shows. */
export async function stopAndSend(page: Page, server: RunningServer): Promise<Buffer> {
  await page.getByRole('button', { name: 'Stop' }).click();
  const done = completionOf(page);
  await page.getByRole('button', { name: 'Send' }).click();
  return sentVideo(page, server, done);
}

export function completionOf(page: Page) {
  return page.waitForResponse((r) => /\/api\/v1\/uploads\/[^/]+\/complete$/.test(r.url()) && r.status() === 200,
    { timeout: 120_000 });
}

export { sha256 };
