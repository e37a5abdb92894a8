// In-page probes, run through `Driver.run` in every engine. Each function is sent to the
// page as source, so it must be self-contained.

/** What MediaRecorder really did, seen independently of the app. */
export interface Recorded {
  /** The type the app asked for, and the one the recorder reports. */
  requested: string;
  mimeType: string;
  /** The time-slice the app passed to `start`. */
  timeslice: number | null;
  /** Non-empty chunks, and empty ones (from the engine, or injected below). */
  chunks: number;
  empty: number;
  /** Empty chunks that reached the app's own `dataavailable` listeners (which must ignore them). */
  emptyToApp: number;
  /** SHA-256 (hex) and size of the non-empty chunks in order: the recording. */
  sha256: string;
  size: number;
  /** Seconds between the recorder's `start` and `stop` events. */
  seconds: number;
}

/**
 * Wrap MediaRecorder before the app creates one (it does so on "Start recording").
 * After every real chunk an empty one is dispatched too, as Safari delivers for short
 * time-slices: the app must ignore it without breaking part assembly. The app's own
 * `dataavailable` listeners are counted as they receive empty chunks, so the test
 * knows the app was handed them.
 */
export function installProbe(): void {
  const w = window as any;
  if (w.__vrProbe) return;
  const probe = { requested: '', mimeType: '', timeslice: null as number | null, chunks: [] as Blob[], empty: 0,
    emptyToApp: 0, started: 0, stopped: 0 };
  w.__vrProbe = probe;
  const Original = w.MediaRecorder;
  let own = true;
  const wrapped = new Map<unknown, unknown>();
  w.MediaRecorder = class extends Original {
    addEventListener(type: string, listener: any, options?: any) {
      if (own || type !== 'dataavailable' || typeof listener !== 'function') {
        return super.addEventListener(type, listener, options);
      }
      const counted = wrapped.get(listener) ?? function (this: unknown, e: any) {
        if (e.data && e.data.size === 0) probe.emptyToApp++;
        return listener.call(this, e);
      };
      wrapped.set(listener, counted);
      return super.addEventListener(type, counted, options);
    }

    removeEventListener(type: string, listener: any, options?: any) {
      return super.removeEventListener(type, wrapped.get(listener) ?? listener, options);
    }

    constructor(stream: MediaStream, options?: { mimeType?: string }) {
      super(stream, options);
      own = true;
      probe.requested = options?.mimeType ?? '';
      this.addEventListener('start', () => (probe.started = performance.now()));
      this.addEventListener('stop', () => (probe.stopped = performance.now()));
      this.addEventListener('dataavailable', (e: any) => {
        if (e.data && e.data.size > 0) {
          probe.chunks.push(e.data);
          probe.mimeType = (this as any).mimeType;
          this.dispatchEvent(new BlobEvent('dataavailable', { data: new Blob([]) }));
        } else {
          probe.empty++;
        }
      });
      own = false;
    }

    start(timeslice?: number) {
      probe.timeslice = timeslice ?? null;
      return super.start(timeslice);
    }
  };
}

/** Real chunks (the app asks for ~1 per second) and bytes recorded so far. */
export function progress(): { chunks: number; bytes: number } {
  const chunks: Blob[] = (window as any).__vrProbe?.chunks ?? [];
  return { chunks: chunks.length, bytes: chunks.reduce((n, c) => n + c.size, 0) };
}

export async function recorded(): Promise<Recorded> {
  const p = (window as any).__vrProbe;
  const buf = await new Blob(p.chunks).arrayBuffer();
  const digest = await crypto.subtle.digest('SHA-256', buf);
  const sha256 = Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, '0')).join('');
  return {
    requested: p.requested, mimeType: p.mimeType, timeslice: p.timeslice,
    chunks: p.chunks.length, empty: p.empty, emptyToApp: p.emptyToApp, sha256, size: buf.byteLength,
    seconds: (p.stopped - p.started) / 1000,
  };
}

/** The text the page shows in its status line. */
export function statusText(): string {
  return document.querySelector('[role=status]')?.textContent?.trim() ?? '';
}
