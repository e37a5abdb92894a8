// The Genesys interaction-widget frame (agent mode): framed by the agent desktop with
// `allow="camera; microphone"`, signed in through Genesys OAuth, the agent records an
// answer, copies the share link, sends it on a channel (the server emits
// `agent.video.send`), and the camera goes off when the frame is hidden.
import { test, expect } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { startServer, RunningServer } from './support/server';
import { WebhookReceiver } from './support/webhooks';
import { GenesysStandIn } from './support/genesys-standin';
import { axeViolations, SHOTS } from './support/a11y';
import { captureUrl, en } from './support/capture-kit';
import { completionOf } from './support/flow';
import { join } from 'node:path';

let server: RunningServer;
const hooks = new WebhookReceiver();
const genesys = new GenesysStandIn();

test.use({ bypassCSP: true }); // for axe's script tag only

test.beforeAll(async () => {
  await hooks.start();
  await genesys.start();
  server = await startServer('local', {
    VIDREPLY_WEBHOOK_URL: hooks.url,
    VIDREPLY_WEBHOOK_SECRET: hooks.secret,
    VIDREPLY_GENESYS_CLIENT_ID: genesys.clientId,
    VIDREPLY_GENESYS_API_BASE: genesys.url,
    VIDREPLY_GENESYS_LOGIN_BASE: genesys.url,
    VIDREPLY_FRAME_ANCESTORS: genesys.url,
  });
});
test.afterAll(async () => {
  await server?.stop();
  await genesys.stop();
  await hooks.stop();
});

test('agent records in the Genesys frame, copies the share link and sends it by SMS', async ({ context, page }) => {
  const conversationId = randomUUID();
  genesys.conversations.add(conversationId);
  genesys.frameUrl = `${server.url}/www/genesys.html?conversationId=${conversationId}` +
    `&gcHostOrigin=${encodeURIComponent(genesys.url)}&gcTargetEnv=mypurecloud.com&pcLangTag=en-US`;
  await context.grantPermissions(['camera', 'microphone', 'clipboard-read', 'clipboard-write']);

  await page.goto(`${genesys.url}/desktop`);
  const frame = page.frameLocator('iframe');
  const screen = frame.locator('.vr-root');
  // Signed in through the stand-in's OAuth, the token checked by our server with Genesys.
  await expect(frame.locator('h1')).toHaveText('Record a video answer');
  await expect(screen).toHaveAttribute('data-screen', 'intro');
  expect(genesys.calls).toEqual(expect.arrayContaining(['/api/v2/tokens/me', '/api/v2/users/me',
    `/api/v2/conversations/${conversationId}`]));

  // The frame hidden (the agent switched to another interaction): the camera is released.
  // Headless Chromium never hides a page (minimised windows and background tabs stay
  // "visible"; tried), so here the page is told it is hidden the way the browser would.
  await frame.getByRole('button', { name: 'Allow camera' }).click();
  await expect(screen).toHaveAttribute('data-screen', 'preview');
  const tracks = frame.locator('.vr-preview');
  await tracks.evaluate((v: HTMLVideoElement) => {
    (window as any).previewTracks = (v.srcObject as MediaStream).getTracks();
  });
  await tracks.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
  });
  await expect(screen).toHaveAttribute('data-screen', 'intro');
  await expect(frame.locator('.vr-notice')).toContainText('camera was turned off');
  expect(await tracks.evaluate((v: HTMLVideoElement) => v.srcObject)).toBeNull();
  // Every camera and microphone track really ended (the camera light goes off).
  expect(await tracks.evaluate(() => (window as any).previewTracks.map((t: MediaStreamTrack) => t.readyState)))
    .toEqual(['ended', 'ended']);
  await tracks.evaluate(() => { delete (document as any).visibilityState; });

  await frame.getByRole('button', { name: 'Allow camera' }).click();
  await frame.getByRole('button', { name: 'Start recording' }).click();
  await expect(screen).toHaveAttribute('data-screen', 'recording', { timeout: 15_000 });
  await page.waitForTimeout(2000);
  await frame.getByRole('button', { name: 'Stop' }).click();
  await frame.getByRole('button', { name: 'Send' }).click();
  await expect(screen).toHaveAttribute('data-screen', 'sent', { timeout: 60_000 });

  // The share link is ours (the link resolver), never a storage URL.
  const share = await frame.getByRole('textbox', { name: 'Share link' }).inputValue();
  expect(share).toMatch(new RegExp(`^${server.url}/v/[0-9a-f]{32}$`));
  const videoId = share.split('/v/')[1];
  await frame.getByRole('button', { name: 'Copy link' }).click();
  await expect(frame.getByRole('button', { name: 'Link copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(share);

  // A wrong address is refused, naming the field; a right one is sent.
  await frame.getByLabel('Channel').selectOption('sms');
  await frame.getByLabel("Customer's address").fill('12345');
  await frame.getByRole('button', { name: 'Send to customer' }).click();
  await expect(frame.locator('.vr-result')).toContainText('targetAddress');
  await frame.getByLabel("Customer's address").fill('+4915112345678');
  await frame.getByRole('button', { name: 'Send to customer' }).click();
  await expect(frame.locator('.vr-result')).toHaveText('The link was sent by SMS.');
  await page.screenshot({ path: join(SHOTS, 'genesys-agent-sent.png'), fullPage: true });

  const hook = await hooks.waitFor((r) => JSON.parse(r.body).mediaId === videoId);
  expect(hooks.verify(hook)).toBe(true);
  const sent = JSON.parse(hook.body);
  expect(Object.keys(sent).sort()).toEqual(['body', 'mediaId', 'subject', 'targetAddress', 'targetChannel']);
  expect(sent.targetChannel).toBe('sms');
  expect(sent.targetAddress).toBe('+4915112345678');
  expect(sent.subject).toBe('A video answer from your support team');
  expect(sent.body).toContain(share);
  expect(hook.body).not.toMatch(/X-Amz|storage\//);
  expect(await axeViolations(page)).toEqual([]);
});

test('a frame for a conversation the agent cannot see says so and records nothing', async ({ page }) => {
  const conversationId = randomUUID(); // not known to the stand-in
  genesys.frameUrl = `${server.url}/www/genesys.html?conversationId=${conversationId}&gcTargetEnv=mypurecloud.com`;
  const refused = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/agent/capture-links');
  await page.goto(`${genesys.url}/desktop`);
  const frame = page.frameLocator('iframe');
  // The server refused the link with its stable code, after Genesys said the agent cannot see it.
  const res = await refused;
  expect(res.status()).toBe(403);
  const reason = `Your Genesys Cloud user cannot see conversation ${conversationId}.`;
  expect((await res.json()).error).toMatchObject({ code: 'forbidden', message: reason });
  expect(genesys.calls).toContain(`/api/v2/conversations/${conversationId}`);
  // The frame says exactly that, as an error, and offers no way to record.
  const state = frame.getByRole('status');
  await expect(state).toHaveText(`Genesys Cloud does not let you record for this conversation (${reason.replace(/\.$/, '')}).`);
  await expect(state).toHaveAttribute('data-kind', 'error');
  await expect(frame.getByRole('button', { name: 'Allow camera' })).toHaveCount(0);
  await expect(frame.getByRole('button')).toHaveCount(0);
});

test("a customer's link asking for agent mode shows no send and cannot send", async ({ context, page }) => {
  // The attack: a customer's capture link with `mode=agent` added to its query.
  await context.grantPermissions(['camera', 'microphone']);
  const { url, token } = await captureUrl(server, { mode: 'agent', countdown: '0' });
  await page.goto(url);
  const screen = page.locator('.vr-root');
  await expect(page.locator('h1')).toHaveText(en('title-customer'));
  await page.getByRole('button', { name: 'Allow camera' }).click();
  await page.getByRole('button', { name: 'Start recording' }).click();
  await expect(screen).toHaveAttribute('data-screen', 'recording', { timeout: 15_000 });
  await page.waitForTimeout(1000);
  await page.getByRole('button', { name: 'Stop' }).click();
  const done = completionOf(page);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(screen).toHaveAttribute('data-screen', 'sent', { timeout: 60_000 });
  const { videoId } = await (await done).json();
  // The customer's "Sent" screen: no share box, no channel, no send button.
  await expect(page.getByRole('button', { name: 'Send to customer' })).toHaveCount(0);
  await expect(page.getByLabel('Channel')).toHaveCount(0);
  await expect(page.getByRole('textbox', { name: 'Share link' })).toHaveCount(0);
  // And the API refuses the token's send, naming why.
  const res = await fetch(`${server.url}/api/v1/videos/${videoId}/send`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ targetChannel: 'sms', targetAddress: '+19005550100', body: 'Your account is locked' }),
  });
  expect(res.status).toBe(403);
  const err = (await res.json()).error;
  expect(err.code).toBe('forbidden');
  expect(err.message).toContain('agent');
  // Nothing was queued: the video's own `video.received` (queued after the refused
  // send, in the same lane) arrives, and no `agent.video.send` came before it.
  await hooks.waitFor((r) => JSON.parse(r.body).videoId === videoId, 120_000);
  expect(hooks.received.filter((r) => JSON.parse(r.body).mediaId === videoId)).toEqual([]);
});
