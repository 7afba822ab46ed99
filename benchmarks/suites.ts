import { aoiSuite } from './aoi/aoi-suite.ts';
import type { BenchSuite } from './bench-types.ts';
import { callsSuite } from './calls/calls-suite.ts';
import { ccuSuite } from './ccu/ccu-suite.ts';
import { dispatcherSuite } from './dispatcher/dispatcher-suite.ts';
import { hotswapSuite } from './hotswap/hotswap-suite.ts';
import { migrationSuite } from './migration/migration-suite.ts';
import { peersSuite } from './peers/peers-suite.ts';
import { protocolSuite } from './protocol/protocol-suite.ts';
import { transportSuite } from './transport/transport-suite.ts';

/** Every benchmark suite, in the order `npm run bench` runs them. A new suite is one line here. */
export const SUITES: readonly BenchSuite[] = [aoiSuite, protocolSuite, transportSuite, dispatcherSuite, hotswapSuite, migrationSuite, peersSuite, callsSuite, ccuSuite];
