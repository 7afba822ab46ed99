#!/usr/bin/env node
// The installed package's bin (dist/cli/cli.js): the compiled CLI. Inside the repository bin.mjs runs the
// same main from the TypeScript sources.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
