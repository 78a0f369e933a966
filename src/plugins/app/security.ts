import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../../config/env.js'
import { CursorSigner } from '../../security/cursors.js'
import { MultiFernet } from '../../security/fernet.js'
import { PasswordHasher } from '../../security/passwords.js'
import { AccessTokenService } from '../../security/tokens.js'

declare module 'fastify' {
  interface FastifyInstance {
    tokens: AccessTokenService
    hasher: PasswordHasher
    /** Encrypts marketplace keys and other stored secrets (Fernet; the first key encrypts, all decrypt). */
    cipher: MultiFernet
    /** Signs the keyset cursors of paged lists, so a client cannot forge a position. */
    cursors: CursorSigner
  }
}

/** Key material and the primitives built from it. Secrets are resolved before the app starts (config/secrets.ts). */
async function security(app: FastifyInstance, opts: { config: Config }) {
  const { config } = opts
  const { secretKey, encryptionKeys } = config.secrets
  if (!secretKey || !encryptionKeys) throw new Error('SECRET_KEY and ENCRYPTION_MASTER_KEY must be resolved before the app is built')
  const tokens = await AccessTokenService.create({
    algorithm: config.jwt.algorithm,
    secretKey,
    previousSecretKeys: config.jwt.previousSecretKeys,
    privateKeyPem: config.jwt.privateKeyPem,
    keyId: config.jwt.keyId,
    extraPublicKeys: config.jwt.extraPublicKeys,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    accessTtlSeconds: 900
  })
  app.decorate('tokens', tokens)
  app.decorate('hasher', new PasswordHasher(config.passwordHash))
  app.decorate('cipher', MultiFernet.fromEnv(encryptionKeys))
  app.decorate('cursors', new CursorSigner(secretKey))

  app.get('/.well-known/jwks.json', { schema: { hide: true } }, async () => tokens.jwks())
}

export default fp(security, { name: 'security' })
