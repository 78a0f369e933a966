// Bundles the service into dist/. Start-up then loads one file instead of transpiling ~100 TypeScript modules on
// the fly and resolving the libraries' modules one by one. `npm ci` builds once (the `prepare` script); `npm start`
// and the other run scripts go through scripts/launch.mjs, which rebuilds only when a source changed since.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
/** What the last build read and wrote, and when it started; the staleness check compares against it. */
const RECORD = 'dist/build-record.json'
/**
 * Inputs esbuild does not list as such but that change its output. package-lock.json stands for the ~1,250 library
 * files the bundle reads: npm rewrites it whenever it changes them, and checking it alone instead of each of them
 * saves ~20 ms of every start.
 */
const CONFIG_INPUTS = ['scripts/build.mjs', 'package.json', 'package-lock.json', 'tsconfig.json']
/** Where the server's code-split chunks go, beside its entry point. */
const CHUNKS = path.join('dist', 'chunks')

export async function build() {
  const startedAt = Date.now()
  const { build: esbuild } = await import('esbuild')
  const common = {
    absWorkingDir: ROOT,
    outdir: 'dist',
    outbase: 'src',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Maps for debuggers and `node --enable-source-maps`; `npm start` runs without, as parsing a map of the whole
    // bundle costs ~0.1 s of every start. The bundle is not minified and names each module's source in a comment.
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: 'warning'
  }
  const results = await Promise.all([
    // The server with its libraries: one file to read and compile instead of ~1,300 modules to resolve one by one,
    // which took longer than the rest of start-up. Kept out: packages that read files beside their own code
    // (PGlite's WebAssembly, argon2's native addon) and pg's optional native binding. Swagger UI is told where its
    // assets are (src/plugins/external/swagger.ts).
    esbuild({
      ...common,
      entryPoints: ['src/server.ts'],
      // What is imported dynamically (the app behind the early database open, each database driver, Redis,
      // the job queue) becomes a chunk of its own: start-up parses only the code the process uses.
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      external: ['@electric-sql/pglite', '@electric-sql/pglite/*', '@node-rs/argon2', 'pg-native'],
      // CommonJS libraries inside an ES module still call require() for Node's built-ins.
      banner: { js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" }
    }),
    // The command-line tools, and the embedded database's thread (src/db/pglite-thread.ts starts it from its file).
    esbuild({ ...common, entryPoints: ['src/cli/migrate.ts', 'src/cli/rotate-keys.ts', 'src/cli/set-plan.ts', 'src/db/pglite-worker.ts'], packages: 'external' })
  ])
  const inChunks = (file) => path.relative(ROOT, file.path).startsWith(CHUNKS + path.sep)
  // Chunks first, entry points last, each file replaced in one rename: a process starting meanwhile (start:api
  // beside start:worker) reads either the old entry or the new one, never half of one, and every chunk the new
  // entry imports is already there.
  const outputFiles = results.flatMap((result) => result.outputFiles).sort((a, b) => Number(inChunks(b)) - Number(inChunks(a)))
  for (const file of outputFiles) {
    mkdirSync(path.dirname(file.path), { recursive: true })
    writeFileSync(`${file.path}.tmp`, file.contents)
    renameSync(`${file.path}.tmp`, file.path)
  }
  const listed = (key) => [...new Set(results.flatMap((result) => Object.keys(result.metafile[key])))]
  const ours = listed('inputs').filter((file) => !file.split('/').includes('node_modules'))
  const record = { startedAt, inputs: [...ours, ...CONFIG_INPUTS], outputs: listed('outputs') }
  removeUnlistedChunks(ROOT, record.outputs)
  writeFileSync(path.join(ROOT, RECORD), JSON.stringify(record))
}

/**
 * Chunk names carry a hash of their content, so every rebuild that changes one adds a file; without this dist/ would
 * grow by megabytes per edit. A process still running an older build has imported its chunks during its start-up,
 * except undici's, which it imports on its first outbound call: that chunk holds only the library, so a rebuild of our
 * sources leaves its name (and file) as it was.
 */
export function removeUnlistedChunks(root, outputs) {
  const kept = new Set(outputs.map((file) => path.resolve(root, file)))
  const dir = path.join(root, CHUNKS)
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name)
    if (!kept.has(file)) rmSync(file, { force: true })
  }
}

/** True when dist/ is missing, incomplete, or older than any input of the last build (a deleted one included). */
export function isStale(root = ROOT) {
  let record
  try {
    record = JSON.parse(readFileSync(path.join(root, RECORD), 'utf8'))
  } catch {
    return true
  }
  const modified = (file) => statSync(path.join(root, file), { throwIfNoEntry: false })?.mtimeMs
  return (
    record.outputs.some((file) => modified(file) === undefined) ||
    record.inputs.some((file) => {
      const mtime = modified(file)
      return mtime === undefined || mtime >= record.startedAt
    })
  )
}

export async function buildIfStale() {
  if (isStale()) await build()
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await build()
