import { expect, type APIRequestContext, type APIResponse, type Browser, type Page, type TestInfo } from '@playwright/test';

/** Whether this project runs the hydrated app (JavaScript on) rather than server rendering alone. */
export function hydrated(testInfo: TestInfo): boolean {
  return testInfo.project.use.javaScriptEnabled !== false;
}

/**
 * Waits until the wasm has hydrated the page (the app marks <body>). The
 * 1 MB wasm compiles slowly when both cores are busy (parallel workers,
 * argon2 on the server): allow for it.
 */
export async function waitForHydration(page: Page): Promise<void> {
  await expect(page.locator('body[data-hydrated="true"]')).toBeAttached({ timeout: 25_000 });
}

/** Collects console errors and uncaught exceptions of a page. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

/** A short unique suffix for names and email addresses (time and randomness, base 36). */
export function tag(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** A fresh, unique email address of the form `e2e-<time>-<random>@example.com`. */
export function freshEmail(): string {
  return `e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** Goes to a path and, when JavaScript is on, waits for the page to hydrate. */
export async function open(page: Page, path: string, js: boolean): Promise<void> {
  await page.goto(path);
  if (js) await waitForHydration(page);
}

/** Waits for the page to hydrate and its live socket to be connected. */
export async function live(page: Page): Promise<void> {
  await waitForHydration(page);
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'live');
}

/** A same-origin JSON post with the page's cookies (the server checks Origin). */
export async function post(page: Page, origin: string, path: string, data: unknown): Promise<APIResponse> {
  return page.request.post(path, { data, headers: { Origin: origin } });
}

/** The roles one can sign up as. */
export type Role = 'attendee' | 'organizer';

/** A new account: display name, role (attendee unless said) and email prefix (address `<prefix>-<tag()>@example.com`, prefix `e2e-<role>` unless said). */
export interface NewAccount {
  name: string;
  role?: Role;
  prefix?: string;
}

/** Signs up through the sign-up server function (the request keeps the cookie); returns the email, or with `fetchId` the id from /api/auth/me. */
export async function signUp(request: APIRequestContext, account: NewAccount & { fetchId: true }): Promise<number>;
export async function signUp(request: APIRequestContext, account: NewAccount & { fetchId?: false }): Promise<string>;
export async function signUp(request: APIRequestContext, account: NewAccount & { fetchId?: boolean }): Promise<string | number> {
  const role = account.role ?? 'attendee';
  const email = `${account.prefix ?? `e2e-${role}`}-${tag()}@example.com`;
  const response = await request.post('/rpc/accounts/sign_up', {
    form: { email, password: 'correct horse battery', display_name: account.name, role, next: '/' },
  });
  expect(response.ok()).toBeTruthy();
  if (!account.fetchId) return email;
  const me = await request.get('/api/auth/me');
  expect(me.status()).toBe(200);
  return (await me.json()).id;
}

/** A new browser context (JavaScript on or off) signed in as a fresh account; returns its page and the account's email. */
export async function signedIn(browser: Browser, js: boolean, account: NewAccount): Promise<{ page: Page; email: string }> {
  const context = await browser.newContext({ javaScriptEnabled: js });
  const page = await context.newPage();
  const email = await signUp(page.request, account);
  return { page, email };
}
