// axe-core (npm) run inside the page, and a screenshot per screen for the README.
import { expect, Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './server';

const AXE = require.resolve('axe-core/axe.min.js');
export const SHOTS = join(ROOT, 'docs/screenshots');

/** axe's violations on the page as it is now, as readable lines (empty when clean). */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => (window as any).axe.run(document, {
    resultTypes: ['violations'],
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  }));
  return result.violations.map((v: any) =>
    `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
}

/** The page shows `screen`: axe finds nothing, and a screenshot is saved as `name`. */
export async function checkScreen(page: Page, screen: string, name = screen) {
  await expect(page.locator('.vr-root')).toHaveAttribute('data-screen', screen);
  expect(await axeViolations(page), `axe on the ${screen} screen`).toEqual([]);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}
