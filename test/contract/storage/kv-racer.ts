/**
 * Child process for the cross-process getOrPut race: opens the LMDB KvStore at argv[2], waits for the
 * parent's "go" on stdin so both children start together, calls getOrPut(argv[3], `${tag}-${i}`)
 * argv[4] times concurrently and prints the results as JSON.
 */
import { createLmdbKvStore } from '../../../src/storage/index.ts';

const [path, key, countText, tag] = process.argv.slice(2);
if (!path || !key || !countText || !tag) throw new Error('usage: kv-racer <path> <key> <count> <tag>');
const store = createLmdbKvStore({ path });
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  void (async () => {
    const calls = Array.from({ length: Number(countText) }, (_, i) => store.getOrPut(key, `${tag}-${i}`));
    const results = await Promise.all(calls);
    await store.close();
    process.stdout.write(`${JSON.stringify(results.map((r) => r ?? null))}\n`);
    process.exit(0);
  })();
});
