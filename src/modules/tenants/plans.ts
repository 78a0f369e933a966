/**
 * The plan table: quotas, sync cadence and API rate limits per plan. `null` means unlimited.
 * Changing a tenant's plan: `npm run set-plan -- <tenant-id> <plan>`.
 */
export const PLANS = {
  free: { products: 1_000, users: 5, syncIntervalMinutes: 60, manualSyncsPerDay: 10, apiRequestsPerMinute: 600 },
  pro: { products: 20_000, users: 25, syncIntervalMinutes: 15, manualSyncsPerDay: 100, apiRequestsPerMinute: 3_000 },
  enterprise: { products: null, users: null, syncIntervalMinutes: 5, manualSyncsPerDay: null, apiRequestsPerMinute: 12_000 }
} as const satisfies Record<string, PlanLimits>

export interface PlanLimits {
  products: number | null
  users: number | null
  syncIntervalMinutes: number
  manualSyncsPerDay: number | null
  apiRequestsPerMinute: number
}

export type Plan = keyof typeof PLANS
export const PLAN_NAMES = Object.keys(PLANS) as Plan[]

export function planLimits(plan: string): PlanLimits {
  return PLANS[plan as Plan] ?? PLANS.free
}

export function isPlan(value: string): value is Plan {
  return Object.hasOwn(PLANS, value)
}
