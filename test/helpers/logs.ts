import { Writable } from 'node:stream'

/** A log destination that keeps every record, for tests that check what was (or was not) logged. */
export function captureLogs() {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString())
      callback()
    }
  })
  const text = () => chunks.join('')
  const records = () =>
    text()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string; [key: string]: unknown })
  return { stream, text, records }
}
