import { test, expect } from '@playwright/test';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hydrated, collectErrors, open, signedIn, tag, waitForHydration } from './helpers';

/** A page on another origin: a tiny server on `port` (0 for any free one) answering one empty HTML page. */
async function otherOrigin(port: number): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http.createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>Seed client</title><h1>Seed client</h1>');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** In the page: signs up through Marquee's API from this origin, then reads /api/auth/me with the token. */
async function signUpFromPage(page: import('@playwright/test').Page, api: string, email: string) {
  return page.evaluate(
    async ({ api, email }) => {
      try {
        const registered = await fetch(`${api}/api/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: 'correct horse battery', username: 'Seed Client' }),
        });
        const { access_token } = await registered.json();
        const me = await fetch(`${api}/api/v1/users/me`, { headers: { authorization: `Bearer ${access_token}` } });
        return { ok: true, status: me.status, body: await me.json() };
      } catch (e) {
        return { ok: false, error: String(e) };
      }
    },
    { api, email },
  );
}

test('a browser on a configured origin calls the API; one on another origin is refused', async ({ browser, baseURL }, testInfo) => {
  test.skip(!hydrated(testInfo), 'calls the API from the page');
  test.skip(!process.env.E2E_CORS_PORT, 'the server was started without a second origin');
  const allowed = await otherOrigin(Number(process.env.E2E_CORS_PORT));
  const stranger = await otherOrigin(0);
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(allowed.origin);
    const email = `e2e-cors-${tag()}@example.com`;
    const answer = await signUpFromPage(page, baseURL!, email);
    expect(answer).toMatchObject({ ok: true, status: 200, body: { username: email } });

    await page.goto(stranger.origin);
    const refused = await signUpFromPage(page, baseURL!, `e2e-cors-${tag()}@example.com`);
    expect(refused.ok).toBe(false);
    expect(refused.error).toContain('Failed to fetch');
  } finally {
    await allowed.close();
    await stranger.close();
  }
});

test('an event paid at the door: the buyer confirms without a wallet, the organizer sees what to collect', async ({ browser }, testInfo) => {
  const js = hydrated(testInfo);
  const eventName = `Village Fair ${tag()}`;

  const { page: organizer } = await signedIn(browser, js, { role: 'organizer', name: 'Dora Door' });
  const orgErrors = collectErrors(organizer);
  await open(organizer, '/organizer/events/new', js);
  await organizer.getByLabel('Event name').fill(eventName);
  await organizer.getByLabel('Venue').fill('The Green');
  await organizer.getByLabel('Starts').fill('2031-07-01T12:00');
  await organizer.getByLabel(/At the door/).check();
  const tiers = organizer.getByTestId('tier-fields');
  await tiers.nth(0).getByLabel('Tier name').fill('Entry');
  await tiers.nth(0).getByLabel('Price').fill('12.50');
  await tiers.nth(0).getByLabel('Seats').fill('50');
  await organizer.getByRole('button', { name: 'Create event' }).click();
  await expect(organizer).toHaveURL(/\/organizer\/events\/\d+\?saved=1$/);
  const eventPath = new URL(organizer.url()).pathname.replace('/organizer', '');

  // The buyer sees how it is paid before holding seats, and pays nothing here.
  const { page: buyer } = await signedIn(browser, js, { role: 'attendee', name: 'Ben Buyer' });
  const errors = collectErrors(buyer);
  await open(buyer, eventPath, js);
  await expect(buyer.getByTestId('payment-method')).toHaveText('Pay at the door');
  const entry = buyer.locator('[data-tier="Entry"]');
  await entry.getByLabel('Seats').selectOption('2');
  await entry.getByRole('button', { name: 'Hold seats' }).click();
  await expect(buyer).toHaveURL(/\/checkout\/hold_[0-9a-z]+$/);
  if (js) await waitForHydration(buyer);
  const door = buyer.getByTestId('pay-at-door');
  await expect(door).toContainText('You pay $25 at the door');
  await expect(buyer.getByLabel('Card number')).toHaveCount(0);
  await door.getByRole('button', { name: 'Confirm order, pay at the door' }).click();
  await expect(buyer).toHaveURL(/\/orders\/\d+\?placed=1$/);
  await expect(buyer.getByTestId('order-status')).toHaveText('Confirmed');
  await expect(buyer.getByTestId('order-payment')).toHaveText('At the door');
  await expect(buyer.getByTestId('ticket')).toHaveCount(2);

  // The organizer's dashboard: sold, and what is still to collect.
  await open(organizer, `/organizer${eventPath}`, js);
  await expect(organizer.getByTestId('stat-seats-sold')).toHaveText('2');
  await expect(organizer.getByTestId('owed-at-door')).toContainText('To collect at the door: $25 from 1 order paid there.');

  // On a phone the checkout's door form fits the screen.
  await buyer.setViewportSize({ width: 390, height: 844 });
  await open(buyer, eventPath, js);
  await expect(buyer.getByTestId('payment-method')).toBeInViewport();

  expect(errors).toEqual([]);
  expect(orgErrors).toEqual([]);
});
