/** The target of a request that names another method than its own: refused like a target the gateway got wrong. */
export const METHOD_OVERRIDE = { problem: 'method_override' } as const;
