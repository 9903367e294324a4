import { test, expect } from '@playwright/test';
import { hydrated, signUp, tag, waitForHydration } from './helpers';

test('a watcher sees seats go and come back while someone else holds them, without reloading', async ({ browser, page }, testInfo) => {
  test.skip(!hydrated(testInfo), 'live updates need the wasm');
  const origin = testInfo.project.use.baseURL as string;

  // A: an organizer's event, and a buyer (both through the API, with cookies).
  const a = await browser.newContext();
  await signUp(a.request, { role: 'organizer', name: 'Live organizer', prefix: 'live-organizer' });
  const created = await a.request.post('/api/events', {
    headers: { Origin: origin },
    data: {
      eventName: `Live Gig ${tag()}`,
      eventCategory: 'Music',
      eventDate: '2031-10-01T18:00:00Z',
      ticketCategories: [{ categoryName: 'Floor', price: 12, totalSeats: 30 }],
    },
  });
  expect(created.status()).toBe(201);
  const event = await created.json();

  // B watches the event page.
  await page.goto(`/events/${event.idEvent}`);
  await waitForHydration(page);
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'live');
  const floor = page.locator('[data-tier="Floor"]').getByTestId('availability');
  await expect(floor).toHaveText('30 available');

  // A holds 25 seats; B's page follows.
  const held = await a.request.post('/api/events/tickets/reserve', {
    headers: { Origin: origin },
    data: { categoryId: event.ticketCategories[0].id, quantity: 10 },
  });
  expect(held.status()).toBe(201);
  await expect(floor).toHaveText('20 available');
  const lock = (await held.json()).lockId;
  // Someone else holds ten more (one person holds at most ten seats of an event).
  const c = await browser.newContext();
  await signUp(c.request, { name: 'Live buyer', prefix: 'live-buyer' });
  const more = await c.request.post('/api/events/tickets/reserve', {
    headers: { Origin: origin },
    data: { categoryId: event.ticketCategories[0].id, quantity: 10 },
  });
  expect(more.status()).toBe(201);
  await expect(floor).toHaveText('Only 10 left');

  // A lets the first hold go; B sees the seats return.
  const released = await a.request.post('/api/events/tickets/release', {
    headers: { Origin: origin },
    data: { lockId: lock },
  });
  expect(released.status()).toBe(200);
  await expect(floor).toHaveText('20 available');
  await a.close();
  await c.close();
});

test('an organizer gets a toast when an order for their event comes in', async ({ browser, page }, testInfo) => {
  test.skip(!hydrated(testInfo), 'live updates need the wasm');
  const origin = testInfo.project.use.baseURL as string;
  // The organizer (this page) and an event.
  await signUp(page.request, { role: 'organizer', name: 'Toast Organizer', prefix: 'live-org' });
  const created = await page.request.post('/api/events', {
    headers: { Origin: origin },
    data: {
      eventName: `Toast Night ${tag()}`,
      eventCategory: 'Comedy',
      eventDate: '2031-11-01T19:00:00Z',
      ticketCategories: [{ categoryName: 'Seat', price: 5, totalSeats: 10 }],
    },
  });
  const event = await created.json();
  await page.goto('/organizer');
  await waitForHydration(page);
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'live');

  // Someone buys two seats elsewhere.
  const buyer = await browser.newContext();
  await signUp(buyer.request, { role: 'attendee', name: 'Buyer', prefix: 'live-buyer' });
  const funded = await buyer.request.post('/api/wallet/deposit', {
    headers: { Origin: origin, 'Idempotency-Key': `fund-${tag()}` },
    data: { amountCents: 10000, cardNumber: '4242424242424242', cardExpiry: '12/40', cardCvc: '123' },
  });
  expect(funded.status()).toBe(201);
  const order = await buyer.request.post('/api/orders', {
    headers: { Origin: origin },
    data: { categoryId: event.ticketCategories[0].id, quantity: 2 },
  });
  expect(order.status()).toBe(201);
  const { id } = await order.json();
  const confirmed = await buyer.request.post(`/api/orders/${id}/confirm`, { headers: { Origin: origin } });
  expect(confirmed.status()).toBe(200);

  await expect(page.getByRole('status').filter({ hasText: `New order: 2 seats for ${event.eventName}.` })).toBeVisible();
  await buyer.close();
});

test('event cards in the listing say "Selling fast" and "Sold out" as seats go, without reloading', async ({ browser, page }, testInfo) => {
  test.skip(!hydrated(testInfo), 'live updates need the wasm');
  const origin = testInfo.project.use.baseURL as string;
  const a = await browser.newContext();
  await signUp(a.request, { role: 'organizer', name: 'Card organizer', prefix: 'cards' });
  const name = `Card Gig ${tag()}`;
  const created = await a.request.post('/api/events', {
    headers: { Origin: origin },
    data: { eventName: name, eventCategory: 'Music', eventDate: '2031-11-01T18:00:00Z', ticketCategories: [{ categoryName: 'Floor', price: 9, totalSeats: 12 }] },
  });
  expect(created.status()).toBe(201);
  const event = await created.json();

  await page.goto(`/events?q=${encodeURIComponent(name)}`);
  await waitForHydration(page);
  await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'live');
  const card = page.locator(`a[href="/events/${event.idEvent}"]`);
  await expect(card).toBeVisible();
  await expect(card.getByTestId('card-availability')).toHaveCount(0);

  // Two people hold (one person holds at most ten seats of an event).
  const b = await browser.newContext();
  await signUp(b.request, { name: 'Card buyer', prefix: 'cards-buyer' });
  const hold = (who: typeof a, quantity: number) =>
    who.request.post('/api/events/tickets/reserve', { headers: { Origin: origin }, data: { categoryId: event.ticketCategories[0].id, quantity } });
  expect((await hold(a, 2)).status()).toBe(201);
  await expect(card.getByTestId('card-availability')).toHaveText('Selling fast');
  expect((await hold(b, 10)).status()).toBe(201);
  await expect(card.getByTestId('card-availability')).toHaveText('Sold out');
  await a.close();
  await b.close();
});

test("a person's other tab lists the seats they hold and let go, without reloading", async ({ browser }, testInfo) => {
  test.skip(!hydrated(testInfo), 'live updates need the wasm');
  const origin = testInfo.project.use.baseURL as string;
  const organizer = await browser.newContext();
  await signUp(organizer.request, { role: 'organizer', name: 'Tabs organizer', prefix: 'tabs-org' });
  const name = `Two Tabs ${tag()}`;
  const created = await organizer.request.post('/api/events', {
    headers: { Origin: origin },
    data: { eventName: name, eventCategory: 'Music', eventDate: '2031-12-01T18:00:00Z', ticketCategories: [{ categoryName: 'Floor', price: 15, totalSeats: 40 }] },
  });
  expect(created.status()).toBe(201);
  const event = await created.json();
  await organizer.close();

  // One person, two tabs: "My orders" in one, the event page in the other.
  const person = await browser.newContext();
  await signUp(person.request, { role: 'attendee', name: 'Two Tabs', prefix: 'tabs' });
  const orders = await person.newPage();
  await orders.goto('/orders');
  await waitForHydration(orders);
  await expect(orders.getByTestId('live-status')).toHaveAttribute('data-status', 'live');
  await expect(orders.getByRole('heading', { name: 'Seats on hold' })).toHaveCount(0);

  const shop = await person.newPage();
  await shop.goto(`/events/${event.idEvent}`);
  await waitForHydration(shop);
  await shop.locator('[data-tier="Floor"]').getByLabel('Seats').selectOption('3');
  await shop.locator('[data-tier="Floor"]').getByRole('button', { name: 'Hold seats' }).click();
  await expect(shop).toHaveURL(/\/checkout\//);

  // The first tab shows the hold by itself, then loses it when released.
  const line = orders.locator('a[href^="/checkout/"]').filter({ hasText: name });
  await expect(line).toContainText('3 × Floor');
  await shop.getByRole('button', { name: 'Release seats' }).click();
  await expect(line).toHaveCount(0);
  await person.close();
});
