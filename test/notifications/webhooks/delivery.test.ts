import net from 'node:net'
import type { LookupAddress } from 'node:dns'
import type { ServerResponse } from 'node:http'
import { Webhook } from 'standardwebhooks'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { deliverWebhook, type DeliveryInput } from '../../../src/notifications/webhooks/delivery.js'
import { PinnedAgents } from '../../../src/notifications/webhooks/pinned-agent.js'
import { generateWebhookSecret, signWebhook } from '../../../src/notifications/webhooks/signing.js'
import type { UrlPolicy } from '../../../src/notifications/webhooks/url-policy.js'
import { answeringInTurn } from '../helpers/lookup.js'
import { startReceiver, type ReceivedRequest, type Receiver } from '../helpers/receiver.js'

const localTesting: UrlPolicy = { requireHttps: false, allowPrivateNetworks: true }
const production: UrlPolicy = { requireHttps: false, allowPrivateNetworks: false }
const body = JSON.stringify({ type: 'stock.low', data: { sku: 'A-1', quantity: 2 } })
const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000', 'webhook-signature': 'v1,abc=' }

const receivers: Receiver[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()))
})

async function receive(
  respond: (res: ServerResponse, req: ReceivedRequest) => void,
  options?: { host?: string; port?: number }
): Promise<Receiver> {
  const receiver = await startReceiver(respond, options)
  receivers.push(receiver)
  return receiver
}

/** Delivers the test body with placeholder signature headers; private networks are allowed unless overridden. */
function deliver(url: string, options: Partial<DeliveryInput> = {}) {
  return deliverWebhook({ url, headers, body, policy: localTesting, ...options })
}

function answer(status: number, responseBody = '', responseHeaders: Record<string, string> = {}) {
  return (res: ServerResponse) => res.writeHead(status, responseHeaders).end(responseBody)
}

describe('deliverWebhook', () => {
  describe('the request', () => {
    it('should POST the body with JSON content type, a user agent and the given headers', async () => {
      const receiver = await receive(answer(204))

      await deliver(`${receiver.url}/hooks/in?x=1`)

      expect(receiver.requests).toHaveLength(1)
      const [received] = receiver.requests
      expect(received).toMatchObject({ method: 'POST', url: '/hooks/in?x=1', body })
      expect(received?.headers).toMatchObject({
        'content-type': 'application/json',
        'webhook-id': 'msg_1',
        'webhook-timestamp': '1700000000',
        'webhook-signature': 'v1,abc='
      })
      expect(received?.headers['user-agent']).toMatch(/^StockTracker-Webhooks\//)
    })

    it('should keep our content type and user agent whatever the caller passes', async () => {
      const receiver = await receive(answer(204))

      await deliver(receiver.url, { headers: { ...headers, 'Content-Type': 'text/plain', 'User-Agent': 'spoof' } })

      expect(receiver.requests[0]?.headers['content-type']).toBe('application/json')
      expect(receiver.requests[0]?.headers['user-agent']).toMatch(/^StockTracker-Webhooks\//)
    })

    it('should deliver a signature that the receiver can verify with standardwebhooks', async () => {
      const receiver = await receive(answer(200))
      const secret = generateWebhookSecret()

      await deliver(receiver.url, {
        headers: signWebhook({ id: 'msg_2', timestamp: new Date(), body, secrets: [secret] })
      })

      const received = receiver.requests[0]
      expect(new Webhook(secret).verify(received?.body ?? '', received?.headers as Record<string, string>)).toEqual(
        JSON.parse(body)
      )
    })
  })

  describe('the result', () => {
    it('should be ok for a 2xx answer', async () => {
      const receiver = await receive(answer(202, 'queued'))

      const result = await deliver(receiver.url)

      expect(result).toMatchObject({ ok: true, status: 202, responseBody: 'queued', error: null, gone: false })
      expect(result.durationMs).toBeGreaterThanOrEqual(0)
    })

    it('should fail on a 500 answer and keep its body', async () => {
      const receiver = await receive(answer(500, 'boom'))

      const result = await deliver(receiver.url)

      expect(result).toMatchObject({ ok: false, status: 500, responseBody: 'boom', error: 'HTTP 500', gone: false })
    })

    it('should report gone on a 410 answer', async () => {
      const receiver = await receive(answer(410))

      const result = await deliver(receiver.url)

      expect(result).toMatchObject({ ok: false, status: 410, gone: true })
    })

    it('should not follow a redirect and count it as a failure', async () => {
      const receiver = await receive((res, req) =>
        req.url === '/moved' ? res.writeHead(200).end() : res.writeHead(302, { location: '/moved' }).end()
      )

      const result = await deliver(`${receiver.url}/in`)

      expect(result).toMatchObject({ ok: false, status: 302, error: 'HTTP 302: redirects are not followed' })
      expect(receiver.requests.map((request) => request.url)).toEqual(['/in'])
    })

    it('should read Retry-After given in seconds', async () => {
      const receiver = await receive(answer(429, '', { 'retry-after': '120' }))

      const result = await deliver(receiver.url)

      expect(result).toMatchObject({ ok: false, status: 429, retryAfterSeconds: 120 })
    })

    it('should read Retry-After given as an HTTP date', async () => {
      const inTenMinutes = new Date(Date.now() + 600_000).toUTCString()
      const receiver = await receive(answer(503, '', { 'retry-after': inTenMinutes }))

      const result = await deliver(receiver.url)

      expect(result.retryAfterSeconds).toBeGreaterThanOrEqual(598)
      expect(result.retryAfterSeconds).toBeLessThanOrEqual(600)
    })

    it('should give a null Retry-After when the header is absent', async () => {
      const receiver = await receive(answer(503))

      const result = await deliver(receiver.url)

      expect(result.retryAfterSeconds).toBeNull()
    })
  })

  describe('the response body', () => {
    it('should be truncated to 4096 bytes by default', async () => {
      const receiver = await receive(answer(200, 'x'.repeat(10_000)))

      const result = await deliver(receiver.url)

      expect(result.responseBody).toBe('x'.repeat(4096))
    })

    it('should be truncated to maxResponseBytes', async () => {
      const receiver = await receive(answer(500, 'y'.repeat(1000)))

      const result = await deliver(receiver.url, { maxResponseBytes: 100 })

      expect(result.responseBody).toBe('y'.repeat(100))
    })

    it('should stop reading an endless body once the limit is reached', async () => {
      const receiver = await receive((res) => {
        res.writeHead(200)
        const timer = setInterval(() => res.write('z'.repeat(1024)), 5)
        res.on('close', () => clearInterval(timer))
      })

      const result = await deliver(receiver.url, { timeoutMs: 5000 })

      expect(result).toMatchObject({ ok: true, status: 200, responseBody: 'z'.repeat(4096) })
      expect(result.durationMs).toBeLessThan(1000)
    })

    it('should leave out NUL characters, which the database cannot store', async () => {
      const receiver = await receive(answer(200, 'ok\u0000 then \u0000more'))

      const result = await deliver(receiver.url)

      expect(result.responseBody).toBe('ok then more')
    })
  })

  describe('failures', () => {
    it('should time out when the receiver does not answer', async () => {
      const receiver = await receive(() => undefined)

      const result = await deliver(receiver.url, { timeoutMs: 200 })

      expect(result).toMatchObject({ ok: false, status: null, error: 'timed out after 200 ms' })
      expect(result.durationMs).toBeGreaterThanOrEqual(190)
      expect(result.durationMs).toBeLessThan(2000)
    })

    it('should time out when the resolver does not answer', async () => {
      const lookup = () => new Promise<LookupAddress[]>(() => undefined)

      const result = await deliver('http://slow-dns.example.com/', { timeoutMs: 100, lookup })

      expect(result).toMatchObject({ ok: false, status: null, error: 'timed out after 100 ms' })
    })

    it('should return a refused connection as a failure instead of throwing', async () => {
      const closed = await startReceiver(answer(200))
      await closed.close()

      const result = await deliver(closed.url)

      expect(result).toMatchObject({ ok: false, status: null, gone: false })
      expect(result.error).toMatch(/ECONNREFUSED/)
    })

    it('should refuse a loopback receiver when private networks are not allowed, without connecting', async () => {
      const receiver = await receive(answer(200))

      const result = await deliver(receiver.url, { policy: production })

      expect(result).toMatchObject({ ok: false, status: null, error: 'loopback address 127.0.0.1 is not allowed' })
      expect(receiver.requests).toHaveLength(0)
    })

    it('should refuse plain http when https is required', async () => {
      const receiver = await receive(answer(200))

      const result = await deliver(receiver.url, { policy: { requireHttps: true, allowPrivateNetworks: true } })

      expect(result).toMatchObject({ ok: false, error: 'https is required' })
      expect(receiver.requests).toHaveLength(0)
    })
  })

  describe('DNS rebinding', () => {
    it('should connect to the address it checked, not to a later DNS answer', async () => {
      const checked = await receive(answer(200, 'checked'), { host: '127.0.0.1' })
      const rebound = await receive(answer(200, 'rebound'), { host: '127.0.0.2', port: checked.port })
      const lookup = answeringInTurn('127.0.0.1', '127.0.0.2')

      const result = await deliver(`http://rebind.example.com:${checked.port}/in`, { lookup })

      expect(result).toMatchObject({ ok: true, responseBody: 'checked' })
      expect(lookup.calls).toBe(1)
      expect(checked.requests[0]?.headers.host).toBe(`rebind.example.com:${checked.port}`)
      expect(rebound.requests).toHaveLength(0)
    })

    it('should reuse a kept connection to the checked address, and open a new one when the host resolves elsewhere', async () => {
      const ports: Array<[string, number | undefined]> = []
      const byPort = (name: string) => (res: ServerResponse) => {
        ports.push([name, res.socket?.remotePort])
        res.writeHead(204).end()
      }
      const checked = await receive(byPort('checked'), { host: '127.0.0.1' })
      await receive(byPort('rebound'), { host: '127.0.0.2', port: checked.port })
      const lookup = answeringInTurn('127.0.0.1', '127.0.0.1', '127.0.0.2')
      const agents = new PinnedAgents()
      const url = `http://rebind.example.com:${checked.port}/in`

      for (let i = 0; i < 3; i += 1) {
        expect(await deliver(url, { lookup, agents })).toMatchObject({ ok: true })
        // undici returns a connection to its pool once the response has been handled, a moment after it ends.
        await new Promise((resolve) => setTimeout(resolve, 10))
      }

      expect(ports.map(([name]) => name)).toEqual(['checked', 'checked', 'rebound'])
      expect(ports[1]![1]).toBe(ports[0]![1])
    })

    it('should hand the socket only the checked public address when DNS turns private', async () => {
      const lookup = answeringInTurn('93.184.216.34', '127.0.0.1')
      const resolvedBySocket: unknown[] = []
      // No packet may leave this machine: the socket is intercepted before it connects.
      const connect = vi.spyOn(net, 'connect').mockImplementation(((options: net.TcpNetConnectOpts) => {
        options.lookup?.(options.host ?? '', { all: true }, (_error, addresses) => resolvedBySocket.push(addresses))
        const socket = new net.Socket()
        setImmediate(() => socket.destroy(new Error('connection intercepted by the test')))
        return socket
      }) as typeof net.connect)
      await deliver('http://127.0.0.1:9/')
      expect(connect, 'the interception must work before a public address is tried').toHaveBeenCalledOnce()
      resolvedBySocket.splice(0)

      const result = await deliver('http://rebind.example.com/in', { policy: production, lookup })

      expect(result).toMatchObject({ ok: false, error: 'connection intercepted by the test' })
      expect(lookup.calls).toBe(1)
      expect(resolvedBySocket).toEqual([[{ address: '93.184.216.34', family: 4 }]])
    })

    it('should refuse without connecting when the first answer is private', async () => {
      const receiver = await receive(answer(200))
      const lookup = answeringInTurn('127.0.0.1', '93.184.216.34')

      const result = await deliver(`http://rebind.example.com:${receiver.port}/`, { policy: production, lookup })

      expect(result).toMatchObject({ ok: false, error: 'loopback address 127.0.0.1 is not allowed' })
      expect(receiver.requests).toHaveLength(0)
    })
  })
})
