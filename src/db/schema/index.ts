export * from './api-keys.ts';
export * from './audit-events.ts';
export * from './catalog-endpoints.ts';
export * from './key-permissions.ts';
export * from './partner-presets.ts';
export * from './partners.ts';
export * from './roles.ts';
export * from './key-usage.ts';
