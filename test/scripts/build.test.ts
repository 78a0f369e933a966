import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isStale, removeUnlistedChunks } from '../../scripts/build.mjs'

/** A project folder whose last build started at `builtAt` and read src/a.ts, wrote dist/a.js. */
async function builtProject(root: string, builtAt: number): Promise<void> {
  await mkdir(path.join(root, 'src'))
  await mkdir(path.join(root, 'dist'))
  await writeFile(path.join(root, 'src', 'a.ts'), 'export {}')
  await writeFile(path.join(root, 'dist', 'a.js'), 'export {}')
  const before = new Date(builtAt - 60_000)
  await utimes(path.join(root, 'src', 'a.ts'), before, before)
  await writeFile(path.join(root, 'dist', 'build-record.json'), JSON.stringify({ startedAt: builtAt, inputs: ['src/a.ts'], outputs: ['dist/a.js'] }))
}

describe('isStale (npm start rebuilds only then)', () => {
  let root: string
  const builtAt = Date.now() - 10_000
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'stock-tracker-build-'))
    await builtProject(root, builtAt)
  })
  afterEach(() => rm(root, { recursive: true, force: true }))

  it('should be fresh when no input changed since the build started', () => {
    expect(isStale(root)).toBe(false)
  })

  it('should be stale when an input was modified after the build started', async () => {
    await writeFile(path.join(root, 'src', 'a.ts'), 'export const edited = true')
    expect(isStale(root)).toBe(true)
  })

  it('should be stale when an input was deleted', async () => {
    await rm(path.join(root, 'src', 'a.ts'))
    expect(isStale(root)).toBe(true)
  })

  it('should be stale when an output is missing', async () => {
    await rm(path.join(root, 'dist', 'a.js'))
    expect(isStale(root)).toBe(true)
  })

  it('should be stale when there is no record of a build', async () => {
    await rm(path.join(root, 'dist', 'build-record.json'))
    expect(isStale(root)).toBe(true)
  })
})

describe('removeUnlistedChunks (dist/ does not grow with every rebuild)', () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'stock-tracker-chunks-'))
    await mkdir(path.join(root, 'dist', 'chunks'), { recursive: true })
  })
  afterEach(() => rm(root, { recursive: true, force: true }))

  it('should delete the chunks of earlier builds and keep the ones the new build listed', async () => {
    for (const name of ['app-NEW.js', 'app-NEW.js.map', 'app-OLD.js', 'app-OLD.js.map']) await writeFile(path.join(root, 'dist', 'chunks', name), '')
    removeUnlistedChunks(root, ['dist/server.js', 'dist/chunks/app-NEW.js', 'dist/chunks/app-NEW.js.map'])
    expect((await readdir(path.join(root, 'dist', 'chunks'))).sort()).toEqual(['app-NEW.js', 'app-NEW.js.map'])
  })
})
