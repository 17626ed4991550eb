// The single import point for writing a listener; the wrapper itself lives in ./kinds/ (being split by kind).
export * from './kinds/steps.ts';
