import { createHmac, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The key every gate of a deployment signs resume tokens with. With a cluster secret it is derived from
 * it (a use of the secret separate from link authentication), so gates on any host agree. Without one,
 * every internal link is on loopback (load-config refuses otherwise), so the gates share one machine and
 * one run directory: the first gate writes 32 random bytes there (mode 0600) and the others read them.
 */
export function resumeKey(secret: string | undefined, runDirectory: string): Uint8Array {
  if (secret !== undefined) return createHmac('sha256', secret).update('tsworld-resume-key-v1').digest();
  mkdirSync(runDirectory, { recursive: true });
  const path = join(runDirectory, 'resume.key');
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, randomBytes(32), { mode: 0o600 });
  try {
    // link() refuses to replace: of gates starting together, one key wins and every gate reads it whole.
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  const key = readFileSync(path);
  if (key.length !== 32) throw new Error(`${path}: a resume key is 32 bytes, this file has ${key.length}; delete it to make a new one`);
  return key;
}
