import { runCommand } from './run.js'

await runCommand(async ({ db }) => {
  const started = Date.now()
  await db.migrate()
  console.log(`Migrations applied on ${db.kind} in ${Date.now() - started} ms`)
})
