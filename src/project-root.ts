import path from 'node:path';

/**
 * The package root, found from this file's place in it rather than from the current folder: the CLI run from any
 * folder reads the same `.env` and the same DATA_DIR as `npm start` in the checkout.
 */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');
