import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { users } from '../../src/db/schema.js'
import { PasswordHasher } from '../../src/security/passwords.js'
import { TEST_PASSWORD, bearer, buildTestApp, login, registerTenant, type Account, type TestApp } from '../helpers/app.js'
import { eq } from 'drizzle-orm'

let t: TestApp
let owner: Account
beforeAll(async () => {
  t = await buildTestApp()
  owner = await registerTenant(t.app)
})
afterAll(() => t.close())

const me = (headers: Record<string, string>) => t.app.inject({ url: '/api/v1/users/me', headers })
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
}

describe('authentication', () => {
  it('should accept a valid access token', async () => {
    expect((await me(owner.headers)).statusCode).toBe(200)
  })

  it.each([
    ['no header', {}],
    ['a non-bearer scheme', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ['garbage', { authorization: 'Bearer not-a-jwt' }]
  ])('should answer %s with 401 and WWW-Authenticate', async (_name, headers) => {
    const res = await me(headers as Record<string, string>)
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="api"/)
    expect(res.headers['content-type']).toContain('application/problem+json')
  })

  it('should refuse alg "none"', async () => {
    const [, payload] = owner.accessToken.split('.')
    const token = `${b64({ alg: 'none', typ: 'at+jwt' })}.${payload}.`
    expect((await me(bearer(token))).statusCode).toBe(401)
  })

  it('should refuse a tampered payload (role raised)', async () => {
    const [header, , signature] = owner.accessToken.split('.')
    const token = `${header}.${b64({ ...claimsOf(owner.accessToken), role: 'owner', tenant_id: '00000000-0000-0000-0000-000000000000' })}.${signature}`
    expect((await me(bearer(token))).statusCode).toBe(401)
  })

  it('should refuse a token signed with another key', async () => {
    const forged = await new SignJWT(claimsOf(owner.accessToken))
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(new TextEncoder().encode('another-secret-key-of-sufficient-length-000'))
    expect((await me(bearer(forged))).statusCode).toBe(401)
  })

  it('should refuse a token whose header points at the attacker’s own key', async () => {
    const forged = await new SignJWT(claimsOf(owner.accessToken))
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', jku: 'http://127.0.0.1:9/jwks.json', kid: '../../etc/passwd' })
      .sign(new TextEncoder().encode('another-secret-key-of-sufficient-length-000'))
    expect((await me(bearer(forged))).statusCode).toBe(401)
  })

  it('should upgrade a stored password hash made with older parameters at the next login', async () => {
    const account = await registerTenant(t.app)
    const weak = await new PasswordHasher({ memoryCost: 2048, timeCost: 1, parallelism: 1 }).hash(TEST_PASSWORD)
    await t.app.db.system((tx) => tx.update(users).set({ passwordHash: weak }).where(eq(users.id, account.userId)))
    await login(t.app, account.email)
    const [row] = await t.app.db.system((tx) => tx.select({ hash: users.passwordHash }).from(users).where(eq(users.id, account.userId)))
    expect(row!.hash).not.toBe(weak)
    expect(t.app.hasher.needsRehash(row!.hash)).toBe(false)
    await expect(login(t.app, account.email)).resolves.toBeTruthy()
  })
})
