import { projectJestConfig } from '../../jest.preset.js';

export default projectJestConfig(import.meta.dirname, { kind: 'kernel', testTimeout: 180_000 });
