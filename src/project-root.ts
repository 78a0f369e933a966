import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The folder holding package.json. Found by walking up rather than by a fixed relative path, because the same
 * code runs from src/ (tests, tsx) and bundled into dist/ (npm start), at different depths.
 */
function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`)
  }
}

export const PROJECT_ROOT = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)))

/** A path inside the project, e.g. `projectPath('src', 'db', 'migrations')`. */
export const projectPath = (...segments: string[]) => path.join(PROJECT_ROOT, ...segments)
