/**
 * Child process for the cross-process getOrPut race: opens the KvStore of the config spec in argv[2]
 * (JSON: an LMDB directory or a Redis server and prefix), waits for the parent's "go" on stdin so both
 * children start together, calls getOrPut(argv[3], `${tag}-${i}`) argv[4] times concurrently and prints
 * the results as JSON.
 */
import { openKvStore, type StorageSpec } from '../../../src/storage/index.ts';

const [specText, key, countText, tag] = process.argv.slice(2);
if (!specText || !key || !countText || !tag) throw new Error('usage: kv-racer <spec json> <key> <count> <tag>');
const store = openKvStore(JSON.parse(specText) as StorageSpec);
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
