/**
 * `npm run bench:startup`: how long `npm start` takes to serve, the way a user runs it: no `.env`, no database server,
 * embedded PGlite in a DATA_DIR of its own. The first start creates the data dir (initdb, migrations, generated keys);
 * the next STARTUP_RUNS starts (default 7) reuse it. Each start is timed from spawning `npm start` to the first 200
 * of `/api/v1/health` (serving) and of `/api/v1/health/ready` (queue and workers up too), and the server's own
 * `startupMs` and `cpuMs` from its `ready` log line, and the CPU time of everything `npm start` ran (CPU time varies
 * less than wall time on a shared machine). Then the service is stopped with SIGTERM and its exit awaited, so the next
 * start finds the data dir unlocked. Medians with their spread are printed; the target is the warm start's.
 *
 * `STARTUP_COMMAND` replaces `npm start`, e.g. `STARTUP_COMMAND="node dist/server.js"` to leave npm and the build out.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { freePort, loadAverage, measurement, treeCpuMs, type Measurement } from './support.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const RUNS = Number(process.env.STARTUP_RUNS ?? 7)
const COMMAND = (process.env.STARTUP_COMMAND ?? 'npm start').split(' ')
const TARGET_MS = 2_000

interface Start {
  healthMs: number
  readyMs: number
  serverMs: number
  /** The server process's CPU time (all threads) from its start to `ready`, module loading included. */
  cpuMs: number
  /** CPU time of everything `npm start` ran (npm, shells, a build, the server) up to the first 200 of /health. */
  treeCpuMs: number
}

/** Polls `url` until it answers 200; every 10 ms, so polling adds at most that much to a figure. */
async function firstOk(url: string, child: ChildProcess, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited (${child.exitCode}) before ${url} answered`)
    const ok = await fetch(url).then((res) => res.ok, () => false)
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`${url} did not answer in time`)
}

async function startOnce(dataDir: string): Promise<Start> {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}/api/v1/health`
  // Only what a user's shell would hand over: no configuration beyond where to listen and keep data.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' }
  const started = performance.now()
  // A process group of its own, so the stop below reaches the server however many shells npm puts in between.
  const child = spawn(COMMAND[0]!, COMMAND.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'], detached: true })
  let stdout = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  // The server holds the pipe until it exits, even when npm has already gone.
  const closed = new Promise((resolve) => child.stdout!.once('close', resolve))
  let healthMs = NaN
  let readyMs = NaN
  let treeCpu = NaN
  try {
    const deadline = Date.now() + 120_000
    await firstOk(base, child, deadline)
    healthMs = performance.now() - started
    treeCpu = treeCpuMs(child.pid!)
    await firstOk(`${base}/ready`, child, deadline)
    readyMs = performance.now() - started
  } finally {
    // The server's graceful shutdown releases the data dir before it exits.
    process.kill(-child.pid!, 'SIGTERM')
    await closed
  }
  // Read once the server is gone: its `ready` line may follow the first answers.
  const logged = (field: string) => Number(new RegExp(`"${field}":(\\d+)`).exec(stdout)?.[1] ?? NaN)
  return { healthMs, readyMs, serverMs: logged('startupMs'), cpuMs: logged('cpuMs'), treeCpuMs: treeCpu }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const spread = (values: number[]) => `${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))}`

const dataDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'stock-tracker-startup-')), 'data')
const results: Measurement[] = []
const rows: Array<Record<string, string | number>> = []
const loadBefore = loadAverage()
try {
  const first = await startOnce(dataDir)
  const warm: Start[] = []
  for (let i = 0; i < RUNS; i += 1) warm.push(await startOnce(dataDir))

  const row = (name: string, values: number[]) => rows.push({ start: name, 'median ms': Math.round(median(values)), 'min–max ms': spread(values), runs: values.length })
  row('first: to /health 200', [first.healthMs])
  row('first: to /health/ready 200', [first.readyMs])
  row('first: server startupMs', [first.serverMs])
  row('first: server CPU ms', [first.cpuMs])
  row('first: CPU ms of all it ran', [first.treeCpuMs])
  row('warm: to /health 200', warm.map((s) => s.healthMs))
  row('warm: to /health/ready 200', warm.map((s) => s.readyMs))
  row('warm: server startupMs', warm.map((s) => s.serverMs))
  row('warm: server CPU ms', warm.map((s) => s.cpuMs))
  row('warm: CPU ms of all it ran', warm.map((s) => s.treeCpuMs))
  results.push(measurement(`warm \`${COMMAND.join(' ')}\` to the first 200 of /api/v1/health (median of ${RUNS})`, median(warm.map((s) => s.healthMs)), 'ms', { below: TARGET_MS }))
} finally {
  await rm(path.dirname(dataDir), { recursive: true, force: true })
}

console.table(rows)
console.table(results.map((r) => ({ measurement: r.name, value: r.value, unit: r.unit, target: r.target, pass: r.pass ? 'yes' : 'NO' })))
console.log(`load average: ${loadBefore} before, ${loadAverage()} after (${os.cpus().length} CPUs, Node ${process.version})`)
