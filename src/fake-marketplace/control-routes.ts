import { Type } from '@sinclair/typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { FaultSpecSchema } from './faults.js'
import { SellerInputSchema, SellerPatchSchema } from './sellers.js'
import type { FakeState } from './state.js'

const ApiKeyParams = Type.Object({ apiKey: Type.String() })

const RequestQuery = Type.Object({
  route: Type.Optional(Type.String()),
  apiKey: Type.Optional(Type.String()),
  since: Type.Optional(Type.Number())
})

/**
 * `/__fake/*`: lets other processes (demo, benchmark, multi-process tests) drive the fake as in-process
 * tests do through the `startFakeMarketplace` handle.
 */
export function controlRoutes(state: FakeState) {
  return async (plugin: FastifyInstance): Promise<void> => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>()

    scope.get('/__fake/sellers', async () => state.sellers.list())

    scope.put('/__fake/sellers', { schema: { body: SellerInputSchema } }, async (request, reply) => {
      try {
        return state.sellers.upsert(request.body)
      } catch (error) {
        return reply.code(400).send({ message: (error as Error).message })
      }
    })

    scope.patch(
      '/__fake/sellers/:apiKey',
      { schema: { params: ApiKeyParams, body: SellerPatchSchema } },
      async (request, reply) => {
        const updated = state.sellers.update(request.params.apiKey, request.body)
        return updated ?? reply.code(404).send({ message: 'no such seller' })
      }
    )

    scope.delete('/__fake/sellers/:apiKey', { schema: { params: ApiKeyParams } }, async (request, reply) =>
      state.sellers.remove(request.params.apiKey)
        ? reply.code(204).send()
        : reply.code(404).send({ message: 'no such seller' })
    )

    scope.get('/__fake/faults', async () => state.faults.list())

    scope.post('/__fake/faults', { schema: { body: FaultSpecSchema } }, async (request, reply) =>
      reply.code(201).send(state.faults.add(request.body))
    )

    scope.delete('/__fake/faults', async (_request, reply) => {
      state.faults.clear()
      return reply.code(204).send()
    })

    scope.get('/__fake/requests', { schema: { querystring: RequestQuery } }, async (request) =>
      state.requests.list(request.query)
    )

    scope.delete('/__fake/requests', async (_request, reply) => {
      state.requests.clear()
      return reply.code(204).send()
    })

    scope.post('/__fake/reset', async (_request, reply) => {
      state.reset()
      return reply.code(204).send()
    })
  }
}
