import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root: this file is src/cli/commands/init.ts, or dist/cli/commands/init.js once compiled. */
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const INIT_TEMPLATES = ['default', 'chatroom', 'mmo'] as const;
export type InitTemplate = (typeof INIT_TEMPLATES)[number];

/** Where each template's files come from: the scaffold's own, or one of the examples. */
function templateDir(template: InitTemplate): string {
  return template === 'default' ? join(packageRoot, 'src', 'cli', 'init', 'template') : join(packageRoot, 'examples', template);
}

/** Repository-only files of the examples, and what `tsworld start` builds: never copied. */
function copied(src: string, root: string): boolean {
  const rel = relative(root, src).split(sep).join('/');
  return !/(^|\/)(copy-game\.ts|tsworld-client\.js(\.map)?|\.tsworld|node_modules)$/.test(rel);
}

interface EnginePackage {
  name: string;
  version: string;
  devDependencies: Record<string, string>;
}

/** The package.json of the scaffold: its tools pinned to the versions this engine is developed with. */
function scaffoldPackageJson(name: string, template: InitTemplate, engine: EnginePackage): string {
  const dev = (pkg: string) => engine.devDependencies[pkg] ?? 'latest';
  return `${JSON.stringify(
    {
      name,
      version: '0.1.0',
      private: true,
      // The engine and the game code are ES modules; tsx would compile .ts files as CommonJS without it.
      type: 'module',
      scripts: {
        start: 'tsworld start . --foreground',
        dev: 'tsworld start . --foreground --watch',
        test: template === 'default' ? 'tsc --noEmit && vitest run' : 'tsc --noEmit',
      },
      dependencies: { [engine.name]: `^${engine.version}` },
      devDependencies: {
        '@types/node': dev('@types/node'),
        typescript: dev('typescript'),
        ...(template === 'default' ? { vitest: dev('vitest') } : {}),
      },
    },
    null,
    2,
  )}\n`;
}

const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2022'],
      types: ['node'],
      strict: true,
      // Game code imports its own files by their .ts names; tsworld runs them through tsx.
      allowImportingTsExtensions: true,
      noEmit: true,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
    },
    include: ['game', 'test', '*.ts'],
  },
  null,
  2,
)}\n`;

const GITIGNORE = 'node_modules/\n.tsworld/\nwww/tsworld-client.js\nwww/tsworld-client.js.map\n';

function nameDeployment(configFile: string, name: string): void {
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as { deployment: string };
  writeFileSync(configFile, `${JSON.stringify({ ...config, deployment: name }, null, 2)}\n`);
}

/**
 * `tsworld init <dir> [--template chatroom|mmo]`: writes a game project that runs as it is after
 * `npm install`: package.json, tsconfig.json, tsworld.config.json, game/, www/ and (default template)
 * a test. Refuses a directory that already holds files, so nothing of the user's is overwritten.
 */
export function initCommand(dir: string | undefined, template: string, out: (line: string) => void): number {
  if (dir === undefined) {
    process.stderr.write('tsworld init: name the directory to create, e.g. `tsworld init my-game`\n');
    return 2;
  }
  if (!(INIT_TEMPLATES as readonly string[]).includes(template)) {
    process.stderr.write(`tsworld init: unknown template '${template}' (one of: ${INIT_TEMPLATES.join(', ')})\n`);
    return 2;
  }
  const target = resolve(dir);
  if (existsSync(target) && readdirSync(target).length > 0) {
    process.stderr.write(`tsworld init: ${target} is not empty; pick a new directory\n`);
    return 1;
  }
  const from = templateDir(template as InitTemplate);
  const engine = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as EnginePackage;
  mkdirSync(target, { recursive: true });
  cpSync(from, target, { recursive: true, filter: (src) => copied(src, from) });
  const name = basename(target).toLowerCase().replace(/[^a-z0-9-._]/g, '-');
  writeFileSync(join(target, 'package.json'), scaffoldPackageJson(name, template as InitTemplate, engine));
  writeFileSync(join(target, 'tsconfig.json'), TSCONFIG);
  writeFileSync(join(target, '.gitignore'), GITIGNORE);
  if (template === 'default') nameDeployment(join(target, 'tsworld.config.json'), name);
  out(`created ${target} (template ${template})`);
  out('next:');
  out(`  cd ${dir}`);
  out('  npm install');
  out('  npm start     # then open the address it prints');
  if (template === 'default') out('  npm test');
  return 0;
}
