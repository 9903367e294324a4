import { test, expect } from '@playwright/test';
import { collectErrors, hydrated, live, signUp, tag, waitForHydration } from './helpers';

test('a person creates a room and talks in it, with or without JavaScript', async ({ page }, testInfo) => {
  const errors = collectErrors(page);
  await signUp(page.request, { name: 'Room Maker', prefix: 'chat', fetchId: true });
  const name = `Plant swap ${tag()}`;
  await page.goto('/chat');
  await expect(page.getByText('No conversations yet')).toBeVisible();
  await page.getByRole('link', { name: 'New room' }).first().click();
  await expect(page).toHaveURL(/\/chat\/new$/);
  if (hydrated(testInfo)) await waitForHydration(page);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Topic').fill('Cuttings and seeds');
  await page.getByRole('button', { name: 'Create room' }).click();
  await expect(page).toHaveURL(/\/chat\/\d+$/);
  await expect(page.getByTestId('room-name')).toHaveText(name);
  await expect(page.getByText('No messages yet. Say hello!')).toBeVisible();
  if (hydrated(testInfo)) await waitForHydration(page);

  await page.getByTestId('composer').fill('Anyone has a monstera cutting? See https://example.com/monstera.');
  await page.getByRole('button', { name: 'Send' }).click();
  const message = page.getByTestId('message').last();
  await expect(message.getByTestId('message-body')).toContainText('Anyone has a monstera cutting?');
  // Links are links (and the sentence's full stop is not part of it).
  await expect(message.getByRole('link', { name: 'https://example.com/monstera' })).toHaveAttribute('href', 'https://example.com/monstera');
  await expect(page.getByTestId('composer')).toHaveValue('');

  // HTML is shown as text, never run.
  await page.getByTestId('composer').fill('<img src=x onerror=alert(1)> <b>not bold</b>');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('message-body').last()).toHaveText('<img src=x onerror=alert(1)> <b>not bold</b>');
  await expect(page.locator('[data-testid=message-body] b')).toHaveCount(0);

  // The room is in the list, with its last message.
  await page.goto('/chat');
  const item = page.getByTestId('room-item').filter({ hasText: name });
  await expect(item).toContainText('Room Maker: <img src=x');
  // Reloaded, the room hydrates cleanly.
  await item.click();
  await page.reload();
  if (hydrated(testInfo)) await waitForHydration(page);
  await expect(page.getByTestId('message')).toHaveCount(2);
  expect(errors).toEqual([]);
});

test('an order page carries its thread between buyer and organizer', async ({ browser }, testInfo) => {
  const origin = testInfo.project.use.baseURL as string;
  const organizerContext = await browser.newContext();
  await signUp(organizerContext.request, { name: 'Thread Organizer', role: 'organizer', prefix: 'chat', fetchId: true });
  const created = await organizerContext.request.post('/api/events', {
    headers: { Origin: origin },
    data: { eventName: `Thread Gig ${tag()}`, eventCategory: 'Music', eventDate: '2032-03-01T19:00:00Z', ticketCategories: [{ categoryName: 'Free', price: 0, totalSeats: 10 }] },
  });
  expect(created.status()).toBe(201);
  const event = await created.json();
  const buyerContext = await browser.newContext();
  await signUp(buyerContext.request, { name: 'Thread Buyer', prefix: 'chat', fetchId: true });
  const page = await buyerContext.newPage();
  const errors = collectErrors(page);
  await page.goto(`/events/${event.idEvent}`);
  if (hydrated(testInfo)) await waitForHydration(page);
  await page.locator('[data-tier="Free"]').getByRole('button', { name: 'Hold seats' }).click();
  await expect(page).toHaveURL(/\/checkout\/hold_/);
  await page.getByRole('button', { name: 'Confirm order' }).click();
  await expect(page).toHaveURL(/\/orders\/\d+/);
  const orderPath = new URL(page.url()).pathname;
  await page.goto(orderPath);
  if (hydrated(testInfo)) await waitForHydration(page);
  await page.getByTestId('composer').fill('Is there step-free access?');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByTestId('message-body')).toHaveText(['Is there step-free access?']);

  // The organizer sees it on the same order page.
  const organizer = await organizerContext.newPage();
  await organizer.goto(orderPath);
  await expect(organizer.getByTestId('message-body')).toHaveText(['Is there step-free access?']);
  expect(errors).toEqual([]);
  await organizerContext.close();
  await buyerContext.close();
});

test('two people in a direct conversation: typing, live messages, unread badge, edit and delete', async ({ browser }, testInfo) => {
  test.skip(!hydrated(testInfo), 'live chat needs the wasm');
  const adaContext = await browser.newContext();
  const boContext = await browser.newContext();
  await signUp(adaContext.request, { name: 'Ada Chat', prefix: 'chat', fetchId: true });
  const boId = await signUp(boContext.request, { name: 'Bo Chat', prefix: 'chat', fetchId: true });

  // Ada starts a conversation from Bo's profile.
  const ada = await adaContext.newPage();
  await ada.goto(`/users/${boId}`);
  await waitForHydration(ada);
  await ada.getByTestId('message-button').click();
  await expect(ada).toHaveURL(/\/chat\/\d+$/);
  const roomUrl = new URL(ada.url()).pathname;
  await expect(ada.getByTestId('room-name')).toHaveText('Bo Chat');
  await live(ada);

  // Bo is on the chat list, elsewhere than the room.
  const bo = await boContext.newPage();
  await bo.goto('/chat');
  await live(bo);
  const item = bo.getByTestId('room-item').filter({ hasText: 'Ada Chat' });
  await expect(item).toBeVisible();
  await expect(bo.getByTestId('nav-unread')).toHaveCount(0);

  await ada.getByTestId('composer').fill('Hello Bo!');
  await ada.getByTestId('composer').press('Enter');
  await expect(ada.getByTestId('message-body').last()).toHaveText('Hello Bo!');

  // Bo's badges show it without a reload.
  await expect(bo.getByTestId('nav-unread')).toHaveText('1');
  await expect(item.getByTestId('unread-badge')).toHaveText('1');
  await expect(item).toContainText('Ada Chat: Hello Bo!');

  // Reading clears them.
  await item.click();
  await expect(bo).toHaveURL(new RegExp(`${roomUrl}$`));
  await expect(bo.getByTestId('message-body').last()).toHaveText('Hello Bo!');
  await expect(bo.getByTestId('nav-unread')).toHaveCount(0);
  await live(bo);

  // Ada types: Bo sees it; Ada sends: Bo sees the message live.
  await ada.getByTestId('composer').pressSequentially('How are', { delay: 20 });
  await expect(bo.getByTestId('typing')).toHaveText('Ada Chat is typing…');
  await ada.getByTestId('composer').pressSequentially(' you?', { delay: 20 });
  await ada.getByRole('button', { name: 'Send' }).click();
  const boLast = bo.getByTestId('message').last();
  await expect(boLast.getByTestId('message-body')).toHaveText('How are you?');
  await expect(bo.getByTestId('typing')).toHaveText('');
  await expect(bo.getByTestId('nav-unread')).toHaveCount(0);

  // Ada edits it: Bo sees the new text, marked edited.
  const adaLast = ada.getByTestId('message').last();
  await adaLast.hover();
  await adaLast.getByTestId('edit-message').click();
  await adaLast.getByLabel('Edit message').fill('How are you doing?');
  await adaLast.getByRole('button', { name: 'Save' }).click();
  await expect(boLast.getByTestId('message-body')).toContainText('How are you doing?');
  await expect(boLast.getByTestId('edited')).toBeVisible();

  // And deletes it: Bo sees "Message deleted".
  ada.once('dialog', (dialog) => dialog.accept());
  await ada.getByTestId('message').last().hover();
  await ada.getByTestId('message').last().getByTestId('delete-message').click();
  await expect(bo.getByTestId('message').last().getByTestId('message-deleted')).toHaveText('Message deleted');
  await expect(bo.getByText('How are you doing?')).toHaveCount(0);

  // Bo answers; it's in Ada's history after a reload, in order.
  await bo.getByTestId('composer').fill('Fine, thanks');
  await bo.getByTestId('composer').press('Enter');
  await expect(ada.getByTestId('message-body').last()).toHaveText('Fine, thanks');
  await ada.reload();
  await expect(ada.getByTestId('message-body')).toHaveText(['Hello Bo!', 'Fine, thanks']);
  await expect(ada.getByTestId('message-deleted')).toHaveCount(1);

  await adaContext.close();
  await boContext.close();
});
