// `node scripts/launch.mjs <entry> [args…]` runs dist/<entry>.js, rebuilding dist/ first only when a source changed
// since the last build. The entry runs in this process and sees its own arguments as if started directly: one Node
// start instead of a build process and a server process, and npm's SIGTERM reaches the server itself rather than a
// shell that would exit and leave the server running.
import path from 'node:path'
import process from 'node:process'
import { pathToFileURL } from 'node:url'
import { buildIfStale } from './build.mjs'

const [entry, ...args] = process.argv.slice(2)
if (!entry) {
  process.stderr.write('usage: node scripts/launch.mjs <entry, e.g. server or cli/migrate> [args…]\n')
  process.exit(2)
}
await buildIfStale()
const file = path.resolve(import.meta.dirname, '..', 'dist', `${entry}.js`)
process.argv = [process.argv[0], file, ...args]
await import(pathToFileURL(file).href)
