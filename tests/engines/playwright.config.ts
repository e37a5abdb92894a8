import { defineConfig } from '@playwright/test';

// The engine tests: one journey, one project per engine. Playwright is the test runner
// here; each project's browser is started by drivers.ts (the project name is the
// engine). Run them through scripts/engines, which sets up the X display and the
// GStreamer plugin WebKitGTK needs.
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  timeout: 240_000,
  workers: 1,
  fullyParallel: false,
  reporter: [['list']],
  outputDir: '../../test-results/engines',
  projects: [
    { name: 'chromium' },
    { name: 'chromium-mobile' },
    { name: 'firefox' },
    { name: 'webkit' },
  ],
});
