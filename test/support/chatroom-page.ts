import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from './browser.ts';
import { repoRoot, startDeployment, type TestDeployment } from './deployment.ts';

/** Where the page tests keep their screenshots for a person to look at. */
export const SHOTS = join(repoRoot, '.tsworld', 'screenshots');
const example = join(repoRoot, 'examples', 'chatroom');

/**
 * The chatroom example served on a real deployment (2 gates), and a Debian chromium to look at it,
 * started before the file's tests and stopped after them.
 */
export function chatroomInBrowser(): { readonly d: TestDeployment; readonly browser: Browser } {
  const state = {} as { d: TestDeployment; browser: Browser };
  beforeAll(async () => {
    state.d = await startDeployment({ entry: join(example, 'game', 'main.ts'), staticDir: join(example, 'www') });
    state.browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await state.browser?.close();
    await state.d?.stop();
  });
  return state;
}

/** Opens the page on a gate and waits until it is connected. */
export async function openChat(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByText(/connected to/).waitFor();
}

export async function registerUser(page: Page, user: string, password: string): Promise<void> {
  await page.fill('#username', user);
  await page.fill('#password', password);
  await page.click('#register');
  await page.getByText('Registered. Now log in.').waitFor();
}

/** Logs in (the username and password fields as they are filled, or as given) and waits for the chat. */
export async function logIn(page: Page, user: string, password: string): Promise<void> {
  await page.fill('#username', user);
  await page.fill('#password', password);
  await page.click('#login');
  await page.locator('#chat').waitFor({ state: 'visible' });
  await page.locator('#me', { hasText: user }).waitFor();
}

export async function say(page: Page, text: string): Promise<void> {
  await page.fill('#chat-input', text);
  await page.press('#chat-input', 'Enter');
}
