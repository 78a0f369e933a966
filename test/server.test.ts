import { spawn } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateFernetKey } from '../src/security/fernet.js'
import { createTestDatabase } from './helpers/database.js'

const ROOT = path.resolve(import.meta.dirname, '..')


async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

interface Started {
  exit: Promise<{ code: number | null; stderr: string; stdout: string }>
  kill(signal: NodeJS.Signals): void
  waitFor(text: string): Promise<void>
}

/** From source by default; `args` runs something else in Node, e.g. the built bundle through npm start's launcher. */
function startServer(env: Record<string, string>, args = ['--import', 'tsx', 'src/server.ts']): Started {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  const waiters: Array<{ text: string; resolve: () => void }> = []
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    for (const w of waiters.filter((w) => stdout.includes(w.text))) w.resolve()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exit = new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr, stdout }))
  )
  return {
    exit,
    kill: (signal) => child.kill(signal),
    waitFor: (text) =>
      new Promise((resolve, reject) => {
        if (stdout.includes(text)) return resolve()
        waiters.push({ text, resolve })
        void exit.then(({ stderr: err }) => reject(new Error(`server exited before "${text}": ${err}`)))
      })
  }
}

let dataDir: string
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'stock-tracker-server-'))
})
afterAll(() => rm(dataDir, { recursive: true, force: true }))

describe('server process', () => {
  it('should stop on a bad PORT with one line naming it and no stack trace', async () => {
    const { code, stderr } = await startServer({ PORT: 'abc', DATA_DIR: dataDir }).exit
    expect(code).toBe(1)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain('PORT')
    expect(stderr).not.toMatch(/\n\s+at /)
  })

  it('should refuse to start in production without SECRET_KEY', async () => {
    const { code, stderr } = await startServer({ NODE_ENV: 'production', DATA_DIR: dataDir, ENCRYPTION_MASTER_KEY: generateFernetKey() }).exit
    expect(code).toBe(1)
    expect(stderr).toContain('SECRET_KEY')
  })

  it('should refuse a weak SECRET_KEY in production', async () => {
    const { code, stderr } = await startServer({ NODE_ENV: 'production', DATA_DIR: dataDir, SECRET_KEY: 'short', ENCRYPTION_MASTER_KEY: generateFernetKey() }).exit
    expect(code).toBe(1)
    expect(stderr).toContain('SECRET_KEY is too weak')
  })

  it('should refuse a malformed ENCRYPTION_MASTER_KEY', async () => {
    const { code, stderr } = await startServer({ DATA_DIR: dataDir, ENCRYPTION_MASTER_KEY: 'not-a-key' }).exit
    expect(code).toBe(1)
    expect(stderr).toContain('ENCRYPTION_MASTER_KEY')
    expect(stderr).not.toContain('not-a-key')
  })

  it('should generate development keys once (mode 0600), serve, refuse a second process on the same data dir, and exit 0 on SIGTERM', async () => {
    const port = await freePort()
    const server = startServer({ PORT: String(port), DATA_DIR: dataDir })
    await server.waitFor('"msg":"ready"')
    const secrets = await stat(path.join(dataDir, 'secrets.json'))
    expect(secrets.mode & 0o777).toBe(0o600)
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`)
    expect(res.status).toBe(200)

    const second = await startServer({ PORT: String(await freePort()), DATA_DIR: dataDir }).exit
    expect(second.code).toBe(1)
    expect(second.stderr).toContain('in use by another process')

    const inFlight = fetch(`http://127.0.0.1:${port}/api/v1/health/ready`)
    server.kill('SIGTERM')
    expect((await inFlight).status).toBe(200)
    const { code, stdout } = await server.exit
    expect(code).toBe(0)
    expect(stdout).toContain('shutting down')
    expect(stdout).toContain('SECRET_KEY and ENCRYPTION_MASTER_KEY not set')
  }, 60_000)
})

describe('the built server, as npm start runs it', () => {
  it('should serve the API, readiness, the docs and their assets from the bundle, and exit 0 on SIGTERM', async () => {
    // On the database the suite runs on (CI: PostgreSQL and Redis), so each lazily loaded driver chunk is exercised.
    const database = await createTestDatabase()
    const port = await freePort()
    const env = { PORT: String(port), DATA_DIR: dataDir, ...(database.url ? { DATABASE_URL: database.url } : {}), ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}) }
    // The API role: a queue without workers, so this process takes no other test's jobs.
    const server = startServer(env, ['scripts/launch.mjs', 'server', '--role=api'])
    try {
      await server.waitFor('"msg":"ready"')
      const base = `http://127.0.0.1:${port}`
      const ready = await waitForOk(`${base}/api/v1/health/ready`)
      expect(await ready.json()).toMatchObject({ status: 'ok' })
      const docs = await fetch(`${base}/docs/static/index.html`)
      expect(docs.status).toBe(200)
      expect(await docs.text()).toContain('swagger-ui')
      const css = await fetch(`${base}/docs/static/swagger-ui.css`)
      expect(css.status).toBe(200)
      expect(css.headers.get('content-type')).toContain('text/css')
      expect((await css.text()).length).toBeGreaterThan(10_000)
      const openapi = await fetch(`${base}/openapi.json`)
      expect(await openapi.json()).toMatchObject({ openapi: '3.1.0' })
      server.kill('SIGTERM')
      expect((await server.exit).code).toBe(0)
    } finally {
      server.kill('SIGKILL')
      await database.drop()
    }
  }, 120_000)
})

/** Readiness turns 200 once the queue has started, shortly after the server listens. */
async function waitForOk(url: string): Promise<Response> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const res = await fetch(url)
    if (res.ok) return res
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${url} did not answer 200`)
}
