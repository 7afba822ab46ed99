import { createHmac, timingSafeEqual } from 'node:crypto';
import { LIMITS } from '../../protocol/index.ts';

/**
 * Resume tokens (SPEC.md, "Resume"): the client id followed by the first 16 bytes of
 * HMAC-SHA256(key, `tsworld-resume-v1\0` ‖ clientId). Every gate of a deployment holds the same key, so
 * any gate can check a token another gate issued without asking anyone; nothing is stored per token.
 * A token names a connection, not an entity: the game that holds the binding decides whether it still
 * stands, and a used token's client id is no longer bound anywhere, so it cannot be replayed.
 */
export const RESUME_TOKEN_BYTES = LIMITS.idLength + 16;

export interface ResumeTokens {
  issue(clientId: string): Uint8Array;
  /** The client id the token was issued for, or null when the bytes were not made with this key. */
  verify(token: Uint8Array): string | null;
}

const DOMAIN = 'tsworld-resume-v1\0';

export function createResumeTokens(key: Uint8Array): ResumeTokens {
  const mac = (clientId: string) => createHmac('sha256', key).update(DOMAIN).update(clientId, 'latin1').digest().subarray(0, 16);
  return {
    issue(clientId) {
      const token = new Uint8Array(RESUME_TOKEN_BYTES);
      token.set(Buffer.from(clientId, 'latin1'), 0);
      token.set(mac(clientId), LIMITS.idLength);
      return token;
    },
    verify(token) {
      if (token.length !== RESUME_TOKEN_BYTES) return null;
      for (let i = 0; i < LIMITS.idLength; i++) if (token[i] < 0x21 || token[i] > 0x7e) return null;
      const clientId = Buffer.from(token.subarray(0, LIMITS.idLength)).toString('latin1');
      return timingSafeEqual(mac(clientId), token.subarray(LIMITS.idLength)) ? clientId : null;
    },
  };
}
