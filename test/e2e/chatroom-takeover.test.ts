import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SHOTS, chatroomInBrowser, logIn, openChat, registerUser, say } from '../support/chatroom-page.ts';
import type { TestDeployment } from '../support/deployment.ts';

/**
 * Two logins to one account, from two pages on two gates: the second takes the avatar over, and the
 * first is told "logged in elsewhere" and closed. (Before, the second page hung at "Logging in…" and
 * the first silently stopped receiving: the avatar destroyed itself when its first client was unbound.)
 */
describe('chatroom: a second login to the same account takes over', () => {
  const chat = chatroomInBrowser();

  it('the first page is told and closed, the second gets the avatar and chats in its room', async () => {
    const first = await chat.browser.newPage();
    const second = await chat.browser.newPage();
    const witness = await chat.browser.newPage();
    const pageErrors: string[] = [];
    for (const p of [first, second, witness]) p.on('pageerror', (err) => pageErrors.push(err.message));
    try {
      await takeOver(first, second, witness, chat.d);
    } catch (err) {
      // What each page showed when it failed, for a person to look at.
      for (const [name, p] of [['first', first], ['second', second], ['witness', witness]] as const) await p.screenshot({ path: join(SHOTS, `chatroom-takeover-failed-${name}.png`) });
      throw err;
    }
    await first.screenshot({ path: join(SHOTS, 'chatroom-takeover-first.png') });
    await second.screenshot({ path: join(SHOTS, 'chatroom-takeover-second.png') });
    expect(pageErrors).toEqual([]);
  });
});

async function takeOver(first: Page, second: Page, witness: Page, d: TestDeployment): Promise<void> {
  await openChat(first, d.gateUrls[0]);
  await registerUser(first, 'dora', 'secret-dora');
  await logIn(first, 'dora', 'secret-dora');
  await say(first, '/join harbour');
  await first.locator('#room', { hasText: 'harbour' }).waitFor();

  await openChat(witness, d.gateUrls[0]);
  await registerUser(witness, 'wes', 'secret-wes');
  await logIn(witness, 'wes', 'secret-wes');
  await say(witness, '/join harbour');
  await witness.locator('#room', { hasText: 'harbour' }).waitFor();

  await openChat(second, d.gateUrls[1]);
  await logIn(second, 'dora', 'secret-dora');

  // The first session is closed (4010) with the reason, which its page shows as a line and a status.
  await first.locator('#status', { hasText: 'logged in elsewhere — reload to log in again' }).waitFor();
  await first.locator('#messages li.system', { hasText: 'logged in elsewhere' }).waitFor();
  // The second has the same avatar: the room it joined before, and chat that reaches the room.
  await second.locator('#room', { hasText: 'harbour' }).waitFor();
  await second.locator('#messages li.system', { hasText: 'welcome dora, you are in #harbour' }).waitFor();
  expect(await second.locator('#messages li', { hasText: 'logged in elsewhere' }).count()).toBe(0);
  await say(second, 'dora again, from the second gate');
  await witness.locator('#messages li', { hasText: 'dora again, from the second gate' }).waitFor();
  expect(await witness.locator('#messages li', { hasText: 'dora again, from the second gate' }).locator('.who').textContent()).toBe('dora');
  await second.locator('#messages li', { hasText: 'dora again, from the second gate' }).waitFor();
  // One avatar, not two: the room counts dora once.
  await witness.locator('#online', { hasText: /^2$/ }).waitFor();
  expect(await first.locator('#messages li', { hasText: 'dora again, from the second gate' }).count()).toBe(0);
}
