// Every engine-specific detail of the engine tests lives here: how each browser is
// started with a fake camera, and how it is driven. The journey (journey.spec.ts)
// sees only the small `Driver` interface, so one test description runs everywhere.
//
//   chromium          Debian's Chromium through Playwright (desktop)
//   chromium-mobile   the same with a phone's viewport, touch and mobile emulation (taps)
//   firefox           Debian's Firefox ESR through puppeteer-core over WebDriver BiDi
//   webkit            WebKitGTK's MiniBrowser through WebKitWebDriver (W3C WebDriver),
//                     on the X display and with the GStreamer plugin scripts/engines sets up
//
// Playwright cannot drive Debian's Firefox or WebKitGTK (it needs builds of its own).
import { spawn, ChildProcess } from 'node:child_process';
import { chromium, devices } from '@playwright/test';
import type { Browser as PwBrowser, Page as PwPage } from '@playwright/test';
import puppeteer from 'puppeteer-core';
import type { Browser as PtBrowser, Page as PtPage } from 'puppeteer-core';
import { chromiumArgs } from '../../playwright.config';
import { freePort } from '../e2e/support/server';

export const ENGINES = ['chromium', 'chromium-mobile', 'firefox', 'webkit'] as const;
export type Engine = (typeof ENGINES)[number];

/** What a test may do with a browser, the same in every engine. */
export interface Driver {
  readonly engine: Engine;
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  /** Press (or, on a touch screen, tap) the button with this text once it is shown. */
  press(button: string): Promise<void>;
  /** Run a self-contained function in the page and return its (JSON) result. */
  run<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<Awaited<R>>;
  close(): Promise<void>;
}

export async function openDriver(engine: Engine): Promise<Driver> {
  switch (engine) {
    case 'chromium': return playwrightDriver(engine, {});
    case 'chromium-mobile': {
      const { defaultBrowserType: _, ...phone } = devices['Pixel 7'];
      return playwrightDriver(engine, phone);
    }
    case 'firefox': return firefoxDriver();
    case 'webkit': return webkitDriver();
  }
}

const buttonXPath = (text: string) => `//button[normalize-space(.)=${JSON.stringify(text)}]`;
const TIMEOUT = 60_000;

/** The button's box as text, if the point at its centre hits it; null otherwise. */
function hitBox(text: string): string | null {
  const button = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim().replace(/\s+/g, ' ') === text);
  if (!button) return null;
  const r = button.getBoundingClientRect();
  const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
  return hit && button.contains(hit) ? `${r.x},${r.y},${r.width},${r.height}` : null;
}

// --- Chromium: Playwright -------------------------------------------------------------

async function playwrightDriver(engine: Engine, device: Record<string, unknown>): Promise<Driver> {
  const browser: PwBrowser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs, headless: true });
  const context = await browser.newContext({ ...device, permissions: ['camera', 'microphone'] });
  context.setDefaultTimeout(TIMEOUT);
  const page: PwPage = await context.newPage();
  const touch = device.hasTouch === true;
  return {
    engine,
    goto: async (url) => void (await page.goto(url)),
    reload: async () => void (await page.reload()),
    press: async (text) => {
      const button = page.getByRole('button', { name: text, exact: true });
      await (touch ? button.tap() : button.click());
    },
    run: (fn, arg) => page.evaluate(fn as any, arg) as any,
    close: () => browser.close(),
  };
}

// --- Firefox ESR: puppeteer-core over WebDriver BiDi -------------------------------------

async function firefoxDriver(): Promise<Driver> {
  const browser: PtBrowser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: '/usr/bin/firefox-esr',
    headless: true,
    extraPrefsFirefox: {
      // A fake camera and microphone, and no permission prompt.
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
    },
  });
  const page: PtPage = await browser.newPage();
  page.setDefaultTimeout(TIMEOUT);
  return {
    engine: 'firefox',
    goto: async (url) => void (await page.goto(url)),
    reload: async () => void (await page.reload()),
    press: (text) => page.locator(`::-p-xpath(${buttonXPath(text)})`).click(),
    run: (fn, arg) => page.evaluate(fn as any, arg) as any,
    close: () => browser.close(),
  };
}

// --- WebKitGTK: W3C WebDriver against WebKitWebDriver ----------------------------------------

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

async function webkitDriver(): Promise<Driver> {
  if (!process.env.DISPLAY) throw new Error('WebKitGTK needs an X display: run the engine tests through scripts/engines');
  const port = await freePort();
  const driver: ChildProcess = spawn('WebKitWebDriver', [`--port=${port}`, '--host=127.0.0.1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  driver.stderr!.on('data', (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  const stopDriver = async () => {
    if (driver.exitCode !== null || driver.signalCode !== null) return;
    const exited = new Promise((r) => driver.once('exit', r));
    driver.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(async () => (await fetch(`${base}/status`)).ok, `WebKitWebDriver did not start: ${log}`);
    const wd = await WebDriverSession.create(base, {
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': {
        binary: '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
        args: ['--automation', '--enable-mock-capture-devices=true'],
      },
    });
    return {
      engine: 'webkit',
      goto: (url) => wd.call('POST', '/url', { url }),
      reload: () => wd.call('POST', '/refresh', {}),
      press: async (text) => {
        let id = '';
        await waitFor(async () => {
          const found = await wd.call('POST', '/elements', { using: 'xpath', value: buttonXPath(text) });
          id = found[0]?.[ELEMENT] ?? '';
          return id !== '' && (await wd.call('GET', `/element/${id}/displayed`)) === true;
        }, `no button "${text}"`);
        // WebDriver clicks the point where the element is when asked, with no wait for
        // layout to settle (Playwright waits for a stable box). A preview or a picker
        // appearing just then moves the button and the click lands on what was under it.
        // So wait until the box stays put across two looks and the button is what is hit.
        let last = '';
        await waitFor(async () => {
          const box = await wd.run(hitBox.toString(), text);
          const same = box !== null && box === last;
          last = box ?? '';
          return same;
        }, `button "${text}" did not settle where it can be clicked`);
        await wd.call('POST', `/element/${id}/click`, {});
      },
      run: (fn, arg) => wd.run(fn.toString(), arg),
      close: async () => {
        try {
          await wd.call('DELETE', '', undefined);
        } finally {
          await stopDriver();
        }
      },
    };
  } catch (e) {
    await stopDriver();
    throw e;
  }
}

/** Just enough of the W3C WebDriver protocol: a session, commands, async scripts. */
class WebDriverSession {
  private constructor(private readonly url: string) {}

  static async create(base: string, capabilities: object): Promise<WebDriverSession> {
    const res = await send('POST', `${base}/session`, { capabilities: { alwaysMatch: capabilities } });
    const session = new WebDriverSession(`${base}/session/${res.sessionId}`);
    await session.call('POST', '/timeouts', { script: TIMEOUT, pageLoad: TIMEOUT });
    return session;
  }

  call(method: string, path: string, body?: object): Promise<any> {
    return send(method, `${this.url}${path}`, body);
  }

  /** Run `src` (a function's source) on `arg`; a rejection becomes an Error here. */
  async run(src: string, arg: unknown): Promise<any> {
    const script = `const done = arguments[1];
      Promise.resolve(arguments[0]).then((arg) => (${src})(arg))
        .then((ok) => done({ ok }), (e) => done({ error: String(e && e.stack || e) }));`;
    const out = await this.call('POST', '/execute/async', { script, args: [arg ?? null] });
    if (out && 'error' in out) throw new Error(`in the page: ${out.error}`);
    return out?.ok;
  }
}

async function send(method: string, url: string, body?: object): Promise<any> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json: any = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`WebDriver ${method} ${url}: ${res.status} ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}

/** Poll until `ok` holds (errors count as "not yet"), or fail with `what`. */
export async function waitFor(ok: () => Promise<boolean>, what: string | (() => string), ms = TIMEOUT): Promise<void> {
  const end = Date.now() + ms;
  let error = '';
  for (;;) {
    try {
      if (await ok()) return;
    } catch (e) {
      error = ` (last error: ${e})`;
    }
    if (Date.now() > end) throw new Error(`timed out: ${typeof what === 'string' ? what : what()}${error}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
