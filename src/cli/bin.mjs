#!/usr/bin/env node
// The published entry: registers tsx so the CLI (and the role processes it spawns) run straight from
// TypeScript sources, then hands over to main.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
