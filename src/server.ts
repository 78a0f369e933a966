import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig, type ProcessRole } from './config/env.js'
import { resolveSecrets } from './config/secrets.js'
import { beginOpening } from './db/database.js'

/** The process: configuration, secrets, listening and signals. The application itself lives in app.ts. */
function roleFromArgs(argv: string[]): ProcessRole {
  const arg = argv.find((a) => a.startsWith('--role='))?.slice('--role='.length) ?? 'all'
  if (arg !== 'all' && arg !== 'api' && arg !== 'worker') throw new ConfigError(`Invalid --role=${arg}: expected all, api or worker`)
  return arg
}

async function main(): Promise<void> {
  const started = Date.now()
  const baseConfig = loadConfig(process.env, roleFromArgs(process.argv.slice(2)))
  const warnings: string[] = []
  const config = await resolveSecrets(baseConfig, (message) => warnings.push(message))
  // The database opens while the application's code loads and registers its routes: PGlite starts on a thread of
  // its own meanwhile, instead of after them. The app's database plugin awaits it and reports its failure; until
  // then the rejection is held, not unhandled.
  const { ready: database } = await beginOpening(config.db)
  database.catch(() => undefined)
  const { buildApp } = await import('./app.js')
  const app = await buildApp(config, {}, database)
  for (const message of warnings) app.log.warn(message)

  closeWithGrace({ delay: config.shutdownTimeoutMs, logger: app.log }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an unexpected error')
    else app.log.info({ signal }, 'shutting down: no new requests, finishing in-flight work')
    // server.close() ends the idle keep-alive connections once, when called: one whose request was still in flight
    // stays open after its answer and holds the close up until the keep-alive timeout. End each as it goes idle.
    const reaper = setInterval(() => app.server.closeIdleConnections(), 50)
    try {
      await app.close()
    } finally {
      clearInterval(reaper)
    }
  })

  if (config.role !== 'worker') {
    await app.listen({ host: config.http.host, port: config.http.port })
  }
  // CPU time beside wall time: on a shared machine the wall time says as much about the neighbours as about us.
  const cpu = process.cpuUsage()
  app.log.info({ role: config.role, startupMs: Date.now() - started, cpuMs: Math.round((cpu.user + cpu.system) / 1000) }, 'ready')
}

main().catch((error: unknown) => {
  // Configuration mistakes are the operator's to fix: one line, no stack trace.
  const message = error instanceof ConfigError ? error.message : `Start-up failed: ${error instanceof Error ? error.message : String(error)}`
  process.stderr.write(`${message}\n`)
  process.exit(1)
})
