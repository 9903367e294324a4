import { defineConfig } from '@playwright/test';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';

// Where Marquee is. With BASE_URL set, the tests use that server as it is;
// otherwise they start the built `dist/marquee` from an empty directory on
// E2E_PORT (scripts/e2e.sh picks a free one) and wait for /health.
const port = process.env.E2E_PORT ?? '3100';
const baseURL = process.env.BASE_URL ?? `http://127.0.0.1:${port}`;
const binary = process.env.MARQUEE_BIN ?? path.resolve(__dirname, '../dist/marquee');

// Debian's Chromium; Playwright never downloads a browser here.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  // Live streams: a test pattern for the camera, and no permission prompt.
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

function workdir(): string {
  const dir = process.env.E2E_WORKDIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'marquee-e2e-'));
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export default defineConfig({
  testDir: './tests',
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: process.env.CI ? 2 : undefined,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    browserName: 'chromium',
    launchOptions: { executablePath: chromium, args: chromiumArgs },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    // Server rendering alone: every page must read and work without wasm.
    { name: 'ssr', use: { javaScriptEnabled: false } },
    // The hydrated app.
    { name: 'hydrated', use: { javaScriptEnabled: true } },
  ],
  webServer: process.env.BASE_URL
    ? undefined
    : {
        command: `"${binary}"`,
        cwd: workdir(),
        url: `${baseURL}/health`,
        env: {
          LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
          RUST_LOG: 'warn',
          // Every test signs up from 127.0.0.1: don't let the per-IP limit bite.
          MARQUEE_AUTH_RATE_PER_IP: '10000',
          // A second local origin the CORS test serves its page from.
          ...(process.env.E2E_CORS_PORT
            ? { MARQUEE_ALLOWED_ORIGINS: `http://127.0.0.1:${process.env.E2E_CORS_PORT}` }
            : {}),
        },
        reuseExistingServer: false,
        timeout: 60_000,
        gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
        stdout: 'ignore',
        stderr: 'pipe',
      },
});
