/**
 * The permission matrix: the one place that says which role may do what. Routes name a permission; tests walk
 * every cell of this table.
 */
import { ROLES, type Role } from './roles.js'

export { ROLES, type Role }

const EVERYONE: readonly Role[] = ROLES
const MANAGERS: readonly Role[] = ['owner', 'admin']

export const PERMISSIONS = {
  'tenant:read': EVERYONE,
  'tenant:update': ['owner'],
  'credentials:manage': MANAGERS,
  'users:read': MANAGERS,
  'users:manage': MANAGERS,
  'sync:run': MANAGERS,
  'sync:read': EVERYONE,
  'products:read': EVERYONE,
  'products:update': MANAGERS,
  'audit:read': MANAGERS,
  'webhooks:manage': MANAGERS,
  'alerts:read': EVERYONE,
  /** Low-stock thresholds of the tenant and the Telegram channel. */
  'alerts:manage': MANAGERS
} as const satisfies Record<string, readonly Role[]>

export type Permission = keyof typeof PERMISSIONS

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role)
}

/** Which roles each role may give to a team member; nobody creates or assigns a second owner. */
export const ASSIGNABLE_ROLES: Record<Role, readonly Role[]> = {
  owner: ['admin', 'user', 'viewer'],
  admin: ['user', 'viewer'],
  user: [],
  viewer: []
}

/** Whether `actor` may manage (change or remove) a member who currently has `target`. */
export function canManageMember(actor: Role, target: Role): boolean {
  return ASSIGNABLE_ROLES[actor].includes(target)
}
