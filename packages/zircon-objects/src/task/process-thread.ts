/**
 * What a process needs of its threads, in a file of its own so that `process-object.ts` and `thread-object.ts`
 * (whose threads name their process) do not import each other.
 */
export interface ProcessThread {
  /** Ends the thread (process kill and exit end every thread). */
  killTask(): void;
}
