import { configFor } from '../../eslint.config.js';

export default configFor(import.meta.dirname);
