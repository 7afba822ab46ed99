import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { repoRoot, startDeployment, type TestDeployment } from '../support/deployment.ts';

const example = join(repoRoot, 'examples', 'chatroom');

async function signIn(page: Page, url: string, user: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByText(/connected to/).waitFor();
  await page.fill('#username', user);
  await page.fill('#password', password);
  await page.click('#register');
  await page.getByText('Registered. Now log in.').waitFor();
  await page.click('#login');
  await page.locator('#chat').waitFor({ state: 'visible' });
  await page.locator('#me', { hasText: user }).waitFor();
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#chat-input', text);
  await page.press('#chat-input', 'Enter');
}

describe('chatroom in a real browser, two pages on two gates', () => {
  let d: TestDeployment;
  let browser: Browser;
  let profile: string;

  beforeAll(async () => {
    d = await startDeployment({ entry: join(example, 'game', 'main.ts'), staticDir: join(example, 'www') });
    profile = mkdtempSync(join(tmpdir(), 'tsworld-chromium-'));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await d?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('two people register, log in and see each other\'s messages', async () => {
    const one = await browser.newPage();
    const two = await browser.newPage();
    const consoleErrors: string[] = [];
    for (const p of [one, two]) p.on('pageerror', (err) => consoleErrors.push(err.message));

    await signIn(one, d.gateUrls[0], 'ann', 'secret-ann');
    await signIn(two, d.gateUrls[1], 'ben', 'secret-ben');

    // The OnlineService's count for the lobby, on both pages.
    for (const p of [one, two]) await p.locator('#online', { hasText: /^2$/ }).waitFor();
    await say(one, 'hello from the first gate');
    await two.locator('#messages li', { hasText: 'hello from the first gate' }).waitFor();
    expect(await two.locator('#messages li', { hasText: 'hello from the first gate' }).locator('.who').textContent()).toBe('ann');

    await say(two, 'and hello back from the second');
    await one.locator('#messages li', { hasText: 'and hello back from the second' }).waitFor();

    await say(two, '/join elsewhere');
    await two.locator('#room', { hasText: 'elsewhere' }).waitFor();
    for (const p of [one, two]) await p.locator('#online', { hasText: /^1$/ }).waitFor();
    await say(two, 'nobody in the lobby hears this');
    await two.locator('#messages li', { hasText: 'nobody in the lobby hears this' }).waitFor();
    await say(one, 'still in the lobby');
    await one.locator('#messages li', { hasText: 'still in the lobby' }).waitFor();
    expect(await one.locator('#messages li', { hasText: 'nobody in the lobby hears this' }).count()).toBe(0);

    // Kept for a person to look at (overwritten by each run).
    await one.screenshot({ path: join(tmpdir(), 'tsworld-chatroom-e2e.png') });
    expect(consoleErrors).toEqual([]);
  });
});
