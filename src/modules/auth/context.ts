import type { Plan } from '../tenants/plans.js'
import type { Role } from './permissions.js'

/** Who is calling and from where; every service method takes this (or `AuthContext`) first. */
export interface RequestMeta {
  requestId: string
  ip: string
  userAgent: string | null
}

/** A verified caller: the token was valid and its user and session still exist, with the user's current role. */
export interface AuthContext extends RequestMeta {
  userId: string
  tenantId: string
  role: Role
  sessionId: string
  /** The tenant's plan as of this request. */
  plan: Plan
  /**
   * When this process began authenticating the request (`performance.now()`): the request's cache reads may share
   * what the cache looked up since then, and nothing older.
   */
  startedAt: number
}
