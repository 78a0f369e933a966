import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { authOf } from '../../plugins/app/authentication.js'
import { AUTH_ERRORS, BEARER_AUTH, BODY_ERRORS, problems } from '../../schemas.js'
import type { CredentialMetadata as CredentialRow } from './repository.js'
import { CredentialMetadata, CredentialsBody, MarketplaceParams, Tenant, UpdateTenantBody } from './schemas.js'

const tags = ['tenants']

function toCredentialResponse(row: CredentialRow) {
  return {
    marketplace_type: row.marketplaceType as 'wildberries' | 'ozon',
    configured_at: row.configuredAt.toISOString(),
    api_key_last4: row.apiKeyLast4,
    status: row.status as 'valid' | 'unverified' | 'invalid',
    status_detail: row.statusDetail,
    verified_at: row.verifiedAt?.toISOString() ?? null
  }
}

const tenantRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tenants = app.services.tenants

  app.get(
    '/me',
    {
      config: { permission: 'tenant:read' },
      schema: { tags, security: BEARER_AUTH, summary: 'The caller’s tenant: plan, limits, credentials metadata', response: { 200: Tenant, ...problems(...AUTH_ERRORS) } }
    },
    async (request) => tenants.overview(authOf(request))
  )

  app.patch(
    '/me',
    {
      // The route admits everyone who may change something here; the service checks renaming, which is the owner's.
      config: { permission: 'alerts:manage' },
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Rename the tenant (owner) or change its low-stock thresholds (owner, admin)',
        body: UpdateTenantBody,
        response: { 200: Tenant, ...problems(...AUTH_ERRORS, ...BODY_ERRORS) }
      }
    },
    async (request) => tenants.update(authOf(request), request.body)
  )

  app.patch(
    '/me/credentials',
    {
      config: { permission: 'credentials:manage' },
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Store marketplace API credentials (encrypted; only metadata is ever returned)',
        body: CredentialsBody,
        response: { 200: CredentialMetadata, ...problems(...AUTH_ERRORS, ...BODY_ERRORS) }
      }
    },
    async (request) => toCredentialResponse(await tenants.setCredentials(authOf(request), request.body))
  )

  app.delete(
    '/me/credentials/:marketplace_type',
    {
      config: { permission: 'credentials:manage' },
      schema: {
        tags,
        security: BEARER_AUTH,
        summary: 'Remove stored credentials for a marketplace',
        params: MarketplaceParams,
        response: { 204: Type.Null({ description: 'Removed' }), ...problems(...AUTH_ERRORS, 404, 422) }
      }
    },
    async (request, reply) => {
      await tenants.removeCredentials(authOf(request), request.params.marketplace_type)
      return reply.code(204).send(null)
    }
  )
}

export default tenantRoutes
