import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { FernetKeyError, MultiFernet, generateFernetKey } from '../security/fernet.js'
import { ConfigError, type Config } from './env.js'

const MIN_SECRET_LENGTH = 32
const MIN_DISTINCT_CHARACTERS = 10

interface StoredSecrets {
  secret_key?: string
  encryption_master_key?: string
}

function assertStrongSecret(value: string): void {
  if (value.length < MIN_SECRET_LENGTH || new Set(value).size < MIN_DISTINCT_CHARACTERS) {
    throw new ConfigError(
      `Invalid configuration: SECRET_KEY is too weak (use at least ${MIN_SECRET_LENGTH} random characters, e.g. \`openssl rand -base64 48\`)`
    )
  }
}

function assertFernetKeys(value: string): void {
  try {
    MultiFernet.fromEnv(value)
  } catch (error) {
    if (error instanceof FernetKeyError) throw new ConfigError(`Invalid configuration: ENCRYPTION_MASTER_KEY: ${error.message}`)
    throw error
  }
}

/**
 * Makes sure the signing and encryption keys exist. Set keys are checked for strength. Outside production, missing
 * keys are generated once and kept in DATA_DIR (mode 0600) so tokens and stored credentials survive restarts; in
 * production a missing key stops start-up.
 */
export async function resolveSecrets(config: Config, warn: (message: string) => void): Promise<Config> {
  let { secretKey, encryptionKeys } = config.secrets
  if (secretKey) assertStrongSecret(secretKey)
  if (encryptionKeys) assertFernetKeys(encryptionKeys)
  if (secretKey && encryptionKeys) return config

  const missing = [!secretKey && 'SECRET_KEY', !encryptionKeys && 'ENCRYPTION_MASTER_KEY'].filter(Boolean).join(' and ')
  if (config.production) throw new ConfigError(`Invalid configuration: ${missing} must be set when NODE_ENV=production`)
  if (config.db.dataDir.startsWith('memory://')) throw new ConfigError(`Invalid configuration: ${missing} must be set with an in-memory DATA_DIR`)

  const file = path.join(config.db.dataDir, 'secrets.json')
  const stored: StoredSecrets = await readFile(file, 'utf8')
    .then((text) => JSON.parse(text) as StoredSecrets)
    .catch(() => ({}))
  const generated: string[] = []
  if (!secretKey) {
    if (!stored.secret_key) generated.push('SECRET_KEY')
    secretKey = stored.secret_key ??= randomBytes(48).toString('base64url')
  }
  if (!encryptionKeys) {
    if (!stored.encryption_master_key) generated.push('ENCRYPTION_MASTER_KEY')
    encryptionKeys = stored.encryption_master_key ??= generateFernetKey()
  }
  if (generated.length > 0) {
    await mkdir(config.db.dataDir, { recursive: true })
    await writeFile(file, JSON.stringify(stored, null, 2), { mode: 0o600 })
    await chmod(file, 0o600)
  }
  warn(
    `${missing} not set: using ${generated.length > 0 ? 'newly generated' : 'previously generated'} development keys from ${file}. ` +
      'Set them explicitly in production.'
  )
  return { ...config, secrets: { secretKey, encryptionKeys } }
}
