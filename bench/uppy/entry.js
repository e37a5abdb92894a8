// The Uppy page the bench compares against: Dashboard + Webcam, and AwsS3 (multipart)
// whose callbacks call vidreply's own API with the capture token, so both recorders
// send to the same server through the same endpoints. Bundled by bench/lib/size.ts
// with esbuild (minified); the bench reads window.__uppyBench for its timings.
import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import Webcam from '@uppy/webcam';
import AwsS3 from '@uppy/aws-s3';

const q = new URLSearchParams(location.search);
const token = q.get('token');
const partSize = Number(q.get('partSize'));
const mimeType = q.get('mimeType') || null;
const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

async function api(method, path, body) {
  const res = await fetch(`/api/v1${path}`, { method, headers: auth, body: body && JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

const bench = (window.__uppyBench = { complete: null, error: null, uploadStarted: null });
const uppy = new Uppy({ autoProceed: true, restrictions: { maxNumberOfFiles: 1 } })
  .use(Dashboard, { inline: true, target: '#uppy', plugins: ['Webcam'], proudlyDisplayPoweredByUppy: false })
  .use(Webcam, { modes: ['video-audio'], preferredVideoMimeType: mimeType, showRecordingLength: true })
  .use(AwsS3, {
    shouldUseMultipart: true,
    getChunkSize: () => partSize,
    async createMultipartUpload(file) {
      const s = await api('POST', '/uploads', { mimeType: file.type });
      return { uploadId: s.uploadId, key: s.uploadId };
    },
    async signPart(_file, { uploadId, partNumber }) {
      const r = await api('POST', `/uploads/${uploadId}/sign`, { partNumbers: [partNumber] });
      return { method: 'PUT', url: r.parts[0].url };
    },
    async listParts(_file, { uploadId }) {
      const r = await api('GET', `/uploads/${uploadId}/parts`);
      return r.parts.map((p) => ({ PartNumber: p.partNumber, Size: p.size, ETag: p.etag }));
    },
    async abortMultipartUpload(_file, { uploadId }) {
      await api('DELETE', `/uploads/${uploadId}`);
    },
    async completeMultipartUpload(file, { uploadId, parts }) {
      const body = { parts: parts.map((p) => ({ partNumber: p.PartNumber, etag: p.ETag })), totalBytes: file.size };
      const v = await api('POST', `/uploads/${uploadId}/complete`, body);
      return { location: v.mediaUrl, videoId: v.videoId, size: v.size };
    },
  });
uppy.on('upload', () => { bench.uploadStarted = performance.now(); });
uppy.on('file-added', (f) => { window.__uppyFile = f.data; });
uppy.on('complete', (r) => {
  if (r.failed && r.failed.length) bench.error = String(r.failed[0].error);
  else bench.complete = { at: performance.now(), response: r.successful[0].response.body };
});
uppy.on('error', (e) => { bench.error = String(e); });
