// Shared jest configuration for every project: TypeScript sources run directly as ESM through @swc/jest
// (jest runs under `node --experimental-vm-modules`, set by nx.json's targetDefaults for `test`).
// Workspace packages resolve to their TypeScript sources through the `@kproxy/source` export condition.
import path from 'node:path';

const workspaceRoot = import.meta.dirname;

/**
 * @param {string} projectDir absolute project directory (pass `import.meta.dirname`)
 * @param {{ kind?: 'unit' | 'kernel', testTimeout?: number, overrides?: object }} [options]
 */
export function projectJestConfig(projectDir, options = {}) {
  const kind = options.kind ?? 'unit';
  const name = path.relative(workspaceRoot, projectDir).replaceAll(path.sep, '/');
  const kernelPattern = '\\.kernel\\.test\\.ts$';
  return {
    displayName: kind === 'unit' ? name : `${name} (${kind})`,
    rootDir: projectDir,
    testEnvironment: 'node',
    testEnvironmentOptions: { customExportConditions: ['@kproxy/source', 'node', 'node-addons'] },
    extensionsToTreatAsEsm: ['.ts'],
    moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
          module: { type: 'es6' },
          sourceMaps: 'inline',
        },
      ],
    },
    testMatch:
      kind === 'kernel' ? ['<rootDir>/**/*.kernel.test.ts'] : ['<rootDir>/{src,test}/**/*.test.ts'],
    testPathIgnorePatterns: ['/node_modules/', '/dist/', ...(kind === 'kernel' ? [] : [kernelPattern])],
    passWithNoTests: false,
    testTimeout: options.testTimeout ?? (kind === 'kernel' ? 60_000 : 10_000),
    reporters: [
      'default',
      [path.join(workspaceRoot, 'tools/jest/summary-reporter.js'), { name, kind }],
    ],
    ...options.overrides,
  };
}
