import fs from 'node:fs';
import path from 'node:path';
import nx from '@nx/eslint-plugin';

// Node built-ins that perform I/O: pure packages (type:api, type:core) may not import them.
const ioBuiltins = [
  'node:child_process', 'child_process',
  'node:net', 'net',
  'node:fs', 'fs', 'node:fs/promises', 'fs/promises',
  'node:dgram', 'dgram',
  'node:http', 'http', 'node:https', 'https',
];

const base = [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/tmp', '**/.nx', '**/coverage'],
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // The contract depends on nothing and does no I/O.
            { sourceTag: 'type:api', onlyDependOnLibsWithTags: [], bannedExternalImports: ioBuiltins },
            // Pure logic (endpoint selection, affinity, state building): the contract and other pure code only.
            {
              sourceTag: 'type:core',
              onlyDependOnLibsWithTags: ['type:api', 'type:core'],
              bannedExternalImports: ioBuiltins,
            },
            // Kernel clients and process/namespace plumbing.
            { sourceTag: 'type:kernel-client', onlyDependOnLibsWithTags: ['type:api', 'type:kernel-client'] },
            // I/O packages that are not kernel clients (API watch, health servers, conntrack).
            {
              sourceTag: 'type:io',
              onlyDependOnLibsWithTags: ['type:api', 'type:core', 'type:kernel-client', 'type:io'],
            },
            // Backends: never each other.
            {
              sourceTag: 'type:backend',
              onlyDependOnLibsWithTags: ['type:api', 'type:core', 'type:kernel-client'],
            },
            // The behaviour suite: backend-neutral.
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:api', 'type:core', 'type:testing'],
            },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['*'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['*'] },
            { sourceTag: 'platform:any', onlyDependOnLibsWithTags: ['platform:any'] },
            { sourceTag: 'platform:linux', onlyDependOnLibsWithTags: ['platform:any', 'platform:linux'] },
            { sourceTag: 'platform:windows', onlyDependOnLibsWithTags: ['platform:any', 'platform:windows'] },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
];

/** Tags whose code must stay pure: no process, socket or file I/O. */
const pureTags = ['type:api', 'type:core'];

/**
 * The lint config of one project: the shared config, plus the purity ban for projects tagged pure.
 * (`@nx/enforce-module-boundaries` skips node built-ins in `bannedExternalImports`, so the ban on
 * `node:child_process`, `node:net`, `node:fs` is enforced here, keyed on the same nx tags.)
 * @param {string} projectDir
 */
export function configFor(projectDir) {
  const manifest = JSON.parse(fs.readFileSync(path.join(projectDir, 'package.json'), 'utf8'));
  const tags = manifest.nx?.tags ?? [];
  const pure = tags.filter((t) => pureTags.includes(t));
  if (pure.length === 0) return base;
  return [
    ...base,
    {
      files: ['**/*.ts'],
      ignores: ['**/*.test.ts', 'bench/**', 'test/**'],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            paths: ioBuiltins.map((name) => ({
              name,
              message: `${manifest.name} is tagged ${pure.join(', ')}: pure code may not do I/O; take an injected interface instead.`,
            })),
          },
        ],
      },
    },
  ];
}

export default base;
