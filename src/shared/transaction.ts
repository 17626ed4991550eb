/**
 * A unit of work over the repositories `R`: all of it commits or none of it does. Each service names the `R` it
 * writes through; the storage adapter hands every service the same real transaction.
 */
export interface Transactional<R> {
  transaction<T>(work: (tx: R) => Promise<T>): Promise<T>;
}
