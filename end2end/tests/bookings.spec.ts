import { test, expect, type APIRequestContext } from '@playwright/test';
import { hydrated, signUp, tag, waitForHydration } from './helpers';

/** A provider bookable around the clock (UTC, no notice) with one at-home service. */
async function offerService(request: APIRequestContext, origin: string, title: string): Promise<number> {
  const hours = await request.put('/api/availability', {
    headers: { Origin: origin },
    data: { timezone: 'UTC', minNoticeMin: 0, weekly: Array(7).fill('00:00-24:00') },
  });
  expect(hours.status()).toBe(200);
  const created = await request.post('/api/services', {
    headers: { Origin: origin },
    data: { title, category: 'Cleaning', priceCents: 4500, duration: 60, locationKind: 'customer', description: 'Kitchen, bathroom, floors.' },
  });
  expect(created.status()).toBe(201);
  return (await created.json()).id;
}

test('a customer books a free time from the service page', async ({ browser, page }, testInfo) => {
  const origin = testInfo.project.use.baseURL as string;
  const provider = await browser.newContext();
  await signUp(provider.request, { role: 'organizer', name: 'Sparkle Provider', prefix: 'bk-organizer' });
  const title = `Window wash ${tag()}`;
  const id = await offerService(provider.request, origin, title);
  await provider.close();

  await signUp(page.request, { role: 'attendee', name: 'Booking Customer', prefix: 'bk-attendee' });
  await page.goto('/services');
  await page.getByRole('searchbox', { name: 'Search' }).fill(title);
  await page.getByRole('button', { name: 'Show services' }).click();
  await page.getByRole('link', { name: new RegExp(title) }).click();
  await expect(page.getByRole('heading', { name: title })).toBeVisible();
  if (hydrated(testInfo)) await waitForHydration(page);

  const picker = page.getByTestId('slot-picker');
  await expect(picker.getByTestId('slot').first()).toBeVisible();
  const time = await picker.getByTestId('slot').first().innerText();
  await picker.getByTestId('slot').first().click();
  await page.getByLabel('Your address').fill('12 Garden Row');
  await page.getByRole('button', { name: 'Request booking' }).click();

  await expect(page).toHaveURL(/\/bookings\/\d+\?booked=1/);
  await expect(page.getByTestId('booking-status')).toHaveText('Requested');
  await expect(page.getByTestId('booking-when')).toContainText(time);
  await expect(page.getByTestId('timeline')).toContainText('Requested by Booking Customer');

  // It's on "My bookings", and that time is no longer offered.
  await page.goto('/bookings');
  await expect(page.getByTestId('booking-line').filter({ hasText: title })).toBeVisible();
  await page.goto(`/services/${id}`);
  await expect(page.getByTestId('slot').first()).not.toHaveText(time);
});

test('provider and customer follow one booking live: request, confirm, on the way, location, done, review', async ({ browser }, testInfo) => {
  test.skip(!hydrated(testInfo), 'live updates need the wasm');
  const origin = testInfo.project.use.baseURL as string;

  // The provider shares a (mocked) position; the customer is 2 km away.
  const providerContext = await browser.newContext({ geolocation: { latitude: 48.8584, longitude: 2.2945 }, permissions: ['geolocation'] });
  const customerContext = await browser.newContext({ geolocation: { latitude: 48.8738, longitude: 2.2950 }, permissions: ['geolocation'] });
  await signUp(providerContext.request, { role: 'organizer', name: 'Live Provider', prefix: 'bk-organizer' });
  await signUp(customerContext.request, { role: 'attendee', name: 'Live Customer', prefix: 'bk-attendee' });
  const title = `Oven clean ${tag()}`;
  const id = await offerService(providerContext.request, origin, title);

  // The provider waits at their inbox.
  const desk = await providerContext.newPage();
  await desk.goto('/provider');
  await waitForHydration(desk);
  await expect(desk.getByTestId('live-status')).toHaveAttribute('data-status', 'live');
  await expect(desk.getByText('No requests waiting.')).toBeVisible();

  // The customer books.
  const customer = await customerContext.newPage();
  await customer.goto(`/services/${id}`);
  await waitForHydration(customer);
  await customer.getByTestId('slot').first().click();
  await customer.getByLabel('Your address').fill('5 Avenue Foch');
  await customer.getByRole('button', { name: 'Request booking' }).click();
  await expect(customer).toHaveURL(/\/bookings\/\d+/);
  await expect(customer.getByTestId('booking-status')).toHaveText('Requested');
  await expect(customer.getByTestId('live-status')).toHaveAttribute('data-status', 'live');
  const bookingPath = new URL(customer.url()).pathname;

  // The request appears on the provider's desk without a reload, with a toast.
  const request = desk.getByTestId('request').filter({ hasText: title });
  await expect(request).toBeVisible();
  await expect(desk.getByText(/New booking request: Oven clean/)).toBeVisible();
  await request.getByRole('button', { name: 'Accept' }).click();
  await expect(desk.getByTestId('schedule').getByText(title)).toBeVisible();

  // The customer's page flips to confirmed by itself.
  await expect(customer.getByTestId('booking-status')).toHaveText('Confirmed');

  // The provider goes, starts the job and shares where they are.
  const job = await providerContext.newPage();
  await job.goto(bookingPath);
  await waitForHydration(job);
  await job.getByRole('button', { name: "I'm on my way" }).click();
  await expect(job.getByTestId('timeline')).toContainText('On the way');
  await job.getByRole('button', { name: 'Start the job' }).click();
  await expect(job.getByTestId('booking-status')).toHaveText('In progress');
  // Positions go up the live socket: no request per position.
  const posted: string[] = [];
  job.on('request', (r) => {
    if (r.url().includes('/rpc/services/location')) posted.push(r.url());
  });
  await job.getByRole('button', { name: 'Share my location' }).click();
  await expect(job.getByText(/Sharing your location · last sent/)).toBeVisible();

  // The customer sees the position, and how far away it is.
  await expect(customer.getByTestId('booking-status')).toHaveText('In progress');
  await expect(customer.getByTestId('position-text')).toContainText('48.85840, 2.29450');
  await customer.getByRole('button', { name: 'Show distance from me' }).click();
  await expect(customer.getByTestId('distance')).toHaveText(/^1\.\d km away · about \d+ min$/);

  // The provider drives on; the customer's map follows (a position every 5 s at most).
  await providerContext.setGeolocation({ latitude: 48.8606, longitude: 2.3376 });
  await expect(customer.getByTestId('position-text')).toContainText('48.86060, 2.33760', { timeout: 20_000 });
  expect(posted).toEqual([]);

  // Done: sharing stops, the customer reviews.
  await job.getByRole('button', { name: 'Mark completed' }).click();
  await expect(job.getByTestId('booking-status')).toHaveText('Completed');
  await expect(job.getByTestId('share-location')).toHaveCount(0);
  await expect(customer.getByTestId('booking-status')).toHaveText('Completed');
  await expect(customer.getByTestId('location')).toHaveCount(0);
  const form = customer.getByTestId('review-form');
  await form.getByText('★★★★☆').click();
  await form.getByLabel('Your review').fill('Sparkling oven, friendly too.');
  await form.getByRole('button', { name: 'Post review' }).click();
  await expect(customer.getByText('You reviewed this booking. Thank you!')).toBeVisible();

  // The review shows on the service page, with its rating.
  await customer.goto(`/services/${id}`);
  await expect(customer.getByTestId('service-rating')).toHaveText('★ 4.0 · 1 review');
  await expect(customer.getByTestId('review')).toContainText('Sparkling oven, friendly too.');
  await providerContext.close();
  await customerContext.close();
});
