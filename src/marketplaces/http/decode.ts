import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'

/** Checks a parsed response body against its documented shape; extra fields are allowed. */
export interface BodyCheck<T> {
  check(value: unknown): value is T
  /** First mismatch, for an error detail. */
  explain(value: unknown): string
}

export function bodyCheck<S extends TSchema>(schema: S): BodyCheck<Static<S>> {
  const compiled = TypeCompiler.Compile(schema)
  return {
    check: (value): value is Static<S> => compiled.Check(value),
    explain: (value) => {
      const first = compiled.Errors(value).First()
      return first ? `${first.path || '/'}: ${first.message}` : 'shape mismatch'
    }
  }
}

/** A field the marketplace may omit or send as null. */
export const OptionalNullable = <S extends TSchema>(schema: S) => Type.Optional(Type.Union([schema, Type.Null()]))
