// Shared steps of the browser tests and benches (Debian's chromium via playwright-core).
import type { Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

/** Signs in on the sign-in page with an API token, by keyboard, and waits for the Overview. */
export async function signInWithToken(page: Page, url: string, token: string, timeoutMs = 15_000): Promise<void> {
  await page.goto(url);
  await page.getByLabel('API token').fill(token);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: timeoutMs });
}
