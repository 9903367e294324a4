import { test, expect, type Page } from '@playwright/test';
import { collectErrors, hydrated, signUp, tag, waitForHydration } from './helpers';

/** Goes live through the form; returns the stream page's path. */
async function goLive(page: Page, title: string): Promise<string> {
  await page.goto('/live/new');
  await page.getByLabel('Title').fill(title);
  await page.getByLabel("What it's about (optional)").fill('Bring your requests.');
  await page.getByRole('button', { name: 'Go live' }).click();
  await expect(page).toHaveURL(/\/live\/\d+$/);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  return new URL(page.url()).pathname;
}

test('an organizer goes live, the stream is listed and public, and the host ends it', async ({ browser, page }) => {
  await signUp(page.request, { role: 'organizer', name: 'Stream Host', prefix: 'st-organizer' });
  const title = `Open rehearsal ${tag()}`;
  const path = await goLive(page, title);
  await expect(page.getByTestId('live-badge')).toHaveText('Live');

  // Listed on /live; someone signed out may look, and is asked to sign in to watch.
  const visitor = await browser.newContext();
  const look = await visitor.newPage();
  await look.goto('/live');
  const card = look.getByTestId('stream-card').filter({ hasText: title });
  await expect(card).toBeVisible();
  await card.click();
  await expect(look).toHaveURL(new RegExp(`${path}$`));
  await expect(look.getByText('Sign in to watch')).toBeVisible();
  await expect(look.getByText('to join the conversation.')).toBeVisible();

  // A second stream at once is refused with a reason.
  await page.goto('/live/new');
  await page.getByLabel('Title').fill('Another one');
  await page.getByRole('button', { name: 'Go live' }).click();
  await expect(page.getByRole('alert')).toContainText('You are live already');

  // The host ends it.
  await page.goto(path);
  await page.getByText('End the stream').click();
  await page.getByRole('button', { name: 'End stream' }).click();
  await expect(page.getByTestId('live-badge')).toHaveText('Ended');
  await expect(page.getByTestId('stream-timing')).toContainText('watched at most');
  await look.goto('/live');
  await expect(look.getByTestId('stream-card').filter({ hasText: title })).toHaveCount(0);
  await expect(look.getByRole('link', { name: new RegExp(title) })).toBeVisible();
  await visitor.close();
});

test('a viewer sees the host\'s camera, both chat, the count follows, and the end reaches the viewer', async ({ browser }, testInfo) => {
  test.skip(!hydrated(testInfo), 'the video and live counts need the wasm');
  const hostContext = await browser.newContext({ permissions: ['camera', 'microphone'] });
  const viewerContext = await browser.newContext();
  await signUp(hostContext.request, { role: 'organizer', name: 'Camera Host', prefix: 'st-organizer' });
  await signUp(viewerContext.request, { role: 'attendee', name: 'Stream Viewer', prefix: 'st-attendee' });
  const host = await hostContext.newPage();
  const hostErrors = collectErrors(host);
  const title = `Night session ${tag()}`;
  const path = await goLive(host, title);
  await waitForHydration(host);
  await expect(host.getByTestId('live-status')).toHaveAttribute('data-status', 'live');
  await host.getByRole('button', { name: 'Start camera' }).click();
  await expect(host.getByTestId('sending')).toContainText('no viewer connected yet');

  // The viewer opens the stream: the host's picture plays.
  const viewer = await viewerContext.newPage();
  const viewerErrors = collectErrors(viewer);
  await viewer.goto(path);
  await waitForHydration(viewer);
  const screen = viewer.getByTestId('screen');
  await expect.poll(() => screen.evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 20_000 }).toBeGreaterThan(0);
  const first = await screen.evaluate((v: HTMLVideoElement) => v.currentTime);
  await expect.poll(() => screen.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThan(first);
  await expect(viewer.getByRole('button', { name: /tap to unmute/ })).toBeVisible();
  await viewer.getByRole('button', { name: /tap to unmute/ }).click();
  await expect(screen).toHaveJSProperty('muted', false);

  // The host sees one viewer, in the count and on the camera.
  await expect(host.getByTestId('sending')).toHaveText(/Sending to 1 viewer/);
  await expect(host.getByTestId('stream-timing')).toContainText('1 watching');

  // Chat both ways, live.
  await viewer.getByTestId('composer').fill('Loving this!');
  await viewer.getByTestId('composer').press('Enter');
  await expect(host.getByTestId('messages')).toContainText('Loving this!');
  await host.getByTestId('composer').fill('Thanks for coming');
  await host.getByTestId('composer').press('Enter');
  await expect(viewer.getByTestId('messages')).toContainText('Thanks for coming');

  // The host turns the camera off and on: the viewer follows.
  await host.getByRole('button', { name: 'Stop camera' }).click();
  await expect(viewer.getByText("The host's camera is off")).toBeVisible();
  await host.getByRole('button', { name: 'Start camera' }).click();
  await expect(viewer.getByText("The host's camera is off")).toBeHidden();
  await expect.poll(() => screen.evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 20_000 }).toBeGreaterThan(0);

  // The viewer leaves: the count drops.
  await viewer.goto('/live');
  await expect(host.getByTestId('stream-timing')).toContainText('No one watching yet');
  await viewer.goto(path);
  await expect(host.getByTestId('stream-timing')).toContainText('1 watching');

  // The end reaches the viewer, and the chat closes.
  await host.getByText('End the stream').click();
  await host.getByRole('button', { name: 'End stream' }).click();
  await expect(viewer.getByText('This stream has ended.')).toBeVisible();
  await expect(viewer.getByText('This stream has ended; its chat is closed.')).toBeVisible();
  await expect(viewer.getByTestId('live-badge')).toHaveText('Ended');
  expect(hostErrors).toEqual([]);
  expect(viewerErrors).toEqual([]);
  await hostContext.close();
  await viewerContext.close();
});
