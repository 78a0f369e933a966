/**
 * A newcomer's first look: starts the fake marketplace and the service (embedded database in a temporary folder),
 * signs up a seller, stores a Wildberries key, runs a sync, and prints what the seller would see.
 * `npm run demo -- --serve` keeps both running afterwards so the API and /docs can be explored.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config/env.js'
import { resolveSecrets } from '../src/config/secrets.js'
import { startFakeMarketplace } from '../src/fake-marketplace/server.js'
import { api } from './api-client.js'

const serve = process.argv.includes('--serve')
const WB_KEY = 'demo-wb-token-1'

const dataDir = await mkdtemp(path.join(tmpdir(), 'stock-tracker-demo-'))
const fake = await startFakeMarketplace({ sellers: [{ marketplace: 'wildberries', apiKey: WB_KEY, products: 300, sellerWarehouses: 2, fboWarehouses: 2 }] })
const config = await resolveSecrets(
  loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    WB_API_BASE_URL: fake.url,
    OZON_API_BASE_URL: fake.url,
    MARKETPLACE_PACING: 'relaxed',
    JOB_POLL_INTERVAL_S: '0.5'
  }),
  () => {}
)
const app = await buildApp(config)
const base = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) })

const call = <T>(method: string, url: string, token?: string, body?: unknown) => api<T>(base, method, url, token, body)

const step = (text: string) => console.log(`\n▸ ${text}`)
const pad = (value: unknown, width: number) => String(value ?? '—').slice(0, width).padEnd(width)

try {
  console.log(`Stock Tracker demo — API ${base}  (docs: ${base}/docs)  fake marketplace ${fake.url}`)
  step('Sign up "Demo Trading" as its owner')
  const tokens = await call<{ access_token: string }>('POST', '/api/v1/auth/register', undefined, {
    email: 'owner@demo.example',
    password: 'demo passphrase 2026',
    company_name: 'Demo Trading',
    marketplace_type: 'wildberries'
  })
  const token = tokens.access_token

  step('Store the Wildberries API key (checked with the marketplace, kept encrypted)')
  const credentials = await call<{ status: string; api_key_last4: string }>('PATCH', '/api/v1/tenants/me/credentials', token, {
    marketplace_type: 'wildberries',
    api_key: WB_KEY
  })
  console.log(`  key …${credentials.api_key_last4}: ${credentials.status}`)

  step('Sync products and stock')
  const accepted = await call<{ job_id: string; status_url: string }>('POST', '/api/v1/products/sync', token)
  let job: { status: string; progress: { pages: number; products: number; stock_rows: number }; error: unknown }
  do {
    await new Promise((r) => setTimeout(r, 300))
    job = await call('GET', accepted.status_url, token)
  } while (job.status === 'queued' || job.status === 'running')
  console.log(`  ${job.status}: ${job.progress.products} products, ${job.progress.stock_rows} stock rows in ${job.progress.pages} pages`)

  step('Products running lowest')
  const low = await call<{ total: number; items: Array<{ name: string; vendor_code: string; total_stock: number; days_of_stock: number | null }> }>(
    'GET',
    '/api/v1/products?sort=total_stock&limit=8',
    token
  )
  console.log(`  ${pad('vendor code', 14)} ${pad('name', 36)} ${pad('stock', 7)} days left`)
  for (const p of low.items) console.log(`  ${pad(p.vendor_code, 14)} ${pad(p.name, 36)} ${pad(p.total_stock, 7)} ${p.days_of_stock ?? 'not enough history yet'}`)
  const lowStock = await call<{ total: number }>('GET', '/api/v1/products?low_stock=true&limit=1', token)
  console.log(`  ${lowStock.total} of ${low.total} products are at or below their low-stock threshold`)

  step('Warehouses')
  const warehouses = await call<{ items: Array<{ name: string; type: string; product_count: number; total_quantity: number }> }>('GET', '/api/v1/warehouses', token)
  for (const w of warehouses.items) console.log(`  ${pad(w.type.toUpperCase(), 4)} ${pad(w.name, 32)} ${pad(`${w.product_count} products`, 14)} ${w.total_quantity} units`)

  step('Tenant and sync health')
  const tenant = await call<{ name: string; subscription: { plan: string }; sync: { last_success_at: string; stale: boolean } }>('GET', '/api/v1/tenants/me', token)
  console.log(`  ${tenant.name} on the ${tenant.subscription.plan} plan; last sync ${tenant.sync.last_success_at}; stale: ${tenant.sync.stale}`)
  console.log(`\nExport: curl -H "Authorization: Bearer <token>" ${base}/api/v1/stocks/export`)
} finally {
  if (serve) {
    console.log(`\nServing on ${base} — Ctrl+C to stop.`)
    const stop = async () => {
      await app.close()
      await fake.close()
      await rm(dataDir, { recursive: true, force: true })
      process.exit(0)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  } else {
    await app.close()
    await fake.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}
