import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto'
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, type JWK, type JWTPayload } from 'jose'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  AccessTokenService,
  InvalidTokenError,
  hashRefreshToken,
  newRefreshToken,
  type JwtSettings
} from '../../src/security/tokens.js'
import { ROLES, type Role } from '../../src/modules/auth/roles.js'

const subject = { userId: 'user-1', tenantId: 'tenant-1', role: 'admin' as Role, sessionId: 'session-1' }

function secret(): string {
  return randomBytes(32).toString('base64url')
}

function jwtSettings(overrides: Partial<JwtSettings> = {}): JwtSettings {
  return {
    algorithm: 'HS256',
    secretKey: secret(),
    previousSecretKeys: [],
    issuer: 'https://stock-tracker.test',
    audience: 'stock-tracker-api',
    accessTtlSeconds: 900,
    ...overrides
  }
}

function pemPair(type: 'rsa' | 'ed25519'): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ed25519')
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString()
  }
}

function encodeSegment(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

function decodePayload(token: string): JWTPayload {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as JWTPayload
}

/** Claims exactly as our service writes them, for tokens forged by hand. */
function validClaims(settings: JwtSettings): JWTPayload {
  const now = Math.floor(Date.now() / 1000)
  return {
    iss: settings.issuer,
    aud: settings.audience,
    sub: 'user-1',
    tenant_id: 'tenant-1',
    role: 'admin',
    sid: 'session-1',
    jti: 'b6f0c7c8-1111-4222-8333-944445555666',
    iat: now,
    exp: now + 60
  }
}

async function forgeHs256(
  key: string,
  payload: JWTPayload,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'at+jwt' }
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', ...header })
    .sign(new TextEncoder().encode(key))
}

async function expectInvalid(service: AccessTokenService, token: string): Promise<void> {
  await expect(service.verify(token)).rejects.toThrow(InvalidTokenError)
}

describe('AccessTokenService', () => {
  afterEach(() => {
    vi.useRealTimers()
    vi.restoreAllMocks()
  })

  describe('with HS256', () => {
    const settings = jwtSettings()
    let service: AccessTokenService

    beforeAll(async () => {
      service = await AccessTokenService.create(settings)
    })

    it('should sign a token that verifies to the subject, tenant, role and session', async () => {
      const { token, jti, expiresIn } = await service.sign(subject)
      const claims = await service.verify(token)
      expect(claims).toEqual({
        sub: 'user-1',
        tenant_id: 'tenant-1',
        role: 'admin',
        sid: 'session-1',
        jti,
        iat: expect.any(Number),
        exp: claims.iat + 900
      })
      expect(expiresIn).toBe(900)
    })

    it.each(ROLES)('should carry the role %s', async (role) => {
      expect(ROLES).toEqual(['owner', 'admin', 'user', 'viewer'])
      await expect(service.verify((await service.sign({ ...subject, role })).token)).resolves.toMatchObject({ role })
    })

    it('should write typ at+jwt, the pinned alg, iss and aud', async () => {
      const { token } = await service.sign(subject)
      const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as unknown
      expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt' })
      expect(decodePayload(token)).toMatchObject({ iss: settings.issuer, aud: settings.audience })
    })

    it('should give every token its own jti', async () => {
      const tokens = await Promise.all(Array.from({ length: 500 }, () => service.sign(subject)))
      expect(new Set(tokens.map((issued) => issued.jti)).size).toBe(500)
      expect(new Set(tokens.map((issued) => decodePayload(issued.token).jti)).size).toBe(500)
    })

    it('should accept a correctly signed token made outside the service (so the forgeries below fail for their flaw alone)', async () => {
      await expect(service.verify(await forgeHs256(settings.secretKey, validClaims(settings)))).resolves.toMatchObject({
        sub: 'user-1'
      })
    })

    it('should reject alg none', async () => {
      const unsigned = `${encodeSegment({ alg: 'none', typ: 'at+jwt' })}.${encodeSegment(validClaims(settings))}.`
      await expectInvalid(service, unsigned)
    })

    it('should reject a tampered payload', async () => {
      const [header, , signature] = (await service.sign(subject)).token.split('.')
      const escalated = encodeSegment({ ...validClaims(settings), role: 'owner', tenant_id: 'tenant-2' })
      await expectInvalid(service, `${header}.${escalated}.${signature}`)
    })

    it('should reject a token signed with a foreign secret', async () => {
      await expectInvalid(service, await forgeHs256(secret(), validClaims(settings)))
    })

    it('should reject an RS256 token, even one signed with a key it would otherwise trust', async () => {
      const { privateKey } = await generateKeyPair('RS256')
      const token = await new SignJWT(validClaims(settings))
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' })
        .sign(privateKey)
      await expectInvalid(service, token)
    })

    it.each([
      ['issuer', { iss: 'https://evil.test' }],
      ['audience', { aud: 'another-api' }]
    ])('should reject a token for another %s', async (_label, claim) => {
      await expectInvalid(service, await forgeHs256(settings.secretKey, { ...validClaims(settings), ...claim }))
    })

    it.each(['iss', 'aud', 'exp', 'iat', 'sub', 'tenant_id', 'role', 'jti'])(
      'should reject a token without %s',
      async (claim) => {
        const claims = validClaims(settings)
        delete claims[claim]
        await expectInvalid(service, await forgeHs256(settings.secretKey, claims))
      }
    )

    it.each([
      ['a role outside the four', { role: 'superuser' }],
      ['a numeric tenant_id', { tenant_id: 42 }],
      ['an empty sub', { sub: '' }],
      ['a numeric jti', { jti: 7 }],
      ['a string exp', { exp: '9999999999' }],
      ['an issuer array', { iss: ['https://stock-tracker.test'] }]
    ])('should reject %s', async (_label, claim) => {
      const claims = { ...validClaims(settings), ...claim } as JWTPayload
      await expectInvalid(service, await forgeHs256(settings.secretKey, claims))
    })

    it.each([
      ['typ JWT', { alg: 'HS256', typ: 'JWT' }],
      ['no typ', { alg: 'HS256' }]
    ])('should reject a header with %s', async (_label, header) => {
      await expectInvalid(service, await forgeHs256(settings.secretKey, validClaims(settings), header))
    })

    it('should accept the media-type spelling application/at+jwt', async () => {
      const token = await forgeHs256(settings.secretKey, validClaims(settings), { alg: 'HS256', typ: 'application/at+jwt' })
      await expect(service.verify(token)).resolves.toMatchObject({ role: 'admin' })
    })

    it('should allow 5 s of clock skew on exp and no more', async () => {
      vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-05-01T10:00:00Z') })
      const { token } = await service.sign(subject)
      vi.setSystemTime(new Date('2026-05-01T10:15:04Z'))
      await expect(service.verify(token)).resolves.toMatchObject({ sub: 'user-1' })
      vi.setSystemTime(new Date('2026-05-01T10:15:06Z'))
      await expectInvalid(service, token)
    })

    it('should remember a verified token by its exact text: a copy with a changed signature still fails', async () => {
      const { token } = await service.sign(subject)
      await expect(service.verify(token)).resolves.toMatchObject({ sub: 'user-1' })
      const [header, payload, signature] = token.split('.')
      const flipped = `${signature!.slice(0, -2)}${signature!.at(-2) === 'A' ? 'B' : 'A'}${signature!.at(-1)}`
      await expectInvalid(service, `${header}.${payload}.${flipped}`)
      await expect(service.verify(token)).resolves.toMatchObject({ sub: 'user-1' })
    })

    it('should reject a remembered token once its lifetime is over', async () => {
      vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-05-01T10:00:00Z') })
      const { token } = await service.sign(subject)
      await expect(service.verify(token)).resolves.toMatchObject({ sub: 'user-1' })
      vi.setSystemTime(new Date('2026-05-01T10:16:00Z'))
      await expectInvalid(service, token)
    })

    it('should reject a token issued in the future beyond the skew', async () => {
      const claims = validClaims(settings)
      const future = (claims.iat ?? 0) + 30
      await expectInvalid(service, await forgeHs256(settings.secretKey, { ...claims, iat: future, exp: future + 60 }))
    })

    it('should reject a token whose lifetime exceeds the configured TTL', async () => {
      const claims = validClaims(settings)
      const longAgo = (claims.iat ?? 0) - 3600
      await expectInvalid(service, await forgeHs256(settings.secretKey, { ...claims, iat: longAgo, exp: longAgo + 7200 }))
    })

    it.each(['', 'garbage', 'a.b.c', 'a.b', '...'])('should reject the malformed token %j', async (token) => {
      await expectInvalid(service, token)
    })

    it('should say only "invalid token", never echoing the token', async () => {
      const token = await forgeHs256(secret(), validClaims(settings))
      const error = await service.verify(token).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(InvalidTokenError)
      expect((error as Error).message).toBe('invalid token')
    })

    it('should report no public keys', () => {
      expect(service.jwks()).toEqual({ keys: [] })
    })

    describe('secret rotation', () => {
      it('should verify tokens signed with a previous secret until that secret is removed', async () => {
        const oldSettings = jwtSettings()
        const { token } = await (await AccessTokenService.create(oldSettings)).sign(subject)
        const rotated = await AccessTokenService.create(
          jwtSettings({ previousSecretKeys: [secret(), oldSettings.secretKey] })
        )
        await expect(rotated.verify(token)).resolves.toMatchObject({ sub: 'user-1' })
        const removed = await AccessTokenService.create(jwtSettings({ previousSecretKeys: [secret()] }))
        await expectInvalid(removed, token)
      })

      it('should sign only with the current secret', async () => {
        const current = jwtSettings()
        const rotated = await AccessTokenService.create({ ...current, previousSecretKeys: [secret()] })
        const { token } = await rotated.sign(subject)
        await expect((await AccessTokenService.create(current)).verify(token)).resolves.toMatchObject({ sub: 'user-1' })
      })
    })
  })

  describe.each([
    ['RS256', 'rsa'],
    ['EdDSA', 'ed25519']
  ] as const)('with %s', (algorithm, keyType) => {
    const current = pemPair(keyType)
    const previous = pemPair(keyType)
    let settings: JwtSettings
    let service: AccessTokenService
    let previousJwk: JWK

    beforeAll(async () => {
      settings = jwtSettings({ algorithm, privateKeyPem: current.privateKeyPem })
      service = await AccessTokenService.create(settings)
      previousJwk = (await AccessTokenService.create({ ...settings, privateKeyPem: previous.privateKeyPem })).jwks()
        .keys[0] as JWK
    })

    async function forge(
      privateKeyPem: string,
      header: Record<string, unknown>,
      payload: JWTPayload = validClaims(settings)
    ): Promise<string> {
      return new SignJWT(payload)
        .setProtectedHeader({ alg: algorithm, typ: 'at+jwt', ...header })
        .sign(createPrivateKey(privateKeyPem))
    }

    it('should round-trip, with a kid that is the key thumbprint by default', async () => {
      const { token } = await service.sign(subject)
      await expect(service.verify(token)).resolves.toMatchObject({ sub: 'user-1', role: 'admin' })
      const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { kid: string }
      expect(header).toMatchObject({ alg: algorithm, typ: 'at+jwt' })
      expect(service.jwks().keys).toEqual([expect.objectContaining({ kid: header.kid, alg: algorithm, use: 'sig' })])
      expect(header.kid).toMatch(/^[A-Za-z0-9_-]{43}$/)
    })

    it('should use the configured keyId', async () => {
      const named = await AccessTokenService.create({ ...settings, keyId: 'key-2026-05' })
      const { token } = await named.sign(subject)
      expect(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString())).toMatchObject({
        kid: 'key-2026-05'
      })
      await expect(named.verify(token)).resolves.toMatchObject({ sub: 'user-1' })
    })

    it('should publish a JWKS that jose can verify our tokens with, without private members', async () => {
      const { token } = await service.sign(subject)
      const jwks = service.jwks()
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwks as { keys: JWK[] }), {
        issuer: settings.issuer,
        audience: settings.audience
      })
      expect(payload.sub).toBe('user-1')
      expect(JSON.stringify(jwks)).not.toMatch(/"(d|p|q|dp|dq|qi)":/)
    })

    it('should reject a token signed with a foreign key under our kid', async () => {
      const kid = (service.jwks().keys[0] as JWK).kid
      await expectInvalid(service, await forge(pemPair(keyType).privateKeyPem, { kid }))
    })

    it('should reject an unknown kid even when the signature is ours', async () => {
      await expectInvalid(service, await forge(current.privateKeyPem, { kid: 'unknown-kid' }))
    })

    it('should reject a token without a kid', async () => {
      await expectInvalid(service, await forge(current.privateKeyPem, {}))
    })

    it('should ignore an attacker key embedded in the jwk header', async () => {
      const attacker = pemPair(keyType)
      const jwk = await exportJWK(createPublicKey(attacker.publicKeyPem))
      await expectInvalid(service, await forge(attacker.privateKeyPem, { jwk }))
      await expectInvalid(service, await forge(attacker.privateKeyPem, { jwk, kid: (service.jwks().keys[0] as JWK).kid }))
    })

    it('should refuse a jku or x5u header without fetching it', async () => {
      const fetchSpy = vi.spyOn(globalThis, 'fetch')
      const kid = (service.jwks().keys[0] as JWK).kid
      await expectInvalid(service, await forge(current.privateKeyPem, { kid, jku: 'http://127.0.0.1:9/jwks.json' }))
      await expectInvalid(service, await forge(current.privateKeyPem, { kid, x5u: 'http://127.0.0.1:9/cert.pem' }))
      expect(fetchSpy).not.toHaveBeenCalled()
    })

    it('should reject an HS256 token whose secret is our public key (algorithm confusion)', async () => {
      for (const publicSecret of [current.publicKeyPem, JSON.stringify(service.jwks().keys[0])]) {
        const token = await new SignJWT(validClaims(settings))
          .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: (service.jwks().keys[0] as JWK).kid })
          .sign(new TextEncoder().encode(publicSecret))
        await expectInvalid(service, token)
      }
    })

    it('should reject expired tokens and wrong audiences as with HS256', async () => {
      const kid = (service.jwks().keys[0] as JWK).kid
      const claims = validClaims(settings)
      await expectInvalid(service, await forge(current.privateKeyPem, { kid }, { ...claims, exp: (claims.iat ?? 0) - 10 }))
      await expectInvalid(service, await forge(current.privateKeyPem, { kid }, { ...claims, aud: 'other' }))
    })

    describe('key rotation', () => {
      it('should verify tokens of a previous key listed in extraPublicKeys, and publish it', async () => {
        const { token } = await (
          await AccessTokenService.create({ ...settings, privateKeyPem: previous.privateKeyPem })
        ).sign(subject)
        await expectInvalid(service, token)
        const rotated = await AccessTokenService.create({
          ...settings,
          extraPublicKeys: JSON.stringify({ keys: [previousJwk] })
        })
        await expect(rotated.verify(token)).resolves.toMatchObject({ sub: 'user-1' })
        expect(rotated.jwks().keys.map((key) => (key as JWK).kid)).toEqual([
          (service.jwks().keys[0] as JWK).kid,
          previousJwk.kid
        ])
      })
    })
  })

  describe('create', () => {
    const rsa = pemPair('rsa')
    const ed25519 = pemPair('ed25519')

    async function createError(settings: JwtSettings): Promise<Error> {
      const error = await AccessTokenService.create(settings).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(Error)
      return error as Error
    }

    it('should name a short HS256 secret without showing it', async () => {
      const error = await createError(jwtSettings({ secretKey: 'changeme' }))
      expect(error.message).toMatch(/secretKey/)
      expect(error.message).not.toContain('changeme')
      expect((await createError(jwtSettings({ previousSecretKeys: ['old'] }))).message).toMatch(/previousSecretKeys\[0\]/)
    })

    it('should require a PEM for asymmetric algorithms', async () => {
      expect((await createError(jwtSettings({ algorithm: 'EdDSA' }))).message).toMatch(/privateKeyPem.*required/)
      expect((await createError(jwtSettings({ algorithm: 'RS256', privateKeyPem: ' ' }))).message).toMatch(
        /privateKeyPem/
      )
    })

    it.each([
      ['garbage', 'not a pem at all'],
      ['an RSA key for EdDSA', rsa.privateKeyPem],
      ['a public key', ed25519.publicKeyPem]
    ])('should reject %s as privateKeyPem without showing it', async (_label, privateKeyPem) => {
      const error = await createError(jwtSettings({ algorithm: 'EdDSA', privateKeyPem }))
      expect(error.message).toMatch(/^JWT setting privateKeyPem:/)
      expect(error.message).not.toContain('PRIVATE KEY')
      expect(error.message).not.toContain(privateKeyPem.slice(0, 20))
    })

    it('should reject an RSA key under 2048 bits', async () => {
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' })
      expect((await createError(jwtSettings({ algorithm: 'RS256', privateKeyPem: small.toString() }))).message).toMatch(
        /privateKeyPem/
      )
    })

    it.each([
      ['invalid JSON', '{keys:', /not valid JSON/],
      ['a bare array', '[]', /JWKS object/],
      ['a key without kid', JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }] }), /keys\[0\].*kid/],
      ['a key that is not a key', JSON.stringify({ keys: [{ kid: 'k1', kty: 'OKP', crv: 'Ed25519' }] }), /keys\[0\].*not a public key for EdDSA/]
    ])('should reject extraPublicKeys with %s', async (_label, extraPublicKeys, message) => {
      const error = await createError(
        jwtSettings({ algorithm: 'EdDSA', privateKeyPem: ed25519.privateKeyPem, extraPublicKeys })
      )
      expect(error.message).toMatch(/^JWT setting extraPublicKeys/)
      expect(error.message).toMatch(message)
    })

    it('should refuse to publish a private key given in extraPublicKeys', async () => {
      const { privateKey } = await generateKeyPair('EdDSA', { extractable: true })
      const privateJwk = { ...(await exportJWK(privateKey)), kid: 'leaky' }
      const error = await createError(
        jwtSettings({
          algorithm: 'EdDSA',
          privateKeyPem: ed25519.privateKeyPem,
          extraPublicKeys: JSON.stringify({ keys: [privateJwk] })
        })
      )
      expect(error.message).toMatch(/private key/)
      expect(error.message).not.toContain(String(privateJwk.d))
    })

    it('should reject a kid used twice', async () => {
      const first = await AccessTokenService.create(
        jwtSettings({ algorithm: 'EdDSA', privateKeyPem: ed25519.privateKeyPem, keyId: 'same' })
      )
      const error = await createError(
        jwtSettings({
          algorithm: 'EdDSA',
          privateKeyPem: pemPair('ed25519').privateKeyPem,
          keyId: 'same',
          extraPublicKeys: JSON.stringify(first.jwks())
        })
      )
      expect(error.message).toMatch(/"same" is used by another key/)
    })

    it('should ignore blank optional settings, as unset environment variables give', async () => {
      const service = await AccessTokenService.create(
        jwtSettings({ algorithm: 'EdDSA', privateKeyPem: ed25519.privateKeyPem, keyId: '', extraPublicKeys: '' })
      )
      expect(service.jwks().keys).toHaveLength(1)
    })

    it('should reject a TTL that is not a positive integer', async () => {
      expect((await createError(jwtSettings({ accessTtlSeconds: 0 }))).message).toMatch(/accessTtlSeconds/)
    })
  })
})

describe('newRefreshToken', () => {
  it('should return 256 random bits, url-safe, with the SHA-256 hex of the token', () => {
    const { token, hash } = newRefreshToken()
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(token, 'base64url')).toHaveLength(32)
    expect(hash).toBe(createHash('sha256').update(token).digest('hex'))
  })

  it('should never repeat a token', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => newRefreshToken().token))
    expect(tokens.size).toBe(1000)
  })
})

describe('hashRefreshToken', () => {
  it('should match the hash returned at creation and differ for any other token', () => {
    const { token, hash } = newRefreshToken()
    expect(hashRefreshToken(token)).toBe(hash)
    expect(hashRefreshToken(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).not.toBe(hash)
  })
})
