import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chatroomInBrowser, logIn, openChat, registerUser, say } from '../support/chatroom-page.ts';

async function signIn(page: Page, url: string, user: string, password: string): Promise<void> {
  await openChat(page, url);
  await registerUser(page, user, password);
  await logIn(page, user, password);
}

describe('chatroom in a real browser, two pages on two gates', () => {
  const chat = chatroomInBrowser();

  it('two people register, log in and see each other\'s messages', async () => {
    const one = await chat.browser.newPage();
    const two = await chat.browser.newPage();
    const consoleErrors: string[] = [];
    for (const p of [one, two]) p.on('pageerror', (err) => consoleErrors.push(err.message));

    await signIn(one, chat.d.gateUrls[0], 'ann', 'secret-ann');
    await signIn(two, chat.d.gateUrls[1], 'ben', 'secret-ben');

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
