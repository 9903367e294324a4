import { test, expect } from '@playwright/test';
import { hydrated, waitForHydration, collectErrors, open, post, signedIn, tag } from './helpers';

test('organizer publishes an event, attendee holds seats, checks out, and is checked in', async ({ browser }, testInfo) => {
  const js = hydrated(testInfo);
  const eventName = `Rooftop Jazz ${tag()}`;

  // The organizer creates an event with two tiers in one form.
  const { page: organizer } = await signedIn(browser, js, { role: 'organizer', name: 'Olive Organizer' });
  const orgErrors = collectErrors(organizer);
  await open(organizer, '/organizer', js);
  await expect(organizer.getByRole('heading', { name: 'My events' })).toBeVisible();
  await organizer.getByRole('link', { name: /New event|Create an event/ }).first().click();
  await expect(organizer.getByRole('heading', { name: 'New event' })).toBeVisible();
  if (js) await waitForHydration(organizer);
  await organizer.getByLabel('Event name').fill(eventName);
  await organizer.getByLabel('Venue').fill('The Roof, 1 High Street');
  await organizer.getByLabel('Starts').fill('2031-06-01T19:00');
  await organizer.getByLabel('Ends (optional)').fill('2031-06-01T23:00');
  await organizer.getByLabel('Time zone').selectOption('Europe/Paris');
  await organizer.getByLabel('Description', { exact: true }).fill('Live jazz on the roof.');
  const tiers = organizer.getByTestId('tier-fields');
  await tiers.nth(0).getByLabel('Tier name').fill('General');
  await tiers.nth(0).getByLabel('Price').fill('25');
  await tiers.nth(0).getByLabel('Seats').fill('100');
  await tiers.nth(1).getByLabel('Tier name').fill('VIP');
  await tiers.nth(1).getByLabel('Price').fill('80.50');
  await tiers.nth(1).getByLabel('Seats').fill('10');
  await organizer.getByRole('button', { name: 'Create event' }).click();

  await expect(organizer).toHaveURL(/\/organizer\/events\/\d+\?saved=1$/);
  await expect(organizer.getByRole('heading', { name: eventName })).toBeVisible();
  await expect(organizer.getByText('Sun 1 Jun 2031, 19:00–23:00 CEST')).toBeVisible();
  const eventPath = new URL(organizer.url()).pathname.replace('/organizer', '');
  const tierTable = organizer.getByTestId('tier-table');
  await expect(tierTable.locator('tr[data-tier="VIP"]')).toContainText('$80.50');

  // An attendee finds it, holds two VIP seats and sees the clock run.
  const { page: attendee } = await signedIn(browser, js, { role: 'attendee', name: 'Ari Attendee' });
  const errors = collectErrors(attendee);
  await open(attendee, eventPath, js);
  await expect(attendee.getByRole('heading', { name: eventName })).toBeVisible();
  const vip = attendee.locator('[data-tier="VIP"]');
  await expect(vip.getByTestId('availability')).toHaveText('Only 10 left');
  await vip.getByLabel('Seats').selectOption('2');
  await vip.getByRole('button', { name: 'Hold seats' }).click();

  await expect(attendee).toHaveURL(/\/checkout\/hold_[0-9a-z]+$/);
  await expect(attendee.getByTestId('hold-quantity')).toHaveText('2');
  await expect(attendee.getByTestId('hold-total')).toHaveText('$161');
  if (js) {
    await waitForHydration(attendee);
    const clock = attendee.getByTestId('countdown-value');
    await expect(clock).toHaveText(/^(10:00|9:[0-5]\d)$/);
    const first = await clock.textContent();
    await expect(clock).not.toHaveText(first ?? '');
  } else {
    await expect(attendee.getByTestId('countdown')).toContainText(/Held until \d\d:\d\d:\d\d UTC/);
  }

  // The hold counts against availability at once.
  const checkout = attendee.url();
  await open(attendee, eventPath, js);
  await expect(attendee.locator('[data-tier="VIP"]').getByTestId('availability')).toHaveText('Only 8 left');
  await open(attendee, new URL(checkout).pathname, js);

  // Checkout: the wallet is empty, so the missing amount is topped up from
  // the (test) card and paid in one step; the tickets come with QR codes.
  await expect(attendee.getByTestId('wallet-available')).toContainText('$0.00 available');
  await attendee.getByLabel('Notes for the organizer (optional)').fill('Near the stage, please');
  await attendee.getByLabel('Card number').fill('4242 4242 4242 4242');
  await attendee.getByLabel('Expiry (MM/YY)').fill('12/40');
  await attendee.getByLabel('CVC').fill('123');
  await attendee.getByRole('button', { name: 'Top up $161 and pay' }).click();
  await expect(attendee).toHaveURL(/\/orders\/\d+\?placed=1$/);
  await expect(attendee.getByText('Order confirmed.')).toBeVisible();
  await expect(attendee.getByTestId('order-status')).toHaveText('Confirmed');
  const tickets = attendee.getByTestId('ticket');
  await expect(tickets).toHaveCount(2);
  await expect(tickets.first().getByTestId('ticket-qr').locator('svg')).toBeVisible();
  const code = await tickets.first().getAttribute('data-code');
  expect(code).toMatch(/^[0-9a-z]{26}$/);

  // My tickets lists them, with downloads.
  await open(attendee, '/tickets', js);
  await expect(attendee.getByTestId('ticket')).toHaveCount(2);
  const download = await attendee.request.get(`/tickets/${code}/qr.svg`);
  expect(download.headers()['content-type']).toBe('image/svg+xml');

  // The organizer checks the ticket in; a second scan is flagged.
  await open(organizer, `/organizer${eventPath}/check-in`, js);
  await organizer.getByLabel('Ticket code').fill(code!);
  await organizer.getByRole('button', { name: 'Check in' }).click();
  await expect(organizer.getByTestId('check-in-result')).toHaveAttribute('data-result', 'valid');
  await expect(organizer.getByTestId('check-in-result')).toContainText('Ari Attendee');
  if (js) await waitForHydration(organizer);
  await organizer.getByLabel('Ticket code').fill(code!);
  await organizer.getByRole('button', { name: 'Check in' }).click();
  await expect(organizer.getByTestId('check-in-result')).toHaveAttribute('data-result', 'already');
  await expect(organizer.getByTestId('check-in-result')).toContainText('Already checked in');

  // The dashboard adds it all up.
  await open(organizer, `/organizer${eventPath}`, js);
  await expect(organizer.getByTestId('stat-seats-sold')).toHaveText('2');
  await expect(organizer.getByTestId('stat-checked-in')).toHaveText('1 / 2');
  await expect(organizer.getByTestId('stat-revenue')).toHaveText('$161');

  expect(errors).toEqual([]);
  expect(orgErrors).toEqual([]);
});

test('a sold-out tier says so and offers nothing to buy; signed-out visitors are asked to sign in', async ({ browser, page }, testInfo) => {
  const js = hydrated(testInfo);
  const { page: organizer } = await signedIn(browser, js, { role: 'organizer', name: 'Sol Seller' });
  const name = `Tiny Gig ${tag()}`;
  const origin = testInfo.project.use.baseURL as string;
  const created = await post(organizer, origin, '/api/events', {
      eventName: name,
      eventCategory: 'Music',
      eventDate: '2031-09-01T18:00:00Z',
      location: 'Basement',
      ticketCategories: [
        { categoryName: 'Only one', price: 5, totalSeats: 1 },
        { categoryName: 'Plenty', price: 0, totalSeats: 50 },
      ],
  });
  // Cookies authenticate the API too (same-origin request).
  expect(created.status()).toBe(201);
  const event = await created.json();
  const { page: buyer } = await signedIn(browser, js, { role: 'attendee', name: 'Bea Buyer' });
  const held = await post(buyer, origin, '/api/events/tickets/reserve', {
    categoryId: event.ticketCategories[0].id,
    quantity: 1,
  });
  expect(held.status()).toBe(201);

  await open(page, `/events/${event.idEvent}`, js);
  const soldOut = page.locator('[data-tier="Only one"]');
  await expect(soldOut.getByTestId('availability')).toHaveText('Sold out');
  await expect(soldOut.getByRole('button', { name: 'Hold seats' })).toHaveCount(0);
  const plenty = page.locator('[data-tier="Plenty"]');
  await expect(plenty.getByTestId('availability')).toHaveText('50 available');
  await expect(plenty.getByText('Free')).toBeVisible();
  await plenty.getByRole('link', { name: 'Sign in to buy' }).click();
  await expect(page).toHaveURL(/\/sign-in\?next=\/events\/\d+$/);

  // It is listed among the events, marked.
  await open(page, `/events?q=${encodeURIComponent(name)}`, js);
  await expect(page.getByRole('link', { name: new RegExp(name) })).toBeVisible();
});

test('the event form says what is wrong next to the field, and keeps the organizer on the form', async ({ browser }, testInfo) => {
  const js = hydrated(testInfo);
  const { page: organizer } = await signedIn(browser, js, { role: 'organizer', name: 'Fay Form' });
  await open(organizer, '/organizer/events/new', js);
  await organizer.getByLabel('Event name').fill('');
  await organizer.getByRole('button', { name: 'Create event' }).click();
  await expect(organizer.getByRole('alert').filter({ hasText: 'The event name is required.' })).toBeVisible();
  await expect(organizer).toHaveURL(/\/organizer\/events\/new/);
  await expect(organizer.getByRole('heading', { name: 'New event' })).toBeVisible();
});
