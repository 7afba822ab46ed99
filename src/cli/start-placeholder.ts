// `npm start` will bring up the example cluster once the cluster issue lands (dispatcher, games, gates).
// Until then it says so plainly instead of pretending.
process.stdout.write(
  'tsworld: the example cluster is not runnable yet (the cluster issue is open).\n' +
    'What works today: `npm test` (engine core, AOI contract suite) and `npm run bench` (AOI benchmarks).\n',
);
