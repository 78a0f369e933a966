import { describe, expect, it } from 'vitest'
import { redact, serverMessage } from '../../../src/marketplaces/http/error-detail.js'

describe('serverMessage', () => {
  it('should take errorText from a WB content error', () => {
    expect(serverMessage('{"data":null,"error":true,"errorText":"Access denied"}')).toBe('Access denied')
  })

  it('should take message from an Ozon error', () => {
    expect(serverMessage('{"code":7,"message":"Api-Key is missing a required role for a method","details":[]}')).toBe(
      'Api-Key is missing a required role for a method'
    )
  })

  it('should take detail from problem+json', () => {
    expect(serverMessage('{"title":"unauthorized","detail":"token problem"}')).toBe('token problem')
  })

  it('should keep a plain-text body and shorten a long one', () => {
    expect(serverMessage('Request body can not be decoded')).toBe('Request body can not be decoded')
    expect(serverMessage('x'.repeat(500))).toHaveLength(201)
  })
})

describe('redact', () => {
  it('should mask every occurrence of every secret', () => {
    expect(redact('key abc and abc, id 42', ['abc', '42', ''])).toBe('key *** and ***, id ***')
  })
})
