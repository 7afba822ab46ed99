import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { BOT_SWARM_ADMISSION, repoRoot, startDeployment, type TestDeployment } from '../support/deployment.ts';

const example = join(repoRoot, 'examples', 'mmo');
/** Where the screenshots go, to look at after a run. */
const shots = join(repoRoot, '.tsworld', 'screenshots');

describe('mmo page in a real browser: interpolated monsters, a camera that follows the player', () => {
  let d: TestDeployment;
  let browser: Browser;

  beforeAll(async () => {
    d = await startDeployment({ entry: join(example, 'game', 'main.ts'), games: 2, gates: 1, staticDir: join(example, 'www'), gateDefaults: BOT_SWARM_ADMISSION });
    browser = await launchChromium();
    mkdirSync(shots, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await d?.stop();
  });

  it('draws what the player sees, moves with the keys and keeps the player in view', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(d.gateUrls[0]);
    await page.getByText(/connected to/).waitFor();
    await page.locator('#tag', { hasNotText: '–' }).waitFor({ timeout: 20_000 });
    const camera = async () => (await page.textContent('#camera'))!.split(', ').map(Number);
    const before = await camera();
    await page.screenshot({ path: join(shots, 'mmo-before.png') });

    // Walk towards the middle of the world for 2.5 s (150 units): even from a corner, where the camera
    // stops at the world's edge, the player gets far enough in for the camera to follow on both axes.
    const keys = [before[0]! < 150 ? 'ArrowRight' : 'ArrowLeft', before[1]! < 150 ? 'ArrowDown' : 'ArrowUp'];
    for (const k of keys) await page.keyboard.down(k);
    await page.waitForTimeout(2500);
    for (const k of keys) await page.keyboard.up(k);
    const after = await camera();
    await page.screenshot({ path: join(shots, 'mmo-after.png') });
    expect(after.length).toBe(2);
    expect(keys[0] === 'ArrowRight' ? after[0]! > before[0]! : after[0]! < before[0]!).toBe(true);
    expect(keys[1] === 'ArrowDown' ? after[1]! > before[1]! : after[1]! < before[1]!).toBe(true);
    // The player's dot is drawn where the camera puts it: inside the canvas, which shows 200 of 500 units.
    // (A string: the repository's tsconfig has no DOM types.)
    const pixel = await page.evaluate<number>(`(() => {
      const c = document.getElementById('world');
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let blue = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] === 0x1f && data[i + 1] === 0x6f && data[i + 2] === 0xeb) blue++;
      return blue;
    })()`);
    expect(pixel).toBeGreaterThan(20);
    expect(errors).toEqual([]);
  });
});
