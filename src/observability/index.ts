export { createLogger } from './logger.ts';
export type { LogFn, LogLevel, Logger, LoggerOptions, ProcessLogger } from './logger.ts';
export { createMetrics } from './metrics.ts';
export type { LinkGaugeSource, Metrics, MetricsOptions } from './metrics.ts';
export { createLogThrottle } from './log-throttle.ts';
export type { LogThrottle } from './log-throttle.ts';
export type { ReadinessProbe } from './health.ts';
