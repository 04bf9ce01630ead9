// Creates a workspace project with the standard layout:
//   node tools/scripts/new-project.js <dir> <type> [platform] [description...]
// e.g. node tools/scripts/new-project.js packages/endpoints core any "Endpoint selection"
// Then `npx nx sync` wires TypeScript project references.
import fs from 'node:fs';
import path from 'node:path';

const [dir, type, platform = 'any', ...descr] = process.argv.slice(2);
if (!dir || !type) {
  console.error('usage: new-project.js <dir> <type> [platform] [description]');
  process.exit(2);
}
const root = path.join(import.meta.dirname, '../..');
const abs = path.join(root, dir);
if (fs.existsSync(path.join(abs, 'package.json'))) {
  console.error(`${dir} already exists`);
  process.exit(2);
}
const base = path.basename(dir);
const name = `@kproxy/${dir.startsWith('apps/') || dir.startsWith('packages/') ? base : `${path.dirname(dir).split('/')[0]}-${base}`}`;
const up = path.relative(abs, root).replaceAll(path.sep, '/');
const tags = [`type:${type}`, ...(platform === 'none' ? [] : [`platform:${platform}`])];
const write = (file, text) => {
  fs.mkdirSync(path.dirname(path.join(abs, file)), { recursive: true });
  fs.writeFileSync(path.join(abs, file), text);
};
write(
  'package.json',
  `${JSON.stringify(
    {
      name,
      version: '0.1.0',
      private: true,
      description: descr.join(' ') || undefined,
      type: 'module',
      exports: {
        '.': { '@kproxy/source': './src/index.ts', types: './dist/src/index.d.ts', default: './dist/src/index.js' },
      },
      engines: { node: '>=22.19.0' },
      nx: { tags },
      dependencies: {},
    },
    null,
    2,
  )}\n`,
);
write(
  'tsconfig.json',
  `${JSON.stringify(
    {
      extends: `${up}/tsconfig.base.json`,
      compilerOptions: { outDir: 'dist', rootDir: '.', tsBuildInfoFile: 'dist/tsconfig.tsbuildinfo' },
      include: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
      references: [],
    },
    null,
    2,
  )}\n`,
);
write(
  'jest.config.js',
  `import { projectJestConfig } from '${up}/jest.preset.js';\n\nexport default projectJestConfig(import.meta.dirname);\n`,
);
write('eslint.config.js', `import { configFor } from '${up}/eslint.config.js';\n\nexport default configFor(import.meta.dirname);\n`);
write('src/index.ts', `// Public API of ${name}.\nexport {};\n`);
write('README.md', `# ${name}\n\n${descr.join(' ')}\n`);
console.log(`created ${dir} as ${name} [${tags.join(', ')}]`);
