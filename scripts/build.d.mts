/** Builds dist/ and records what the build read and wrote. */
export function build(): Promise<void>
/** Whether the build in `root` (the project by default) is missing, incomplete or older than one of its inputs. */
export function isStale(root?: string): boolean
export function buildIfStale(): Promise<void>
/** Deletes the files in `root`/dist/chunks that `outputs` (paths relative to `root`) does not list. */
export function removeUnlistedChunks(root: string, outputs: string[]): void
