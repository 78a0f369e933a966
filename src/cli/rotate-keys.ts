import { rotateEncryptedColumns } from '../security/key-rotation.js'
import { MultiFernet } from '../security/fernet.js'
import { runCommand } from './run.js'

await runCommand(async ({ config, db }) => {
  const cipher = MultiFernet.fromEnv(config.secrets.encryptionKeys!)
  const counts = await rotateEncryptedColumns(db, cipher)
  for (const [column, n] of Object.entries(counts)) console.log(`${column}: ${n} re-encrypted with the first key`)
})
