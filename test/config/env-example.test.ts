import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { EnvSchema } from '../../src/config/env.js'
import { projectPath } from '../../src/project-root.js'

describe('.env.example', () => {
  it('should list every variable the service reads', () => {
    const text = readFileSync(projectPath('.env.example'), 'utf8')
    const listed = new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]))
    const missing = Object.keys(EnvSchema.properties).filter((name) => !listed.has(name))
    expect(missing).toEqual([])
  })
})
