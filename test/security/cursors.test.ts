import { describe, expect, it } from 'vitest'
import { CursorSigner } from '../../src/security/cursors.js'

const signer = new CursorSigner('test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz')

describe('CursorSigner', () => {
  it('should give back the values it encoded', () => {
    const values = ['-days_of_stock', 12.345678901234567, '0b6f1c2e-0000-4000-8000-000000000001']
    expect(signer.decode(signer.encode(values))).toEqual(values)
    expect(signer.decode(signer.encode(['name', 'Кружка, "большая"', 'id']))).toEqual(['name', 'Кружка, "большая"', 'id'])
  })

  it('should produce URL-safe text', () => {
    expect(signer.encode(['name', '???>>>', 'id'])).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
  })

  it('should refuse a cursor whose values were edited', () => {
    const [, tag] = signer.encode(['name', 'a', 'id']).split('.')
    const edited = Buffer.from(JSON.stringify(['name', 'b', 'id'])).toString('base64url')
    expect(signer.decode(`${edited}.${tag}`)).toBeNull()
  })

  it('should refuse a cursor signed with another key', () => {
    expect(new CursorSigner('another-secret-key-0123456789-abcdefghijklmnop').decode(signer.encode(['name', 'a', 'id']))).toBeNull()
  })

  it.each(['', '.', 'abc', 'abc.def', 'abc.def.ghi', '!!!.???'])('should refuse %j', (cursor) => {
    expect(signer.decode(cursor)).toBeNull()
  })
})
