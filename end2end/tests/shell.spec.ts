import { test, expect } from '@playwright/test';
import { appCode } from './totp';
import { collectErrors, hydrated, waitForHydration } from './helpers';

test('the home page renders its navigation, hero and empty state', async ({ page }) => {
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle('Marquee');
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    'Events, services and community — live.',
  );
  await expect(page.getByRole('heading', { name: 'Happening soon' })).toBeVisible();
});

test('an unknown address shows the 404 page with a way back home', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await page.getByRole('link', { name: 'Back to the home page' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: 'Happening soon' })).toBeVisible();
});

test('health answers 200 with the database up', async ({ request }) => {
  const response = await request.get('/health');
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(body.status).toBe('ok');
  expect(body.database).toBe('ok');
  expect(typeof body.uptimeSeconds).toBe('number');
});

test('the status page is reached from the footer and the back button returns', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('contentinfo').getByRole('link', { name: 'Status' }).click();
  await expect(page).toHaveURL(/\/status$/);
  await expect(page.getByRole('heading', { name: 'System status' })).toBeVisible();
  await expect(page.getByText('All systems normal')).toBeVisible();
  await expect(page).toHaveTitle('Status · Marquee');
  await page.goBack();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: 'Happening soon' })).toBeVisible();
});

test('the page hydrates and the mobile menu opens and closes', async ({ page }, testInfo) => {
  test.skip(!hydrated(testInfo), 'needs the wasm');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/');
  await waitForHydration(page);
  const menu = page.locator('#mobile-menu');
  await expect(menu).toBeHidden();

  await page.getByRole('button', { name: 'Open menu' }).click();
  await expect(menu).toBeVisible();
  await expect(page.getByRole('button', { name: 'Close menu' })).toHaveAttribute('aria-expanded', 'true');

  // Following a link closes the menu.
  await menu.getByRole('link', { name: 'Events' }).click();
  await expect(page).toHaveURL(/\/events$/);
  await expect(menu).toBeHidden();
});

test('without wasm the page is complete and the phone menu still opens', async ({ page }, testInfo) => {
  test.skip(hydrated(testInfo), 'only for the server-rendered page');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/');
  await expect(page.locator('body[data-hydrated]')).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Happening soon' })).toBeVisible();
  const menu = page.locator('#mobile-menu');
  await expect(menu).toBeHidden();
  await page.getByRole('button', { name: 'Open menu' }).click();
  await expect(menu).toBeVisible();
  await menu.getByRole('link', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
});

test('checking the status again shows a toast', async ({ page }, testInfo) => {
  test.skip(!hydrated(testInfo), 'needs the wasm');
  await page.goto('/status');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Check again' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Status refreshed.' })).toBeVisible();
  await page.getByRole('button', { name: 'Dismiss' }).click();
  await expect(page.getByText('Status refreshed.')).toHaveCount(0);
});

test('pages load and hydrate without console errors', async ({ page }, testInfo) => {
  test.skip(!hydrated(testInfo), 'needs the wasm');
  const errors = collectErrors(page);
  for (const path of ['/', '/status']) {
    await page.goto(path);
    await waitForHydration(page);
  }
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
  await expect(page.getByRole('heading', { name: 'Happening soon' })).toBeVisible();
  expect(errors).toEqual([]);
});

test("an admin's top bar, every section of it, fits a 1280 px screen", async ({ browser }) => {
  const bin = process.env.MARQUEE_BIN;
  const cwd = process.env.E2E_WORKDIR;
  test.skip(!bin || !cwd || !!process.env.BASE_URL, 'needs the local binary that serves the tests');
  // Admins are made only on the command line, in the server's directory.
  const email = `admin-${Date.now().toString(36)}@example.com`;
  const { execFileSync } = await import('node:child_process');
  execFileSync(bin as string, ['admin', 'create', '--email', email, '--password-stdin'], {
    cwd,
    input: 'correct horse battery\n',
    env: { ...process.env, RUST_LOG: 'warn' },
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const signIn = await context.request.post('/rpc/accounts/sign_in', {
    form: { email, password: 'correct horse battery', next: '/' },
  });
  expect(signIn.ok()).toBeTruthy();
  const page = await context.newPage();
  // Admin tools wait for two-factor sign-in: the page says so.
  await page.goto('/live');
  await expect(page.getByTestId('second-factor-banner')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'All orders' })).toHaveCount(0);
  const origin = new URL(page.url()).origin;
  const key = await (await context.request.post('/api/auth/two-factor/setup', { headers: { Origin: origin } })).json();
  const on = await context.request.post('/api/auth/two-factor/enable', {
    data: { code: appCode(key.secret), password: 'correct horse battery' },
    headers: { Origin: origin },
  });
  expect(on.status()).toBe(200);
  await page.goto('/live');
  await expect(page.getByTestId('second-factor-banner')).toHaveCount(0);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'All orders' })).toBeVisible();
  await expect(nav.getByRole('button', { name: 'Sign out' })).toBeInViewport();
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  expect(scroll).toBeLessThanOrEqual(client);
  await context.close();
});
