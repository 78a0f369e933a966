import { readFileSync } from 'node:fs'
import { projectPath } from './project-root.js'

/** The package version, read once; reported by `/`, `/api/v1/health` and the OpenAPI document. */
export const { version, name } = JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as {
  version: string
  name: string
}
