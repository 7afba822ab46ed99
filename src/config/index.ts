export { CONFIG_FILE_NAME, ConfigError, loadConfig, validateConfig } from './load-config.ts';
export { DEFAULTS, LOG_LEVELS } from './deployment-schema.ts';
export type {
  DeploymentConfig,
  DispatcherConfig,
  GameConfig,
  GateConfig,
  HotswapConfig,
  LogLevel,
  ProcessConfig,
} from './deployment-config.ts';
