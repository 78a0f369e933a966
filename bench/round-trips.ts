import { createServer, connect, type AddressInfo, type Socket } from 'node:net'

/** PostgreSQL frontend messages that make the server answer: a simple query, or the Sync closing an extended one. */
const ANSWERED = new Set(['Q'.charCodeAt(0), 'S'.charCodeAt(0)])

export interface RoundTripCounter {
  /** A connection string like `databaseUrl` that goes through the counter. */
  url: string
  /** Round trips the clients have made so far. */
  count(): number
  close(): Promise<void>
}

/**
 * A TCP relay in front of PostgreSQL that counts round trips: every simple query and every Sync a client sends. It
 * reads the client's message framing only (type byte and length; the startup packet has no type byte) and passes
 * the bytes on untouched. It assumes clients that do not ask for TLS, as the service does on loopback.
 *
 * @example
 * const counter = await countRoundTrips(dbUrl)
 * startService({ DATABASE_URL: counter.url })
 * const before = counter.count(); await work(); console.log(counter.count() - before)
 */
export async function countRoundTrips(databaseUrl: string): Promise<RoundTripCounter> {
  const target = new URL(databaseUrl)
  let total = 0
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname)
    sockets.add(client).add(upstream)
    for (const socket of [client, upstream]) socket.once('close', () => sockets.delete(socket))
    let pending = Buffer.alloc(0)
    let startedUp = false
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk)
      pending = Buffer.concat([pending, chunk])
      for (;;) {
        const header = startedUp ? 5 : 4
        if (pending.length < header) break
        const length = startedUp ? pending.readInt32BE(1) + 1 : pending.readInt32BE(0)
        if (pending.length < length) break
        if (startedUp && ANSWERED.has(pending[0]!)) total += 1
        pending = pending.subarray(length)
        startedUp = true
      }
    })
    upstream.pipe(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = Object.assign(new URL(databaseUrl), { hostname: '127.0.0.1', port: String((server.address() as AddressInfo).port) }).toString()
  return {
    url,
    count: () => total,
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}
