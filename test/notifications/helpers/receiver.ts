import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedRequest {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
}

export interface Receiver {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string
  port: number
  requests: ReceivedRequest[]
  close(): Promise<void>
}

/**
 * A local HTTP server that records every request (body included) and lets `respond` answer it.
 * It listens on a loopback address only.
 */
export async function startReceiver(
  respond: (res: ServerResponse, req: ReceivedRequest) => void,
  options: { host?: string; port?: number } = {}
): Promise<Receiver> {
  const requests: ReceivedRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8')
      }
      requests.push(received)
      respond(res, received)
    })
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, resolve)
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${host}:${port}`,
    port,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
