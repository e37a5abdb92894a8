// The recorder embedded in a host page: the widget package (pkg/) mounted by
// www/widget.html, served from another origin than the vidreply server (a support site),
// and the same pages served by the server itself under its Content-Security-Policy.
import { test, expect, Page } from '@playwright/test';
import { startServer, createCaptureLink, RunningServer } from './support/server';
import { StaticSite } from './support/static';
import { completionOf } from './support/flow';
import { en } from './support/capture-kit';

interface Reported {
  name: string;
  detail: any;
}

/** What the page listed in <ol id="events">, in order. */
function reported(page: Page): Promise<Reported[]> {
  return page.locator('#events li').evaluateAll((items) =>
    items.map((li) => ({ name: (li as HTMLElement).dataset.event!, detail: JSON.parse((li as HTMLElement).dataset.detail!) })));
}

/** Console lines that say the wasm was served with the wrong type, or that the CSP refused something. */
function watchConsole(page: Page): string[] {
  const bad: string[] = [];
  page.on('console', (m) => {
    if (/application\/wasm|Content Security Policy|Refused to/i.test(m.text())) bad.push(m.text());
  });
  return bad;
}

async function recordAndStop(page: Page) {
  await page.getByRole('button', { name: 'Allow camera' }).click();
  await page.getByRole('button', { name: 'Start recording' }).click();
  await expect(page.getByRole('button', { name: 'Stop' })).toBeVisible();
  await page.waitForTimeout(2000);
  await page.getByRole('button', { name: 'Stop' }).click();
}

test.describe('widget on another origin', () => {
  let server: RunningServer;
  const site = new StaticSite();

  test.beforeAll(async () => {
    await site.start();
    server = await startServer('local', { VIDREPLY_CORS_ORIGINS: site.origin });
  });
  test.afterAll(async () => {
    await server?.stop();
    await site.stop();
  });

  const widget = (params: Record<string, string>) =>
    `${site.url}/www/widget.html?${new URLSearchParams(params)}`;

  test('records, sends, and tells the page every step in order', async ({ page }) => {
    const bad = watchConsole(page);
    const conversationId = `conv-embed-${Date.now()}`;
    const link = await createCaptureLink(server, { conversationId });
    await page.goto(widget({ endpoint: server.url, token: link.token, conversationId, countdown: '0' }));

    // Mounted into the host's element, once: the package does not start the standalone app.
    await expect(page.locator('#recorder').getByRole('button', { name: 'Allow camera' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Allow camera' })).toHaveCount(1);
    await expect(page.locator('#recorder')).toHaveAttribute('data-vidreply-mounted', '');

    await recordAndStop(page);
    const completion = completionOf(page);
    await page.getByRole('button', { name: 'Send' }).click();
    const video = await (await completion).json();
    await expect(page.locator('#events li[data-event="sent"]')).toHaveCount(1);

    const events = await reported(page);
    expect(events.map((e) => e.name).join(' ')).toMatch(/^recordingstart recordingstop( uploadprogress)+ sent$/);
    expect(events[0].detail.mimeType).toMatch(/^video\//);
    expect(events[1].detail.durationMs).toBeGreaterThan(1000);
    for (const p of events.filter((e) => e.name === 'uploadprogress')) {
      expect(p.detail.sent).toBeLessThanOrEqual(p.detail.total);
      expect(p.detail.percent).toBeGreaterThanOrEqual(0);
      expect(p.detail.percent).toBeLessThanOrEqual(100);
    }
    const sent = events.at(-1)!.detail;
    expect(sent.videoId).toBe(video.videoId);
    expect(sent.shareUrl).toContain(video.videoId);

    // The page and the package came from the site; the API was the server's, through CORS.
    expect(site.requests).toContainEqual({ path: '/pkg/vidreply_bg.wasm', status: 200 });
    expect(new URL(page.url()).origin).not.toBe(new URL(server.url).origin);
    expect(bad).toEqual([]);
  });

  test('a token the server refuses ends in an error event with a code', async ({ page }) => {
    // Every answer the API gave this page that was not a success.
    const refusals: { path: string; status: number; error: any }[] = [];
    page.on('response', async (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/api/v1/') && r.status() >= 400) {
        refusals.push({ path, status: r.status(), error: (await r.json().catch(() => ({}))).error });
      }
    });
    await page.goto(widget({ endpoint: server.url, token: 'not-a-capture-token', conversationId: 'conv-bad', countdown: '0' }));
    await recordAndStop(page);
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page.locator('#events li[data-event="error"]')).toHaveCount(1);
    // The server refused the token, and only the token: 401 `unauthenticated`, naming no field.
    const refused = 'This link is not valid. Ask for a new link.';
    expect(refusals.length).toBeGreaterThan(0);
    for (const r of refusals) {
      expect(r, r.path).toMatchObject({ path: '/api/v1/uploads', status: 401, error: { code: 'unauthenticated', message: refused } });
      expect(r.error.field, r.path).toBeUndefined();
    }
    // The page hears the recorder's stable code for a send that failed, with the server's reason.
    const events = await reported(page);
    expect(events.map((e) => e.name)).toEqual(['recordingstart', 'recordingstop', 'error']);
    expect(events[2].detail).toEqual({ code: 'send_failed', message: en('err-send-kept', { message: refused }) });
  });

  test('options that are missing or wrong: mount throws an error naming the field', async ({ page }) => {
    const cases: [Record<string, string>, string][] = [
      [{ token: 'x' }, 'options.endpoint'],
      [{ endpoint: server.url }, 'options.token'],
      [{ endpoint: 'ftp://example.com', token: 'x' }, 'options.endpoint'],
      [{ endpoint: server.url, token: 'x', theme: 'blue' }, 'options.theme'],
      [{ endpoint: server.url, token: 'x', countdown: '99' }, 'options.countdownSeconds'],
      [{ endpoint: server.url, token: 'x', countdown: '1.5' }, 'options.countdownSeconds'],
      [{ endpoint: server.url, token: 'x', lang: 'not a tag' }, 'options.lang'],
    ];
    for (const [params, field] of cases) {
      await page.goto(widget(params));
      await expect(page.locator('#mount-error'), JSON.stringify(params)).toContainText(field);
      await expect(page.getByRole('button', { name: 'Allow camera' })).toHaveCount(0);
      await expect(page.locator('#recorder')).not.toHaveAttribute('data-vidreply-mounted');
    }
  });

  test('unmount removes the recorder and releases the camera', async ({ page }) => {
    // Keep every stream the page opens, to see that unmount stopped its tracks.
    await page.addInitScript(() => {
      const devices = navigator.mediaDevices;
      const open = devices.getUserMedia.bind(devices);
      (window as any).streams = [];
      devices.getUserMedia = async (c) => {
        const s = await open(c);
        (window as any).streams.push(s);
        return s;
      };
    });
    const link = await createCaptureLink(server, { conversationId: `conv-unmount-${Date.now()}` });
    await page.goto(widget({ endpoint: server.url, token: link.token, countdown: '0' }));
    await page.getByRole('button', { name: 'Allow camera' }).click();
    await expect(page.getByRole('button', { name: 'Start recording' })).toBeVisible();
    const live = () => page.evaluate(() =>
      (window as any).streams.flatMap((s: MediaStream) => s.getTracks()).filter((t: MediaStreamTrack) => t.readyState === 'live').length);
    expect(await live()).toBeGreaterThan(0);

    await page.evaluate(() => (window as any).vidreplyRecorder.unmount());
    await expect(page.locator('#recorder *')).toHaveCount(0);
    await expect(page.locator('#recorder')).not.toHaveAttribute('data-vidreply-mounted');
    await expect.poll(live).toBe(0);
    expect(await page.evaluate(() => (window as any).vidreplyRecorder.mounted)).toBe(false);
    await page.evaluate(() => (window as any).vidreplyRecorder.unmount()); // again: nothing happens
  });
});

test.describe('host pages served by the vidreply server', () => {
  let server: RunningServer;
  test.beforeAll(async () => {
    server = await startServer('local');
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test('the package and pages have the right types and run under the CSP', async ({ page, request }) => {
    const types: [string, RegExp][] = [
      ['/pkg/vidreply_bg.wasm', /^application\/wasm$/],
      ['/pkg/vidreply.js', /^(text|application)\/javascript/],
      ['/www/widget.js', /^(text|application)\/javascript/],
      ['/www/genesys.js', /^(text|application)\/javascript/],
      ['/www/widget.html', /^text\/html/],
      ['/www/genesys.html', /^text\/html/],
    ];
    for (const [path, type] of types) {
      const res = await request.get(`${server.url}${path}`);
      expect(res.status(), path).toBe(200);
      expect(res.headers()['content-type'], path).toMatch(type);
    }

    const bad = watchConsole(page);
    const link = await createCaptureLink(server, { conversationId: `conv-same-origin-${Date.now()}` });
    const res = await page.goto(`${server.url}/www/widget.html?${new URLSearchParams({ endpoint: server.url, token: link.token })}`);
    expect(res!.headers()['content-security-policy']).toContain("'wasm-unsafe-eval'");
    await expect(page.locator('#recorder').getByRole('button', { name: 'Allow camera' })).toBeVisible();
    await page.getByRole('button', { name: 'Allow camera' }).click();
    await expect(page.getByRole('button', { name: 'Start recording' })).toBeVisible();

    // The Genesys frame page's script runs too (its sign-in needs the Genesys endpoints).
    await page.goto(`${server.url}/www/genesys.html?gcConversationId={{gcConversationId}}`);
    await expect(page.locator('#state')).toContainText('There is no conversation');
    expect(bad).toEqual([]);
  });
});
