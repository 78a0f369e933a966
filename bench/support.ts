import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import autocannon from 'autocannon'

/** Rate limits lifted far out of the way, for runs that measure throughput rather than abuse protection. */
export const UNLIMITED = {
  RATE_LIMIT_LOGIN_FAILURES: '1000000',
  RATE_LIMIT_REGISTER: '1000000',
  RATE_LIMIT_REFRESH: '1000000',
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: '10000000',
  RATE_LIMIT_AUTH_FAILURES: '10000000',
  RATE_LIMIT_API_PER_MINUTE: 'free=10000000,pro=10000000,enterprise=10000000'
}

export interface Measurement {
  name: string
  value: number
  unit: string
  /** e.g. '>= 5000' */
  target: string
  pass: boolean
}

export function measurement(name: string, value: number, unit: string, target: { atLeast?: number; below?: number }): Measurement {
  const pass = target.atLeast !== undefined ? value >= target.atLeast : value < (target.below ?? Infinity)
  return { name, value: Math.round(value * 10) / 10, unit, target: target.atLeast !== undefined ? `>= ${target.atLeast}` : `< ${target.below}`, pass }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Resident set size of a process in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return kb / 1024
}

/** The fields of /proc/PID/stat from the third on: after the parenthesised command name, which may hold spaces. */
function procStat(pid: number | string): string[] {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc (Linux; USER_HZ is 100). */
export function cpuSeconds(pid: number): number {
  const fields = procStat(pid)
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** CPU ms of a process and its descendants, alive or reaped by them (/proc counts in USER_HZ, 100 per second on Linux). */
export function treeCpuMs(rootPid: number): number {
  const stats = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((pid) => {
      try {
        const fields = procStat(pid)
        return [{ pid: Number(pid), ppid: Number(fields[1]), ticks: [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) }]
      } catch {
        return []
      }
    })
  const tree = new Set([rootPid])
  for (let grew = true; grew; ) {
    grew = false
    for (const stat of stats) if (tree.has(stat.ppid) && !tree.has(stat.pid)) grew = Boolean(tree.add(stat.pid))
  }
  return stats.filter((stat) => tree.has(stat.pid)).reduce((sum, stat) => sum + stat.ticks * 10, 0)
}

/** Samples a process's RSS every 50 ms until stopped; returns the peak. */
export function sampleRss(pid: number): { stop(): number } {
  let peak = rssMb(pid)
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMb(pid))
  }, 50)
  return {
    stop() {
      clearInterval(timer)
      return Math.max(peak, rssMb(pid))
    }
  }
}

/** The Node options `npm start` gives the service (its heap limit among them), so the benchmark measures that process. */
const START_OPTIONS = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start
  .split(' && ')
  .at(-1)!
  .split(' ')
  .filter((word) => word.startsWith('--'))

const stopping = new WeakSet<ChildProcess>()

export function startService(env: Record<string, string>, args: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...START_OPTIONS, 'dist/server.js', ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', process.env.BENCH_SERVICE_LOGS ? 'inherit' : 'ignore', 'inherit'] })
  // Its log goes nowhere (unless BENCH_SERVICE_LOGS=1), so an unexpected end is at least reported.
  child.once('exit', (code, signal) => {
    if (!stopping.has(child)) console.error(`service ${child.pid} ${args.join(' ')} ended unexpectedly: exit code ${code}, signal ${signal}`)
  })
  return child
}

export async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  stopping.add(child)
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

/** The 1-minute load average, as `uptime` shows it: figures measured on a shared machine need it beside them. */
export const loadAverage = () => os.loadavg()[0]!.toFixed(2)

export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url)
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`)
}

export interface LoadResult {
  requestsPerSecond: number
  /** Requests answered in the run. */
  requests: number
  p99Ms: number
  non2xx: number
  errors: number
}

export async function load(options: autocannon.Options): Promise<LoadResult> {
  const result = await autocannon({ duration: 10, connections: 50, ...options })
  return { requestsPerSecond: result.requests.average, requests: result.requests.total, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors }
}
