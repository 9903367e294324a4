import { test, expect } from '@playwright/test';
import { freshEmail, hydrated, open, waitForHydration } from './helpers';

test('sign up, edit the profile, sign out and sign in again', async ({ page }, testInfo) => {
  const js = hydrated(testInfo);
  const email = freshEmail();
  const password = 'correct horse battery';
  const account = page.getByTestId('account-area');

  // Sign up as an organizer, starting from a page that needs an account.
  await open(page, '/profile', js);
  await expect(page).toHaveURL(/\/sign-in\?next=\/profile$/);
  await page.getByRole('link', { name: 'Create an account' }).click();
  await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible();
  if (js) await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Your name').fill('Ada Lovelace');
  await page.getByLabel('Password').fill(password);
  await page.getByText('Organize and provide').click();
  await page.getByRole('button', { name: 'Create account' }).click();

  // Back where we were going, signed in.
  await expect(page).toHaveURL((url) => url.pathname === '/profile');
  await expect(page.getByRole('heading', { name: 'Ada Lovelace' })).toBeVisible();
  await expect(account.getByText('Ada Lovelace')).toBeVisible();
  await expect(account.getByText('Organizer')).toBeVisible();

  // Edit the profile.
  if (js) await waitForHydration(page);
  await page.getByLabel('Your name').fill('Ada King');
  await page.getByLabel('About you').fill('Poet of science.');
  await page.getByRole('button', { name: 'Save changes' }).click();
  if (js) await expect(page.getByText('Saved.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Ada King' })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('About you')).toHaveValue('Poet of science.');
  await expect(account.getByText('Ada King')).toBeVisible();

  // Sign out.
  if (js) await waitForHydration(page);
  await account.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL((url) => url.pathname === '/');
  await expect(account.getByRole('link', { name: 'Sign in' })).toBeVisible();

  // A wrong password is refused in the page, then the right one works.
  await account.getByRole('link', { name: 'Sign in' }).click();
  if (js) await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('The email or password is incorrect.');
  if (js) await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(account.getByText('Ada King')).toBeVisible();
});

test('sign-up errors are shown next to the field', async ({ page }, testInfo) => {
  const js = hydrated(testInfo);
  await open(page, '/sign-up', js);
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Password').fill('long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('Enter a valid email address.')).toBeVisible();
  await expect(page.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');
});

test('people can be found by name and their public profile opened', async ({ page }, testInfo) => {
  const js = hydrated(testInfo);
  const tag = Math.random().toString(36).slice(2, 8);
  // Someone to find, created through the API.
  const other = await page.request.post('/api/auth/register', {
    data: { username: freshEmail(), password: 'correct horse battery', displayName: `Zelda ${tag}` },
  });
  expect(other.status()).toBe(201);

  await open(page, '/sign-up', js);
  await page.getByLabel('Email').fill(freshEmail());
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('account-area').getByRole('button', { name: 'Sign out' })).toBeVisible();

  await open(page, '/people', js);
  await page.getByRole('searchbox', { name: 'Name or email' }).fill(tag);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(new RegExp(`q=${tag}`));
  await page.getByRole('link', { name: new RegExp(`Zelda ${tag}`) }).click();
  await expect(page.getByRole('heading', { name: `Zelda ${tag}` })).toBeVisible();
  await expect(page.getByText(/Member since/)).toBeVisible();
});

test('change the password and sign out another device from the profile', async ({ browser }, testInfo) => {
  const js = hydrated(testInfo);
  const origin = testInfo.project.use.baseURL as string;
  const email = freshEmail();
  const context = await browser.newContext({ javaScriptEnabled: js });
  const page = await context.newPage();
  const signUp = await page.request.post('/rpc/accounts/sign_up', {
    form: { email, password: 'correct horse battery', display_name: 'Sam Secure', role: 'attendee', next: '/' },
  });
  expect(signUp.ok()).toBeTruthy();
  // Another device: an API sign-in with its own session.
  const other = await page.request.post('/api/auth/login', {
    headers: { Origin: origin, 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' },
    data: { username: email, password: 'correct horse battery' },
  });
  expect(other.status()).toBe(200);
  const otherToken = (await other.json()).access_token;

  await open(page, '/profile', js);
  const sessions = page.getByTestId('session');
  await expect(sessions).toHaveCount(2);
  await expect(sessions.filter({ hasText: 'This device' })).toHaveCount(1);
  const laptop = sessions.filter({ hasText: 'Firefox on Linux' });
  await laptop.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByTestId('session')).toHaveCount(1);
  const refused = await page.request.get('/api/auth/me', { headers: { Authorization: `Bearer ${otherToken}` } });
  expect(refused.status()).toBe(401);

  // A wrong current password, then a common new one, then a good one.
  const form = page.getByTestId('password-form');
  await form.getByLabel('Current password').fill('not my password');
  await form.getByLabel('New password').fill('plum-tractor-quietly-79');
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('That is not your current password.')).toBeVisible();
  await page.getByTestId('password-form').getByLabel('Current password').fill('correct horse battery');
  await page.getByTestId('password-form').getByLabel('New password').fill('password1234');
  await page.getByTestId('password-form').getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('one of the most common ones')).toBeVisible();
  await page.getByTestId('password-form').getByLabel('Current password').fill('correct horse battery');
  await page.getByTestId('password-form').getByLabel('New password').fill('plum-tractor-quietly-79');
  await page.getByTestId('password-form').getByRole('button', { name: 'Change password' }).click();
  await expect(page).toHaveURL(/\/profile\?password=changed$/);
  await expect(page.getByText('Password changed. Every other session was signed out.')).toBeVisible();
  // The new password signs in; the old one no longer does.
  const oldLogin = await page.request.post('/api/auth/login', { headers: { Origin: origin }, data: { username: email, password: 'correct horse battery' } });
  expect(oldLogin.status()).toBe(401);
  const newLogin = await page.request.post('/api/auth/login', { headers: { Origin: origin }, data: { username: email, password: 'plum-tractor-quietly-79' } });
  expect(newLogin.status()).toBe(200);
  await context.close();
});
