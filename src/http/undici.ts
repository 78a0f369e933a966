import type Undici from 'undici'

let loading: Promise<typeof Undici> | undefined

/**
 * undici, loaded when the service first calls out (a marketplace, a webhook receiver, Telegram) rather than at
 * start-up, which it would lengthen by ~50 ms for an API that needs it only later. Through `default`, the CommonJS
 * module itself: the one export both Node's loader and the bundle's chunks give a CommonJS package.
 */
export function undici(): Promise<typeof Undici> {
  loading ??= import('undici').then((module) => module.default)
  return loading
}
