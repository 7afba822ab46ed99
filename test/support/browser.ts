import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium, as .ci/run installs it; never a browser a tool downloads. */
export const CHROMIUM = process.env.TSWORLD_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless chromium with the flags this machine needs: without the background-networking ones it keeps
 * trying hosts the closed network refuses. A missing browser is a clear error, not a skip.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}
