import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SHOTS, chatroomInBrowser, openChat, registerUser } from '../support/chatroom-page.ts';

/** How far the page reaches past the viewport's width (0: it fits). */
const overflow = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');

describe('chatroom page on a 390 px wide screen', () => {
  const chat = chatroomInBrowser();

  it('fits without scrolling sideways, on the login form and in the chat with a long line', async () => {
    const page = await chat.browser.newPage({ viewport: { width: 390, height: 844 } });
    await openChat(page, chat.d.gateUrls[0]);
    expect(await overflow(page)).toBe(0);
    await registerUser(page, 'narrow', 'secret-narrow');
    await page.click('#login');
    await page.locator('#chat').waitFor({ state: 'visible' });
    await page.fill('#chat-input', `a-long-word-${'x'.repeat(120)} and a sentence that wraps on a phone`);
    await page.press('#chat-input', 'Enter');
    await page.getByText(/a sentence that wraps/).waitFor();
    await page.screenshot({ path: join(SHOTS, 'chatroom-390.png') });
    expect(await overflow(page)).toBe(0);
    const input = await page.locator('#chat-input').boundingBox();
    expect(input!.x + input!.width).toBeLessThanOrEqual(390);
  });
});
