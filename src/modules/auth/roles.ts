/** Every tenant role, strongest first. */
export const ROLES = ['owner', 'admin', 'user', 'viewer'] as const
export type Role = (typeof ROLES)[number]
