import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resumeKey } from '../../../../src/roles/gate/resume-key.ts';
import { createResumeTokens } from '../../../../src/roles/gate/resume-token.ts';

/** Every gate of a deployment must arrive at the same key, and nothing else may. */
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'tsworld-resume-key-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('the gates\' resume key', () => {
  it('is derived from the cluster secret: the same on every gate (any host), another for another secret', () => {
    const a = resumeKey('0123456789abcdef-secret', tmp());
    expect(Buffer.from(resumeKey('0123456789abcdef-secret', tmp())).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(resumeKey('another-secret-of-16+', tmp())).equals(Buffer.from(a))).toBe(false);
    // A token one gate issued, another gate (same secret) accepts.
    const token = createResumeTokens(a).issue('Client0000000001');
    expect(createResumeTokens(resumeKey('0123456789abcdef-secret', tmp())).verify(token)).toBe('Client0000000001');
  });

  it('without a secret: 32 random bytes in the run directory, written once (mode 0600) and read by every gate', () => {
    const run = join(tmp(), '.tsworld');
    const first = resumeKey(undefined, run);
    expect(first).toHaveLength(32);
    expect(statSync(join(run, 'resume.key')).mode & 0o777).toBe(0o600);
    expect(Buffer.from(resumeKey(undefined, run)).equals(Buffer.from(first))).toBe(true);
    expect(Buffer.from(resumeKey(undefined, join(tmp(), '.tsworld'))).equals(Buffer.from(first))).toBe(false);
  });

  it('refuses a key file that is not 32 bytes, naming it', () => {
    const run = tmp();
    writeFileSync(join(run, 'resume.key'), 'short');
    expect(() => resumeKey(undefined, run)).toThrow(/resume\.key: a resume key is 32 bytes/);
  });
});
