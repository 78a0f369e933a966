import { describe, expect, it } from 'vitest'
import type { AlertedProduct } from '../../../src/modules/alerts/repository.js'
import { alertMessage, LINES_PER_STATE } from '../../../src/modules/telegram/message.js'
import { splitMessage, TELEGRAM_MESSAGE_LIMIT } from '../../../src/notifications/telegram/split-message.js'

const product = (state: 'low' | 'out', name: string, extra: Partial<AlertedProduct> = {}): AlertedProduct => ({
  state,
  name,
  vendor_code: null,
  total_stock: state === 'out' ? 0 : 3,
  threshold: 10,
  days_of_stock: null,
  of_state: 1,
  ...extra
})

describe('alertMessage', () => {
  it('should list out-of-stock products first, then low ones with what is left', () => {
    const text = alertMessage([
      product('out', 'Mug', { vendor_code: 'M-1' }),
      product('low', 'Plate', { of_state: 2, days_of_stock: 2.25 }),
      product('low', 'Cup', { of_state: 2, total_stock: 7 })
    ])
    expect(text).toBe(
      [
        'Stock alert: 1 out of stock, 2 running low',
        '',
        'Out of stock:',
        '• Mug (M-1)',
        '',
        'Running low:',
        '• Plate: 3 left (threshold 10, 2.3 days of stock)',
        '• Cup: 7 left (threshold 10)'
      ].join('\n')
    )
  })

  it('should count the products it does not list', () => {
    const listed = Array.from({ length: LINES_PER_STATE }, (_, i) => product('low', `P${i}`, { of_state: 120 }))
    const text = alertMessage(listed)
    expect(text.startsWith('Stock alert: 120 running low')).toBe(true)
    expect(text.endsWith(`…and ${120 - LINES_PER_STATE} more (GET /api/v1/alerts lists them all)`)).toBe(true)
  })

  it('should split into messages Telegram takes, breaking between products', () => {
    const longName = 'Керамическая кружка ручной работы с глазурью '.repeat(2)
    const listed = (['out', 'low'] as const).flatMap((state) =>
      Array.from({ length: LINES_PER_STATE }, (_, i) => product(state, `${longName}${i}`, { of_state: LINES_PER_STATE }))
    )
    const parts = splitMessage(alertMessage(listed))
    expect(parts.length).toBeGreaterThan(1)
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(TELEGRAM_MESSAGE_LIMIT)
    expect(parts.join('\n').split('\n').filter((line) => line.startsWith('• '))).toHaveLength(2 * LINES_PER_STATE)
  })
})
