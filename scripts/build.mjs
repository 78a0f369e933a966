// Bundles the service's own code into dist/ (libraries stay in node_modules). Start-up then loads one file
// instead of transpiling ~100 TypeScript modules on the fly; the build itself takes a fraction of a second.
import { build } from 'esbuild'

await build({
  entryPoints: ['src/server.ts', 'src/cli/migrate.ts', 'src/cli/rotate-keys.ts', 'src/cli/set-plan.ts'],
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning'
})
