import { invalid } from '../../errors.js'
import { isCommonPassword } from '../../security/passwords.js'

/**
 * Length (8–128 code points) is enforced by the request schema before any hashing; this adds the rule a schema
 * cannot express: the most common passwords are refused. No composition rules, as NIST SP 800-63B advises.
 */
export function assertAcceptablePassword(field: string, password: string): void {
  if (isCommonPassword(password)) throw invalid(field, 'is one of the most commonly used passwords; choose another')
}
