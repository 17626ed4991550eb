import path from 'node:path';
import { config } from 'dotenv';
import { PROJECT_ROOT } from './project-root.ts';

// The project's .env, never the current folder's: a `.env` of whatever project the operator stands in must not
// point this CLI at another database. Variables already set in the environment win over the file.
config({ path: path.join(PROJECT_ROOT, '.env'), quiet: true });
