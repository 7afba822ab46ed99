import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt with a per-account salt; async so hashing never stalls the game tick. */
export function hashPassword(password: string, salt = randomBytes(16).toString('base64'), done: (record: string) => void): void {
  scrypt(password, salt, 32, (err, key) => {
    if (err) throw err;
    done(`${salt}$${key.toString('base64')}`);
  });
}

export function checkPassword(password: string, record: string, done: (ok: boolean) => void): void {
  const [salt, expected] = record.split('$');
  if (!salt || !expected) return done(false);
  scrypt(password, salt, 32, (err, key) => {
    done(!err && timingSafeEqual(key, Buffer.from(expected, 'base64')));
  });
}
