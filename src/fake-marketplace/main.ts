import type { SellerInput } from './sellers.js'
import { startFakeMarketplace } from './server.js'

// Demo sellers: two of each marketplace with different catalogues, and a key of each lacking its role.
const DEMO_SELLERS: SellerInput[] = [
  { marketplace: 'wildberries', apiKey: 'demo-wb-token-1' },
  { marketplace: 'wildberries', apiKey: 'demo-wb-token-2', products: 400 },
  { marketplace: 'wildberries', apiKey: 'demo-wb-token-no-scope', missingScope: true },
  { marketplace: 'ozon', clientId: '100001', apiKey: 'demo-ozon-key-1' },
  { marketplace: 'ozon', clientId: '100002', apiKey: 'demo-ozon-key-2', products: 3_000 },
  { marketplace: 'ozon', clientId: '100003', apiKey: 'demo-ozon-key-no-role', missingScope: true }
]

const port = Number(process.env.FAKE_MARKETPLACE_PORT ?? 9100)
const host = process.env.FAKE_MARKETPLACE_HOST ?? '127.0.0.1'
const fake = await startFakeMarketplace({ port, host, sellers: DEMO_SELLERS })

const keys = DEMO_SELLERS.map((seller) =>
  seller.marketplace === 'ozon'
    ? `  ozon         Client-Id ${seller.clientId}  Api-Key ${seller.apiKey}${seller.missingScope ? '  (403: no role)' : ''}`
    : `  wildberries  token ${seller.apiKey}${seller.missingScope ? '  (403: no category)' : ''}`
)
process.stdout.write(
  [
    `Fake marketplace (Wildberries + Ozon) listening on ${fake.url}`,
    `Control API: ${fake.url}/__fake/sellers, /__fake/faults, /__fake/requests, POST /__fake/reset`,
    'Demo credentials:',
    ...keys,
    ''
  ].join('\n')
)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void fake.close().then(() => process.exit(0))
  })
}
