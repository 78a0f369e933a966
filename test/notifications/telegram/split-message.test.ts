import { describe, expect, it } from 'vitest'
import { splitMessage } from '../../../src/notifications/telegram/split-message.js'

describe('splitMessage', () => {
  it('should keep a short text as one message', () => {
    expect(splitMessage('SKU-1: 2 left\nSKU-2: 0 left')).toEqual(['SKU-1: 2 left\nSKU-2: 0 left'])
  })

  it('should break between lines so that no message exceeds the limit', () => {
    const lines = Array.from({ length: 10 }, (_, index) => `SKU-${index}: low`)

    const messages = splitMessage(lines.join('\n'), 30)

    expect(messages).toEqual([
      'SKU-0: low\nSKU-1: low',
      'SKU-2: low\nSKU-3: low',
      'SKU-4: low\nSKU-5: low',
      'SKU-6: low\nSKU-7: low',
      'SKU-8: low\nSKU-9: low'
    ])
  })

  it('should fill each message up to exactly the limit', () => {
    expect(splitMessage('aaaa\nbbbb\ncccc', 9)).toEqual(['aaaa\nbbbb', 'cccc'])
  })

  it('should respect the 4096-character Telegram limit by default', () => {
    const line = 'x'.repeat(100)
    const messages = splitMessage(Array.from({ length: 100 }, () => line).join('\n'))

    expect(messages).toHaveLength(3)
    for (const message of messages) expect(message.length).toBeLessThanOrEqual(4096)
    expect(messages.join('\n')).toBe(Array.from({ length: 100 }, () => line).join('\n'))
  })

  it('should cut a single line that is longer than the limit', () => {
    expect(splitMessage('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij'])
  })

  it('should not cut inside a surrogate pair', () => {
    const messages = splitMessage('abc😀def', 4)

    expect(messages).toEqual(['abc', '😀de', 'f'])
  })

  it('should drop the blank lines left at a break', () => {
    expect(splitMessage('abcde\n\n\nfgh', 5)).toEqual(['abcde', 'fgh'])
  })

  it('should give no message for blank text', () => {
    expect(splitMessage('')).toEqual([])
    expect(splitMessage(' \n\n ')).toEqual([])
  })

  it.each([0, 1, 2.5])('should refuse the limit %s', (limit) => {
    expect(() => splitMessage('text', limit)).toThrow(RangeError)
  })
})
