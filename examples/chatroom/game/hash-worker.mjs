// One password-pool worker (password-pool.ts). Plain JavaScript on purpose: a worker thread does not
// get the game process's tsx loader, and this file needs nothing but node:crypto.
//
// scryptSync, not scrypt: the async one would queue on libuv's threadpool, which the whole process
// shares (file system, DNS, LMDB) and which has no bound. Here the hashing runs on this thread, and
// the pool decides how many threads there are and how much may wait.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

// The record format password.ts has always written: `<salt>$<key>`, both base64. The salt is used as
// its base64 text, as before, so existing accounts still log in.
const KEY_LENGTH = 32;

function hash(password) {
  const salt = randomBytes(16).toString('base64');
  return `${salt}$${scryptSync(password, salt, KEY_LENGTH).toString('base64')}`;
}

function check(password, record) {
  const [salt, expected] = record.split('$');
  if (!salt || !expected) return false;
  const want = Buffer.from(expected, 'base64');
  // timingSafeEqual throws on a length mismatch; a damaged record is a plain "no".
  if (want.length !== KEY_LENGTH) return false;
  return timingSafeEqual(scryptSync(password, salt, KEY_LENGTH), want);
}

parentPort.on('message', (job) => {
  try {
    const value = job.op === 'hash' ? hash(job.password) : check(job.password, job.record);
    parentPort.postMessage({ id: job.id, ok: true, value });
  } catch (err) {
    parentPort.postMessage({ id: job.id, ok: false, message: String(err?.message ?? err) });
  }
});
