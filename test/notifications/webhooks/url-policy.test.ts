import { describe, expect, it } from 'vitest'
import {
  assertDeliverableUrl,
  UnsafeUrlError,
  type UrlPolicy
} from '../../../src/notifications/webhooks/url-policy.js'
import { answering } from '../helpers/lookup.js'

const publicOnly: UrlPolicy = { requireHttps: false, allowPrivateNetworks: false }
const httpsOnly: UrlPolicy = { requireHttps: true, allowPrivateNetworks: false }
const privateAllowed: UrlPolicy = { requireHttps: false, allowPrivateNetworks: true }
const publicHost = answering('93.184.216.34')

async function refusal(url: string, policy: UrlPolicy, lookup = publicHost): Promise<string> {
  const error = await assertDeliverableUrl(url, policy, lookup).then(
    () => expect.fail(`${url} was accepted`),
    (caught: unknown) => caught
  )
  expect(error).toBeInstanceOf(UnsafeUrlError)
  return (error as UnsafeUrlError).reason
}

describe('assertDeliverableUrl', () => {
  describe('scheme and form', () => {
    it('should accept an https URL whose host resolves to public addresses', async () => {
      const lookup = answering('93.184.216.34', '2606:2800:220:1::1')
      await expect(assertDeliverableUrl('https://hooks.example.com/in', httpsOnly, lookup)).resolves.toBeUndefined()
    })

    it('should refuse plain http when https is required', async () => {
      expect(await refusal('http://hooks.example.com/in', httpsOnly)).toBe('https is required')
    })

    it('should accept plain http when https is not required', async () => {
      await expect(assertDeliverableUrl('http://hooks.example.com/in', publicOnly, publicHost)).resolves.toBeUndefined()
    })

    it.each(['ftp://hooks.example.com/', 'file:///etc/passwd', 'javascript:alert(1)'])(
      'should refuse the scheme of %s',
      async (url) => {
        expect(await refusal(url, publicOnly)).toMatch(/^scheme .* is not allowed$/)
      }
    )

    it('should refuse a string that is not a URL', async () => {
      expect(await refusal('hooks.example.com/in', publicOnly)).toBe('not a valid URL')
    })

    it.each(['https://user:secret@hooks.example.com/', 'https://user@hooks.example.com/'])(
      'should refuse credentials in %s',
      async (url) => {
        expect(await refusal(url, publicOnly)).toBe('credentials in the URL are not allowed')
      }
    )
  })

  describe('addresses when private networks are not allowed', () => {
    it.each([
      ['http://127.0.0.1/', 'loopback address 127.0.0.1'],
      ['http://127.8.9.10/', 'loopback address 127.8.9.10'],
      ['http://10.0.0.5/', 'private address 10.0.0.5'],
      ['http://172.16.0.1/', 'private address 172.16.0.1'],
      ['http://172.31.255.254/', 'private address 172.31.255.254'],
      ['http://192.168.1.1/', 'private address 192.168.1.1'],
      ['http://169.254.169.254/latest/meta-data/', 'link-local address 169.254.169.254'],
      ['http://100.64.0.1/', 'carrier-grade NAT address 100.64.0.1'],
      ['http://100.127.255.254/', 'carrier-grade NAT address 100.127.255.254'],
      ['http://0.0.0.0/', 'unspecified address 0.0.0.0'],
      ['http://0.1.2.3/', 'unspecified address 0.1.2.3'],
      ['http://255.255.255.255/', 'broadcast address 255.255.255.255'],
      ['http://224.0.0.1/', 'multicast address 224.0.0.1'],
      ['http://240.0.0.1/', 'reserved address 240.0.0.1'],
      ['http://192.0.2.10/', 'reserved address 192.0.2.10'],
      ['http://198.18.0.1/', 'reserved address 198.18.0.1'],
      ['http://[::1]/', 'loopback address ::1'],
      ['http://[::]/', 'unspecified address ::'],
      ['http://[fe80::1]/', 'link-local address fe80::1'],
      ['http://[fc00::1]/', 'unique-local address fc00::1'],
      ['http://[fd12:3456::1]/', 'unique-local address fd12:3456::1'],
      ['http://[ff02::1]/', 'multicast address ff02::1'],
      ['http://[fec0::1]/', 'site-local address fec0::1'],
      ['http://[2001:db8::1]/', 'reserved address 2001:db8::1'],
      ['http://[100::1]/', 'reserved address 100::1'],
      ['http://[4000::1]/', 'reserved address 4000::1'],
      ['http://[64:ff9b:1::a00:5]/', 'local-use NAT64 address 64:ff9b:1::a00:5'],
      ['http://[2002:a00:5::1]/', '6to4 address 2002:a00:5::1']
    ])('should refuse %s', async (url, reason) => {
      expect(await refusal(url, publicOnly)).toBe(`${reason} is not allowed`)
    })

    it.each([
      ['http://[::ffff:127.0.0.1]/', 'loopback address 127.0.0.1 (in ::ffff:7f00:1)'],
      ['http://[::ffff:10.0.0.5]/', 'private address 10.0.0.5 (in ::ffff:a00:5)'],
      ['http://[::ffff:169.254.169.254]/', 'link-local address 169.254.169.254 (in ::ffff:a9fe:a9fe)'],
      ['http://[::127.0.0.1]/', 'loopback address 127.0.0.1 (in ::7f00:1)'],
      ['http://[::ffff:0:192.168.0.1]/', 'private address 192.168.0.1 (in ::ffff:0:c0a8:1)'],
      ['http://[64:ff9b::10.0.0.5]/', 'private address 10.0.0.5 (in 64:ff9b::a00:5)'],
      ['http://[64:ff9b::127.0.0.1]/', 'loopback address 127.0.0.1 (in 64:ff9b::7f00:1)']
    ])('should judge the IPv4 address carried by %s', async (url, reason) => {
      expect(await refusal(url, publicOnly)).toBe(`${reason} is not allowed`)
    })

    it.each(['http://0x7f.1/', 'http://2130706433/', 'http://017700000001/', 'http://127.1/'])(
      'should refuse the loopback address written as %s',
      async (url) => {
        expect(await refusal(url, publicOnly)).toBe('loopback address 127.0.0.1 is not allowed')
      }
    )

    it('should refuse localhost as the system resolver answers it', async () => {
      await expect(assertDeliverableUrl('http://localhost:8080/', publicOnly)).rejects.toThrow(
        /loopback address (127\.0\.0\.1|::1) is not allowed/
      )
    })

    it('should refuse a host when any one of its addresses is private', async () => {
      const lookup = answering('93.184.216.34', '10.0.0.5')
      expect(await refusal('https://mixed.example.com/', publicOnly, lookup)).toBe(
        'private address 10.0.0.5 is not allowed'
      )
    })

    it('should refuse a host name that resolves to a private address', async () => {
      expect(await refusal('https://internal.example.com/', publicOnly, answering('192.168.10.20'))).toBe(
        'private address 192.168.10.20 is not allowed'
      )
    })

    it.each([
      'http://8.8.8.8/',
      'http://172.15.255.255/',
      'http://172.32.0.1/',
      'http://100.128.0.1/',
      'http://[2606:4700:4700::1111]/',
      'http://[::ffff:8.8.8.8]/',
      'http://[64:ff9b::8.8.8.8]/'
    ])('should accept the public address %s', async (url) => {
      await expect(assertDeliverableUrl(url, publicOnly, publicHost)).resolves.toBeUndefined()
    })
  })

  describe('resolution', () => {
    it('should refuse a host that does not resolve', async () => {
      const lookup = async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })
      }
      expect(await refusal('https://nowhere.example.com/', publicOnly, lookup)).toBe(
        'host nowhere.example.com could not be resolved (ENOTFOUND)'
      )
    })

    it('should refuse a host whose resolver fails without an error code', async () => {
      const lookup = () => Promise.reject(undefined)
      expect(await refusal('https://broken.example.com/', publicOnly, lookup)).toBe(
        'host broken.example.com could not be resolved (lookup failed)'
      )
    })

    it('should refuse a host that resolves to no address', async () => {
      expect(await refusal('https://empty.example.com/', publicOnly, answering())).toBe(
        'host empty.example.com has no addresses'
      )
    })

    it('should refuse a resolver answer that is not an IP address', async () => {
      expect(await refusal('https://odd.example.com/', publicOnly, answering('not-an-ip'))).toBe(
        'host odd.example.com resolved to an invalid address'
      )
    })

    it('should not ask the resolver about an IP literal', async () => {
      const lookup = async () => expect.fail('resolver was called')
      await expect(assertDeliverableUrl('http://8.8.8.8/', publicOnly, lookup)).resolves.toBeUndefined()
    })
  })

  describe('when private networks are allowed', () => {
    it('should accept loopback and private addresses', async () => {
      await expect(assertDeliverableUrl('http://127.0.0.1:3000/', privateAllowed)).resolves.toBeUndefined()
      await expect(
        assertDeliverableUrl('http://svc.internal/', privateAllowed, answering('10.0.0.5'))
      ).resolves.toBeUndefined()
    })

    it('should still refuse credentials in the URL', async () => {
      expect(await refusal('http://user:pw@127.0.0.1/', privateAllowed)).toBe('credentials in the URL are not allowed')
    })
  })

  it('should say why in the error message', async () => {
    await expect(assertDeliverableUrl('http://10.0.0.5/', publicOnly)).rejects.toThrow(
      'webhook URL refused: private address 10.0.0.5 is not allowed'
    )
  })
})
