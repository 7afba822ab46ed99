import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { repoRoot, startDeployment, type TestDeployment } from '../support/deployment.ts';

const example = join(repoRoot, 'examples', 'chatroom');
const shots = join(repoRoot, '.tsworld', 'screenshots');

/** How far the page reaches past the viewport's width (0: it fits). */
const overflow = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');

describe('chatroom page on a 390 px wide screen', () => {
  let d: TestDeployment;
  let browser: Browser;

  beforeAll(async () => {
    d = await startDeployment({ entry: join(example, 'game', 'main.ts'), staticDir: join(example, 'www') });
    browser = await launchChromium();
    mkdirSync(shots, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await d?.stop();
  });

  it('fits without scrolling sideways, on the login form and in the chat with a long line', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(d.gateUrls[0]);
    await page.getByText(/connected to/).waitFor();
    expect(await overflow(page)).toBe(0);
    await page.fill('#username', 'narrow');
    await page.fill('#password', 'secret-narrow');
    await page.click('#register');
    await page.getByText('Registered. Now log in.').waitFor();
    await page.click('#login');
    await page.locator('#chat').waitFor({ state: 'visible' });
    await page.fill('#chat-input', `a-long-word-${'x'.repeat(120)} and a sentence that wraps on a phone`);
    await page.press('#chat-input', 'Enter');
    await page.getByText(/a sentence that wraps/).waitFor();
    await page.screenshot({ path: join(shots, 'chatroom-390.png') });
    expect(await overflow(page)).toBe(0);
    const input = await page.locator('#chat-input').boundingBox();
    expect(input!.x + input!.width).toBeLessThanOrEqual(390);
  });
});
