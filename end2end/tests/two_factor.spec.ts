import { expect, test } from '@playwright/test';
import { collectErrors, hydrated, open, post, signUp } from './helpers';
import { appCode } from './totp';

test('set up two-factor sign-in on the profile, then sign in with a code', async ({ browser, baseURL }, testInfo) => {
  test.skip(!hydrated(testInfo), 'setting it up needs JavaScript (the page says so)');
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const errors = collectErrors(page);
  const email = await signUp(page.request, { name: 'Ada Two' });
  await open(page, '/profile', true);

  await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
  const key = (await page.getByTestId('two-factor-key').textContent()) ?? '';
  expect(key.replace(/\s/g, '')).toMatch(/^[A-Z2-7]{32}$/);
  await expect(page.getByRole('img', { name: 'QR code of your two-factor key' })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('two-factor-setup.png'), fullPage: true });
  await page.getByLabel('Your password').fill('correct horse battery');
  // A phone shows the digits keyboard.
  await expect(page.getByLabel('The 6-digit code it shows')).toHaveAttribute('inputmode', 'numeric');
  await page.getByLabel('The 6-digit code it shows').fill('000000');
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.getByText('That code is not right')).toBeVisible();
  await page.getByLabel('The 6-digit code it shows').fill(appCode(key));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.getByTestId('recovery-codes').getByRole('listitem')).toHaveCount(10);
  await expect(page.getByTestId('two-factor-status')).toContainText('10 of 10 recovery codes left');
  await page.screenshot({ path: testInfo.outputPath('two-factor-on.png'), fullPage: true });

  // Signed out, the password alone leads to the code page.
  await context.clearCookies();
  await open(page, '/sign-in?next=/profile', true);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/sign-in\/code\?next=/);
  await expect(page.getByRole('heading', { name: 'Enter your code' })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('code-page.png') });
  await page.getByLabel('Code').fill(appCode(key, 1));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId('two-factor-status')).toContainText('On.');
  // The one wrong code on purpose is the only failed request.
  expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  await context.close();
});

test('the code step of signing in, with a wrong code first, works with and without JavaScript', async ({ browser, baseURL }, testInfo) => {
  const js = hydrated(testInfo);
  // The account, with two-factor on (through the API, as an app would).
  const setupContext = await browser.newContext();
  const setup = await setupContext.newPage();
  const email = await signUp(setup.request, { name: 'Grace Two' });
  const key = await (await post(setup, baseURL as string, '/api/auth/two-factor/setup', {})).json();
  const on = await post(setup, baseURL as string, '/api/auth/two-factor/enable', { code: appCode(key.secret), password: 'correct horse battery' });
  expect(on.status()).toBe(200);
  const { recoveryCodes } = await on.json();
  await setupContext.close();

  const context = await browser.newContext({ javaScriptEnabled: js });
  const page = await context.newPage();
  await open(page, '/sign-in?next=/profile', js);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Enter your code' })).toBeVisible();
  await page.getByLabel('Code').fill('111111');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('That code is not right')).toBeVisible();
  // A recovery code works in place of the app's.
  await page.getByLabel('Code').fill(recoveryCodes[0]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByTestId('two-factor-status')).toContainText('9 of 10 recovery codes left');
  await context.close();
});
