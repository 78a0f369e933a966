const MAX_MESSAGE_LENGTH = 200
const MESSAGE_FIELDS = ['errorText', 'message', 'detail', 'title'] as const

/** The human message inside a marketplace error body (WB content/marketplace, problem+json, Ozon RPC). */
export function serverMessage(text: string): string {
  let message = text.trim()
  try {
    const body: unknown = JSON.parse(text)
    if (body && typeof body === 'object') {
      const record = body as Record<string, unknown>
      const field = MESSAGE_FIELDS.map((name) => record[name]).find(
        (value) => typeof value === 'string' && value !== ''
      )
      if (typeof field === 'string') message = field
    }
  } catch {
    // Not JSON (WB sometimes answers 400 in plain text): the raw text is the message.
  }
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message
}

/** Masks credentials: a server or proxy may echo them back inside an error body. */
export function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce((masked, secret) => (secret ? masked.split(secret).join('***') : masked), text)
}
