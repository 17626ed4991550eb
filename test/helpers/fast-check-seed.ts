import fc from 'fast-check';

/**
 * Property and fuzz tests run from one fixed seed by default, so a CI run is reproducible and a failure can be
 * replayed exactly. `FC_SEED=random npm test` explores new inputs (a failure prints its seed; `FC_SEED=<n>` replays it).
 */
const wanted = process.env.FC_SEED;
const seed = wanted === 'random' ? Date.now() ^ (Math.random() * 0x100000000) : Number(wanted ?? 20261128);
fc.configureGlobal({ seed: Number.isFinite(seed) ? seed : 20261128 });
