import { readFileSync } from 'node:fs'

/** The package version, read once; reported by `/`, `/api/v1/health` and the OpenAPI document. */
export const { version, name } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string
  name: string
}
